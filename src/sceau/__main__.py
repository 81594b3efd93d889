"""``python -m sceau``: the same command as ``sceau``."""

from sceau.cli import main

main()
