"""`run --until DATE` for a scenario with a start date: the days, the date column, the summary's
dates, and the mistakes it refuses (exit 2, one paragraph, no traceback)."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

CLI = [sys.executable, "-m", "socialcredit"]

DATED = """\
name: dated
extend: us-credit-score
run:
  start: 2016-02-27
  warmup_days: 0
"""


def sc(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, timeout=300)


def test_until_counts_days_from_the_start_both_included(tmp_path: Path) -> None:
    scenario = tmp_path / "dated.yaml"
    scenario.write_text(DATED, encoding="utf-8")
    out = tmp_path / "run"
    # across a leap day: 2016-02-27 .. 2016-03-02 is 5 days
    done = sc("run", str(scenario), "--people", "500", "--until", "2016-03-02", "--out", str(out),
              "-q")  # fmt: skip
    assert done.returncode == 0, done.stderr
    table = pq.read_table(out / "metrics.parquet")
    assert table.schema.field("date").type == pa.date32()
    days = sorted(set(table.column("day").to_pylist()))
    dates = sorted(set(table.column("date").to_pylist()))
    assert days == [0, 1, 2, 3, 4]
    assert dates == [date(2016, 2, 27), date(2016, 2, 28), date(2016, 2, 29), date(2016, 3, 1),
                     date(2016, 3, 2)]  # fmt: skip
    for row_day, row_date in zip(table.column("day").to_pylist(),
                                 table.column("date").to_pylist(), strict=True):  # fmt: skip
        assert (row_date - date(2016, 2, 27)).days == row_day
    summary = json.loads((out / "summary.json").read_text("utf-8"))
    assert (summary["days"], summary["start"], summary["end"]) == (5, "2016-02-27", "2016-03-02")


def test_an_undated_run_has_no_date_column(tmp_path: Path) -> None:
    out = tmp_path / "run"
    assert sc("run", "us-credit-score", "--warmup", "0", "--people", "300", "--days", "3",
              "--out", str(out), "-q").returncode == 0  # fmt: skip
    assert "date" not in pq.read_table(out / "metrics.parquet").column_names
    assert "start" not in json.loads((out / "summary.json").read_text("utf-8"))


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["us-credit-score", "--until", "2018-12-31"], ["--until 2018-12-31", "run.start"]),
        (["@dated", "--until", "2016-02-26"], ["--until", "before the run's start 2016-02-27"]),
        (["@dated", "--until", "2016-03-02", "--days", "4"], ["both --days and --until"]),
        (["@dated", "--until", "31/12/2018"], ["--until", "not a date", "YYYY-MM-DD"]),
    ],
)
def test_until_mistakes_exit_2(tmp_path: Path, args: list[str], words: list[str]) -> None:
    scenario = tmp_path / "dated.yaml"
    scenario.write_text(DATED, encoding="utf-8")
    args = [str(scenario) if a == "@dated" else a for a in args]
    out = tmp_path / "never"
    done = sc("run", *args, "--out", str(out))
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    for word in words:
        assert word in done.stderr, (word, done.stderr)
    assert not out.exists()
