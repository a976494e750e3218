"""`python -m eligibility …`: the engine's command line (see `eligibility.cli`)."""

from __future__ import annotations

import sys

from eligibility.cli import main

if __name__ == "__main__":
    sys.exit(main())
