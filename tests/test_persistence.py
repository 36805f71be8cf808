"""The persistence service against real SQLite files in tmp_path."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from app.services import persistence
from app.services.persistence import MIGRATIONS, SCHEMA_VERSION, Persistence, PersistenceError
from tests.helpers import REPO

ODD_PAYLOADS = [
    '"a\ud800b"',                       # a lone surrogate: sqlite3 refuses it as TEXT
    "18446744073709551616",             # 2**64: a JSON number no 64-bit column holds
    '{"big": 18446744073709551617}',
    '"\u2028 \x00 é 😀"',
    b"\x00\xff\xfe binary \x80",
    b"",
]


def table_names(path: Path) -> set[str]:
    with sqlite3.connect(path) as db:
        return {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}


def test_default_location_follows_the_environment_variable(private_user_data: Path) -> None:
    # conftest points SOCKETSCOPE_DATA_DIR at a fresh directory for every test
    assert persistence.data_dir() == Path(os.environ["SOCKETSCOPE_DATA_DIR"]) == private_user_data / "data"
    store = Persistence.open_default()
    try:
        assert store.path == persistence.data_dir() / persistence.DATABASE_NAME
        assert store.path.exists() and private_user_data in store.path.parents
    finally:
        store.close()


def test_a_child_process_finds_its_settings_and_data_in_the_tests_directory(private_user_data: Path) -> None:
    # QSettings.setPath reaches only this process: a child finds its settings through XDG_CONFIG_HOME.
    # It only asks where they are, so that even a broken isolation writes nothing of the user's.
    script = textwrap.dedent("""
        from app.services import persistence
        from app.ui.shell.window_settings import open_settings
        print(open_settings().fileName())
        print(persistence.data_dir())
    """)
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, done.stderr
    settings_file, data_dir = (Path(line) for line in done.stdout.split())
    assert private_user_data in settings_file.parents, settings_file
    assert private_user_data in data_dir.parents, data_dir


def test_empty_file_is_migrated_to_the_current_schema_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    store = Persistence(path)
    store.close()
    assert store.schema_version == SCHEMA_VERSION == len(MIGRATIONS) == 2
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert {"history", "saved_payloads", "variables", "profiles"} <= table_names(path)


def test_version_1_file_keeps_its_data_when_migrated(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    assert persistence.migrate(db, MIGRATIONS[:1]) == 1
    db.execute("INSERT INTO history (sent_at, mode, payload) VALUES (1.5, 'text', ?)", (b'{"old": 1}',))
    db.execute("INSERT INTO saved_payloads VALUES ('login', 'auth smoke', 'text', ?, 1.0, 2.0)", (b'{"u": 1}',))
    db.close()
    assert "profiles" not in table_names(path)

    store = Persistence(path)
    try:
        assert store.schema_version == 2
        [entry] = store.history()
        assert (entry.payload, entry.sent_at, entry.target) == ('{"old": 1}', 1.5, "")
        [saved] = store.saved_payloads()
        assert (saved.name, saved.tags, saved.payload, saved.created) == ("login", ("auth", "smoke"), '{"u": 1}', 1.0)
        store.save_profile("local", {"url": "ws://127.0.0.1:1/ws"})
        assert store.profiles() == {"local": {"url": "ws://127.0.0.1:1/ws"}}
    finally:
        store.close()


def test_a_failing_migration_step_leaves_the_file_at_its_version(tmp_path: Path) -> None:
    path = tmp_path / "half.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    persistence.migrate(db, MIGRATIONS[:1])

    def broken(connection: sqlite3.Connection) -> None:
        connection.execute("CREATE TABLE half_done (x)")
        connection.execute("THIS IS NOT SQL")

    with pytest.raises(sqlite3.OperationalError):
        persistence.migrate(db, [MIGRATIONS[0], broken])
    assert db.execute("PRAGMA user_version").fetchone()[0] == 1
    db.close()
    assert "half_done" not in table_names(path)


def test_newer_or_corrupt_files_are_refused_with_a_clear_error(tmp_path: Path) -> None:
    newer = tmp_path / "newer.sqlite3"
    with sqlite3.connect(newer) as db:
        db.execute("PRAGMA user_version = 99")
    with pytest.raises(PersistenceError, match="newer than this SocketScope knows"):
        Persistence(newer)
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"this is not a database" * 100)
    with pytest.raises(PersistenceError, match="garbage.sqlite3"):
        Persistence(garbage)


@pytest.mark.parametrize("payload", ODD_PAYLOADS, ids=repr)
def test_odd_payloads_round_trip_exactly(tmp_path: Path, payload: str | bytes) -> None:
    store = Persistence(tmp_path / "odd.sqlite3")
    store.record_sent(payload, target="client#1")
    store.save_payload("odd", payload, tags="x")
    store.close()
    reopened = Persistence(tmp_path / "odd.sqlite3")
    try:
        [entry] = reopened.history()
        [saved] = reopened.saved_payloads()
        assert entry.payload == payload and type(entry.payload) is type(payload)
        assert saved.payload == payload and type(saved.payload) is type(payload)
        assert saved.mode == entry.mode == ("text" if isinstance(payload, str) else "binary")
    finally:
        reopened.close()


def test_history_is_newest_first_searchable_and_deletable(tmp_path: Path) -> None:
    store = Persistence(tmp_path / "h.sqlite3")
    try:
        first = store.record_sent('{"action": "ping"}', "client#1")
        store.record_sent('{"action": "subscribe", "topic": "100%_sure"}', "client#2")
        store.record_sent(b"\x01\x02", "client#1")
        assert [e.payload for e in store.history()] == [
            b"\x01\x02", '{"action": "subscribe", "topic": "100%_sure"}', '{"action": "ping"}']
        assert [e.id for e in store.history("PING")] == [first.id]
        assert len(store.history("100%_")) == 1 and store.history("100%x") == []
        assert len(store.history("client#1")) == 2
        assert len(store.history(limit=2)) == 2
        store.delete_history(first.id)
        assert store.history("ping") == []
        store.clear_history()
        assert store.history() == []
    finally:
        store.close()


def test_history_keeps_the_newest_entries(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(persistence, "HISTORY_LIMIT", 5)
    monkeypatch.setattr(persistence, "PRUNE_EVERY", 10)
    store = Persistence(tmp_path / "prune.sqlite3")
    try:
        for n in range(1, 10):
            store.record_sent(str(n))
        assert len(store.history()) == 9  # not pruned yet
        store.record_sent("10")  # the tenth insert prunes
        assert [e.payload for e in store.history()] == ["10", "9", "8", "7", "6"]
    finally:
        store.close()
    reopened = Persistence(tmp_path / "prune.sqlite3")
    try:
        assert len(reopened.history()) == 5
    finally:
        reopened.close()


def test_library_saves_replaces_searches_by_name_or_tag_and_deletes(tmp_path: Path) -> None:
    store = Persistence(tmp_path / "l.sqlite3")
    try:
        login = store.save_payload("Login", '{"user": "a"}', tags="auth, smoke")
        store.save_payload("subscribe prices", '{"topic": "prices"}', tags=["#market", "smoke"])
        store.save_payload("blob", b"\x00\x01", tags="")
        assert [p.name for p in store.saved_payloads()] == ["blob", "Login", "subscribe prices"]
        assert [p.name for p in store.saved_payloads("#smoke")] == ["Login", "subscribe prices"]
        assert [p.name for p in store.saved_payloads("market")] == ["subscribe prices"]
        assert [p.name for p in store.saved_payloads("login auth")] == ["Login"]
        assert [p.name for p in store.saved_payloads("#auth price")] == []
        again = store.save_payload("Login", '{"user": "b"}', tags="auth")
        assert again.created == login.created and again.updated >= login.updated
        [saved] = store.saved_payloads("Login")
        assert (saved.payload, saved.tags) == ('{"user": "b"}', ("auth",))
        with pytest.raises(ValueError, match="needs a name"):
            store.save_payload("  ", "1")
        store.delete_saved("Login")
        assert [p.name for p in store.saved_payloads()] == ["blob", "subscribe prices"]
    finally:
        store.close()


def test_profiles_and_variables(tmp_path: Path) -> None:
    store = Persistence(tmp_path / "p.sqlite3")
    try:
        options = {"url": "wss://127.0.0.1:9/ws", "headers": {"X-Id": "\ud800"}, "retries": 2**64}
        store.save_profile("staging", options)
        store.save_profile("staging", {**options, "retries": 3})
        assert store.profiles() == {"staging": {**options, "retries": 3}}
        with pytest.raises(PersistenceError, match="cannot be saved as JSON"):
            store.save_profile("bad", {"timeout": float("nan")})
        store.delete_profile("staging")
        assert store.profiles() == {}
        store.set_variables({"token": "abc", "user": "alice"})
        store.set_variables({"token": "xyz"})
        assert store.variables() == {"token": "xyz"}
    finally:
        store.close()


def test_a_profile_the_file_cannot_give_or_take_is_a_persistence_error(tmp_path: Path) -> None:
    """The window catches PersistenceError alone: a row edited by hand or a file gone is reported as one."""
    path = tmp_path / "p.sqlite3"
    store = Persistence(path)
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO profiles (name, options, updated) VALUES ('hand edited', '{not json', 0)")
    db.close()
    with pytest.raises(PersistenceError, match="Expecting property name"):
        store.profiles()
    store.close()
    for use in (store.profiles, lambda: store.save_profile("late", {"url": "ws://127.0.0.1:9/"}),
                lambda: store.delete_profile("late")):
        with pytest.raises(PersistenceError, match="closed database"):
            use()


WRITER = textwrap.dedent("""
    import sys
    from app.services.persistence import Persistence
    store = Persistence.open_default()
    for i in range(100_000):  # bounded; the test kills this process long before
        store.record_sent('{"n": %d, "s": "\\ud800"}' % i, target="client#1")
        store.save_payload(f"p{i}", bytes([i % 256]) * 3, tags=f"t{i % 7}")
        print(i, flush=True)
""")


def test_everything_reported_saved_survives_sigkill(tmp_path: Path) -> None:
    environment = {**os.environ, "SOCKETSCOPE_DATA_DIR": str(tmp_path / "data"), "PYTHONPATH": str(REPO)}
    reported = -1
    with subprocess.Popen([sys.executable, "-c", WRITER], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          text=True, env=environment, cwd=REPO) as child:
        try:
            assert child.stdout is not None
            for line in child.stdout:  # ends when the child exits; the child writes until killed
                reported = int(line)
                if reported >= 300:
                    break
        finally:
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=10)
        errors = child.stderr.read() if child.stderr else ""
    assert child.returncode == -signal.SIGKILL, errors
    assert reported >= 300

    store = Persistence(tmp_path / "data" / persistence.DATABASE_NAME)
    try:
        history = store.history(limit=1_000_000)
        sent = {entry.payload for entry in history}
        assert all('{"n": %d, "s": "\ud800"}' % i in sent for i in range(reported + 1))
        saved = {p.name: p for p in store.saved_payloads()}
        assert all(saved[f"p{i}"].payload == bytes([i % 256]) * 3 for i in range(reported + 1))
        assert store.integrity_problems() == []
    finally:
        store.close()
