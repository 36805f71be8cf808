"""Decode as…: base64, gzip, zlib and raw deflate in the order picked, then JSON, MessagePack or CBOR; bounded."""

from __future__ import annotations

import base64
import gzip
import json
import tracemalloc
import zlib

import cbor2
import msgpack
import pytest

from app.core.decode_chain import (
    BASE64,
    CBOR,
    DEFLATE,
    GZIP,
    JSON,
    MSGPACK,
    OUTPUT_LIMIT,
    ZLIB,
    Chain,
    DecodeChainError,
    decode_as,
    payload_size,
)
from app.core.jsondoc import JsonObject, dumps

DOCUMENT = {"event": "quote", "symbols": ["AAPL", "MSFT"] * 50, "price": 187.25, "id": 2**60}
TEXT = json.dumps(DOCUMENT).encode()


def raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


def failure(*args: object, **options: int) -> str:
    with pytest.raises(DecodeChainError) as caught:
        decode_as(*args, **options)  # type: ignore[arg-type]
    return str(caught.value)


def test_layers_are_undone_in_the_order_picked_then_the_document_is_read() -> None:
    wrapped = base64.b64encode(gzip.compress(TEXT)).decode("ascii")
    decoded = decode_as(wrapped, [BASE64, GZIP], JSON)
    assert json.loads(dumps(decoded.value)) == DOCUMENT and decoded.data == TEXT
    assert decoded.sizes == (len(gzip.compress(TEXT)), len(TEXT))
    # URL-safe, unpadded, split over lines; zlib; raw deflate; base64 twice.
    urlsafe = base64.urlsafe_b64encode(zlib.compress(TEXT)).rstrip(b"=")
    urlsafe = b"\n".join(urlsafe[i:i + 76] for i in range(0, len(urlsafe), 76))
    assert decode_as(urlsafe, [BASE64, ZLIB], JSON).data == TEXT
    assert decode_as(raw_deflate(TEXT), [DEFLATE], JSON).data == TEXT
    twice = base64.b64encode(base64.b64encode(raw_deflate(TEXT)))
    assert decode_as(twice, [BASE64, BASE64, DEFLATE]).data == TEXT
    # A gzip stream of several members is all of them, as gunzip reads it.
    assert decode_as(gzip.compress(TEXT[:100]) + gzip.compress(TEXT[100:]), [GZIP]).data == TEXT


def test_binary_documents_at_the_end_of_a_chain() -> None:
    packed = base64.b64encode(gzip.compress(msgpack.packb({"n": 1, "raw": b"\x00"})))
    decoded = decode_as(packed, [BASE64, GZIP], MSGPACK)
    assert decoded.value == JsonObject([("n", 1), ("raw", JsonObject([("$bytes", "AA==")]))])
    assert decode_as(cbor2.dumps(cbor2.CBORTag(1, 5)), [], CBOR).value == JsonObject([("$tag", 1), ("value", 5)])
    odd = decode_as('{"a": NaN, "a": 1}', [], JSON)
    assert odd.value == JsonObject([("a", odd.value[0][1]), ("a", 1)]) and len(odd.warnings) == 2


def test_each_failure_says_which_step_failed_and_why() -> None:
    compressed = gzip.compress(TEXT)
    assert failure(compressed, [ZLIB], JSON) == "Step 1 (zlib): not zlib data (incorrect header check)"
    assert failure(compressed[:-12], [GZIP]) == "Step 1 (gzip): truncated: the compressed data stops before its end marker"
    assert failure(compressed + b"junk", [GZIP]).startswith("Step 1 (gzip): 4 bytes follow the gzip data, not gzip")
    assert failure(zlib.compress(TEXT) + b"x", [ZLIB]) == "Step 1 (zlib): 1 byte follows the end of the compressed data"
    assert failure("eyJh!", [BASE64]) == "Step 1 (base64): Line 1, column 5: '!' is not a base64 character"
    assert failure(b"\xffAA", [BASE64]) == "Step 1 (base64): byte 0xff at offset 0 is not base64"
    assert failure(base64.b64encode(compressed), [BASE64, DEFLATE]).startswith("Step 2 (raw deflate): not raw deflate data")
    assert failure(base64.b64encode(gzip.compress(TEXT[:-1])), [BASE64, GZIP], JSON).startswith(
        "Step 3 (JSON): Line 1, column ")
    assert failure(b"\x92\x01", [], MSGPACK) == "Step 1 (MessagePack): truncated: the document ends early"
    assert failure(b"\x81" * 100_000 + b"\x00", [], CBOR) == "Step 1 (CBOR): nested deeper than 512 levels"
    assert failure(b"", [GZIP]) == "Step 1 (gzip): empty: nothing to decode"
    assert failure(b"x", ["rot13"]).startswith("Step 1 (rot13): no such step")
    assert failure(b"x", [], "yaml").startswith("Step 1 (yaml): no such format")


@pytest.mark.parametrize(("step", "compress"), [(GZIP, gzip.compress), (ZLIB, zlib.compress), (DEFLATE, raw_deflate)])
def test_a_decompression_bomb_stops_at_the_limit_holding_no_more_than_the_limit(step: str, compress: object) -> None:
    bomb = compress(bytes(OUTPUT_LIMIT * 4))  # type: ignore[operator]
    assert len(bomb) < OUTPUT_LIMIT // 100
    tracemalloc.start()
    try:
        message = failure(base64.b64encode(bomb), [BASE64, step])
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert message.startswith(f"Step 2 ({'raw deflate' if step == DEFLATE else step}): inflates to more than "
                              f"{OUTPUT_LIMIT:,} bytes: stopped there")
    assert peak < OUTPUT_LIMIT * 1.3  # one buffer up to the limit, never what the bomb claims
    small = failure(compress(bytes(10_000)), [step], limit=1000)  # type: ignore[operator]
    assert "inflates to more than 1,000 bytes" in small


def test_base64_that_would_pass_the_limit_is_refused_before_decoding() -> None:
    assert failure("QUFB" * 1000, [BASE64], limit=100) == "Step 1 (base64): would decode to more than 100 bytes"
    assert decode_as("QUFB" * 25, [BASE64], limit=100).data == b"AAA" * 25


def test_a_chain_names_itself_and_its_sizes_and_reports_each_step_as_it_starts() -> None:
    compressed = gzip.compress(TEXT)
    wrapped = base64.b64encode(compressed).decode("ascii")
    chain = Chain((BASE64, GZIP), JSON)
    started: list[int] = []
    decoded = decode_as(wrapped, chain.steps, chain.then, progress=started.append)
    assert started == [1, 2, 3]  # base64, gzip, then reading the JSON
    assert chain.title == "base64 → gzip → JSON"
    assert chain.describe(payload_size(wrapped), decoded) == (
        f"Decoded as base64 → gzip → JSON: {len(wrapped):,} → {len(compressed):,} → {len(TEXT):,} bytes")
    assert Chain((DEFLATE,)).title == "raw deflate → bytes" and Chain((), MSGPACK).title == "MessagePack"
    assert Chain((), CBOR).describe(4, decode_as(b"\x83\x01\x02\x03", [], CBOR)) == "Decoded as CBOR: 4 bytes"
    assert payload_size("é") == 2
