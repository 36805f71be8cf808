"""Binary payloads typed as hex or base64."""

from __future__ import annotations

import pytest

from app.core import binary_text
from app.core.binary_text import BinaryTextError, format_hex, parse_base64, parse_hex


@pytest.mark.parametrize(("text", "data"), [
    ("00 01 fe FF", b"\x00\x01\xfe\xff"),
    ("0001feff", b"\x00\x01\xfe\xff"),
    ("0x00 0x01\n0xFE:ff", b"\x00\x01\xfe\xff"),
    ("de-ad,be-ef", b"\xde\xad\xbe\xef"),
    ("", b""),
])
def test_hex_forms_people_paste(text: str, data: bytes) -> None:
    assert parse_hex(text) == data


@pytest.mark.parametrize(("text", "line", "column", "message"), [
    ("00 0g", 1, 5, "'g' is not a hex digit"),
    ("00\n01 2", 2, 4, "odd number of hex digits"),
    ("0x", 1, 2, "'x' is not a hex digit"),
    ("0a0xff", 1, 4, "'x' is not a hex digit"),  # 0x only as a prefix, not inside digits
])
def test_bad_hex_is_an_error_with_its_position(text: str, line: int, column: int, message: str) -> None:
    with pytest.raises(BinaryTextError) as caught:
        parse_hex(text)
    assert (caught.value.line, caught.value.column) == (line, column)
    assert message in caught.value.message


@pytest.mark.parametrize(("text", "data"), [
    ("AAH+/w==", b"\x00\x01\xfe\xff"),
    ("AAH-_w", b"\x00\x01\xfe\xff"),       # URL-safe, padding left off
    ("AAH+\n/w==", b"\x00\x01\xfe\xff"),
    ("", b""),
])
def test_base64_forms(text: str, data: bytes) -> None:
    assert parse_base64(text) == data


@pytest.mark.parametrize(("text", "message"), [
    ("AAH*", "'*' is not a base64 character"),
    ("AA=H", "padding may appear only at the end"),
    ("AAHAA", "a character is missing or extra"),
])
def test_bad_base64_is_an_error(text: str, message: str) -> None:
    with pytest.raises(BinaryTextError, match="column") as caught:
        parse_base64(text)
    assert message in caught.value.message


def test_format_round_trips() -> None:
    data = bytes(range(40))
    assert format_hex(data).count("\n") == 2
    for encoding in (binary_text.HEX, binary_text.BASE64):
        assert binary_text.parse(binary_text.render(data, encoding), encoding) == data
