"""The bundled program's entry point: the `socketscope` command."""

import sys

from app.cli import main

# The window starts its document process as `sys.executable -m app.core.docworker <fds>`. In the bundle
# `sys.executable` is this program, which has no interpreter to take `-m`: it runs that module itself.
DOCUMENT_PROCESS = ["-m", "app.core.docworker"]

if __name__ == "__main__":
    if sys.argv[1:3] == DOCUMENT_PROCESS:
        from app.core import docworker

        sys.exit(docworker.main(sys.argv[3:]))
    sys.exit(main())
