"""The documented-system preset, china-court-list-2013-2018: both engines give the same bits over
the whole run, through every dated switch (listing rates by year, the HSR ban of 2015-07-22, the
memorandum of 2016-01-20, the two-year term of 2017-05-01); its targets file loads against it;
and a run lands each fitted target within an order of magnitude."""

from __future__ import annotations

from datetime import date

import numpy as np

from scenarios import scaled
from socialcredit.engine.fast import FastEngine
from socialcredit.engine.reference import ReferenceEngine
from socialcredit.fit import fit_rows
from socialcredit.population.synthesis import synthesize
from socialcredit.runner import run
from socialcredit.scenario.compile import compile_plan
from socialcredit.scenario.loading import load_scenario, validate
from socialcredit.scenario.targets import load_targets

NAME = "china-court-list-2013-2018"
SWITCHES = ["2014-01-01", "2015-07-22", "2016-01-20", "2017-05-01", "2018-01-01"]


def preset_targets():
    from importlib import resources

    path = resources.files("socialcredit.scenario.presets").joinpath(f"{NAME}.targets.yaml")
    return load_targets(str(path), load_scenario(NAME)[0])


def test_engines_agree_through_every_dated_switch() -> None:
    # listing x60 and errors x30, so that a few thousand people see every mechanism
    raw = scaled(NAME, rate_scale=60.0, rate_floor=0.0, error_scale=30.0)
    plan = compile_plan(validate(raw, NAME), people=3000, seed=5)
    assert plan.days == 1918
    switched = {str(plan.date_of(d)) for d in plan.epoch_days}
    assert set(SWITCHES) <= switched
    ref = ReferenceEngine(plan, synthesize(plan))
    ref.run()
    fast = FastEngine(plan, synthesize(plan))
    fast.run()
    L = ref.layout
    total = ref.counts.sum(axis=(0, 1))
    for column in ("list_entries__dishonest-debtors", "list_complied__dishonest-debtors",
                   "blocked__flight-ban", "blocked_wrongful__flight-ban", "blocked__train-ban",
                   "blocked__corporate-role-bar", "appeals_filed"):  # fmt: skip
        assert total[L.at(column)] > 0, column
    # the memorandum's bar blocks nothing before it is signed
    first = (date(2016, 1, 20) - plan.start).days
    assert ref.counts[:first, :, L.at("blocked__corporate-role-bar")].sum() == 0
    assert ref.counts[:first, :, L.at("sanction__corporate-role-bar")].sum() == 0
    assert np.array_equal(ref.counts, fast.counts)
    assert np.array_equal(ref.stats, fast.stats, equal_nan=True)
    for name, array in vars(ref.state).items():
        assert np.array_equal(array, getattr(fast.state, name)), name


def test_targets_file_loads_against_the_preset() -> None:
    targets = preset_targets()
    assert len(targets.targets) >= 20 and len(targets.holdout) == 5
    # only figures published by the end of 2018 are fitted: every 2019 source is a holdout
    assert [t.source for t in targets.targets if "2019" in t.source] == []
    assert all("2019" in t.source for t in targets.holdout)


def test_preset_lands_every_fitted_target_within_a_factor_of_two() -> None:
    """The order of magnitude the preset's values promise for the figures they were fitted to.
    Holdouts (published in 2019) are an out-of-sample check the README reports, not a bound:
    the calibrated preset overshoots March 2014's 87,079 list entries by about 160%."""
    result = run(NAME, people=50_000, write=False, trace=0)
    rows = [r for r in fit_rows(result.plan, result.metrics, preset_targets()) if not r.holdout]
    far = [(r.metric, r.name, str(r.date), round(r.error, 2)) for r in rows if abs(r.error) > 1]
    assert far == []
