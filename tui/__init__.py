"""backprop-tui terminal user interface and command line."""
