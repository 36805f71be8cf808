"""`socketscope test FILE... [--url URL] [--junit OUT.xml]`: run scenario tests against a live server.

Every file is read and checked first: if any is invalid, each mistake is printed with its file and
line and nothing runs (exit 2). Then the scenarios run one after the other, each on a connection
of its own, and each step is printed as it ends. Exit 0 when every step passed, 1 when one failed.
`--junit` writes one `<testsuite>` per file and one `<testcase>` per step, for CI.
"""

from __future__ import annotations

import argparse
import re
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from app.commands.common import FAILURE, OK, USAGE_ERROR, Parser, UsageError, check_url, run_command, stop_on_signals
from app.commands.output import say
from app.core.printable import escape_controls
from app.core.scenarios import Scenario, ScenarioError, load_scenario
from app.services.scenario_runner import (
    FAILED,
    NOT_RUN,
    PASSED,
    ScenarioResult,
    ScenarioRunner,
    StepResult,
    connection_options,
    step_title,
)

PROG = "socketscope test"
MARKS = {PASSED: "ok     ", FAILED: "FAILED ", NOT_RUN: "not run"}
_NOT_XML = re.compile("[\ufffe\uffff]")  # what escape_controls leaves that XML 1.0 cannot hold


class _IntermixedParser(Parser):
    """Options before, between or after the files."""

    def parse_args(self, args: Any = None, namespace: Any = None) -> Any:
        return self.parse_intermixed_args(args, namespace)


def build_parser() -> argparse.ArgumentParser:
    parser = _IntermixedParser(prog=PROG, description="Run scenario tests (*.wstest.yaml) against a live server.")
    parser.add_argument("files", nargs="+", metavar="FILE", help="scenario files (YAML)")
    parser.add_argument("--url", help="connect here instead of each scenario's url")
    parser.add_argument("--junit", metavar="OUT.xml", help="also write the results as JUnit XML")
    return parser


def run(argv: list[str]) -> int:
    return run_command(PROG, build_parser(), argv, _test)


def _test(args: argparse.Namespace) -> int:
    url = check_url(args.url) if args.url is not None else None
    scenarios, runners, problems = [], [], []
    for file in args.files:
        try:
            scenario = load_scenario(file, url=url)
            runners.append(ScenarioRunner(scenario, connection_options(scenario)))
            scenarios.append(scenario)
        except ScenarioError as error:
            problems.append(str(error))
    if problems:
        for problem in problems:
            say(f"{PROG}: {problem}", error=True)
        say(f"{PROG}: {len(problems)} of {len(args.files)} scenario files are invalid; nothing was run", error=True)
        return USAGE_ERROR
    if args.junit:
        _check_writable(args.junit)
    results: list[ScenarioResult] = []
    stop = runners[0].stop
    with stop_on_signals(stop):
        for runner in runners:
            runner.stop = stop
            say(f"{runner.scenario.name} ({runner.scenario.path})")
            runner.on_step = _print_step
            result = runner.run()
            for number, step in enumerate(result.steps, 1):
                if step.outcome == NOT_RUN:
                    _print_step(number, step)
            results.append(result)
            if stop.is_set():
                break
    passed = sum(result.passed for result in results)
    steps = [step for result in results for step in result.steps]
    say(f"{passed} of {len(scenarios)} scenarios passed "
        f"({sum(step.outcome == PASSED for step in steps)} of {len(steps)} steps)")
    if args.junit:
        _write_junit(args.junit, results)
    return OK if passed == len(scenarios) else FAILURE


def _print_step(number: int, step: StepResult) -> None:
    timing = f"  {step.seconds:.2f} s" if step.outcome != NOT_RUN else ""
    say(f"  {MARKS[step.outcome]} {step_title(number, step.step)}{timing}")
    if step.outcome == FAILED:
        for line in step.report().splitlines():
            say(f"      {line}")


def _check_writable(path: str) -> None:
    try:
        with open(path, "w", encoding="utf-8"):
            pass
    except OSError as error:
        raise UsageError(f"cannot write {path}: {error.strerror or error}") from None


# --- JUnit XML ---------------------------------------------------------------------------------------

def _xml_text(text: str) -> str:
    """Peer text safe in XML: controls and lone surrogates escaped line by line, newlines kept."""
    return "\n".join(_NOT_XML.sub(lambda m: f"\\u{ord(m.group()):04x}", escape_controls(line))
                     for line in text.split("\n"))


def junit_document(results: list[ScenarioResult]) -> ET.ElementTree[ET.Element]:
    root = ET.Element("testsuites", name=PROG)
    totals = {"tests": 0, "failures": 0, "skipped": 0}
    total_time = 0.0
    for result in results:
        root.append(_suite(result.scenario, result))
        totals["tests"] += len(result.steps)
        totals["failures"] += len(result.failed)
        totals["skipped"] += sum(step.outcome == NOT_RUN for step in result.steps)
        total_time += result.seconds
    root.attrib.update({name: str(count) for name, count in totals.items()}, errors="0", time=f"{total_time:.3f}")
    ET.indent(root)
    return ET.ElementTree(root)


def _suite(scenario: Scenario, result: ScenarioResult) -> ET.Element:
    suite = ET.Element("testsuite", {
        "name": _xml_text(scenario.name), "file": _xml_text(str(scenario.path)),
        "tests": str(len(result.steps)), "failures": str(len(result.failed)), "errors": "0",
        "skipped": str(sum(step.outcome == NOT_RUN for step in result.steps)), "time": f"{result.seconds:.3f}",
    })
    for number, step in enumerate(result.steps, 1):
        case = ET.SubElement(suite, "testcase", {
            "classname": _xml_text(scenario.name), "name": _xml_text(step_title(number, step.step)),
            "file": _xml_text(str(scenario.path)), "line": str(step.step.line), "time": f"{step.seconds:.3f}",
        })
        if step.outcome == FAILED:
            failure = ET.SubElement(case, "failure", message=_xml_text(step.detail), type="ScenarioStepFailed")
            failure.text = _xml_text(step.report())
        elif step.outcome == NOT_RUN:
            ET.SubElement(case, "skipped", message="not run: an earlier step failed")
        elif step.matched is not None:
            ET.SubElement(case, "system-out").text = _xml_text(step.detail)
    return suite


def _write_junit(path: str, results: list[ScenarioResult]) -> None:
    try:
        junit_document(results).write(path, encoding="utf-8", xml_declaration=True)
    except OSError as error:
        say(f"{PROG}: cannot write {path}: {error.strerror or error}", error=True)
    else:
        say(f"JUnit results written to {Path(path)}", error=True)


__all__ = ["build_parser", "junit_document", "run"]
