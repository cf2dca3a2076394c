"""Replicates' 90% intervals cover the truth in 90% of ensembles.

The figure is the court-style ledger's bookkeeping errors, summed over a run: in the purpose-made
scenario of test_rates.py (no response, trait multiplier 1) every person-day draws its own
bookkeeping error independently with the group's rate, so the run's count is binomial and its
expectation is exactly sum over cells of people x days x rate. ``ENSEMBLES`` ensembles of
``REPLICATES`` replicates each (every member a distinct seed, run once through the ensemble runner
and cut into consecutive groups) give as many nominal 90% intervals (metrics/intervals.py). The
number that covers the expectation is Binomial(ENSEMBLES, 0.90) if the intervals are right; it
must lie within Z of its standard errors of 0.90 x ENSEMBLES.

Z = 3.5 (two-sided normal tail 5e-4). With 120 ensembles that accepts 97..119 covering
intervals: intervals too wide by sqrt(R) (sd instead of sd / sqrt(R): about 100% coverage, 120)
or too narrow (sd / R: about 42%) fail; a z quantile for t's (about 86.5%) is too close to tell.
The count per replicate is about 340, where the binomial is close enough to normal for t
intervals to keep their level. The 1,200 members take about a minute on one core.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path

from test_rates import RATES_SCENARIO

from socialcredit.ensemble.member import EnsembleJob
from socialcredit.ensemble.members import run_members
from socialcredit.ensemble.spec import MemberSpec
from socialcredit.metrics.intervals import LEVEL, combine
from socialcredit.scenario.compile import compile_plan
from socialcredit.scenario.loading import validate

Z = 3.5
ENSEMBLES = 120
REPLICATES = 10
PEOPLE = 8_000
DAYS = 1
BOOKKEEPING = {"a": 0.03, "b": 0.05}  # per person-day: about 340 errors a run (below 1/11)


def test_ninety_percent_intervals_cover_the_expected_count(tmp_path: Path) -> None:
    raw = copy.deepcopy(RATES_SCENARIO)
    ledger = next(s for s in raw["sources"] if s["name"] == "ledger")
    ledger["errors"]["bookkeeping"] = BOOKKEEPING
    plan = compile_plan(validate(copy.deepcopy(raw), "coverage"), people=PEOPLE, days=DAYS)
    groups = len(plan.groups)
    truth = sum(
        int(plan.cell_people[c]) * DAYS * BOOKKEEPING[plan.groups[c % groups]]
        for c in range(plan.cells)
    )

    job = EnsembleJob(raw, "coverage", PEOPLE, DAYS, engine="reference")
    specs = [MemberSpec(i, 1_000 + i) for i in range(ENSEMBLES * REPLICATES)]
    summaries: dict[int, dict] = {}
    for done in run_members(job, specs, tmp_path, workers=1):
        summaries[done.index] = {  # keep only what the test needs: memory stays small
            "records": done.summary["records"],
            "wrongful_causes": [],
            "sanctions": {},
        }
    covered = 0
    for e in range(ENSEMBLES):
        members = [summaries[e * REPLICATES + r] for r in range(REPLICATES)]
        lo, hi = combine(members)["intervals"]["records"]["ledger"]["bookkeeping"]
        covered += lo <= truth <= hi

    expected = LEVEL * ENSEMBLES
    se = math.sqrt(ENSEMBLES * LEVEL * (1 - LEVEL))
    print(f"{covered} of {ENSEMBLES} cover {truth:.0f} (expected {expected:.0f} +- {se:.1f})")
    assert abs(covered - expected) <= Z * se, f"coverage {covered}/{ENSEMBLES}"
