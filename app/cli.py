"""The `socketscope` command: the window by default, or a headless subcommand.

Subcommands live in `app.commands.<name>` and expose `run(argv) -> int`; they are
imported only when asked for, and never import Qt, so scripts and CI can use
them on machines with no display.
"""

from __future__ import annotations

import importlib
import sys

from app.commands import COMMANDS

USAGE_ERROR = 2


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args and args[0] in COMMANDS:
        module = importlib.import_module(f"app.commands.{args[0]}")
        return int(module.run(args[1:]))
    from app.main import main as gui_main  # Qt is imported only for the window

    return gui_main(args)
