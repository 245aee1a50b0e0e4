"""``python -m osint_kit``: the ``osint-kit`` command line."""

import sys

from osint_kit.cli import main

sys.exit(main())
