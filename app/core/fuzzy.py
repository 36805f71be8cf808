"""Fuzzy matching for the command palette: does a typed query spell a name, and how well?

A query matches a text when its characters (spaces aside) appear in the text in the same
order, ignoring case: "clr log" matches "Clear log". Among the matches, the ones a person
most likely means come first: the text starting with the query, then characters at the
starts of words, then runs of adjacent characters; every character skipped between two
matched ones costs a little. The names scored are short (menu items), and each is cut to
`MOST_CHARACTERS`, so scoring every name on each key press stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

MOST_CHARACTERS = 200  # of a name scored; a longer one is scored on its start
TEXT_START = 12  # a matched character that starts the text
WORD_START = 8  # one that starts a word ("log" in "Clear log", "Case" in "camelCase")
OTHER = 1  # any other matched character
ADJACENT = 4  # a matched character right after the previous matched one
SKIPPED = 1  # cost of each character skipped between two matched ones
LATER_NAME = 10  # a match on a candidate's second name (its menu path, say) ranks below one on its first


def _starts(text: str) -> list[int]:
    """What matching each character of `text` is worth for where it stands."""
    worth = []
    for position, char in enumerate(text):
        before = text[position - 1] if position else ""
        if position == 0:
            worth.append(TEXT_START)
        elif char.isalnum() and (not before.isalnum() or (before.islower() and char.isupper())):
            worth.append(WORD_START)
        else:
            worth.append(OTHER)
    return worth


def fuzzy_score(query: str, text: str) -> int | None:
    """How well `query` matches `text` (higher is better), or None when it does not.

    The best placement of the query's characters is found in one pass per character
    (query length × text length steps): for each text position, the best score with the
    current query character there, and the best with it there or anywhere before.
    """
    wanted = "".join(query.split()).casefold()
    if not wanted:
        return 0
    text = text[:MOST_CHARACTERS]
    folded = text.casefold()
    if len(folded) != len(text):  # a character that folds to several ("ß"): compare without folding
        folded = text.lower()
    worth = _starts(text)
    unmatched: float = float("-inf")
    ending_at = [unmatched] * len(folded)  # best score with the previous query character exactly here
    for index, char in enumerate(wanted):
        here = [unmatched] * len(folded)
        best_before = unmatched  # best score for the previous characters, ending before this position
        for position, text_char in enumerate(folded):
            if position and index:
                best_before = max(best_before - SKIPPED, ending_at[position - 1])
            if text_char != char:
                continue
            if index == 0:
                here[position] = worth[position]
            elif position:
                adjacent = ending_at[position - 1] + ADJACENT
                here[position] = worth[position] + max(adjacent, best_before)
        ending_at = here
    best = max(ending_at, default=unmatched)
    return None if best == unmatched else int(best)


def fuzzy_rank[T](query: str, candidates: Iterable[T], *names: Callable[[T], str]) -> list[T]:
    """The candidates `query` matches, best first; equal scores keep the candidates' order.

    Each candidate is scored on its first name (what a command is called) or, failing a
    match there, on a later one (its menu path as well), which ranks it `LATER_NAME` lower.
    """
    scored = []
    for order, candidate in enumerate(candidates):
        for rank, name in enumerate(names):
            score = fuzzy_score(query, name(candidate))
            if score is not None:
                scored.append((-(score - rank * LATER_NAME), order, candidate))
                break
    scored.sort(key=lambda entry: entry[:2])
    return [candidate for _score, _order, candidate in scored]
