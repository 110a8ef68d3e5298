"""``python -m tether`` runs the CLI."""

from tether.cli.main import main

main()
