"""Which numbers are assumptions, and the default ranges: read from the presets' own sources."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from socialcredit.ensemble.sensitivity.factors import default_factors, read_vary
from socialcredit.scenario.assumptions import Field, is_assumption
from socialcredit.scenario.loading import load_scenario

RATE = Field("rate", ("rate",), 0.0, 1.0)
DETECTION = Field("detection", ("detection",), 0.0, 1.0)
COVERAGE = Field("coverage", ("coverage",), 0.0, 1.0)


@pytest.mark.parametrize(
    ("field", "source", "assumed"),
    [
        (RATE, None, True),  # nothing published backs it
        (RATE, "assumption: a guess", True),
        (RATE, "derived: Fed SHED 2017, 23% cannot pay", False),
        (RATE, "assumption; Rongcheng village points +2 to +30", True),  # leads with it
        # a clause that names the field decides for it, whatever the others say
        (DETECTION, "detection: NPL 2023, 89%; coverage per camera is an assumption", False),
        (COVERAGE, "detection: NPL 2023, 89%; coverage per camera is an assumption", True),
        (RATE, "no published figures for China; US analogues", True),
    ],
)
def test_a_source_is_read_clause_by_clause(field: Field, source: str | None, assumed: bool) -> None:
    siblings = (RATE, DETECTION, COVERAGE)
    assert is_assumption(field, source, siblings) is assumed


def test_the_default_preset_varies_its_assumptions_and_holds_its_publications() -> None:
    raw = load_scenario("china-national-score-2018")[1]
    paths = {f.path: f for f in default_factors(raw)}
    assert "sources[court-records].errors.bookkeeping" in paths  # "bookkeeping assumption"
    assert "sources[court-records].errors.misattribution" not in paths  # Hagger-Johnson 2015
    assert "sources[cctv-face-recognition].detection" not in paths  # NPL 2023
    assert "sources[cctv-face-recognition].coverage_per_camera_per_1000" in paths
    assert "sources[cctv-face-recognition].coverage" not in paths  # replaced by per camera
    assert "regime.lists[dishonest-debtors].duration_days" in paths  # "duration assumption"
    assert "regime.lists[dishonest-debtors].comply_per_day" not in paths  # derived, Global Times
    assert "behaviours[ignore-court-judgment].rate" not in paths  # NPCIC 2018
    # x0.5 to x2, cut where a probability would pass 1: bank coverage 0.6 goes up to 1
    bank = paths["sources[bank-and-utility-records].coverage"]
    assert (bank.low, bank.value(0.0), bank.value(1.0)) == (0.5, 0.3, pytest.approx(1.0))
    # a per-group mapping is one factor, scaled as a whole
    smoking = paths["behaviours[smoking-in-non-smoking-area].rate"]
    assert smoking.value(1.0)["majority-men"] == pytest.approx(2 * 0.0076)
    assert smoking.value(1.0)["majority-women"] == pytest.approx(2 * 0.0003)
    # a whole number stays whole, and a rule's point keeps its sign
    duration = paths["regime.lists[dishonest-debtors].duration_days"]
    assert (duration.value(0.0), duration.value(1.0)) == (365, 1460)
    assert paths["regime.rules[pay-bills-on-time].points"].value(0.0) == 1


def test_list_factors_prints_a_vary_file_that_reads_back(tmp_path: Path) -> None:
    printed = subprocess.run(
        [sys.executable, "-m", "socialcredit", "sensitivity", "--list-factors"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    (tmp_path / "vary.yaml").write_text(printed)
    raw = load_scenario("china-national-score-2018")[1]
    read = read_vary(tmp_path / "vary.yaml", raw, "test")
    assert [f.path for f in read] == [f.path for f in default_factors(raw)]
