"""The lazy JSON tree model: correct for Qt, lazy in fact, honest about odd values."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import QModelIndex, Qt

from app.core import jsondoc
from app.core.docworker import DocumentWorker
from app.ui.common import async_loop
from app.ui.message.tree_model import CHUNK, KEY, TYPE, VALUE, JsonTreeModel


def model_of(text: str) -> JsonTreeModel:
    model = JsonTreeModel()
    model.set_value(jsondoc.parse(text, allow_nonstandard=True).value)
    return model


def child(model: JsonTreeModel, parent: QModelIndex, key: str) -> QModelIndex:
    for row in range(model.rowCount(parent)):
        index = model.index(row, KEY, parent)
        if index.data() == key:
            return index
    raise AssertionError(f"no child {key!r}")


def test_tree_model_passes_qtmodeltester(qtmodeltester) -> None:
    model = model_of('{"a": [1, 2, {"b": null}], "c": "text", "d": {}, "e": [], "a": true}')
    qtmodeltester.check(model, force_py=True)


def test_top_level_keys_and_values() -> None:
    model = model_of('{"username": "Alice", "id": 123, "is_active": true}')
    keys = [model.index(r, KEY).data() for r in range(model.rowCount())]
    assert keys == ["username", "id", "is_active"]
    assert [model.index(r, VALUE).data() for r in range(3)] == ['"Alice"', "123", "true"]
    assert [model.index(r, TYPE).data() for r in range(3)] == ["string", "number", "boolean"]


def test_children_are_created_only_when_asked_for() -> None:
    model = model_of('{"outer": {"inner": [1, 2, 3]}}')
    outer = model.index(0, 0)
    root_node = outer.internalPointer()
    assert root_node.children is None  # not expanded yet
    assert model.hasChildren(outer)
    inner = child(model, outer, "inner")
    assert inner.internalPointer().children is None
    assert model.rowCount(inner) == 3


def test_big_arrays_arrive_in_chunks() -> None:
    model = model_of("[" + ",".join(str(i) for i in range(CHUNK * 2 + 7)) + "]")
    assert model.rowCount() == CHUNK
    assert model.canFetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    model.fetchMore(QModelIndex())
    assert model.rowCount() == CHUNK * 2 + 7 and not model.canFetchMore(QModelIndex())
    assert model.index(CHUNK * 2 + 6, KEY).data() == f"[{CHUNK * 2 + 6}]"


def test_odd_values_are_flagged_with_tooltips() -> None:
    model = model_of('{"a": 1, "big": 9007199254740993, "a": 2, "n": NaN, "s": "x\\ud800y", "f": 1e400}')
    tips = {model.index(r, KEY).data(): model.index(r, VALUE).data(Qt.ItemDataRole.ToolTipRole)
            for r in range(model.rowCount())}
    assert "2^53" in tips["big"]
    assert "NaN" in tips["n"]
    assert "literal" in tips["f"]
    assert model.index(2, KEY).data(Qt.ItemDataRole.ToolTipRole).startswith("Duplicate key 'a'")
    assert model.index(0, KEY).data(Qt.ItemDataRole.ToolTipRole) is None  # the first "a" is fine
    assert model.index(4, VALUE).data() == '"x\\ud800y"'  # shown escaped, not silently dropped


def test_scalar_documents_show_one_row() -> None:
    model = model_of('"just a string"')
    assert model.rowCount() == 1
    assert (model.index(0, KEY).data(), model.index(0, VALUE).data()) == ("(value)", '"just a string"')


def test_paged_big_array_passes_qtmodeltester(qtmodeltester) -> None:
    model = model_of("[" + ",".join(str(i) for i in range(CHUNK * 2 + 3)) + ', {"id": [1, 2]}]')
    assert model.rowCount() == CHUNK and model.canFetchMore(QModelIndex())
    qtmodeltester.check(model, force_py=True)  # fetches every page as a view would
    assert model.rowCount() == CHUNK * 2 + 4 and not model.canFetchMore(QModelIndex())


@pytest.fixture
def worker(qapp) -> Iterator[DocumentWorker]:
    async_loop.install(qapp)
    worker = DocumentWorker()
    yield worker
    worker.close()


def remote_model(worker: DocumentWorker, text: str) -> JsonTreeModel:
    document, loaded = worker.load(text)
    assert document is not None
    model = JsonTreeModel()
    model.set_document(document, loaded.first_page)
    return model


def test_remote_document_passes_qtmodeltester_and_pages_on_demand(qtmodeltester, qtbot, worker) -> None:
    model = remote_model(worker, '{"items": [{"id": 0}, ' + ",".join(str(i) for i in range(1, CHUNK + 20)) + '], "a": 1}')
    items = model.index(0, KEY)
    assert model.rowCount(items) == 0 and model.hasChildren(items) and model.canFetchMore(items)
    model.fetchMore(items)
    assert not model.canFetchMore(items)  # one request at a time
    qtbot.waitUntil(lambda: model.rowCount(items) == CHUNK, timeout=5000)
    assert model.index(CHUNK - 1, KEY, items).data() == f"[{CHUNK - 1}]"
    model.fetchMore(items)
    qtbot.waitUntil(lambda: model.rowCount(items) == CHUNK + 20, timeout=5000)
    first = model.index(0, KEY, items)
    model.fetchMore(first)
    qtbot.waitUntil(lambda: model.rowCount(first) == 1, timeout=5000)
    assert model.index(0, VALUE, first).data() == "0"
    assert model.json_path(model.index(0, KEY, first)) == "$.items[0].id"
    qtmodeltester.check(model, force_py=True)  # every page loaded: the tester sees a settled model


def test_remote_rows_for_a_replaced_document_are_dropped(qtbot, worker) -> None:
    model = remote_model(worker, '{"items": [1, 2, 3]}')
    model.fetchMore(model.index(0, KEY))
    model.set_value([True])  # the user selected another message before the answer came
    qtbot.waitUntil(lambda: model.node(model.index(0, KEY)).pending is None, timeout=5000)
    assert model.rowCount() == 1 and model.index(0, VALUE).data() == "true"
