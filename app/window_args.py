"""The desktop window's command line, parsed into the `LaunchOptions` a session runs with."""

from __future__ import annotations

import argparse
import re

from app import __version__
from app.commands import COMMANDS
from app.core.capture import DEFAULT_BUDGET
from app.services.session import LaunchOptions
from embedded_server.defaults import DEFAULT_HOST, DEFAULT_PORT

MIN_BUDGET = 1024 * 1024
_UNITS = {"": 1, "k": 1024, "m": 1024 ** 2, "g": 1024 ** 3, "t": 1024 ** 4}
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?\s*", re.IGNORECASE)


def parse_size(text: str) -> int:
    """`512M`, `2G`, `1.5GiB`, `1000000` → bytes (binary units)."""
    match = _SIZE.fullmatch(text)
    if match is None:
        raise argparse.ArgumentTypeError(f"not a size: {text!r} (e.g. 512M, 2G, 1.5GiB)")
    size = int(float(match.group(1)) * _UNITS[match.group(2).lower()])
    if size < MIN_BUDGET:
        raise argparse.ArgumentTypeError(f"{text} is too small: the memory budget must be at least 1M")
    return size


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="socketscope",
        description="See and shape live WebSocket JSON traffic.",
        epilog="commands without a window (socketscope COMMAND --help):\n"
        + "\n".join(f"  {name:<8} {text}" for name, text in COMMANDS.items()),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"SocketScope {__version__}")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help=f"embedded server port (default {DEFAULT_PORT}; a free one if taken; 0 for any)")
    parser.add_argument("--host", default=DEFAULT_HOST, help="embedded server address (default loopback)")
    parser.add_argument("--no-server", dest="server", action="store_false",
                        help="do not start the embedded server")
    parser.add_argument("--connect", metavar="URL",
                        help="connect the inspector here instead of the embedded server's /ws")
    parser.add_argument("--app", metavar="MODULE:ATTR",
                        help="run your own ASGI/FastAPI app in the embedded server instead of the demo")
    parser.add_argument("--token", help="access token clients must present (?token= or a Bearer header); "
                        "generated when --host is not loopback")
    parser.add_argument("--allow-origin", action="append", default=[], metavar="ORIGIN",
                        help="also accept browser pages from this origin (repeatable), e.g. http://localhost:3000")
    parser.add_argument("--allow-host", action="append", default=[], metavar="NAME",
                        help="also accept requests naming this Host (repeatable), e.g. myhost.lan")
    parser.add_argument("--record", metavar="FILE",
                        help="record every frame to this JSONL capture from launch (appended to if it exists)")
    parser.add_argument("--memory-budget", type=parse_size, default=DEFAULT_BUDGET, metavar="SIZE",
                        help="keep at most this much captured traffic, dropping the oldest messages in bulk "
                        "beyond it (default 1G; e.g. 512M, 4G)")
    parser.add_argument("--theme", choices=("dark", "light", "system"),
                        help="the window's colours for this run (default: the theme last chosen in View → Theme, "
                        "else system: the desktop's light or dark setting)")
    parser.add_argument("--status-delay", type=float, default=3.0, help=argparse.SUPPRESS)
    return parser


def parse_options(argv: list[str]) -> LaunchOptions:
    args = build_parser().parse_args(argv)
    if not 0 <= args.port <= 65535:
        build_parser().error(f"--port must be between 0 and 65535, not {args.port}")
    return LaunchOptions(
        host=args.host, port=args.port, server=args.server, connect=args.connect,
        status_delay=args.status_delay, token=args.token, allowed_origins=tuple(args.allow_origin),
        allowed_hosts=tuple(args.allow_host),
        app=args.app, record=args.record, memory_budget=args.memory_budget, theme=args.theme,
    )
