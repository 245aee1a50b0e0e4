import sys

from osint_kit.cli import main

sys.exit(main())
