"""`python -m app` launches the desktop window."""

import sys

from app.main import main

sys.exit(main())
