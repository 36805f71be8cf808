"""JSONTestSuite through the composer: y_ files accepted, n_ files refused with a message and not sent."""

from __future__ import annotations

from pathlib import Path

from app.core import jsondoc
from app.ui.common import async_loop
from app.ui.compose.composer import Composer
from tests.helpers import CORPUS


def paste(composer: Composer, path: Path) -> str:
    """What a user pasting the file gets: its text (invalid UTF-8 shown with replacement marks)."""
    text = path.read_bytes().decode("utf-8", "replace")
    composer.set_text(text)
    return text


def test_corpus_through_the_composer(qtbot, qapp) -> None:
    async_loop.install(qapp)
    composer = Composer()
    qtbot.addWidget(composer)
    sent: list[str] = []
    composer.send_requested.connect(sent.append)
    wire: list[str | bytes] = []

    async def sender(payload: str | bytes) -> bool:  # what the window's sender would put on the wire
        wire.append(payload)
        return True

    composer.send_to_connection = sender
    valid, invalid = sorted(CORPUS.glob("y_*.json")), sorted(CORPUS.glob("n_*.json"))
    assert len(valid) == 95 and len(invalid) == 188

    wrongly_refused = []
    for path in valid:
        text = paste(composer, path)
        composer.request_send()
        if not sent or jsondoc.parse(sent[-1]).value != jsondoc.parse(text).value:
            wrongly_refused.append((path.name, composer.error.text()))
    assert not wrongly_refused
    assert len(sent) == len(valid)

    wrongly_accepted = []
    for path in invalid:
        paste(composer, path)
        composer.request_send()
        message = composer.error.text()
        if len(sent) != len(valid) or composer.send_button.isEnabled() or not message:
            wrongly_accepted.append((path.name, message))
            del sent[len(valid):]
    assert not wrongly_accepted
    qtbot.waitUntil(lambda: len(wire) == len(valid), timeout=5000)
    assert wire == sent  # every y_ file reached the sender, no n_ file did


def test_pasted_separators_keep_their_json_meaning(qtbot) -> None:
    from PySide6.QtCore import QMimeData

    composer = Composer()
    qtbot.addWidget(composer)
    composer.editor.clear()
    mime = QMimeData()
    mime.setText('["a\u2028b", "c\u2029d"]')
    composer.editor.insertFromMimeData(mime)
    assert composer.validate() is not None
    assert jsondoc.parse(composer.text()).value == ["a\u2028b", "c\u2029d"]
