"""The shipped presets: TOML files (and the small data files they name)."""
