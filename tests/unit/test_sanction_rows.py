"""One row per carrier, and one definition of each share for the terminal and the report."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from socialcredit.cli import sanctions_table
from socialcredit.fmt import pct
from socialcredit.metrics.sanction_rows import sanction_rows
from socialcredit.report.sections.headline import per_carrier
from socialcredit.runner import run

LIST_SANCTIONS = ["flight-ban", "train-ban", "loan-refusal", "public-shaming", "school-exclusion"]


@pytest.fixture(scope="module")
def summary() -> dict:
    return run("china-national-score-2018", people=20_000, days=60, seed=1, write=False).summary


def test_sanctions_of_one_list_share_one_row(summary: dict) -> None:
    rows = sanction_rows(summary["sanctions"])
    listed = [r for r in rows if r.names == LIST_SANCTIONS]
    assert len(listed) == 1
    assert sorted(n for r in rows for n in r.names) == sorted(summary["sanctions"])
    for name in LIST_SANCTIONS:  # the row's numbers are each of its sanctions' numbers
        x = summary["sanctions"][name]
        assert x["carried_by"] == "list dishonest-debtors"
        assert (x["in_force_last_day"], x["wrongful_last_day"]) == (
            listed[0].in_force_last_day,
            listed[0].wrongful_last_day,
        )


def test_carriers_with_different_numbers_stay_apart(summary: dict) -> None:
    sanctions = {k: dict(v) for k, v in summary["sanctions"].items()}
    sanctions["train-ban"]["in_force_last_day"] += 1  # as if it had its own exit rule
    rows = sanction_rows(sanctions)
    assert ["train-ban"] in [r.names for r in rows]


def test_terminal_and_report_show_the_same_last_day_share(summary: dict) -> None:
    buffer = io.StringIO()
    Console(file=buffer, width=200).print(sanctions_table(summary))
    terminal = buffer.getvalue().splitlines()
    carriers = per_carrier(summary, limit=10)
    assert carriers, "the run sanctioned no one; pick a larger size"
    for c in carriers:
        first = c.names[0] + ("," if len(c.names) > 1 else " ")  # a row's first line
        (line,) = [x for x in terminal if x.startswith(first)]
        cells = line.split()
        assert cells[-3] == pct(c.share) or cells[-2] == pct(c.share), line
        assert c.share == (c.wrongly / c.in_force)
        assert f"{c.in_force:,}" in cells and f"{c.wrongly:,}" in cells
