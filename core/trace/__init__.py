"""One training step recorded as ordered phases, each with its equation and its numbers."""
