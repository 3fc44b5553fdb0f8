"""Modal screens of the dashboard: help, preset picker, settings form and small dialogs.
Each returns a typed result through `dismiss(...)` (None when cancelled)."""
