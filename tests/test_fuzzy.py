"""The command palette's fuzzy matching (app/core/fuzzy.py): what matches, and what ranks first."""

from __future__ import annotations

from app.core.fuzzy import MOST_CHARACTERS, fuzzy_rank, fuzzy_score


def test_a_query_matches_when_its_characters_appear_in_order_ignoring_case_and_spaces() -> None:
    assert fuzzy_score("clr log", "Clear log") is not None
    assert fuzzy_score("CLEAR", "Clear log") is not None
    assert fuzzy_score("clearlog", "Clear log") is not None
    assert fuzzy_score("lc", "Clear log") is None  # out of order
    assert fuzzy_score("clearx", "Clear log") is None
    assert fuzzy_score("", "Clear log") == fuzzy_score("   ", "anything") == 0
    assert fuzzy_score("a", "") is None


def score(query: str, text: str) -> int:
    result = fuzzy_score(query, text)
    assert result is not None, (query, text)
    return result


def test_a_prefix_beats_word_starts_which_beat_letters_inside_words() -> None:
    assert score("re", "Reset layout") > score("re", "Cancel replay") > score("re", "Compare")
    assert score("lay", "Reset layout") > score("lay", "Cancel replay")
    assert score("cl", "Clear log") > score("cl", "Cancel replay")
    assert score("jl", "Copy as JSONL") < score("js", "Copy as JSONL")  # "JS" starts a word, "L" does not
    assert score("cs", "camelCase") > score("cs", "camelcase")  # a capital inside a name starts a word


def test_adjacent_characters_beat_scattered_ones() -> None:
    assert score("log", "Clear log") > score("log", "Load into composer (long)")
    assert score("pay", "Copy payload") > score("pay", "Replay capture")


def test_ranking_puts_the_meant_command_first_and_keeps_order_among_equals() -> None:
    names = ["Copy payload", "Copy as JSONL", "Load into composer", "Resend", "Compare selected messages",
             "Clear log", "Record to file", "Replay capture", "Cancel replay", "Reset layout"]
    assert fuzzy_rank("clr log", names, str)[0] == "Clear log"
    assert fuzzy_rank("cmp", names, str)[0] == "Compare selected messages"
    assert fuzzy_rank("replay", names, str)[:2] == ["Replay capture", "Cancel replay"]
    assert fuzzy_rank("", names, str) == names  # nothing typed: every name, in its order
    assert fuzzy_rank("zzz", names, str) == []


def test_a_later_name_is_matched_when_the_first_is_not_and_ranks_below_first_name_matches() -> None:
    commands = [("Import capture", "File › Import capture"), ("Filter the log", "Filter the log")]
    ranked = fuzzy_rank("fil", commands, lambda c: c[0], lambda c: c[1])
    assert ranked == [("Filter the log", "Filter the log"), ("Import capture", "File › Import capture")]


def test_long_names_are_scored_on_their_start() -> None:
    long_name = "x" * MOST_CHARACTERS + "needle"
    assert fuzzy_score("needle", long_name) is None
    assert fuzzy_score("xx", long_name) is not None
