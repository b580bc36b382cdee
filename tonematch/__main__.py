"""`python -m tonematch` runs the command line."""

import sys

from tonematch.cli import main

sys.exit(main())
