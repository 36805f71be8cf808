"""What the user keeps between runs: sent-payload history, the saved-payload library,
user variables and connection profiles, in one SQLite file.

Every write is one short transaction committed before the call returns, so what a
caller reports as saved survives a crash or SIGKILL. The file is in WAL mode with
``synchronous=NORMAL``: a commit appends to the log without waiting for the disk
(a process kill loses nothing; only a power cut could lose the newest commits),
which keeps each write well under a millisecond on the GUI thread. SQLite's own
checkpoint (copying the log into the file, with an fsync) would run inside some
unlucky commit and hold the caller for tens of milliseconds, so it is turned off
and a short-lived thread runs a passive checkpoint every CHECKPOINT_EVERY writes.

Payloads are stored as BLOBs: text as UTF-8 with ``surrogatepass`` (a lone
surrogate, which a peer can send and sqlite3 refuses as TEXT, round-trips), binary
as the raw bytes. The `mode` column says which.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

from app.core.errors import SocketScopeError

DATA_DIR_VARIABLE = "SOCKETSCOPE_DATA_DIR"
DATABASE_NAME = "socketscope.sqlite3"
HISTORY_LIMIT = 10_000  # older sent payloads are dropped (when the file is opened, and as sends go on)
PRUNE_EVERY = 1_000  # history inserts between two prunes
BUSY_TIMEOUT_MS = 2_000  # another SocketScope writing the same file
CHECKPOINT_EVERY = 200  # writes between two background checkpoints

TEXT, BINARY = "text", "binary"



@contextlib.contextmanager
def _reported() -> Iterator[None]:
    """Turn the file's own failures (locked, full, closed, a row edited by hand) into `PersistenceError`."""
    try:
        yield
    except (sqlite3.Error, ValueError) as error:  # json.JSONDecodeError is a ValueError
        raise PersistenceError(str(error)) from error

class PersistenceError(SocketScopeError):
    """The data file cannot be used (corrupt, unreadable, or from a newer SocketScope)."""


def data_dir() -> Path:
    """Where SocketScope keeps its data: `$SOCKETSCOPE_DATA_DIR`, else the platform's user data dir."""
    override = os.environ.get(DATA_DIR_VARIABLE)
    if override:
        return Path(override)
    return Path(platformdirs.user_data_dir("SocketScope", "SocketScope"))


def encode_payload(payload: str | bytes) -> tuple[str, bytes]:
    if isinstance(payload, str):
        return TEXT, payload.encode("utf-8", "surrogatepass")
    return BINARY, bytes(payload)


def decode_payload(mode: str, data: bytes) -> str | bytes:
    return data.decode("utf-8", "surrogatepass") if mode == TEXT else bytes(data)


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    id: int
    sent_at: float  # seconds since the epoch
    payload: str | bytes
    target: str

    @property
    def mode(self) -> str:
        return TEXT if isinstance(self.payload, str) else BINARY


@dataclass(frozen=True, slots=True)
class SavedPayload:
    name: str
    tags: tuple[str, ...]
    payload: str | bytes
    created: float
    updated: float

    @property
    def mode(self) -> str:
        return TEXT if isinstance(self.payload, str) else BINARY


# -- schema ------------------------------------------------------------------------------------
# Each step takes the file from version N to N+1 inside one transaction. Append, never edit:
# files in the wild are at every version.

def _v1_history_and_library(db: sqlite3.Connection) -> None:
    db.execute("""CREATE TABLE history (
        id INTEGER PRIMARY KEY,
        sent_at REAL NOT NULL,
        mode TEXT NOT NULL CHECK (mode IN ('text', 'binary')),
        payload BLOB NOT NULL)""")
    db.execute("""CREATE TABLE saved_payloads (
        name TEXT PRIMARY KEY,
        tags TEXT NOT NULL DEFAULT '',
        mode TEXT NOT NULL CHECK (mode IN ('text', 'binary')),
        payload BLOB NOT NULL,
        created REAL NOT NULL,
        updated REAL NOT NULL)""")


def _v2_targets_variables_profiles(db: sqlite3.Connection) -> None:
    db.execute("ALTER TABLE history ADD COLUMN target TEXT NOT NULL DEFAULT ''")
    db.execute("CREATE INDEX history_by_time ON history (sent_at)")
    db.execute("CREATE TABLE variables (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute("""CREATE TABLE profiles (
        name TEXT PRIMARY KEY,
        options TEXT NOT NULL,
        updated REAL NOT NULL)""")


MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _v1_history_and_library,
    _v2_targets_variables_profiles,
]
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(db: sqlite3.Connection, steps: list[Callable[[sqlite3.Connection], None]] = MIGRATIONS) -> int:
    """Bring the file up to `len(steps)`, one transaction per step; return the version reached."""
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > len(steps):
        raise PersistenceError(
            f"the data file is at schema version {version}, newer than this SocketScope knows ({len(steps)})"
        )
    for number, step in enumerate(steps[version:], start=version + 1):
        db.execute("BEGIN IMMEDIATE")
        try:
            step(db)
            db.execute(f"PRAGMA user_version = {number}")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")
    return len(steps)


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _split_tags(tags: Iterable[str] | str) -> tuple[str, ...]:
    """Tags as typed ("a, b c") or as a list; trimmed, unique, in order."""
    if isinstance(tags, str):
        tags = tags.replace(",", " ").split()
    seen: dict[str, None] = {}
    for tag in tags:
        tag = tag.strip().lstrip("#")
        if tag:
            seen.setdefault(tag, None)
    return tuple(seen)


class Persistence:
    """One SQLite file, used from any thread (a lock serialises the short calls)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path) if path != ":memory:" else path
        if isinstance(self.path, Path):
            self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._writes_since_checkpoint = 0
        self._checkpointer: threading.Thread | None = None
        # isolation_level=None: no implicit transactions; every write below opens its own.
        self._db = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False,
                                   timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            self.journal_mode = self._db.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            self._db.execute("PRAGMA synchronous = NORMAL")
            self._db.execute("PRAGMA wal_autocheckpoint = 0")
            self._db.execute("PRAGMA foreign_keys = ON")
            self.schema_version = migrate(self._db)
            self._prune_history()
        except (sqlite3.DatabaseError, PersistenceError) as error:
            self._db.close()
            if isinstance(error, PersistenceError):
                raise
            raise PersistenceError(f"{path}: {error}") from error

    @classmethod
    def open_default(cls) -> Persistence:
        return cls(data_dir() / DATABASE_NAME)

    def close(self) -> None:
        """Close the file (SQLite folds the log into it); waits for a running checkpoint."""
        if self._checkpointer is not None:
            self._checkpointer.join()
        with self._lock:
            self._db.close()

    def _count_write(self) -> None:
        self._writes_since_checkpoint += 1
        if (self._writes_since_checkpoint >= CHECKPOINT_EVERY and isinstance(self.path, Path)
                and (self._checkpointer is None or not self._checkpointer.is_alive())):
            self._writes_since_checkpoint = 0
            self._checkpointer = threading.Thread(target=self._checkpoint, name="socketscope-checkpoint",
                                                  daemon=True)
            self._checkpointer.start()

    def _checkpoint(self) -> None:
        """A passive checkpoint on its own connection: it never blocks the writer."""
        try:
            with sqlite3.connect(str(self.path), timeout=BUSY_TIMEOUT_MS / 1000) as db:
                db.execute("PRAGMA wal_checkpoint(PASSIVE)")
            db.close()
        except sqlite3.Error:
            pass  # the next one will try again; the log only grows meanwhile

    def _write(self, sql: str, parameters: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        """One statement in its own committed transaction."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                cursor = self._db.execute(sql, parameters)
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            self._count_write()
            return cursor

    def integrity_problems(self) -> list[str]:
        """SQLite's own check of the database file: empty when it is sound."""
        return [row[0] for row in self._read("PRAGMA integrity_check") if row[0] != "ok"]

    def _read(self, sql: str, parameters: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._db.execute(sql, parameters).fetchall()

    def _prune_history(self) -> None:
        """Keep the newest HISTORY_LIMIT entries; deleting by id range is cheap."""
        self._write("DELETE FROM history WHERE id <= (SELECT id FROM history ORDER BY id DESC LIMIT 1 OFFSET ?)",
                    (HISTORY_LIMIT,))

    # -- sent-payload history --------------------------------------------------------------

    def record_sent(self, payload: str | bytes, target: str = "", sent_at: float | None = None) -> HistoryEntry:
        """Remember a payload that was sent; committed when this returns."""
        sent_at = time.time() if sent_at is None else sent_at
        mode, data = encode_payload(payload)
        cursor = self._write("INSERT INTO history (sent_at, mode, payload, target) VALUES (?, ?, ?, ?)",
                             (sent_at, mode, data, target))
        assert cursor.lastrowid is not None
        if cursor.lastrowid % PRUNE_EVERY == 0:  # a repeat running for hours must not grow the file unbounded
            self._prune_history()
        return HistoryEntry(cursor.lastrowid, sent_at, payload, target)

    def history(self, search: str = "", limit: int = 500) -> list[HistoryEntry]:
        """The newest first; `search` matches the text of a payload or its target (ASCII case-insensitive)."""
        sql = "SELECT id, sent_at, mode, payload, target FROM history"
        parameters: tuple[Any, ...] = ()
        if search:
            sql += " WHERE (mode = 'text' AND CAST(payload AS TEXT) LIKE ? ESCAPE '\\') OR target LIKE ? ESCAPE '\\'"
            parameters = (_like_pattern(search),) * 2
        sql += " ORDER BY id DESC LIMIT ?"
        return [HistoryEntry(id_, sent_at, decode_payload(mode, data), target)
                for id_, sent_at, mode, data, target in self._read(sql, (*parameters, limit))]

    def delete_history(self, entry_id: int) -> None:
        self._write("DELETE FROM history WHERE id = ?", (entry_id,))

    def clear_history(self) -> None:
        self._write("DELETE FROM history")

    # -- the saved-payload library -------------------------------------------------------------

    def save_payload(self, name: str, payload: str | bytes, tags: Iterable[str] | str = ()) -> SavedPayload:
        """Save under `name`, replacing a payload of that name (its creation time is kept)."""
        name = name.strip()
        if not name:
            raise ValueError("A saved payload needs a name")
        tag_tuple = _split_tags(tags)
        mode, data = encode_payload(payload)
        now = time.time()
        self._write(
            """INSERT INTO saved_payloads (name, tags, mode, payload, created, updated) VALUES (?, ?, ?, ?, ?, ?)
               ON CONFLICT (name) DO UPDATE SET tags = excluded.tags, mode = excluded.mode,
                 payload = excluded.payload, updated = excluded.updated""",
            (name, " ".join(tag_tuple), mode, data, now, now),
        )
        created = self._read("SELECT created FROM saved_payloads WHERE name = ?", (name,))[0][0]
        return SavedPayload(name, tag_tuple, payload, created, now)

    def saved_payloads(self, search: str = "") -> list[SavedPayload]:
        """By name; `search` words must each match a name or a tag (`#tag` matches tags only)."""
        sql = "SELECT name, tags, mode, payload, created, updated FROM saved_payloads"
        clauses, parameters = [], []
        for word in search.split():
            if word.startswith("#") and len(word) > 1:
                clauses.append("(' ' || tags || ' ') LIKE ? ESCAPE '\\'")
                parameters.append(_like_pattern(word[1:]))
            else:
                clauses.append("(name LIKE ? ESCAPE '\\' OR tags LIKE ? ESCAPE '\\')")
                parameters += [_like_pattern(word)] * 2
        if clauses:
            sql += " WHERE " + " AND ".join(clauses)
        sql += " ORDER BY name COLLATE NOCASE"
        return [SavedPayload(name, tuple(tags.split()), decode_payload(mode, data), created, updated)
                for name, tags, mode, data, created, updated in self._read(sql, tuple(parameters))]

    def delete_saved(self, name: str) -> None:
        self._write("DELETE FROM saved_payloads WHERE name = ?", (name,))

    # -- user variables for payload templates -------------------------------------------------

    def variables(self) -> dict[str, str]:
        return dict(self._read("SELECT name, value FROM variables ORDER BY name"))

    def set_variables(self, variables: dict[str, str]) -> None:
        """Replace all user variables in one transaction."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.execute("DELETE FROM variables")
                self._db.executemany("INSERT INTO variables (name, value) VALUES (?, ?)",
                                     [(name, value.encode("utf-8", "surrogatepass").decode("utf-8", "replace"))
                                      for name, value in variables.items()])
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")
            self._count_write()

    # -- connection profiles -------------------------------------------------------------------

    def save_profile(self, name: str, options: dict[str, Any]) -> None:
        """Save a connection profile: `options` must be JSON (no NaN or Infinity).

        Raises `PersistenceError` saying why it was not saved (no name, not JSON, the file refused it).
        """
        if not name.strip():
            raise PersistenceError("A profile needs a name")
        try:
            text = json.dumps(options, allow_nan=False, ensure_ascii=True)
        except (TypeError, ValueError) as error:
            raise PersistenceError(f"Profile {name!r} cannot be saved as JSON: {error}") from error
        with _reported():
            self._write("""INSERT INTO profiles (name, options, updated) VALUES (?, ?, ?)
                           ON CONFLICT (name) DO UPDATE SET options = excluded.options, updated = excluded.updated""",
                        (name.strip(), text, time.time()))

    def profiles(self) -> dict[str, dict[str, Any]]:
        """The saved profiles by name; `PersistenceError` if the file cannot be read or a row is not JSON."""
        with _reported():
            return {name: json.loads(options)
                    for name, options in self._read("SELECT name, options FROM profiles ORDER BY name COLLATE NOCASE")}

    def delete_profile(self, name: str) -> None:
        with _reported():
            self._write("DELETE FROM profiles WHERE name = ?", (name,))
