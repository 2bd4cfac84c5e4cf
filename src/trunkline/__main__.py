"""``python -m trunkline``."""

from trunkline.cli.app import main

main()
