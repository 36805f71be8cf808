"""Hostile scenario files: each is a ScenarioError naming its file and line, quickly, and `socketscope test` exits 2.

YAML aliases that expand a few lines to billions of values or into themselves, nesting 100,000
deep, integers too long to convert, invalid UTF-8, a device or a pipe instead of a file, a file of
50 MB, `${VAR}`s that would make gigabytes, and every JSONTestSuite file as the message to send.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from app.core.scenarios import ScenarioError, load_scenario, parse_scenario
from tests.helpers import CORPUS
from tests.test_capture_commands import run
from tests.test_hostile_contracts import DEPTH, SECONDS, laughs

HEAD = "name: hostile\nurl: ws://127.0.0.1:1/never-used\nsteps:\n"


def refused(path: Path, environ: dict[str, str] | None = None) -> str:
    """`file:line: message` of the ScenarioError for `path`, checked to come within SECONDS."""
    started = time.monotonic()
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path, environ=environ or {})
    assert time.monotonic() - started < SECONDS, f"{path.name} took {time.monotonic() - started:.1f} s to refuse"
    return str(caught.value)


def write(directory: Path, name: str, text: str | bytes) -> Path:
    path = directory / name
    if isinstance(text, str):
        text = text.encode("utf-8")
    path.write_bytes(text)
    return path


HOSTILE: list[tuple[str, str | bytes, int, str]] = [
    ("bomb", HEAD + "  - send:\n" + laughs(indent="      "), 10, "aliases expand to over 100,000 more values"),
    ("loop", HEAD + "  - send: &a {again: *a}\n", 4, "an alias refers to a value that contains it"),
    ("deep", HEAD + "  - send: " + "[" * DEPTH + "]" * DEPTH + "\n", 4, "nested too deeply to read"),
    ("deep_options", "name: x\nurl: ws://127.0.0.1:1/\noptions: {headers: " + "{a: " * DEPTH + "1" + "}" * DEPTH
     + "}\nsteps:\n  - send: {}\n", 3, "nested too deeply to read"),
    ("long_number", HEAD + "  - send: [" + "9" * 5000 + "]\n", 4, "an integer of more than 4,300 digits"),
    ("latin1", HEAD.encode() + b"  - send: {text: caf\xe9}\n", 4, "cannot read the scenario: not UTF-8 text (byte 74)"),
]


@pytest.mark.parametrize(("name", "text", "line", "said"), HOSTILE, ids=[case[0] for case in HOSTILE])
def test_a_hostile_scenario_is_an_error_at_its_line(tmp_path: Path, name: str, text: str | bytes, line: int,
                                                    said: str) -> None:
    path = write(tmp_path, f"{name}.wstest.yaml", text)
    message = refused(path)
    assert message.startswith(f"{path}:{line}: "), message
    assert said in message


@pytest.mark.parametrize("target", ["/dev/zero", "fifo"])
def test_a_scenario_that_is_not_a_file_is_refused_without_reading_it(tmp_path: Path, target: str) -> None:
    if target == "fifo":
        target = str(tmp_path / "fifo")
        os.mkfifo(target)  # opening it would wait for a writer forever
    assert refused(Path(target)) == f"{target}: cannot read the scenario: not a file"


def test_a_50_mb_scenario_is_refused_unread(tmp_path: Path) -> None:
    path = write(tmp_path, "huge.wstest.yaml", HEAD + "  - send: {text: '" + "x" * (50 * 1000 * 1000) + "'}\n")
    assert refused(path) == f"{path}: cannot read the scenario: 47.7 MiB, over the 8 MiB read here"


def test_environment_values_that_would_make_gigabytes_are_refused(tmp_path: Path) -> None:
    repeated = "${BIG}" * 20_000  # with a value of 100 kB: 2 GB
    path = write(tmp_path, "big.wstest.yaml",
                 f"name: x\nurl: ws://127.0.0.1:1/\noptions:\n  headers: {{X: '{repeated}'}}\nsteps:\n  - send: {{}}\n")
    assert refused(path, {"BIG": "x" * 100_000}) == (
        f"{path}:4: options.headers: the environment's values make it over 1 MiB")


def test_every_corpus_file_as_the_message_to_send_is_refused_at_its_line_or_read(tmp_path: Path) -> None:
    for file in sorted(CORPUS.iterdir()):
        try:
            content = file.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            continue  # a scenario file is UTF-8 text: these cannot be written in one
        try:
            parse_scenario(HEAD + f"  - send: {json.dumps(content)}\n", tmp_path / "corpus.wstest.yaml", environ={})
        except ScenarioError as error:
            assert str(error).startswith(f"{tmp_path / 'corpus.wstest.yaml'}:4: send: "), (file.name, str(error))
        else:
            assert not file.name.startswith("n_"), f"{file.name} is not JSON, yet was taken as a message"


def test_socketscope_test_exits_2_naming_each_hostile_file_and_line(tmp_path: Path) -> None:
    files = [write(tmp_path, f"{name}.wstest.yaml", text) for name, text, _, _ in HOSTILE]
    done = run("test", *map(str, files))
    assert done.returncode == 2, done.stderr
    for path, (_, _, line, said) in zip(files, HOSTILE, strict=True):
        assert f"{path}:{line}: " in done.stderr and said in done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_a_step_of_megabytes_is_named_on_one_bounded_line(tmp_path: Path) -> None:
    """What reports, JUnit and the Tests dock show of a step: not a 5 MiB send, nor its line breaks."""
    big = json.dumps({"text": "x" * (5 * 1024 * 1024)})
    path = write(tmp_path, "big.wstest.yaml", HEAD + f"  - send: '{big}'\n  - expect: \"$.a == 1\n\n  $.b == 2\"\n")
    send, expect = load_scenario(path, environ={}).steps
    assert send.describe() == "send " + big[:160] + " …"
    assert expect.describe() == "expect $.a == 1 $.b == 2"
