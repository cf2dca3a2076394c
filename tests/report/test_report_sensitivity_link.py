"""`socialcredit report RUN --sensitivity DIR`: the run's report says which assumption each
headline number rests on and links the analysis's page; the folder still verifies; an analysis
of another scenario is refused with exit 2 and nothing written."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from socialcredit.ensemble.sensitivity.run import sensitivity
from socialcredit.output.run_folder import verify_folder
from socialcredit.runner import run

KNOWN = Path(__file__).parents[1] / "sensitivity" / "known.yaml"
CLI = [sys.executable, "-m", "socialcredit"]
SIZE = dict(people=1500, days=45)


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("link")
    sensitivity(KNOWN, samples=2, workers=1, out=base / "sens", **SIZE)
    run(KNOWN, out=base / "run", **SIZE)
    return base / "run", base / "sens"


def test_the_report_links_the_analysis_and_names_the_driver(folders: tuple[Path, Path]) -> None:
    run_folder, sens = folders
    assert "Which assumption matters" not in (run_folder / "report.html").read_text()
    done = subprocess.run([*CLI, "report", str(run_folder), "--sensitivity", str(sens)],
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    page = (run_folder / "report.html").read_text(encoding="utf-8")
    assert "Which assumption matters" in page
    assert 'href="../sens/sensitivity.html"' in page
    digest = json.loads((run_folder / "sensitivity-digest.json").read_text())
    named = {o["key"]: [f["path"] for f in o["named"]] for o in digest["outputs"]}
    driver = "sources[court].errors.bookkeeping"
    assert any(names and names[0] == driver for names in named.values())
    assert "the bookkeeping error rate of court" in page
    assert verify_folder(run_folder) == []


def test_an_analysis_of_another_scenario_is_refused(
    folders: tuple[Path, Path], tmp_path: Path
) -> None:
    _, sens = folders
    other = tmp_path / "other"
    run("driving-demerit-points", people=500, days=5, warmup=0, out=other)
    before = sorted(p.name for p in other.iterdir())
    done = subprocess.run([*CLI, "report", str(other), "--sensitivity", str(sens)],
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 2
    assert "known-answer" in done.stderr and "same scenario" in done.stderr
    assert "Traceback" not in done.stderr
    assert sorted(p.name for p in other.iterdir()) == before
