"""Headless subcommands of `socketscope` (Qt-free): one module each, with `run(argv) -> int`."""
