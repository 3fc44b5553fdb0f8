"""The `backprop-tui` command line. Imports no Textual.

`main` (the entry point, errors → exit codes), `parser` (argparse, the argv rewrites),
`handlers` (the table from a command to its handler), `commands` and `train` (the
handlers), `progress` (what `train` shows while it runs), `report` (plain-text
formatting), `documents` (the JSON it prints), `exits` (exit codes, one-line errors).
"""
