"""`python3 -m cbpfconform.fuzz campaign ...`: the `cbpf fuzz` command (campaign.py)."""
import sys

from .campaign import main

sys.exit(main())
