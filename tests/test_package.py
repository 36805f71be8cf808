"""The bundled program (packaging/socketscope.spec) runs on its own: version, headless server, SIGINT.

Slow: it needs the PyInstaller bundle, which takes minutes to build on a 2-core machine, longer
than the rest of the suite (see packaging/README.md). So `make package` builds it into
dist/socketscope and these tests use it when it is newer than the sources; without one they are
skipped, unless SOCKETSCOPE_BUILD_BUNDLE=1 asks to build it here, once per test session.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from websockets.sync.client import connect

from embedded_server.demo_app import GREETING
from tests.helpers import REPO

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

SOURCES = ("app", "embedded_server", "resources", "packaging", "pyproject.toml")
BUNDLES = (REPO / "dist" / "socketscope", REPO / "build" / "test-bundle" / "socketscope")


def newest_source_change() -> float:
    newest = 0.0
    for name in SOURCES:
        path = REPO / name
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()
                                                and "__pycache__" not in p.parts and p.suffix != ".md"]
        newest = max([newest, *(p.stat().st_mtime for p in files)])
    return newest


def fresh(bundle: Path) -> bool:
    program = bundle / "socketscope"
    return program.exists() and program.stat().st_mtime >= newest_source_change()


@pytest.fixture(scope="session")
def bundle() -> Path:
    for candidate in BUNDLES:
        if fresh(candidate):
            return candidate
    if os.environ.get("SOCKETSCOPE_BUILD_BUNDLE") != "1":
        pytest.skip("no bundle newer than the sources: run `make package` (or set SOCKETSCOPE_BUILD_BUNDLE=1)")
    pytest.importorskip("PyInstaller", reason="PyInstaller is installed by `make package`")
    target = BUNDLES[1]
    result = subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
         "--distpath", str(target.parent), "--workpath", str(REPO / "build" / "pyinstaller"),
         str(REPO / "packaging" / "socketscope.spec")],
        cwd=REPO, capture_output=True, text=True, timeout=840,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return target


def bundled_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}  # only what it bundles
    env["QT_QPA_PLATFORM"] = "offscreen"
    return env


def test_bundle_reports_its_version(bundle: Path) -> None:
    from app import __version__

    result = subprocess.run([str(bundle / "socketscope"), "--version"], capture_output=True, text=True,
                            timeout=60, env=bundled_env())
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"SocketScope {__version__}"


def test_bundle_serves_the_greeting_and_stops_cleanly_on_sigint(bundle: Path) -> None:
    process = subprocess.Popen([str(bundle / "socketscope"), "serve", "--port", "0"], env=bundled_env(),
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("SocketScope server listening on http://127.0.0.1:"), line
        ws_url = line.split()[-1]
        with connect(ws_url, open_timeout=10) as ws:
            assert json.loads(ws.recv(timeout=10)) == GREETING
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
        assert process.returncode == 0, err
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def test_bundle_starts_the_document_process_big_messages_open_in(bundle: Path) -> None:
    from app.core.docworker import DocumentWorker

    # What the bundled window runs: `sys.executable -m app.core.docworker`, sys.executable being the program.
    worker = DocumentWorker([str(bundle / "socketscope"), "-m", "app.core.docworker"])
    try:
        document, loaded = worker.load('{"data": [1, 2, 3], "big": 9007199254740993}')
        assert document is not None and [row.key for row in loaded.first_page] == ["data", "big"]
        assert [row.preview for row in document.children((0,), 0, 10)] == ["1", "2", "3"]
        assert any("beyond 2^53" in warning for warning in document.warnings())
    finally:
        worker.close()


def test_bundle_carries_its_icon_and_desktop_entry(bundle: Path) -> None:
    assert (bundle / "_internal" / "resources" / "socketscope.svg").is_file()  # the window icon
    desktop = (bundle / "share" / "applications" / "org.socketscope.SocketScope.desktop").read_text()
    assert "Exec=socketscope" in desktop and "Icon=socketscope" in desktop
    metainfo = (bundle / "share" / "metainfo" / "org.socketscope.SocketScope.metainfo.xml").read_text()
    assert "<launchable type=\"desktop-id\">org.socketscope.SocketScope.desktop</launchable>" in metainfo
    assert (bundle / "share" / "icons" / "hicolor" / "scalable" / "apps" / "socketscope.svg").is_file()
    for side in (16, 48, 512):  # packaging/render_icons.py's, for desktops that take no SVG
        assert (bundle / "share" / "icons" / "hicolor" / f"{side}x{side}" / "apps" / "socketscope.png").is_file()
