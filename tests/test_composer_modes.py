"""The composer on its own: modes, conversions, templates and what it refuses to send."""

from __future__ import annotations

import pytest

from app.ui.compose.composer import Composer


@pytest.fixture
def composer(qtbot) -> Composer:
    composer = Composer()
    qtbot.addWidget(composer)
    return composer


def test_switching_modes_converts_valid_content(composer: Composer) -> None:
    composer.set_text('{"é": 1}')
    composer.convert_to("hex")
    assert composer.text() == "7b 22 c3 a9 22 3a 20 31 7d"
    assert not composer.format_button.isEnabled() and not composer.minify_button.isEnabled()
    assert composer.error.text() == "Valid hex: 9 bytes, sent as a binary frame"
    composer.convert_to("base64")
    assert composer.text() == "eyLDqSI6IDF9"
    composer.convert_to("text")
    assert composer.text() == '{"é": 1}' and composer.format_button.isEnabled()
    composer.convert_to("hex")
    composer.set_text("ff fe")  # not UTF-8: left as typed, the error says why
    composer.convert_to("text")
    assert composer.text() == "ff fe" and composer.validate() is None


def test_prepared_payloads_expand_variables_and_advance_seq(composer: Composer) -> None:
    composer.variables = {"room": "lobby"}
    composer.set_text('{"room": "{{room}}", "n": {{seq}}}')
    assert composer.validate() is not None
    assert composer.error.toolTip() == '{"room": "lobby", "n": 1}'  # a preview of the next send
    assert composer.prepare_payload() == '{"room": "lobby", "n": 1}'
    assert composer.prepare_payload() == '{"room": "lobby", "n": 2}'
    assert composer.payload_to_keep() == '{"room": "{{room}}", "n": {{seq}}}'
    composer.convert_to("hex")
    composer.set_text("01 02")
    assert composer.prepare_payload() == b"\x01\x02"


def test_format_refuses_templates_and_leaves_them_alone(composer: Composer) -> None:
    composer.set_text('{"n":{{seq}}}')
    composer.format_payload()
    assert composer.text() == '{"n":{{seq}}}'
    assert "Format and Minify work on plain JSON" in composer.error.text()


def test_a_lone_surrogate_from_history_is_loaded_as_an_escape(composer: Composer) -> None:
    composer.set_payload('{"s": "a\ud800b\u2028"}')
    assert composer.text() == '{"s": "a\\ud800b\\u2028"}'
    assert composer.prepare_payload() == '{"s": "a\\ud800b\\u2028"}'
    composer.set_payload(b"\x00\xff")
    assert composer.mode == "hex" and composer.text() == "00 ff"


def test_nothing_is_sent_without_a_valid_payload(composer: Composer) -> None:
    sent: list = []
    composer.send_requested.connect(sent.append)
    for text in ("", "   ", "{", '{"a": Infinity}', "{{now}}", '"{{now"'):
        composer.set_text(text)
        composer.request_send()
        assert composer.error.text() and not composer.send_button.isEnabled(), text
    composer.set_text("[-Infinity]")
    composer.request_send()
    assert "Infinity is not valid JSON" in composer.error.text()
    assert sent == []
