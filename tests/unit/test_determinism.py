"""Determinism and common random numbers.

Every draw is a pure function of (seed, stream, person, day), so a run is reproducible bit for bit,
another seed gives another run, and two scenarios that differ only where no random decision
depends on the difference see the same random numbers and hence the same outcomes.
"""

from __future__ import annotations

import copy
import functools
from typing import Any

import numpy as np
import pytest

from socialcredit.engine.reference import ReferenceEngine
from socialcredit.population.synthesis import synthesize
from socialcredit.scenario.compile import compile_plan
from socialcredit.scenario.loading import load_scenario, preset_names, validate

PRESETS = preset_names()
PEOPLE = 3000
DAYS = 30
# presets whose mechanisms take years to act (a listing rate of a few per million person-days)
# run their whole span where a test needs something to happen
WHOLE_RUN = {"china-court-list-2013-2018": 1918}


@functools.cache
def _raw(name: str) -> dict[str, Any]:
    return load_scenario(name)[1]


def raw_of(name: str) -> dict[str, Any]:
    return copy.deepcopy(_raw(name))


def run(
    raw: dict[str, Any], seed: int = 7, people: int = PEOPLE, days: int = DAYS
) -> ReferenceEngine:
    if "lending" in raw:  # monthly rounds would not come twice in these short runs
        raw["lending"] = raw["lending"] | {"every_days": max(1, days // 3)}
    scenario = validate(raw, "test")
    # a short warm-up where the preset has one: the warm-up's path is run, not its 50 years
    warmup = min(scenario.run.warmup_days, 30)
    plan = compile_plan(scenario, people=people, days=days, seed=seed, warmup=warmup)
    engine = ReferenceEngine(plan, synthesize(plan))
    engine.run()
    return engine


def assert_same_run(a: ReferenceEngine, b: ReferenceEngine) -> None:
    assert np.array_equal(a.counts, b.counts)
    assert np.array_equal(a.stats, b.stats, equal_nan=True)
    for name, value in vars(a.state).items():
        assert np.array_equal(value, getattr(b.state, name)), name


@pytest.mark.parametrize("name", PRESETS)
def test_same_seed_gives_identical_runs(name: str) -> None:
    a, b = run(raw_of(name)), run(raw_of(name))
    for field in ("trait", "flags", "cell_start"):
        assert np.array_equal(getattr(a.pop, field), getattr(b.pop, field)), field
    assert np.array_equal(a.pop.households(), b.pop.households())
    assert_same_run(a, b)


@pytest.mark.parametrize("name", PRESETS)
def test_different_seed_gives_different_counts(name: str) -> None:
    days = WHOLE_RUN.get(name, DAYS)
    a, b = run(raw_of(name), seed=7, days=days), run(raw_of(name), seed=8, days=days)
    assert not np.array_equal(a.counts, b.counts)
    assert not np.array_equal(a.pop.trait, b.pop.trait)


def test_seed_from_scenario_equals_seed_argument() -> None:
    raw = raw_of(PRESETS[0])
    raw["run"] = {**raw.get("run", {}), "seed": 11, "days": DAYS}
    sc = validate(copy.deepcopy(raw), "test")
    plan = compile_plan(sc, people=PEOPLE)
    from_file = ReferenceEngine(plan, synthesize(plan))
    from_file.run()
    assert_same_run(from_file, run(raw, seed=11))


@pytest.mark.parametrize("name", PRESETS)
def test_consequence_magnitude_changes_no_outcome(name: str) -> None:
    """Magnitude weighs a consequence in the report; no random decision depends on it, so two
    scenarios that differ only there give identical metrics (common random numbers)."""
    base = raw_of(name)
    other = raw_of(name)
    assert other["consequences"], "the preset needs a consequence"
    for c in other["consequences"]:
        m = float(c.get("magnitude", 1.0))
        c["magnitude"] = m + 1.0 if m < 9.0 else m - 1.0
    a, b = run(base), run(other)
    assert not np.array_equal(a.plan.consequence_magnitude, b.plan.consequence_magnitude)
    assert_same_run(a, b)


def test_rule_points_leave_acts_and_records_alone_without_deterrence() -> None:
    """With deterrence off, nothing feeds back from scores to acts: a harsher rule changes the
    scores and standings but not one act or record, because both runs draw the same numbers."""
    raw = raw_of("china-national-score-2018")
    raw["response"].update(deterrence_own=0.0, deterrence_household=0.0)
    harsh = copy.deepcopy(raw)
    for rule in harsh["regime"]["rules"]:
        if rule["behaviour"] == "jaywalking":
            rule["points"] = -200
    a, b = run(raw, people=5000), run(harsh, people=5000)
    L = a.layout
    same = [c for c in L.counts if c.startswith(("acts__", "records_", "people"))]
    assert same
    for column in same:
        assert np.array_equal(a.counts[:, :, L.at(column)], b.counts[:, :, L.at(column)]), column
    assert not np.array_equal(a.state.score, b.state.score)
    assert not np.array_equal(a.stats, b.stats)


def test_population_prefix_is_independent_of_later_people() -> None:
    """A person's trait is drawn from (seed, person) alone: a bigger population extends a smaller
    one's traits instead of reshuffling them."""
    sc = load_scenario(PRESETS[0])[0]
    small = synthesize(compile_plan(sc, people=1000, days=1, seed=5))
    large = synthesize(compile_plan(sc, people=4000, days=1, seed=5))
    assert np.array_equal(small.trait, large.trait[:1000])
