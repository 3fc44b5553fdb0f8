"""The `backprop-tui` command line: parser, handlers and plain-text reporters. Imports no
Textual."""
