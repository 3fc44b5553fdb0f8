"""Presets: the TOML schema, its validation, loading and listing, and the document saved
back."""
