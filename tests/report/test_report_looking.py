"""The report's "Where the system looks": present for a reallocated source, and it says whether
the allocation ran away, as coverage.parquet's numbers say."""

from __future__ import annotations

import re
from pathlib import Path

import pyarrow.parquet as pq
import yaml

from scenarios import patrolled
from socialcredit.metrics.coverage_table import drifts
from socialcredit.runner import run


def section(html: str) -> str:
    start = html.index('<section id="looking">')
    return re.sub(r"\s+", " ", html[start : html.index("</section>", start)])


def report_of(raw: dict, folder: Path) -> tuple[str, Path]:
    path = folder / "patrolled.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    out = run(path, people=20_000, days=60, seed=2, out=folder / "run").folder
    return section((out / "report.html").read_text(encoding="utf-8")), out


def test_greedy_patrols_are_flagged_as_runaway(tmp_path: Path) -> None:
    text, out = report_of(patrolled("greedy"), tmp_path)
    (drift,) = drifts(pq.read_table(out / "coverage.parquet"))
    assert drift.runaway
    assert "<b>Runaway allocation.</b>" in text and "greedily" in text
    assert f"<b>{drift.first_distance:.2f}</b> as the scenario set it" in text
    assert f"<b>{drift.last_distance:.2f}</b> after the last move" in text
    for region in ("megacities", "cities", "countryside"):
        assert f"<td>{region}</td>" in text


def test_corrected_patrols_are_not(tmp_path: Path) -> None:
    text, _ = report_of(patrolled(correction=True), tmp_path)
    assert "The allocation did not run away" in text and "Ensign et al.'s correction" in text
