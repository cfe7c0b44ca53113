"""``python -m commcentre_tui`` runs the command line."""

from commcentre_tui.cli import entry

entry()
