"""Generated JSON values survive `jsondoc.dumps` then `jsondoc.parse` exactly, in both layouts."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.core import jsondoc

# A few short keys make duplicates likely; any text (lone surrogates too) tests escaping.
keys = st.one_of(st.sampled_from(["a", "b", "a: b", "", "ключ", "\u2028"]), st.text(max_size=8))
texts = st.text(st.characters(codec=None), max_size=20)  # every code point, surrogates included
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(10**60), max_value=10**60),  # far beyond 2**53 and 2**64
    st.floats(allow_nan=False, allow_infinity=False),
    texts,
)
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=5),
        st.lists(st.tuples(keys, children), max_size=5).map(jsondoc.JsonObject),
    ),
    max_leaves=30,
)


def typed(value: Any) -> Any:
    """The value with every scalar's type made explicit: True must not come back as 1, nor 1.0 as 1."""
    if isinstance(value, jsondoc.JsonObject):
        return ("object", [(key, typed(item)) for key, item in value])
    if isinstance(value, list):
        return ("array", [typed(item) for item in value])
    return (type(value).__name__, value)


# A shared 2-core machine can make generation slow; that is no failure of the code under test.
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(values)
def test_parse_of_dumps_is_the_same_value(value: Any) -> None:
    for indent in (None, 2):
        text = jsondoc.dumps(value, indent=indent)
        assert typed(jsondoc.parse(text).value) == typed(value), text


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(["k", "v"]), st.integers()), min_size=2, max_size=6))
def test_duplicate_keys_keep_their_order_and_are_flagged(pairs: list[tuple[str, int]]) -> None:
    document = jsondoc.parse(jsondoc.dumps(jsondoc.JsonObject(pairs), indent=None))
    assert list(document.value) == pairs
    if len({key for key, _ in pairs}) < len(pairs):
        assert any("uplicate" in warning for warning in document.warnings), document.warnings
