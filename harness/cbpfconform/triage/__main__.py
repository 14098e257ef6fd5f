"""`python3 -m cbpfconform.triage ...`: the `cbpf triage` command (cli.py)."""
import sys

from .cli import main

sys.exit(main())
