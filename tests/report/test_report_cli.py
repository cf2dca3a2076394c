"""`socialcredit report RUN` as a user runs it: a real subprocess, real exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from socialcredit.output.run_folder import sha256_of

CLI = [sys.executable, "-m", "socialcredit"]


def report(folder: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, "report", str(folder)], capture_output=True, text=True, timeout=120
    )


def test_report_rebuilds_the_same_page_and_updates_the_manifest(
    run_folder: Callable[[str], Path], copy_of: Callable[[Path], Path]
) -> None:
    folder = copy_of(run_folder("us-credit-score"))
    original = (folder / "report.html").read_bytes()
    (folder / "report.html").unlink()
    done = report(folder)
    assert done.returncode == 0, done.stderr
    assert "report.html" in done.stdout
    assert (folder / "report.html").read_bytes() == original, "rebuild differs from the run's"
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["outputs"]["report.html"] == sha256_of(folder / "report.html")
    for name, digest in manifest["outputs"].items():
        assert sha256_of(folder / name) == digest
    assert sorted(p.name for p in folder.iterdir()) == [
        "appeals.parquet",
        "manifest.json",
        "metrics.parquet",
        "report.html",
        "scenario.yaml",
        "summary.json",
        "traces.parquet",
        "wrongful.parquet",
    ], "a temporary file was left behind"


def test_report_of_an_older_folder_adds_the_hash(
    run_folder: Callable[[str], Path], copy_of: Callable[[Path], Path]
) -> None:
    """A folder from before reports existed has no report.html and no hash for it."""
    folder = copy_of(run_folder("driving-demerit-points"))
    (folder / "report.html").unlink()
    manifest = json.loads((folder / "manifest.json").read_text())
    del manifest["outputs"]["report.html"]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    assert report(folder).returncode == 0
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["outputs"]["report.html"] == sha256_of(folder / "report.html")
    assert manifest["seed"] == 1, "the rest of the manifest is kept"


def one_paragraph(stderr: str) -> None:
    assert "Traceback" not in stderr
    assert stderr.startswith("error: ") and stderr.strip().count("\n") == 0, stderr


def test_missing_summary_is_one_paragraph_naming_the_file(
    run_folder: Callable[[str], Path], copy_of: Callable[[Path], Path]
) -> None:
    folder = copy_of(run_folder("us-credit-score"))
    (folder / "summary.json").unlink()
    before = (folder / "manifest.json").read_bytes()
    done = report(folder)
    assert done.returncode == 2
    one_paragraph(done.stderr)
    assert str(folder / "summary.json") in done.stderr and "Fix:" in done.stderr
    assert (folder / "manifest.json").read_bytes() == before, "manifest changed on failure"


def test_corrupt_metrics_and_missing_folder_are_refused(
    run_folder: Callable[[str], Path], copy_of: Callable[[Path], Path], tmp_path: Path
) -> None:
    folder = copy_of(run_folder("us-credit-score"))
    (folder / "metrics.parquet").write_bytes(b"not parquet")
    done = report(folder)
    assert done.returncode == 2
    one_paragraph(done.stderr)
    assert "metrics.parquet" in done.stderr
    done = report(tmp_path / "nowhere")
    assert done.returncode == 2
    one_paragraph(done.stderr)
    assert "no such run folder" in done.stderr
