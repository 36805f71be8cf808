"""Payload templates: every built-in, user variables, and errors with their position."""

from __future__ import annotations

import json
import random
import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from app.core.templates import TemplateContext, TemplateError, expand, has_placeholders, validate_variable_name


def test_text_without_placeholders_is_unchanged() -> None:
    text = '{"a": {"b": [1, 2]}, "c": "}} and { }"}'
    assert not has_placeholders(text)
    assert expand(text, TemplateContext()) == text


def test_uuid_is_a_fresh_uuid4_each_time() -> None:
    first = expand('"{{uuid}}"', TemplateContext())
    second = expand('"{{ uuid }}"', TemplateContext())
    assert uuid.UUID(json.loads(first)).version == 4
    assert first != second


def test_now_is_iso_8601_utc_and_current() -> None:
    before = datetime.now(UTC)
    text = expand("{{now}}", TemplateContext())
    after = datetime.now(UTC)
    assert text.endswith("Z")
    moment = datetime.fromisoformat(text)
    assert moment.tzinfo is not None and moment.utcoffset() == timedelta(0)
    assert before - timedelta(milliseconds=1) <= moment <= after


def test_epoch_ms_is_now_in_milliseconds() -> None:
    before = time.time_ns() // 1_000_000
    value = int(expand("{{epoch_ms}}", TemplateContext()))
    assert before <= value <= time.time_ns() // 1_000_000


def test_seq_comes_from_the_context() -> None:
    context = TemplateContext(seq=41)
    assert expand('{"n": {{seq}}}', context) == '{"n": 41}'
    context.seq += 1
    assert expand('{"n": {{seq}}}', context) == '{"n": 42}'


def test_random_int_stays_within_both_bounds_and_reaches_them() -> None:
    context = TemplateContext(rng=random.Random(7))
    values = {int(expand("{{random_int(1, 3)}}", context)) for _ in range(200)}
    assert values == {1, 2, 3}
    assert expand("{{random_int(-5,-5)}}", context) == "-5"
    big = int(expand("{{random_int(18446744073709551616, 18446744073709551617)}}", context))
    assert big in (2**64, 2**64 + 1)


def test_user_variables_are_inserted_as_text() -> None:
    context = TemplateContext(variables={"token": "abc", "user_id": "17"})
    text = expand('{"token": "{{token}}", "user": {{user_id}}, "id": "{{uuid}}"}', context)
    value = json.loads(text)
    assert value["token"] == "abc" and value["user"] == 17


@pytest.mark.parametrize(("template", "line", "column", "message"), [
    ('{"a": {{nope}}}', 1, 7, "unknown variable {{nope}}"),
    ('{\n  "a": "{{ missing }}"\n}', 2, 9, "unknown variable {{missing}}"),
    ('{"a": {{random_int(5, 1)}}}', 1, 7, "lower bound is above"),
    ('{"a": {{random_int(1)}}}', 1, 7, "two integers"),
    ('{"a": {{random_int(a, b)}}}', 1, 7, "two integers"),
    ('{"a": {{random_int}}}', 1, 7, "needs bounds"),
    ('{"a": {{shuffle(1, 2)}}}', 1, 7, "unknown function shuffle()"),
    ('{"a": {{}}}', 1, 7, "empty placeholder"),
    ('{"a": {{uuid}', 1, 7, "not closed"),
    ('{"a": "{{x y}}"}', 1, 8, "not a variable name"),
])
def test_bad_placeholders_are_errors_with_their_position(template: str, line: int, column: int,
                                                         message: str) -> None:
    with pytest.raises(TemplateError) as caught:
        expand(template, TemplateContext())
    assert (caught.value.line, caught.value.column) == (line, column)
    assert message in caught.value.message
    assert str(caught.value).startswith(f"Line {line}, column {column}: ")


def test_variable_names_are_checked() -> None:
    assert validate_variable_name("api_key2") is None
    assert "built in" in (validate_variable_name("seq") or "")
    assert "not a variable name" in (validate_variable_name("2x") or "")
    assert "not a variable name" in (validate_variable_name("a-b") or "")
