"""`python -m tui` runs the `backprop-tui` command line."""

from tui.cli import main

raise SystemExit(main())
