"""The pytest plugin: *.wstest.yaml files collected with no conftest, run against the embedded demo server."""

from __future__ import annotations

import textwrap

import pytest

from app import pytest_plugin
from app.core.scenarios import SCENARIO_SUFFIX
from embedded_server.runner import EmbeddedServer

pytest_plugins = ["pytester"]

GREETING = """\
    name: greeting and echo
    url: {url}
    steps:
      - expect: "$.username == 'Alice'"
        within: 2s
      - send: {{"action": "subscribe"}}
      - expect: "$.status == 'received' $.echo.action == 'subscribe'"
        within: 2s
      - close: {{code: 1000}}
    """

WRONG = """\
    name: wrong reply
    url: {url}
    steps:
      - send: {{"action": "subscribe"}}
      - expect: "$.echo.action == 'unsubscribe'"
        within: 300ms
    """


def test_scenario_files_are_collected_and_run_one_test_each(pytester: pytest.Pytester,
                                                            demo_server: EmbeddedServer) -> None:
    url = demo_server.address.ws_url("/ws")
    pytester.makefile(".wstest.yaml", greeting=textwrap.dedent(GREETING.format(url=url)),
                      wrong=textwrap.dedent(WRONG.format(url=url)))
    pytester.makefile(".yaml", unrelated="steps: [not, a, scenario]\n")  # only the suffix is collected
    assert not list(pytester.path.glob("conftest.py")) and not list(pytester.path.glob("*.ini"))
    result = pytester.runpytest("-v", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines([
        "greeting.wstest.yaml::greeting and echo PASSED*",
        "wrong.wstest.yaml::wrong reply FAILED*",
    ])
    result.stdout.fnmatch_lines([
        "scenario 'wrong reply' (*wrong.wstest.yaml) failed:",
        "  passed  step 1 (line 4): send {\"action\": \"subscribe\"}",
        "  failed  step 2 (line 5): expect $.echo.action == 'unsubscribe'",
        "      expect $.echo.action == 'unsubscribe' failed: no message received within 300 ms matched*",
        "      Last * received:",
        "*\"status\":\"received\"*",
    ])


def test_an_invalid_scenario_is_a_collection_error_naming_its_line(pytester: pytest.Pytester) -> None:
    pytester.makefile(".wstest.yaml", bad="url: ws://127.0.0.1:1/\nsteps:\n  - sned: {}\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*bad.wstest.yaml:3: unknown step 'sned'*"])


def test_the_plugin_spells_the_suffix_as_the_format_does() -> None:
    assert pytest_plugin.SCENARIO_SUFFIX == SCENARIO_SUFFIX
