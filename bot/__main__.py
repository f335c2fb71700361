"""Run the command line with `python -m bot`."""

import sys

from .cli import main

sys.exit(main())
