"""The notebook API: socialcredit.run(...) returns metrics, summary and the report's path."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import socialcredit
from socialcredit.errors import ConfigError, OutputError


def test_run_returns_metrics_summary_and_report(tmp_path: Path) -> None:
    result = socialcredit.run(
        "us-credit-score", people=2e3, days=10, warmup=0, out=tmp_path / "run"
    )
    frame = result.to_pandas()
    assert len(frame) == 10 * len(result.plan.regions) * len(result.plan.groups)
    assert int(frame["people"].sum()) == 2000 * 10
    assert result.summary["people"] == 2000
    assert result.report().is_file()


def test_unwritten_run_has_no_report() -> None:
    result = socialcredit.run("driving-demerit-points", people=500, days=3, write=False)
    with pytest.raises(OutputError, match="write=True"):
        result.report()


def test_fractional_people_is_a_clear_error() -> None:
    with pytest.raises(ConfigError, match="whole number"):
        socialcredit.run(people=10.5, write=False)


def test_importing_the_package_loads_no_engine() -> None:
    code = "import sys, socialcredit; print('numba' in sys.modules, 'pyarrow' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "False"]
