"""`python -m app` is the `socketscope` command: the window, or a subcommand."""

import sys

from app.cli import main

sys.exit(main())
