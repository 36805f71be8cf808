"""The document process: a real child process parsing and answering over pipes."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from app.core.docworker import DocumentWorker, DocumentWorkerError


@pytest.fixture
def worker() -> Iterator[DocumentWorker]:
    worker = DocumentWorker()
    yield worker
    worker.close()


def process_exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie still answers kill(0): look at its state
    with open(f"/proc/{pid}/stat") as stat:
        return stat.read().split(") ")[1][0] != "Z"


def test_a_document_is_parsed_faithfully_and_answers_questions(worker: DocumentWorker) -> None:
    document, loaded = worker.load('{"a": 1, "list": [NaN, 9007199254740993, "x\\ud800"], "a": {"deep": "needle"}}')
    assert document is not None and loaded.error is None
    assert [row.key for row in loaded.first_page] == ["a", "list", "a"]
    assert loaded.first_page[2].warning.startswith("Duplicate key 'a'")
    assert any("NaN" in w for w in loaded.warnings)
    rows = document.children((1,), 0, 10)
    assert [r.preview for r in rows] == ["NaN", "9007199254740993", '"x\\ud800"']
    assert "2^53" in rows[1].warning
    assert document.copy_text((1, 2)) == ("x\\ud800", False)
    assert document.find("needle").paths == [(2, 0)]
    warnings = " ".join(document.warnings())
    assert "Duplicate key 'a'" in warnings and "2^53" in warnings and "NaN" in warnings


def test_lone_surrogates_in_the_payload_cross_the_pipe(worker: DocumentWorker) -> None:
    document, loaded = worker.load('["\ud800 raw lone surrogate"]')
    assert document is not None
    assert loaded.first_page[0].preview == '"\\ud800 raw lone surrogate"'


def test_non_json_and_deep_documents(worker: DocumentWorker) -> None:
    document, loaded = worker.load("hello, not JSON")
    assert document is None and loaded.error.startswith("Not JSON — Line 1, column 1")
    document, loaded = worker.load("[" * 100_000 + "]" * 100_000)
    assert document is not None and loaded.count == 1
    assert document.children((0,) * 500, 0, 5)[0].kind == "array"
    document, loaded = worker.load("[" * 100_000)
    assert document is None and "Expecting value" in loaded.error


def test_close_stops_the_process_and_a_dead_one_is_replaced(worker: DocumentWorker) -> None:
    worker.load("[1]")
    first = worker.pid
    assert first is not None and process_exists(first)
    os.kill(first, 9)
    try:  # the request meets the dying process (an error) or, if it is already gone, a new one
        worker.load("[2]")
    except DocumentWorkerError as error:
        assert "stopped" in str(error)
    document, _ = worker.load("[3]")  # a new process
    assert document is not None and worker.pid not in (None, first)
    second = worker.pid
    worker.close()
    assert second is not None and not process_exists(second)
    with pytest.raises(DocumentWorkerError):
        worker.load("[4]")
