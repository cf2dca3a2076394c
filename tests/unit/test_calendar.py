"""Dated parameters: schedules and from:/until: switch on the right day, in both engines.

The dated variant of the stressed China preset (tests/scenarios.py ``dated``) changes a rate, a
rule's points, adds a consequence and retires a source on known days. Both engines must agree
bit for bit across those switches; each switch must leave every earlier day exactly as the run
without it (same seed: the draws are counter-based) and change the metrics from its day on.
"""

from __future__ import annotations

import copy
from datetime import date

import numpy as np
import pytest

from scenarios import DATED_CHANGES, dated, stressed
from socialcredit.engine.fast import FastEngine
from socialcredit.engine.reference import ReferenceEngine
from socialcredit.errors import ConfigError
from socialcredit.population.synthesis import synthesize
from socialcredit.scenario.compile import compile_plan
from socialcredit.scenario.loading import validate

PEOPLE, DAYS, SEED = 4000, 80, 7


def _raw() -> dict:
    return dated(stressed("china-national-score-2018"))


def _run(raw: dict, engine=FastEngine, days: int = DAYS):
    plan = compile_plan(validate(raw, "dated"), people=PEOPLE, days=days, seed=SEED)
    sim = engine(plan, synthesize(plan))
    sim.run()
    return sim


def test_epochs_start_on_the_change_days() -> None:
    plan = compile_plan(validate(_raw(), "dated"), people=PEOPLE, days=DAYS, seed=SEED)
    # until 2013-11-29 (day 59) is the source's last day: the change is the day after
    assert plan.epoch_days == (0, 30, 40, 50, 60)
    assert plan.start == date(2013, 10, 1)
    assert plan.date_of(59) == date(2013, 11, 29)
    train = plan.consequences.index("train-ban")
    assert [bool(e.consequence_on[train]) for e in plan.epochs] == [False, False, True, True, True]
    # a run that ends before a change has no epoch for it
    assert compile_plan(validate(_raw(), "d"), people=PEOPLE, days=35, seed=1).epoch_days == (0, 30)


def test_dated_scenario_bit_identical_in_both_engines() -> None:
    ref = _run(_raw(), ReferenceEngine)
    fast = _run(_raw(), FastEngine)
    assert np.array_equal(ref.counts, fast.counts)
    assert np.array_equal(ref.stats, fast.stats, equal_nan=True)
    for name, array in vars(ref.state).items():
        assert np.array_equal(array, getattr(fast.state, name)), name


def _without(change: str) -> dict:
    """The dated scenario with one change undone (its value before the change all along)."""
    raw = _raw()
    if change == "jaywalking rate":
        b = next(b for b in raw["behaviours"] if b["name"] == "jaywalking")
        b["rate"] = b["rate"][0]["value"]
    elif change == "train-ban from":
        c = next(c for c in raw["consequences"] if c["name"] == "train-ban")
        c["until"] = "2000-01-01"  # the same structure, never in force
        del c["from"]
    elif change == "late-payment points":
        r = next(r for r in raw["regime"]["rules"] if r["behaviour"] == "late-payment")
        r["points"] = r["points"][0]["value"]
    else:
        s = next(s for s in raw["sources"] if s["name"] == "online-platform")
        del s["until"]
    return raw


@pytest.mark.parametrize("change", list(DATED_CHANGES))
def test_a_change_moves_nothing_before_its_day(change: str) -> None:
    """Days before the change are identical to the run without it; its day or the next ones
    differ (the columns it acts on)."""
    day = DATED_CHANGES[change] + (1 if change.endswith("until") else 0)
    with_it = _run(_raw())
    without = _run(_without(change))
    assert np.array_equal(with_it.counts[:day], without.counts[:day])
    assert np.array_equal(with_it.stats[:day], without.stats[:day], equal_nan=True)
    assert not np.array_equal(with_it.counts[day:], without.counts[day:])


def test_a_consequence_from_a_date_counts_from_that_day() -> None:
    sim = _run(_raw())
    L = sim.layout
    train = sim.counts[:, :, L.at("sanction__train-ban")].sum(axis=1)
    flight = sim.counts[:, :, L.at("sanction__flight-ban")].sum(axis=1)  # same list, no date
    first = DATED_CHANGES["train-ban from"]
    assert not train[:first].any()
    assert flight[first:].all() and np.array_equal(train[first:], flight[first:])


def test_a_retired_source_records_nothing_after_its_last_day() -> None:
    sim = _run(_raw())
    L, last = sim.layout, DATED_CHANGES["online-platform until"]
    records = sum(
        sim.counts[:, :, L.at(f"records_{kind}__online-platform")].sum(axis=1)
        for kind in ("true", "false_match", "misattribution", "bookkeeping")
    )
    assert records[: last + 1].sum() > 0
    assert not records[last + 1 :].any()


def test_undated_scenario_has_one_epoch() -> None:
    raw = copy.deepcopy(stressed("china-national-score-2018"))
    plan = compile_plan(validate(raw, "plain"), people=100, days=10, seed=1)
    assert plan.epochs == () and plan.epoch_days == (0,) and plan.start is None
    assert plan.on_day(5) is plan


@pytest.mark.parametrize(
    ("edit", "words"),
    [
        (lambda r: r["run"].pop("start"), ["behaviours[4].rate", "no start date", "run.start"]),
        (
            lambda r: r["run"].update(start="2012-12-01"),
            ["behaviours[4].rate[0].from", "after the run's start 2012-12-01"],
        ),
    ],
)
def test_calendar_mistakes_are_config_errors(edit, words) -> None:
    raw = _raw()
    edit(raw)
    with pytest.raises(ConfigError) as info:
        validate(raw, "dated.yaml")
    for w in ["dated.yaml", *words]:
        assert w in str(info.value)
