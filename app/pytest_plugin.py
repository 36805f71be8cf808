"""pytest runs scenario files (`*.wstest.yaml`) as tests, one test per file.

Registered under pytest's `pytest11` entry point, so any project with SocketScope installed collects
its scenario files with no conftest or ini setting (and pytest-xdist spreads them over its workers).
A scenario that cannot be read is a collection error naming its file and line; a failing scenario is
a failed test whose report lists each step and shows the failed one with the last messages received.
Loading the plugin imports nothing of SocketScope's: every pytest run pays for it, scenario files or not.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from app.core.scenarios import Scenario
    from app.services.scenario_runner import ScenarioResult

# app.core.scenarios.SCENARIO_SUFFIX, spelled here so that loading the plugin stays cheap (a test checks both).
SCENARIO_SUFFIX = ".wstest.yaml"


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if file_path.name.endswith(SCENARIO_SUFFIX):
        return ScenarioFile.from_parent(parent, path=file_path)
    return None


class ScenarioFile(pytest.File):
    def collect(self) -> Iterator[pytest.Item]:
        from app.core.scenarios import ScenarioError, load_scenario
        from app.services.scenario_runner import connection_options

        try:
            scenario = load_scenario(self.path)
            connection_options(scenario)  # options that cannot open a connection are the file's mistake too
        except ScenarioError as error:
            raise self.CollectError(str(error)) from None
        yield ScenarioItem.from_parent(self, name=scenario.name, scenario=scenario)


class ScenarioFailed(Exception):
    """A step failed: the result says which and why."""

    def __init__(self, result: ScenarioResult) -> None:
        super().__init__(result.scenario.name)
        self.result = result


class ScenarioItem(pytest.Item):
    def __init__(self, *, scenario: Scenario, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario

    def runtest(self) -> None:
        from app.services.scenario_runner import run_scenario

        result = run_scenario(self.scenario)
        if not result.passed:
            raise ScenarioFailed(result)

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, ScenarioFailed):
            return failure_report(excinfo.value.result)
        return super().repr_failure(excinfo, style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        return self.path, 0, f"scenario: {self.name}"


def failure_report(result: ScenarioResult) -> str:
    """Each step with its outcome; the failed one with what failed and the last messages received."""
    from app.core.printable import escape_controls
    from app.services.scenario_runner import FAILED, step_title

    lines = [f"scenario {result.scenario.name!r} ({result.scenario.path}) failed:"]
    for number, step in enumerate(result.steps, 1):
        lines.append(f"  {step.outcome:<7} {step_title(number, step.step)}")
        if step.outcome == FAILED:
            lines.extend(f"      {escape_controls(line)}" for line in step.report().splitlines())
    return "\n".join(lines)
