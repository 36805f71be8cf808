"""raw_view: what colouring and formatting a big message cost on the GUI thread.

Sets the limits in app/ui/common/json_highlighter.py (HIGHLIGHT_LIMIT, MAX_BLOCK_LENGTH) and
app/ui/message/raw_view.py (INLINE_FORMAT_LIMIT): a 2 MiB compact message (one line) and a
100,000-line pretty document are put into a QPlainTextEdit with and without the
highlighter, and pretty-printed with app/core/pretty.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtWidgets import QApplication, QPlainTextEdit

from app.core import jsondoc, pretty
from app.ui.common import json_highlighter
from app.ui.common.json_highlighter import JsonHighlighter
from app.ui.message import raw_view


def document(target_bytes: int) -> str:
    items, size, i = [], 0, 0
    while size < target_bytes:
        item = {"id": i, "name": f"item {i}", "active": i % 2 == 0, "price": i * 1.25, "tags": ["a", "b"]}
        items.append(item)
        size += len(json.dumps(item)) + 1
        i += 1
    return json.dumps({"items": items}, separators=(",", ":"))


def timed(function) -> float:
    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - started)
    return best * 1000


def report(name: str, value: float, unit: str = "ms") -> None:
    print(f"BENCH {name} {value:.1f} {unit}", flush=True)


def main() -> None:
    app = QApplication([])
    editor = QPlainTextEdit()
    editor.resize(800, 600)
    editor.show()
    compact_text = document(2 * 1024 * 1024)
    value = jsondoc.parse(compact_text).value
    pretty_text = pretty.pretty(value)
    lines = pretty_text.count("\n") + 1
    # ~100,000 pretty lines: cut the document to size.
    hundred_k = "\n".join(pretty_text.split("\n")[:100_000])
    report("pretty_lines_of_2MiB", lines, "lines")

    def set_text(text: str, highlighted: bool) -> None:
        highlighter = JsonHighlighter(editor.document()) if highlighted else None
        editor.setPlainText(text)
        app.processEvents()
        if highlighter:
            highlighter.setDocument(None)

    long_line, pretty_part = compact_text[:raw_view.LONG_LINE_LIMIT], pretty_text[:raw_view.DISPLAY_LIMIT]
    report("set_text_LONG_LINE_LIMIT_one_line", timed(lambda: set_text(long_line, False)))
    report("set_text_DISPLAY_LIMIT_pretty", timed(lambda: set_text(pretty_part, False)))
    report("set_text_2MiB_one_line_plain", timed(lambda: set_text(compact_text, False)))
    report("set_text_2MiB_one_line_highlighter_attached", timed(lambda: set_text(compact_text, True)))
    report("set_text_100k_lines_plain", timed(lambda: set_text(hundred_k, False)))
    report("set_text_100k_lines_highlighted", timed(lambda: set_text(hundred_k, True)))
    for line_count in (5_000, 10_000, 20_000):
        part = "\n".join(pretty_text.split("\n")[:line_count])
        chars = len(part)
        plain = timed(lambda: set_text(part, False))
        coloured = timed(lambda: set_text(part, True))
        report(f"highlight_cost_{line_count}_lines_{chars}_chars", coloured - plain)

    saved = json_highlighter.MAX_BLOCK_LENGTH
    json_highlighter.MAX_BLOCK_LENGTH = 10**9
    for size in (20_000, 100_000):
        line = compact_text[:size]
        plain = timed(lambda: set_text(line, False))
        coloured = timed(lambda: set_text(line, True))
        report(f"highlight_cost_one_line_{size}_chars", coloured - plain)
    json_highlighter.MAX_BLOCK_LENGTH = saved

    report("parse_2MiB", timed(lambda: jsondoc.parse(compact_text)))
    report("pretty_2MiB", timed(lambda: pretty.pretty(value)))
    report("compact_2MiB", timed(lambda: pretty.compact(value)))
    small = document(256 * 1024)
    small_value = jsondoc.parse(small).value
    report("parse_and_pretty_256KiB", timed(lambda: pretty.pretty(jsondoc.parse(small).value)))
    report("pretty_256KiB", timed(lambda: pretty.pretty(small_value)))
    editor.close()


if __name__ == "__main__":
    main()
