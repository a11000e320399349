"""`python -m faaslib`: the `faaslib` command."""

import sys

from faaslib.cli import main

if __name__ == "__main__":
    sys.exit(main())
