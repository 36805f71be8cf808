"""The continuous recorder: frames reach the file within the flush interval, appends, fails cleanly."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from app.core import jsonl
from app.core.frames import Direction, Frame, Opcode, Side
from app.services.recorder import Recorder, RecordingError
from tests.helpers import REPO
from tests.waiting import wait_until


def frames(count: int, start: int = 0) -> list[Frame]:
    return [Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, f'{{"seq": {n}}}')
            for n in range(start, start + count)]


def read_back(path: Path) -> tuple[list[Frame], jsonl.ImportReport]:
    report = jsonl.ImportReport()
    with open(path, encoding="ascii") as capture:
        return list(jsonl.read_frames(capture, report)), report


def test_frames_reach_the_file_within_the_flush_interval(tmp_path: Path) -> None:
    path = tmp_path / "live.jsonl"
    recorder = Recorder(path, flush_interval=0.25)
    recorder.start()
    sample = frames(4)
    try:
        handed_over = time.monotonic()
        recorder.extend(sample[:3])
        wait_until(lambda: path.read_text().count('seq') == 3, timeout=5)
        elapsed = time.monotonic() - handed_over
        assert recorder.running and recorder.frames_written == 3
        recorder.append(sample[3])
        wait_until(lambda: path.read_text().count('seq') == 4, timeout=5)
    finally:
        assert recorder.stop()
    assert elapsed < 1.0, f"took {elapsed:.3f} s to reach the file"  # 0.25 s interval, generous for load
    back, report = read_back(path)
    assert back == sample and not report.skipped
    assert path.read_text().splitlines()[0] == jsonl.header()


def test_stop_writes_everything_queued_and_closes(tmp_path: Path) -> None:
    path = tmp_path / "burst.jsonl"
    recorder = Recorder(path, flush_interval=60)  # only stop() can flush these
    recorder.start()
    recorder.extend(frames(20_000))
    assert recorder.stop()
    assert not recorder.running and recorder.frames_written == 20_000
    back, _ = read_back(path)
    assert [f.payload for f in back] == [f.payload for f in frames(20_000)]


def test_an_existing_file_is_appended_to_and_a_cut_off_line_kept_apart(tmp_path: Path) -> None:
    path = tmp_path / "old.jsonl"
    first = Recorder(path)
    first.start()
    first.extend(frames(2))
    first.stop()
    with open(path, "a") as capture:
        capture.write(jsonl.frame_to_line(frames(1, 99)[0])[:20])  # a crash cut this line off
    second = Recorder(path)
    second.start()
    second.extend(frames(2, start=2))
    second.stop()
    back, report = read_back(path)
    assert [f.payload for f in back] == [f.payload for f in frames(4)]
    assert len(report.skipped) == 1  # only the cut-off line
    assert path.read_text().count('"format"') == 1  # no second header


def test_a_file_that_cannot_be_opened_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(RecordingError, match=r"Cannot record to .*missing.*No such file or directory"):
        Recorder(tmp_path / "missing" / "x.jsonl").start()
    with pytest.raises(RecordingError, match="Is a directory"):
        Recorder(tmp_path).start()


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_disk_full_stops_recording_with_a_message() -> None:
    errors: list[str] = []
    recorder = Recorder("/dev/full", on_error=errors.append)
    with pytest.raises(RecordingError, match="No space left"):  # even the header does not fit
        recorder.start()
    assert not recorder.running and not errors


def test_a_write_error_mid_recording_keeps_what_was_written(tmp_path: Path) -> None:
    """A file-size limit makes writes fail after some frames, as a full disk would."""
    path = tmp_path / "limited.jsonl"
    script = textwrap.dedent(f"""
        import resource, signal, sys
        from app.core.frames import Direction, Frame, Opcode, Side
        from app.services.recorder import Recorder
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # get EFBIG instead of being killed
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))
        errors = []
        recorder = Recorder({str(path)!r}, flush_interval=0.01, on_error=errors.append)
        recorder.start()
        for n in range(100):
            recorder.append(Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, '{{"seq": %d}}' % n))
        assert recorder.stop()
        for n in range(100, 2000):  # handed over after it failed: dropped, never written
            recorder.append(Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, "x" * 100))
        recorder2 = Recorder({str(path)!r}, flush_interval=0.01, on_error=errors.append)
        recorder2.start()
        for n in range(100, 2000):
            recorder2.append(Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, '{{"seq": %d}}' % n))
        recorder2.stop()
        print(recorder.frames_written, recorder2.frames_written, recorder2.running)
        print(errors[0] if errors else "no error")
    """)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 0, done.stderr
    counts, message = done.stdout.splitlines()
    first, second, running = counts.split()
    assert first == "100" and running == "False"
    assert "stopped" in message and "File too large" in message and "kept" in message
    back, _ = read_back(path)
    seqs = [int(str(f.payload).split()[1].rstrip("}")) for f in back]
    assert seqs[:100] == list(range(100))
    assert seqs == list(range(len(seqs)))  # contiguous: nothing lost before the failure
    assert len(seqs) == 100 + int(second)  # counted exactly, the cut-off line taken away


def test_a_disk_filling_up_mid_burst_counts_the_frames_kept_and_ends_the_file_on_a_whole_line(tmp_path: Path) -> None:
    """A burst handed over at once meets the file-size limit part way through a line: the notice counts
    exactly the frames in the file, and the cut-off line is taken away so the file ends on a whole frame."""
    path = tmp_path / "full.jsonl"
    script = textwrap.dedent(f"""
        import resource, signal
        from app.core.frames import Direction, Frame, Opcode, Side
        from app.services.recorder import Recorder
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # get EFBIG instead of being killed
        resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))
        errors = []
        recorder = Recorder({str(path)!r}, flush_interval=60, on_error=errors.append)
        recorder.start()
        recorder.extend(Frame("client#1", Side.CLIENT, Direction.RECEIVED, Opcode.TEXT, '{{"seq": %d}}' % n)
                        for n in range(1000))
        assert recorder.stop()
        print(recorder.frames_written)
        print(errors[0] if errors else "no error")
    """)
    env = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=30)
    assert done.returncode == 0, done.stderr
    count, message = done.stdout.splitlines()
    data = path.read_bytes()
    back, report = read_back(path)
    assert 0 < len(back) < 1000 and int(count) == len(back)
    assert f"the {len(back):,} frames written before are kept" in message and "File too large" in message
    assert data.endswith(b"\n") and not report.skipped  # no cut-off line left behind
    assert [int(str(f.payload).split()[1].rstrip("}")) for f in back] == list(range(len(back)))
