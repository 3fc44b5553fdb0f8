"""`python -m backprop_tui.tui` runs the `backprop-tui` command line."""

from backprop_tui.tui.cli.main import main

raise SystemExit(main())
