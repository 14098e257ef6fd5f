"""`python3 -m cbpfconform COMMAND ...`: the `cbpf corpus` command (cli.py)."""
import sys

from .cli import main

sys.exit(main())
