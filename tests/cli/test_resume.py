"""Checkpoints and resume: an interrupted run continues to exactly the result of one that never
stopped; `verify` checks a folder against its manifest."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from socialcredit.errors import OutputError
from socialcredit.output.checkpoint import CHECKPOINT
from socialcredit.output.run_folder import staging_path
from socialcredit.runner import resume, run

CLI = [sys.executable, "-m", "socialcredit"]


def same_results(a: Path, b: Path) -> None:
    assert pq.read_table(a / "metrics.parquet").equals(pq.read_table(b / "metrics.parquet"))
    assert json.loads((a / "summary.json").read_text()) == json.loads(
        (b / "summary.json").read_text()
    )
    assert (a / "scenario.yaml").read_text() == (b / "scenario.yaml").read_text()


class Stop(Exception):
    pass


@pytest.mark.parametrize("engine", ["fast", "reference"])
def test_interrupted_run_resumes_to_the_same_result(tmp_path: Path, engine: str) -> None:
    args = dict(people=8000, days=50, seed=4, engine=engine, checkpoint_every=7)
    whole = run("china-national-score-2018", out=tmp_path / "whole", **args).folder

    def stop_on_day_30(day: int) -> None:
        if day == 30:
            raise Stop

    out = tmp_path / "cut"
    with pytest.raises(Stop):
        run("china-national-score-2018", out=out, on_day=stop_on_day_30, **args)
    assert not out.exists(), "an interrupted run must not look finished"
    assert (staging_path(out) / CHECKPOINT).is_file()
    resumed = resume(out)
    assert resumed.folder == out and not staging_path(out).exists()
    same_results(whole, out)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["resumed_from_day"] == 28  # last checkpoint after day 27 (every 7 days)


def test_sigkill_then_resume_from_the_command_line(tmp_path: Path) -> None:
    common = ["--people", "150000", "--days", "120", "--seed", "2", "--engine", "reference",
              "--checkpoint-every", "10", "-q"]  # fmt: skip
    whole, cut = tmp_path / "whole", tmp_path / "cut"
    subprocess.run([*CLI, "run", *common, "--out", str(whole)], check=True, timeout=300)

    proc = subprocess.Popen([*CLI, "run", *common, "--out", str(cut)])
    checkpoint = staging_path(cut) / CHECKPOINT
    deadline = time.monotonic() + 120
    while not checkpoint.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert proc.poll() is None, "the run ended before it could be killed; make it longer"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not cut.exists()

    done = subprocess.run([*CLI, "resume", str(cut), "-q"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    same_results(whole, cut)
    assert subprocess.run([*CLI, "verify", str(cut)], capture_output=True).returncode == 0


def test_a_new_run_refuses_to_overwrite_an_interrupted_one(tmp_path: Path) -> None:
    out = tmp_path / "run"
    staging_path(out).mkdir()
    done = subprocess.run([*CLI, "run", "--people", "1000", "--days", "2", "--out", str(out)],
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 2
    assert "socialcredit resume" in done.stderr and "Traceback" not in done.stderr


def test_resume_without_an_interrupted_run_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="no interrupted run"):
        resume(tmp_path / "nothing")
    done = subprocess.run([*CLI, "resume", str(tmp_path / "nothing")], capture_output=True,
                          text=True)  # fmt: skip
    assert done.returncode == 2 and "no interrupted run" in done.stderr


def test_verify_finds_a_changed_a_missing_and_an_extra_file(tmp_path: Path) -> None:
    out = run("us-credit-score", people=1000, days=5, warmup=0, out=tmp_path / "run").folder
    ok = subprocess.run([*CLI, "verify", str(out)], capture_output=True, text=True)
    assert ok.returncode == 0
    (out / "summary.json").write_text("{}")
    (out / "report.html").unlink()
    (out / "stray.txt").write_text("x")
    bad = subprocess.run([*CLI, "verify", str(out)], capture_output=True, text=True)
    assert bad.returncode == 1
    for words in ("summary.json differs", "report.html is missing", "stray.txt is not in"):
        assert words in bad.stderr
