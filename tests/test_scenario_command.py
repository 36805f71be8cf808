"""`socketscope test` as users and CI run it: a subprocess against the embedded demo server, JUnit read back."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

from embedded_server.runner import EmbeddedServer
from tests.test_capture_commands import run

PASSING = """\
    name: greeting and echo
    url: ws://127.0.0.1:1/never-used
    steps:
      - expect: "$.username == 'Alice'"
        within: 2s
      - send: {"action": "subscribe", "topic": "news"}
      - expect: "$.status == 'received' $.echo.action == 'subscribe'"
        within: 2s
      - close: {code: 1000}
    """

FAILING = """\
    name: wrong echo
    url: ${SCENARIO_URL}
    steps:
      - send: {"action": "subscribe"}
      - expect: "$.echo.action == 'unsubscribe'"
        within: 500ms
      - close: {code: 1000}
    """


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def test_a_passing_scenario_exits_0_with_each_step_and_junit(demo_server: EmbeddedServer, tmp_path: Path) -> None:
    scenario = write(tmp_path, "greeting.wstest.yaml", PASSING)
    junit = tmp_path / "out.xml"
    url = demo_server.address.ws_url("/ws")
    done = run("test", "--junit", str(junit), str(scenario), "--url", url)  # options before and after the file
    assert done.returncode == 0, done.stdout + done.stderr
    assert "greeting and echo" in done.stdout
    assert "ok      step 2 (line 6): send" in done.stdout
    assert "1 of 1 scenarios passed (4 of 4 steps)" in done.stdout
    suites = ET.parse(junit).getroot()
    (suite,) = suites.findall("testsuite")
    assert suite.get("name") == "greeting and echo" and suite.get("file") == str(scenario)
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("4", "0", "0")
    cases = suite.findall("testcase")
    assert [case.get("name") for case in cases] == [
        "step 1 (line 4): expect $.username == 'Alice'",
        'step 2 (line 6): send {"action": "subscribe", "topic": "news"}',
        "step 3 (line 7): expect $.status == 'received' $.echo.action == 'subscribe'",
        "step 4 (line 9): close 1000",
    ]
    assert not suite.findall(".//failure")


def test_a_failing_step_exits_1_and_its_failure_names_the_expression(demo_server: EmbeddedServer,
                                                                    tmp_path: Path) -> None:
    passing = write(tmp_path, "greeting.wstest.yaml", PASSING.replace("ws://127.0.0.1:1/never-used", "${GREETING}"))
    failing = write(tmp_path, "echo.wstest.yaml", FAILING)
    junit = tmp_path / "out.xml"
    env = {"SCENARIO_URL": demo_server.address.ws_url("/ws/echo"), "GREETING": demo_server.address.ws_url("/ws")}
    done = run_with_env(env, "test", str(passing), str(failing), "--junit", str(junit))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FAILED  step 2 (line 5): expect $.echo.action == 'unsubscribe'" in done.stdout
    assert '{"action": "subscribe"}' in done.stdout  # the last message received
    assert "1 of 2 scenarios passed (5 of 7 steps)" in done.stdout
    first, second = ET.parse(junit).getroot().findall("testsuite")
    assert first.get("failures") == "0"
    assert (second.get("tests"), second.get("failures"), second.get("skipped")) == ("3", "1", "1")
    sent, expect, close = second.findall("testcase")
    assert sent.find("failure") is None
    failure = expect.find("failure")
    assert failure.get("message").startswith("expect $.echo.action == 'unsubscribe' failed: no message received "
                                             "within 500 ms matched")
    assert "Last received:" in failure.text and '{"action": "subscribe"}' in failure.text
    assert close.find("skipped") is not None


def test_an_invalid_scenario_exits_2_naming_file_line_and_key_and_runs_nothing(tmp_path: Path) -> None:
    good = write(tmp_path, "good.wstest.yaml", PASSING)
    bad = write(tmp_path, "bad.wstest.yaml", """\
        url: ws://127.0.0.1:1/
        steps:
          - expect: x
          - sned: {"a": 1}
        """)
    junit = tmp_path / "out.xml"
    done = run("test", str(good), str(bad), "--junit", str(junit))
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"{bad}:4: unknown step 'sned'" in done.stderr
    assert "nothing was run" in done.stderr
    assert done.stdout == "" and not junit.exists()


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run("test").returncode == 2
    scenario = write(tmp_path, "good.wstest.yaml", PASSING)
    bad_url = run("test", str(scenario), "--url", "http://127.0.0.1:1/")
    assert bad_url.returncode == 2 and "not a WebSocket URL" in bad_url.stderr


def run_with_env(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    from tests.test_capture_commands import REPO, command, environment

    return subprocess.run(command(*args), cwd=REPO, env={**environment(), **env}, capture_output=True, text=True,
                          timeout=40)


def test_the_command_is_listed() -> None:
    done = subprocess.run([sys.executable, "-m", "app", "--help"], capture_output=True, text=True, timeout=30,
                          cwd=Path(__file__).parent.parent)
    assert "test " in done.stdout and "scenario tests" in done.stdout
