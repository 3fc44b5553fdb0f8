"""The screens over the dashboard: the step-through, the graph view, help, the preset
picker, the settings form and small dialogs. Each returns a typed result through
`dismiss(...)` (None when cancelled). Their CSS is in `tui/styles/`."""

from pathlib import Path

STYLES = Path(__file__).parent.parent / "styles"
"""The folder of the app's and the screens' .tcss files."""

DIALOGS_CSS = STYLES / "dialogs.tcss"
"""The modal dialogs' CSS (every dialog names it, so it comes with the first one shown)."""
