"""Hostile command lines (issue 14): each is refused up front, or handled, with one paragraph
that names the path and the fix, exit code 2, and never a traceback."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from socialcredit.output.checkpoint import CHECKPOINT
from socialcredit.output.run_folder import staging_path

CLI = [sys.executable, "-m", "socialcredit"]
SMALL = ["--people", "2000", "--days", "5", "-q"]


def sc(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def refused(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert "Traceback" not in done.stderr + done.stdout
    for word in words:
        assert word in done.stderr, (word, done.stderr)


def renamed(value: Any, old: str, new: str) -> Any:
    """``value`` with every string equal to ``old`` (a name and its references) made ``new``."""
    if isinstance(value, dict):
        return {k: renamed(v, old, new) for k, v in value.items()}
    if isinstance(value, list):
        return [renamed(v, old, new) for v in value]
    return new if value == old else value


# Rich markup in what the user wrote: shown as written, never parsed.


def test_markup_in_the_out_path_is_shown_as_written(tmp_path: Path) -> None:
    out = tmp_path / "[/b]run[bold]"
    done = sc("run", *SMALL[:-1], "--out", str(out))
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    assert "[/b]run[bold]" in done.stdout.replace("\n", "")
    checked = sc("verify", str(out))
    assert checked.returncode == 0 and "[/b]run[bold]" in checked.stdout, checked.stderr


def test_markup_in_a_scenario_path_and_a_tier_name(tmp_path: Path) -> None:
    raw = yaml.safe_load(sc("presets", "--show", "us-credit-score").stdout)
    raw = renamed(raw, "good", "[/x]top")  # the tier everyone starts in
    folder = tmp_path / "[/b]scenarios"  # '[' / 'b]scenarios': rich reads [/b] in the path
    folder.mkdir(parents=True)
    path = folder / "tiers.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    checked = sc("validate", str(path))
    assert checked.returncode == 0 and f"{path}: valid" in checked.stdout.replace("\n", "")
    out = tmp_path / "run"
    cold = ["--warmup", "0"]  # the credit preset's 50-year warm-up costs minutes
    assert sc("run", str(path), *SMALL, *cold, "--out", str(out), "--trace", "1").returncode == 0
    told = sc("trace", str(out), "--person", "0")
    assert told.returncode == 0 and "Traceback" not in told.stderr, told.stderr
    assert "[/x]top" in told.stdout


# --out that the run could not create or finish in: refused before the run.


def test_a_300_character_out_name_is_refused_up_front(tmp_path: Path) -> None:
    done = sc("run", *SMALL, "--out", str(tmp_path / ("n" * 300)))
    refused(done, "300 bytes", "Fix: pass an --out whose last part is at most")
    assert list(tmp_path.iterdir()) == []


def test_out_under_proc_is_refused_up_front() -> None:
    done = sc("run", *SMALL, "--out", "/proc/socialcredit-test/run")
    refused(done, "/proc/socialcredit-test/run", "Fix: pass an --out in a folder you can write")


def test_a_dangling_symlink_out_is_refused_up_front(tmp_path: Path) -> None:
    out = tmp_path / "link"
    out.symlink_to(tmp_path / "nowhere")
    done = sc("run", *SMALL, "--out", str(out))
    refused(done, str(out), "does not exist", "Fix: remove the link")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link"]


# schema --out


def test_schema_into_a_missing_folder(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "s.json"
    refused(sc("schema", "--out", str(target)), str(target), "does not exist", "mkdir -p")


def test_schema_onto_a_folder(tmp_path: Path) -> None:
    refused(sc("schema", "--out", str(tmp_path)), str(tmp_path), "is a folder",
            "scenario.schema.json")  # fmt: skip


def test_schema_overwrites_only_with_force(tmp_path: Path) -> None:
    target = tmp_path / "s.json"
    target.write_text("mine")
    refused(sc("schema", "--out", str(target)), str(target), "already exists", "--force")
    assert target.read_text() == "mine"
    assert sc("schema", "--out", str(target), "--force").returncode == 0
    assert json.loads(target.read_text())["title"] == "socialcredit scenario"


# trace on a damaged folder


def test_trace_on_a_truncated_traces_file(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert sc("run", *SMALL, "--out", str(out)).returncode == 0
    traces = out / "traces.parquet"
    traces.write_bytes(traces.read_bytes()[: traces.stat().st_size // 2])
    refused(sc("trace", str(out), "--person", "1"), str(traces), "truncated",
            f"socialcredit verify {out}")  # fmt: skip


# Numbers, exactly


def test_a_seed_above_2_to_the_53_runs_as_that_integer(tmp_path: Path) -> None:
    out = tmp_path / "run"
    done = sc("run", *SMALL, "--seed", "9007199254740993", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert json.loads((out / "manifest.json").read_text())["seed"] == 9007199254740993
    assert yaml.safe_load((out / "scenario.yaml").read_text())["run"]["seed"] == 9007199254740993


@pytest.mark.parametrize("people", ["1e6", "1_000_000", "1.4e9"])
def test_people_in_scientific_notation_still_work(tmp_path: Path, people: str) -> None:
    done = sc("run", "--people", people, "--dry-run", "--out", str(tmp_path / "run"))
    assert done.returncode == 0, done.stderr
    shown = f"{int(float(people.replace('_', ''))):,} people"
    assert shown in done.stdout


# Estimates and --dry-run


def test_dry_run_prints_the_estimate_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "deep" / "run"
    done = sc("run", "--dry-run", "--out", str(out), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    expected = ["1,000,000 people x 365 days", "memory", "wall time", "M person-days/s",
                "README", "checkpoint disk", "2 x", "free at", "nothing was written"]  # fmt: skip
    for words in expected:
        assert words in done.stdout, (words, done.stdout)
    assert list(tmp_path.iterdir()) == []


def test_a_run_prints_its_estimate_first_unless_quiet(tmp_path: Path) -> None:
    loud = sc("run", *SMALL[:-1], "--out", str(tmp_path / "a"))
    assert loud.returncode == 0 and "wall time" in loud.stderr
    quiet = sc("run", *SMALL, "--out", str(tmp_path / "b"))
    assert quiet.returncode == 0 and "wall time" not in quiet.stderr + quiet.stdout


def test_checkpoints_too_large_for_the_disk_are_refused_up_front(tiny_disk: Path) -> None:
    out = tiny_disk / "run"
    args = ["run", "--people", "50000", "--days", "40", "--out", str(out)]
    refused(sc(*args), str(out), "checkpoints need about", "free", "fewer people or days",
            "--checkpoint-every 0", "an --out on a disk")  # fmt: skip
    assert list(tiny_disk.iterdir()) == []
    dry = sc(*args, "--dry-run")
    assert dry.returncode == 2 and "checkpoint disk" in dry.stdout


def test_a_run_that_cannot_fit_is_refused_by_dry_run_too(tmp_path: Path) -> None:
    done = sc("run", "--people", "1e12", "--dry-run", "--out", str(tmp_path / "run"))
    refused(done, "GiB", "at most")
    assert "wall time" in done.stdout


# Ctrl-C


def _sigint_as_from_a_terminal() -> None:
    """In the child before exec: SIGINT back to its default. A suite started in the background
    by a non-interactive shell (`cmd &`, as CI scripts often do) runs with SIGINT ignored, its
    children inherit that, and Python then installs no KeyboardInterrupt: the run would finish
    as if Ctrl-C had never come (seen: exit 0 after the whole run)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def test_ctrl_c_names_the_folder_to_resume(tmp_path: Path) -> None:
    out = tmp_path / "my run"
    proc = subprocess.Popen([*CLI, "run", "--people", "100000", "--days", "400", "--engine",
                             "reference", "--checkpoint-every", "2", "-q", "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=_sigint_as_from_a_terminal)  # fmt: skip
    deadline = time.monotonic() + 120
    while not (staging_path(out) / CHECKPOINT).exists() and time.monotonic() < deadline:
        time.sleep(0.2)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130 and "Traceback" not in err, err
    assert f"socialcredit resume '{out}'" in err.replace("\n", "")
    assert "OUT" not in err
