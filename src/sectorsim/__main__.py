"""``python -m sectorsim`` runs the command line."""

from sectorsim.cli import main

main()
