"""The terminal and the pages write a share the same way (one formatter, socialcredit.fmt)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from socialcredit.fmt import change, pct


def test_the_share_rule() -> None:
    """Whole percent from 10%, one decimal from 1%, two below, and a floor that is not 0."""
    assert [pct(x) for x in (1.0, 0.123, 0.034, 0.0027, 0.00004, 0.0, None)] == [
        "100%",
        "12%",
        "3.4%",
        "0.27%",
        "<0.01%",
        "0%",
        "n/a",
    ]
    assert [change(x) for x in (-0.18, 0.039, 0.0004, None)] == ["-18%", "+3.9%", "0%", "n/a"]


def test_summary_table_reads_shares_as_the_report_does(tmp_path: Path) -> None:
    out = tmp_path / "run"
    done = subprocess.run(
        [sys.executable, "-m", "socialcredit", "run", "us-credit-score", "--warmup", "0",
         "--people", "2e4",
         "--days", "60", "--seed", "1", "--out", str(out)],
        capture_output=True, text=True, timeout=300, env=os.environ | {"COLUMNS": "200"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    share = pct(summary["wrongful_share"])
    line = next(x for x in done.stdout.splitlines() if "wrongful share of sanctioned" in x)
    assert f" {share} " in line
    report = (out / "report.html").read_text(encoding="utf-8")
    assert f"<b>{share}</b> of all sanctioned person-days" in report
