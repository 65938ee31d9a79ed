"""``python -m deepgrad.lab NAME [--quick] [--out DIR] [--dataset D] [--seed N]``."""

import sys

from . import main

if __name__ == "__main__":
    sys.exit(main())
