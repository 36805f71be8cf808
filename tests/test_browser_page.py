"""The browser test page (GET /) shows replies as received and closes a connection before opening the next.

Its JavaScript runs for real: the re-indenter under Node.js, the whole page in headless
Chromium. Each test is skipped where its runtime is not installed (docs/interop.md).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.parse
from typing import Any

import pytest

from app.core.frames import Direction, Opcode
from embedded_server.browser_page import BROWSER_PAGE
from embedded_server.runner import EmbeddedServer
from tests.headless_chromium import CHROMIUM, HeadlessChromium
from tests.helpers import CORPUS, WaitableQueue

NODE = shutil.which("node") or shutil.which("nodejs")

# What JSON.parse/JSON.stringify would change: a long integer, a duplicate key, a trailing zero.
TRICKY = '{"big": 12345678901234567890, "a": 1, "a": 2, "price": 2.50, "s": "x\\"y, {z} [ ]", "e": { }, "l": []}'
TRICKY_INDENTED = """{
  "big": 12345678901234567890,
  "a": 1,
  "a": 2,
  "price": 2.50,
  "s": "x\\"y, {z} [ ]",
  "e": {},
  "l": []
}"""


def page_function(name: str) -> str:
    """The source of one top-level function of the page's script."""
    start = BROWSER_PAGE.index(f"function {name}(")
    return BROWSER_PAGE[start:BROWSER_PAGE.index("\n}\n", start) + 3]


def literal_tokens(text: str) -> Any:
    """The value with every number kept as written and every key kept in order, duplicates included."""
    return json.loads(text, object_pairs_hook=list, parse_int=lambda s: ("int", s),
                      parse_float=lambda s: ("float", s))


def samples() -> list[str]:
    corpus = []
    for path in sorted(CORPUS.glob("y_*.json")):
        try:
            corpus.append(path.read_bytes().decode("utf-8"))
        except UnicodeDecodeError:
            continue  # the page receives text frames: UTF-8 only
    return [TRICKY, '"just text"', "[]", " 12345678901234567890 ", '{"deep": [[[[{"x": [1, 2.0e+3, -0.0]}]]]]}',
            json.dumps({"tab\tkey": "line\nbreak", "quote\\\"": ["\u00e9", "\\u00e9"]}), *corpus]


@pytest.mark.skipif(NODE is None, reason="Node.js is not installed")
def test_reindent_changes_whitespace_only() -> None:
    texts = samples()
    script = (page_function("reindent") + "\nconst texts = JSON.parse(require('fs').readFileSync(0, 'utf8'));\n"
              "process.stdout.write(JSON.stringify(texts.map((text) => reindent(text))));\n")
    run = subprocess.run([NODE, "-e", script], input=json.dumps(texts), capture_output=True, text=True, timeout=30)
    assert run.returncode == 0, run.stderr
    indented = json.loads(run.stdout)
    assert indented[0] == TRICKY_INDENTED
    for text, result in zip(texts, indented, strict=True):
        assert "".join(result.split()) == "".join(text.split()), text  # every other character in place
        assert literal_tokens(result) == literal_tokens(text), text  # strings (their spaces too) untouched


def run_page(server: EmbeddedServer, query: str, tmp_path: Any) -> str:
    """Load the test page in headless Chromium; return its DOM once a reply is shown."""
    with HeadlessChromium(tmp_path) as browser:
        browser.open(server.address.http_url + "/?" + query)
        browser.wait_for("document.querySelector('div.in') !== null")
        return browser.dom()


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (see docs/interop.md)")
@pytest.mark.parametrize("indent", [False, True], ids=["as-received", "indented"])
def test_page_shows_replies_as_received_and_closes_the_previous_connection(
    demo_server: EmbeddedServer, events: WaitableQueue, tmp_path: Any, indent: bool
) -> None:
    query = urllib.parse.urlencode([("connect", "/ws/chat"), ("connect", "/ws/echo"), ("send", TRICKY),
                                    ("indent", "1" if indent else "0")])
    dom = run_page(demo_server, query, tmp_path)
    shown = TRICKY_INDENTED if indent else TRICKY
    replies = [line.split("  ", 1)[1] for line in dom.split('<div class="in">')[1:]]
    assert [reply.split("</div>")[0] for reply in replies] == ["\u2193 " + shown.replace("&", "&amp;")]
    assert "12345678901234567000" not in dom

    def closes() -> list[dict[str, Any]]:
        return [json.loads(f.payload) for f in events.frames("server#1") if f.connection == "server#1"
                and f.opcode == Opcode.CLOSE and f.direction == Direction.RECEIVED]

    first = events.wait_for(lambda _: closes())[0]  # the chat connection, closed by the page itself
    assert (first["code"], first["reason"]) == (1000, "reconnecting")
    opened = [json.loads(f.payload)["path"] for f in events.frames("server#") if f.opcode == Opcode.OPEN]
    assert opened == ["/ws/chat", "/ws/echo"]


@pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed (see docs/interop.md)")
def test_page_of_a_server_with_a_token_passes_the_token_on(events: WaitableQueue, tmp_path: Any) -> None:
    from embedded_server.demo_app import create_app

    server = EmbeddedServer(create_app(), events.put, port=0, token="page-token")
    server.start()
    assert server.wait_ready(10)
    try:
        query = urllib.parse.urlencode([("token", "page-token"), ("connect", "/ws/echo"), ("send", "[1]")])
        dom = run_page(server, query, tmp_path)
    finally:
        assert server.stop()
    assert '<div class="in">' in dom and "\u2193 [1]</div>" in dom
    assert not [f for f in events.frames("server#") if f.opcode == Opcode.REFUSED]
