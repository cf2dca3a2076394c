"""Encounters against their analytic expectation, and what adding them leaves unchanged.

An encounter is an attempt to use what a sanction denies, drawn once per person-day for the people
under the sanction (listed) with the consequence's probability for their group on that day. So
the blocked attempts of a group over a stretch of days are binomial, with n the listed
person-days of the group (the metric listed__L, which counts exactly the people drawn) and p the
scheduled probability; the wrongful ones likewise with n the wrongly listed person-days. A count
must lie within Z = 5 binomial standard errors of n p (a correct engine fails one check with
probability about 6e-7; see test_rates.py). A sanction carried by a tier works the same way, with
n the person-days in the tier (tier__T) and p the group's value times the region's multiplier.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np

from scenarios import ENCOUNTERS_P_AFTER as P_AFTER
from scenarios import ENCOUNTERS_P_BEFORE as P_BEFORE
from scenarios import ENCOUNTERS_SCENARIO as SCENARIO
from scenarios import TIER_ENCOUNTERS_BY_REGION, TIER_ENCOUNTERS_SCENARIO
from socialcredit.engine.fast import FastEngine
from socialcredit.engine.reference import ReferenceEngine
from socialcredit.population.synthesis import synthesize
from socialcredit.scenario.compile import compile_plan
from socialcredit.scenario.loading import validate

Z = 5.0
DAYS = 40  # ENCOUNTERS_SCENARIO's
SWITCH = 20  # day the encounter probabilities change (2020-01-21)


def _engine(raw: dict[str, Any], cls=ReferenceEngine):
    plan = compile_plan(validate(raw, "encounters"))
    engine = cls(plan, synthesize(plan))
    engine.run()
    return engine


def _within(observed: int, n: int, p: float, what: str) -> None:
    expected = n * p
    se = math.sqrt(n * p * (1 - p))
    assert expected > 100, f"{what}: too few expected ({expected:.0f}) for the normal tail"
    assert abs(observed - expected) <= Z * se, (
        f"{what}: {observed} blocked, expected {expected:.1f} +- {Z} x {se:.1f}"
    )


def test_blocked_attempts_match_listed_person_days_times_probability() -> None:
    ref = _engine(SCENARIO)
    L, plan = ref.layout, ref.plan
    G = len(plan.groups)
    by_group = ref.counts.reshape(DAYS, len(plan.regions), G, -1).sum(axis=1)  # [day, G, col]
    for g, group in enumerate(plan.groups):
        for days, p in ((slice(0, SWITCH), P_BEFORE), (slice(SWITCH, DAYS), P_AFTER)):
            rows = by_group[days, g]
            for blocked, listed in (("blocked", "listed"), ("blocked_wrongful", "listed_wrongful")):
                _within(
                    int(rows[:, L.at(f"{blocked}__flight-ban")].sum()),
                    int(rows[:, L.at(f"{listed}__debtors")].sum()),
                    p[group],
                    f"{blocked} in group {group}, days {days.start}-{days.stop}",
                )
    total = ref.counts.sum(axis=(0, 1))
    assert total[L.at("list_entries__debtors")] > 0
    assert total[L.at("list_complied__debtors")] > 0
    assert "blocked__train-ban" not in L.counts  # no encounters declared, no columns


def test_both_engines_count_the_same_encounters() -> None:
    ref = _engine(SCENARIO)
    fast = _engine(SCENARIO, FastEngine)
    assert np.array_equal(ref.counts, fast.counts)


def test_encounters_move_no_other_draw() -> None:
    """Common random numbers: each consequence draws from its own stream, so a scenario without
    encounters has the same other metrics, and encounters added to a second consequence leave
    the first one's blocked attempts where they were."""
    with_encounters = _engine(SCENARIO)
    raw = copy.deepcopy(SCENARIO)
    del raw["consequences"][0]["encounters"]
    without = _engine(raw)
    for name in without.layout.counts:
        a = with_encounters.counts[:, :, with_encounters.layout.at(name)]
        assert np.array_equal(a, without.counts[:, :, without.layout.at(name)]), name
    raw = copy.deepcopy(SCENARIO)
    raw["consequences"][1]["encounters"] = 0.3
    both = _engine(raw)
    for name in with_encounters.layout.counts:
        a = with_encounters.counts[:, :, with_encounters.layout.at(name)]
        assert np.array_equal(a, both.counts[:, :, both.layout.at(name)]), name
    assert both.counts[:, :, both.layout.at("blocked__train-ban")].sum() > 0


def test_tier_sanctions_block_attempts_per_group_and_region() -> None:
    ref = _engine(TIER_ENCOUNTERS_SCENARIO)
    L, plan = ref.layout, ref.plan
    R, G = len(plan.regions), len(plan.groups)
    cells = ref.counts.reshape(DAYS, R, G, -1)
    for r, region in enumerate(plan.regions):
        for g, group in enumerate(plan.groups):
            for days, p in ((slice(0, SWITCH), P_BEFORE), (slice(SWITCH, DAYS), P_AFTER)):
                rows = cells[days, r, g]
                _within(
                    int(rows[:, L.at("blocked__loan-refusal")].sum()),
                    int(rows[:, L.at("tier__low")].sum()),
                    p[group] * TIER_ENCOUNTERS_BY_REGION[region],
                    f"blocked in {region}, group {group}, days {days.start}-{days.stop}",
                )
    total = ref.counts.sum(axis=(0, 1))
    # namesakes' records put innocent people in the tier: some blocked attempts are wrongful
    assert 0 < total[L.at("blocked_wrongful__loan-refusal")] < total[L.at("blocked__loan-refusal")]


def test_both_engines_count_the_same_tier_encounters() -> None:
    ref = _engine(TIER_ENCOUNTERS_SCENARIO)
    fast = _engine(TIER_ENCOUNTERS_SCENARIO, FastEngine)
    assert np.array_equal(ref.counts, fast.counts)
