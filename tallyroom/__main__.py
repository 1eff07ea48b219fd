"""``python -m tallyroom``: the command line."""

from tallyroom.cli import main

main()
