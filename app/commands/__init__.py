"""Headless subcommands of `socketscope` (Qt-free): one module each, with `run(argv) -> int`."""

from __future__ import annotations

# name -> one-line help; each is a module app.commands.<name> with run(argv) -> int
COMMANDS: dict[str, str] = {
    "serve": "run the embedded server headless and print its traffic",
    "record": "connect to a WebSocket server and record every frame to a JSONL file",
    "send": "send one JSON message and print the replies",
    "replay": "replay the messages one connection sent in a capture to a server",
    "convert": "convert a capture between JSONL and HAR (by OUT's extension)",
    "test": "run scenario tests (*.wstest.yaml) against a server; --junit for CI",
    "schema": "check a capture's JSON messages against a JSON Schema or AsyncAPI document, or infer a schema",
}
