"""The command line end to end, as a user types it (a real subprocess, real exit codes)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from socialcredit.output.run_folder import sha256_of

CLI = [sys.executable, "-m", "socialcredit"]


def sc(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=cwd, timeout=300)


def test_run_writes_a_complete_verifiable_folder(tmp_path: Path) -> None:
    out = tmp_path / "run"
    done = sc("run", "--people", "5e3", "--days", "20", "--seed", "7", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert "people ever sanctioned" in done.stdout
    assert sorted(p.name for p in out.iterdir()) == [
        "appeals.parquet",
        "manifest.json",
        "metrics.parquet",
        "report.html",
        "scenario.yaml",
        "summary.json",
        "traces.parquet",
        "wrongful.parquet",
    ]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["seed"] == 7 and manifest["people"] == 5000 and manifest["days"] == 20
    for name, digest in manifest["outputs"].items():
        assert sha256_of(out / name) == digest
    table = pq.read_table(out / "metrics.parquet")
    assert table.num_rows == 20 * 3 * 4  # days x regions x groups of the default preset
    summary = json.loads((out / "summary.json").read_text())
    assert summary["people"] == 5000
    assert not list(tmp_path.glob(".*partial*")), "staging folder left behind"


def test_resolved_scenario_reruns_to_identical_metrics(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    assert sc("run", "--people", "3000", "--days", "15", "--out", str(first), "-q").returncode == 0
    done = sc("run", str(first / "scenario.yaml"), "--out", str(second), "-q")
    assert done.returncode == 0, done.stderr
    assert pq.read_table(first / "metrics.parquet").equals(
        pq.read_table(second / "metrics.parquet")
    )


@pytest.mark.parametrize("preset", ["driving-demerit-points", "us-credit-score"])
def test_every_preset_runs(tmp_path: Path, preset: str) -> None:
    # the credit score's 50-year warm-up takes minutes at any size: run it cold here
    cold = ["--warmup", "0"] if preset == "us-credit-score" else []
    done = sc(
        "run", preset, "--people", "4000", "--days", "30", *cold, "--out", str(tmp_path / preset)
    )
    assert done.returncode == 0, done.stderr


def test_existing_output_folder_is_refused_and_untouched(tmp_path: Path) -> None:
    out = tmp_path / "run"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    done = sc("run", "--people", "1000", "--days", "2", "--out", str(out))
    assert done.returncode == 2
    assert "already exists" in done.stderr and "Traceback" not in done.stderr
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--people", "abc"], ["--people", "'abc'", "whole number"]),
        (["--people", "0"], ["--people", "1 .."]),
        (["--days", "2.5"], ["--days", "whole number"]),
        (["--people", "1e10"], ["GiB", "bytes per person", "at most"]),
        (["--people", "1.4e9", "--engine", "reference"], ["GiB", "at most"]),
        (["no-such-preset"], ["no-such-preset", "neither a file nor a preset", "presets"]),
        (["--engine", "warp"], ["--engine", "warp", "reference"]),
    ],
)
def test_bad_values_give_one_clear_paragraph(
    tmp_path: Path, args: list[str], words: list[str]
) -> None:
    out = tmp_path / "never"
    done = sc("run", *args, "--out", str(out))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    for word in words:
        assert word in done.stderr, (word, done.stderr)
    assert not out.exists()


def test_broken_scenario_file_exits_2_with_its_key_path(tmp_path: Path) -> None:
    broken = Path(__file__).parents[1] / "errors" / "broken" / "tiers-not-descending.yaml"
    done = sc("run", str(broken), "--out", str(tmp_path / "x"))
    assert done.returncode == 2
    assert "regime.tiers[3].min_score" in done.stderr and "Traceback" not in done.stderr


def test_unknown_option_is_a_usage_error() -> None:
    done = sc("run", "--bogus")
    assert done.returncode == 2 and "No such option" in done.stderr


def test_presets_lists_three_with_one_line_each() -> None:
    done = sc("presets")
    assert done.returncode == 0
    for name in ("china-national-score-2018", "driving-demerit-points", "us-credit-score"):
        assert name in done.stdout


def test_schema_is_json_schema_of_scenarios() -> None:
    done = sc("schema")
    schema = json.loads(done.stdout)
    assert schema["title"] == "socialcredit scenario"
    assert {"population", "behaviours", "sources", "regime"} <= set(schema["properties"])


def test_validate_reports_a_valid_preset() -> None:
    done = sc("validate", "us-credit-score")
    assert done.returncode == 0 and "valid" in done.stdout
