"""`python -m scheduler`: see scheduler.cli."""

import sys

from .cli import main

sys.exit(main())
