"""``python -m critmin`` runs the command line."""

from critmin.views.cli import main

main()
