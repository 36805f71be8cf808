"""Big JSON documents are parsed and held by a separate process, so the window never freezes.

CPython's JSON parser holds the GIL for the whole document (seconds for 64 MiB),
so a thread does not keep the window responsive; another process does. The
document process is started on first use and kept warm. It receives a payload's
bytes over a pipe, parses it with the garbage collector off, keeps the parsed
value, and answers small questions about it (`docnodes`): a page of children,
the text of a subtree, search matches, the document-wide warnings.

The document process tries simdjson first (`lazyjson`): a tenth of the time, and
only what the tree reads becomes Python objects. A document simdjson cannot
render faithfully is parsed by the faithful parser instead. Its warnings are
found by a scan that runs in slices while no request is waiting.

The process runs `python -m app.core.docworker` (not multiprocessing's spawn,
which would re-run the application's `__main__` in the child). In the bundled
program `sys.executable` is the program itself, whose entry point
(packaging/socketscope_main.py) runs this module when given `-m app.core.docworker`. Requests are
answered one at a time; `DocumentWorker` methods block, so callers run them on a
worker thread and the GUI awaits the result.
"""

from __future__ import annotations

import gc
import itertools
import os
import subprocess
import sys
import threading
from collections.abc import Buffer, Callable, Sequence
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, cast

from app.core import docnodes, jsondoc, lazyjson
from app.core.docnodes import COPY_LIMIT, FIND_LIMIT, FIND_SLICE, FindResult, NodeInfo, NodePath, PlanStep
from app.core.errors import SocketScopeError

SEND_CHUNK = 1024 * 1024  # bytes written at a time: the GIL is let go between chunks
KEPT_DOCUMENTS = 2  # the document shown and the one before it
SCAN_SLICE = 0.02  # seconds of warning scan between checks for a waiting request


_search_ids = itertools.count(1)  # tells a search from the one that replaced it in the document process


class DocumentWorkerError(SocketScopeError, RuntimeError):
    """The document process failed or stopped; the next request starts a new one."""


@dataclass(slots=True)
class LoadResult:
    """What the tree needs for its first paint, in one answer."""

    document_id: int
    error: str | None = None  # why the text is not JSON (line and column)
    wrapped: bool = False  # the document is one scalar, shown as a single row
    count: int = 0  # top-level rows
    first_page: list[NodeInfo] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


class DocumentWorker:
    """The GUI process's handle on the document process. Thread-safe; every call blocks."""

    def __init__(self, command: list[str] | None = None) -> None:
        """`command` starts the document process (two pipe descriptors are appended)."""
        self._command = command or [sys.executable, "-m", "app.core.docworker"]
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._requests: Connection | None = None
        self._answers: Connection | None = None
        self._next_id = 0
        self._closed = False

    @property
    def busy(self) -> bool:
        """A request is being answered (others wait their turn)."""
        return self._lock.locked()

    @property
    def pid(self) -> int | None:
        process = self._process
        return process.pid if process is not None and process.poll() is None else None

    def load(self, payload: str | Sequence[Buffer]) -> tuple[RemoteDocument | None, LoadResult]:
        """Send a text payload to be parsed; the remote document, or None with the parse error.

        `payload` is the text, or its UTF-8 bytes in pieces (views into the
        capture store, sent without a copy).
        """
        pieces = [payload.encode("utf-8", "surrogatepass")] if isinstance(payload, str) else payload
        views = [memoryview(piece).cast("B") for piece in pieces]
        with self._lock:
            self._next_id += 1
            document_id = self._next_id
            requests = self._connection()
            try:
                requests.send(("load", document_id, sum(view.nbytes for view in views)))
                for view in views:
                    for start in range(0, view.nbytes, SEND_CHUNK):
                        requests.send_bytes(view[start:start + SEND_CHUNK])
            except OSError as error:
                self._lost(error)
            result: LoadResult = self._answer()
        return (None if result.error else RemoteDocument(self, document_id, result)), result

    def request(self, *message: Any) -> Any:
        with self._lock:
            try:
                self._connection().send(message)
            except OSError as error:
                self._lost(error)
            return self._answer()

    def close(self) -> None:
        """Stop the process (idempotent); a request in flight fails with DocumentWorkerError."""
        self._closed = True
        process = self._process
        if process is not None:
            process.terminate()
            try:
                process.wait(2)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(2)
        # A request in flight sees end of input and returns; then the pipes can be closed safely.
        if self._lock.acquire(timeout=5):
            try:
                for connection in (self._requests, self._answers):
                    if connection is not None:
                        connection.close()
                self._process = self._requests = self._answers = None
            finally:
                self._lock.release()

    def _connection(self) -> Connection:
        if self._closed:
            raise DocumentWorkerError("The document process has been shut down")
        if self._process is None or self._process.poll() is not None:
            for connection in (self._requests, self._answers):
                if connection is not None:
                    connection.close()
            try:
                self._start()
            except OSError as error:
                raise DocumentWorkerError(f"The document process cannot start: {error}") from error
        assert self._requests is not None
        return self._requests

    def _start(self) -> None:
        from_parent, to_child = os.pipe()
        from_child, to_parent = os.pipe()
        _widen(to_child)
        source_root = str(Path(__file__).resolve().parent.parent.parent)
        environment = dict(os.environ)
        environment["PYTHONPATH"] = os.pathsep.join(
            p for p in (source_root, environment.get("PYTHONPATH", "")) if p
        )
        try:
            self._process = subprocess.Popen(
                [*self._command, str(from_parent), str(to_parent)],
                pass_fds=(from_parent, to_parent), stdin=subprocess.DEVNULL, env=environment,
            )
        finally:
            os.close(from_parent)
            os.close(to_parent)
        self._requests = Connection(to_child, readable=False)
        self._answers = Connection(from_child, writable=False)

    def _answer(self) -> Any:
        assert self._answers is not None
        try:
            status, value = self._answers.recv()
        except (EOFError, OSError) as error:
            self._lost(error)
        if status == "error":
            raise DocumentWorkerError(value)
        return value

    def _lost(self, error: BaseException) -> Any:
        process = self._process
        code = process.poll() if process is not None else None
        self._process = None
        if self._closed:
            raise DocumentWorkerError("The document process has been shut down") from None
        raise DocumentWorkerError(f"The document process stopped (exit code {code}): {error!r}") from None


def _widen(pipe: int) -> None:
    """A pipe buffer of one send chunk: a chunk is one write, not sixteen (each retaking the GIL)."""
    try:
        import fcntl

        fcntl.fcntl(pipe, getattr(fcntl, "F_SETPIPE_SZ", 1031), SEND_CHUNK)
    except (ImportError, OSError):  # not Linux, or above the system's limit: the default works, slower
        pass


class RemoteDocument:
    """A document held by the document process; the same questions as `LocalDocument`, blocking."""

    remote = True

    def __init__(self, worker: DocumentWorker, document_id: int, loaded: LoadResult) -> None:
        self.worker = worker
        self.document_id = document_id
        self.wrapped = loaded.wrapped
        self.count = loaded.count

    def children(self, path: NodePath, start: int, count: int) -> list[NodeInfo]:
        return cast(list[NodeInfo], self.worker.request("children", self.document_id, path, start, count))

    def copy_text(self, path: NodePath, limit: int = COPY_LIMIT) -> tuple[str, bool]:
        return cast(tuple[str, bool], self.worker.request("copy", self.document_id, path, limit))

    def find(self, query: str, limit: int = FIND_LIMIT,
             cancelled: Callable[[], bool] | None = None) -> FindResult | None:
        """The matches of `query`; None if `cancelled()` turned true.

        The document process searches a slice per request, so between two the
        search can be stopped and the tree's own requests answered.
        """
        search_id = next(_search_ids)
        found = self.worker.request("find", self.document_id, search_id, query, limit, FIND_SLICE)
        while found is None:
            if cancelled is not None and cancelled():
                return None
            found = self.worker.request("find_more", self.document_id, search_id, FIND_SLICE)
        return cast(FindResult, found)

    def expand_plan(self, limit: int, depth: int | None = None, path: NodePath = ()) -> tuple[list[PlanStep], bool]:
        return cast(tuple[list[PlanStep], bool], self.worker.request("plan", self.document_id, limit, depth, path))

    def warnings(self, wait: bool = True) -> list[str] | None:
        """The document-wide warnings; with `wait=False`, None while the document process still scans."""
        return cast(list[str] | None, self.worker.request("warnings", self.document_id, wait))


# -- the document process ------------------------------------------------------------------------


def _load(document_id: int, data: bytearray, documents: dict[int, docnodes.LocalDocument]) -> LoadResult:
    lazy = lazyjson.parse_lazily(data)
    if lazy is not None:
        document = docnodes.LocalDocument(lazy, [], scanned=False)
        warnings: list[str] = []
    else:
        try:
            text = data.decode("utf-8", "surrogatepass")
        except UnicodeDecodeError as error:
            return LoadResult(document_id, error=f"Not JSON — invalid UTF-8 at byte {error.start}")
        del data
        gc.disable()  # millions of new containers would trigger collection after collection
        try:
            parsed, complete = jsondoc.parse_large(text)
        except jsondoc.JsonSyntaxError as error:
            gc.enable()
            return LoadResult(document_id, error=f"Not JSON — {error}")
        # The document lives until replaced: keep it out of every later collection. Frozen before the
        # collector is back on, or its first pass would walk every new container (~0.7 s for 64 MiB).
        gc.freeze()
        gc.enable()
        del text
        document = docnodes.LocalDocument(parsed.value, parsed.warnings, scanned=complete)
        warnings = parsed.warnings
    documents[document_id] = document
    return LoadResult(
        document_id, wrapped=document.wrapped, count=document.count,
        first_page=document.children((), 0, docnodes.PAGE), warnings=warnings,
    )


def _receive_payload(requests: Connection, size: int) -> bytearray:
    """The bytes of a load request, received in place."""
    data = bytearray(size)
    received = 0
    while received < size:
        received += requests.recv_bytes_into(data, received)
    return data


def _handle(message: tuple[Any, ...], documents: dict[int, docnodes.LocalDocument]) -> Any:
    operation, document_id, *arguments = message
    document = documents.get(document_id)
    if document is None:
        raise LookupError("This document is no longer held; select the message again")
    answers: dict[str, Callable[..., Any]] = {
        "children": document.children, "copy": document.copy_text, "find": document.start_search,
        "find_more": document.continue_search, "plan": document.expand_plan, "warnings": document.warnings,
    }
    return answers[operation](*arguments)


def serve(requests: Connection, answers: Connection) -> None:
    """Answer requests until the GUI process closes its end of the pipe."""
    documents: dict[int, docnodes.LocalDocument] = {}
    while True:
        try:
            # The newest document's warning scan goes on while no request waits.
            while documents and not requests.poll(0):
                if documents[max(documents)].scan_step(SCAN_SLICE):
                    break
            message = requests.recv()
        except (EOFError, OSError):
            return
        try:
            if message[0] == "load":
                _, document_id, size = message
                answer: tuple[str, Any] = ("ok", _load(document_id, _receive_payload(requests, size), documents))
            else:
                answer = ("ok", _handle(message, documents))
        except Exception as error:  # answer with the failure; the process stays up for the next request
            answer = ("error", f"{type(error).__name__}: {error}")
        try:
            answers.send(answer)
        except (BrokenPipeError, OSError):
            return
        # Freeing a big faithful parse takes seconds: only after the answer is out.
        for old in sorted(documents)[:-KEPT_DOCUMENTS]:
            del documents[old]


def main(argv: list[str]) -> int:
    """Run the document process on the two pipe descriptors given (requests, answers)."""
    serve(Connection(int(argv[0]), writable=False), Connection(int(argv[1]), readable=False))
    return 0


if __name__ == "__main__":
    # Run the module's importable copy, so what is pickled names `app.core.docworker`, not `__main__`.
    from app.core import docworker

    sys.exit(docworker.main(sys.argv[1:]))
