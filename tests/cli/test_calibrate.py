"""`socialcredit calibrate` at the command line: the mistakes it refuses, each one paragraph with
exit 2 and no traceback (the free-parameter corpus is in tests/errors/broken/calibrate-*)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

CLI = [sys.executable, "-m", "socialcredit", "calibrate"]
TINY = Path(__file__).parents[1] / "calibration" / "tiny.yaml"
BROKEN_TARGETS = Path(__file__).parents[1] / "errors" / "broken_targets"
PRESET_TARGETS = (
    Path(__file__).parents[2]
    / "src/socialcredit/scenario/presets/china-court-list-2013-2018.targets.yaml"
)


def sc(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=300)


def _refused(done: subprocess.CompletedProcess[str], *expected: str) -> None:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    message = " ".join(done.stderr.split())
    for text in expected:
        assert text in message, message


def test_a_target_naming_an_unknown_metric(tmp_path: Path) -> None:
    _refused(
        sc("china-court-list-2013-2018", "--targets", str(BROKEN_TARGETS / "unknown-metric.yaml"),
           "--out", str(tmp_path / "c")),
        "targets[0].metric", "did you mean 'list_entries'?",
    )  # fmt: skip
    assert not (tmp_path / "c").exists()  # nothing written before the inputs are checked


def test_a_target_dated_outside_the_run(tmp_path: Path) -> None:
    _refused(
        sc("china-court-list-2013-2018", "--targets",
           str(BROKEN_TARGETS / "date-after-the-run.yaml"), "--out", str(tmp_path / "c")),
        "targets[0].date", "is outside the run",
    )  # fmt: skip


def test_a_scenario_without_free_parameters(tmp_path: Path) -> None:
    _refused(
        sc("us-credit-score", "--targets", str(PRESET_TARGETS), "--out", str(tmp_path / "c")),
        "us-credit-score: calibrate: the scenario declares no free parameters",
    )


def test_an_unknown_sampler(tmp_path: Path) -> None:
    _refused(
        sc(str(TINY), "--targets", str(PRESET_TARGETS), "--sampler", "grid"),
        "--sampler: unknown sampler 'grid'",
        "--sampler tpe",
    )


def test_an_out_folder_that_holds_files(tmp_path: Path) -> None:
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "x").write_text("x")
    done = sc("china-court-list-2013-2018", "--targets", str(PRESET_TARGETS), "--out",
              str(tmp_path / "c"))  # fmt: skip
    _refused(done, "--out", "already holds files", "choose another --out")


@pytest.mark.parametrize("args", [["--trials", "0"], ["--seeds", "0"], ["--trials", "many"]])
def test_bad_counts(tmp_path: Path, args: list[str]) -> None:
    _refused(sc("china-court-list-2013-2018", "--targets", str(PRESET_TARGETS), *args), args[0])


def test_resume_of_a_folder_without_a_calibration(tmp_path: Path) -> None:
    _refused(sc("--resume", str(tmp_path)), "--resume", "holds no calibration.json")


def test_neither_scenario_nor_resume() -> None:
    _refused(sc(), "a scenario and --targets are needed")
