"""Coverage moved by past records (engine/reallocation.py): the policies keep the total
coverage, the engines move it alike, the moved tables are the ones compile would give, and the
records found follow the coverage in force (a binomial law)."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from run_folders import same
from scenarios import PATROL_DETECTION, PATROL_START, patrolled
from socialcredit.engine.fast import FastEngine
from socialcredit.engine.in_process_backend import InProcessBackend
from socialcredit.engine.reallocation import (
    corrected,
    coverage_moves,
    greedy,
    proportional,
)
from socialcredit.engine.reference import ReferenceEngine
from socialcredit.engine.shards import ShardedEngine
from socialcredit.metrics.coverage_table import drifts
from socialcredit.plan import with_coverage
from socialcredit.population.synthesis import synthesize
from socialcredit.runner import resume, run
from socialcredit.scenario.compile import compile_plan
from socialcredit.scenario.loading import validate

PATROLS = "street-patrols"


def plan_of(raw: dict, people: int = 6000, days: int = 40, seed: int = 4):
    return compile_plan(validate(raw, "patrolled"), people=people, days=days, seed=seed)


def moves_table(engine):
    moved = coverage_moves(engine.plan, engine)
    assert moved is not None
    return moved[0].to_pandas()


# --- the policies -------------------------------------------------------------------------


@st.composite
def allocations(draw):
    regions = draw(st.integers(2, 6))
    people = np.array(draw(st.lists(st.integers(1, 10_000), min_size=regions,
                                    max_size=regions)), dtype=np.float64)  # fmt: skip
    weights = np.array(draw(st.lists(st.integers(0, 500), min_size=regions,
                                     max_size=regions)), dtype=np.float64)  # fmt: skip
    share = draw(st.floats(0.01, 0.99))
    return share * people.sum(), weights, people


@settings(max_examples=200, deadline=None)
@given(allocations())
def test_every_policy_keeps_the_total_coverage_and_stays_within_zero_and_one(case) -> None:
    budget, weights, people = case
    if not weights.any():
        weights[0] = 1.0
    for policy in (proportional, greedy):
        cover = policy(budget, weights, people)
        assert np.all((cover >= 0) & (cover <= 1)), policy
        assert math.isclose((cover * people).sum(), budget, rel_tol=1e-9), policy


def test_proportional_shares_follow_the_weights_below_the_cap() -> None:
    people = np.array([100.0, 300.0, 600.0])
    cover = proportional(100.0, np.array([1.0, 3.0, 0.0]), people)
    shares = cover * people / 100.0
    assert np.allclose(shares, [0.25, 0.75, 0.0])
    # a region whose share would exceed its people is covered fully, the rest shared on
    capped = proportional(300.0, np.array([9.0, 1.0, 0.0]), people)
    assert capped[0] == 1.0 and math.isclose(capped[1] * 300.0, 200.0)


def test_greedy_covers_the_most_recorded_per_resident_first() -> None:
    people = np.array([100.0, 300.0, 600.0])
    cover = greedy(350.0, np.array([10.0, 60.0, 30.0]), people)
    # 0.2 records per resident first (all 300), then 0.1 (the 50 left), never 0.05
    assert cover.tolist() == [0.5, 1.0, 0.0]


def test_the_correction_estimates_acts_from_records_over_coverage() -> None:
    people = np.array([100.0, 100.0, 200.0])
    estimate = corrected(np.array([30.0, 5.0, 0.0]), np.array([0.6, 0.1, 0.0]), people)
    # 50 each where looked at; the unlooked region at their mean per resident (0.5) x 200
    assert estimate.tolist() == [50.0, 50.0, 100.0]


# --- the moved tables ---------------------------------------------------------------------


def test_moved_tables_are_the_ones_compile_gives_for_that_coverage() -> None:
    start = plan_of(patrolled())
    there = {"megacities": 0.07, "cities": 0.21, "countryside": 0.13}
    raw = patrolled()
    raw["sources"][-1]["coverage"] = there
    direct = plan_of(raw)
    s = start.sources.index(PATROLS)
    cover = np.array([[there[r] for r in start.regions]])
    moved = with_coverage(start, cover)
    for name in ("observe_prob", "error_scaled", "chill_exposure"):
        assert np.array_equal(getattr(moved, name), getattr(direct, name)), name
    assert np.array_equal(moved.feedback.coverage[s], direct.feedback.coverage[s])


def test_a_camera_with_errors_moved_gets_compiles_error_tables() -> None:
    """False matches scale with coverage and misattributions with what is seen: both follow."""
    raw = patrolled()
    raw["sources"][-1]["kind"] = "camera"
    raw["sources"][-1]["errors"] = {"false_match": 0.0001, "misattribution": 0.05,
                                    "bookkeeping": 0.00001}  # fmt: skip
    start = plan_of(raw)
    there = {"megacities": 0.02, "cities": 0.4, "countryside": 0.3}
    raw["sources"][-1]["coverage"] = there
    direct = plan_of(raw)
    moved = with_coverage(start, np.array([[there[r] for r in start.regions]]))
    for name in ("observe_prob", "error_scaled", "chill_exposure"):
        assert np.array_equal(getattr(moved, name), getattr(direct, name)), name
    assert not np.array_equal(start.error_scaled, direct.error_scaled)  # the test moved them


# --- runs ---------------------------------------------------------------------------------


@pytest.mark.parametrize("policy,correction", [("proportional", False), ("greedy", True)])
def test_engines_and_shards_move_the_same_coverage_bit_for_bit(policy, correction) -> None:
    plan = plan_of(patrolled(policy, correction), people=4000, days=35)
    fast = FastEngine(plan, synthesize(plan))
    fast.run()
    reference = ReferenceEngine(plan, synthesize(plan))
    reference.run()
    sharded = ShardedEngine(plan, synthesize(plan), 2)
    sharded.run()
    assert len(fast.reallocator.history) == 3 * len(plan.regions)
    for other in (reference, sharded):
        assert other.reallocator.history == fast.reallocator.history
        assert np.array_equal(other.counts, fast.counts)
        for name, array in vars(fast.state).items():
            assert np.array_equal(array, getattr(other.state, name)), name
    moved = fast.reallocator.coverage[0]
    assert not np.allclose(moved, [PATROL_START[r] for r in plan.regions])  # it moved


def test_every_move_keeps_what_the_source_covers() -> None:
    plan = plan_of(patrolled(), people=10_000, days=60)
    engine = FastEngine(plan, synthesize(plan))
    engine.run()
    moves = moves_table(engine)
    budget = sum(PATROL_START[r] * p for r, p in zip(plan.regions, engine.reallocator.people,
                                                      strict=True))  # fmt: skip
    for _, move in moves.groupby("engine_day"):
        assert math.isclose((move.coverage_after * move.people).sum(), budget, rel_tol=1e-12)
        assert math.isclose((move.coverage_before * move.people).sum(), budget, rel_tol=1e-12)


def test_the_uncorrected_move_follows_the_records_and_the_corrected_the_estimated_acts() -> None:
    for correction in (False, True):
        plan = plan_of(patrolled(correction=correction), people=10_000, days=60)
        engine = FastEngine(plan, synthesize(plan))
        engine.run()
        moves = moves_table(engine)
        for _, move in moves.groupby("engine_day"):
            weight = move.records / move.coverage_before if correction else move.records
            assert np.allclose(move.share_after, weight / weight.sum(), rtol=1e-12), correction


def test_records_found_follow_the_coverage_in_force() -> None:
    """Given a window's acts A in a region, the patrols' true records there are Binomial(A,
    coverage x detection) (each act seen independently; no errors, no misattribution): every
    window within 5 standard deviations, and the total within 4."""
    plan = plan_of(patrolled(), people=20_000, days=100)
    engine = FastEngine(plan, synthesize(plan))
    engine.run()
    moves = moves_table(engine)
    p = moves.coverage_before * PATROL_DETECTION
    expected, var = moves.acts * p, moves.acts * p * (1 - p)
    assert (moves.acts > 300).all()  # enough acts that the law is not vacuous
    z = (moves.discovered - expected) / np.sqrt(var)
    assert (z.abs() < 5).all(), z.tolist()
    assert abs((moves.discovered - expected).sum()) < 4 * math.sqrt(var.sum())


def test_greedy_patrols_run_away_and_corrected_ones_do_not() -> None:
    """Greedy and uncorrected, the patrols cover one region fully and never see the others
    again; proportional with the correction, they move toward where the acts are."""
    runaway = plan_of(patrolled("greedy"), people=20_000, days=60)
    engine = FastEngine(runaway, synthesize(runaway))
    engine.run()
    (drift,) = drifts(coverage_moves(runaway, engine)[0])
    assert drift.runaway and drift.top_share > 0.5 > drift.top_act_share
    fair = plan_of(patrolled(correction=True), people=20_000, days=60)
    engine = FastEngine(fair, synthesize(fair))
    engine.run()
    (drift,) = drifts(coverage_moves(fair, engine)[0])
    assert not drift.runaway and drift.last_distance < drift.first_distance


def written(raw: dict, folder: Path) -> Path:
    path = folder / "patrolled.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    return path


def test_a_resumed_run_moves_as_an_uninterrupted_one(tmp_path: Path) -> None:
    scenario = written(patrolled(), tmp_path)
    args = dict(people=5000, days=40, seed=3, checkpoint_every=7)
    plain = run(scenario, out=tmp_path / "plain", **args).folder

    class Stop(Exception):
        pass

    def stop(day: int) -> None:
        if day == 25:
            raise Stop

    out = tmp_path / "resumed"
    with pytest.raises(Stop):
        run(scenario, out=out, on_day=stop, **args)
    resume(out)
    for name in ("metrics.parquet", "coverage.parquet", "traces.parquet"):
        assert pq.read_table(plain / name).equals(pq.read_table(out / name)), name


def test_stories_replay_under_the_moved_coverage(tmp_path: Path) -> None:
    """A traced person replayed alone, given the run's moves, ends where the run left them."""
    plan = plan_of(patrolled(), people=4000, days=40)
    engine = ReferenceEngine(plan, synthesize(plan))
    engine.run()
    from socialcredit.engine.replay import replay

    moves = coverage_moves(plan, engine)[1]
    log = engine.queue.log_table()
    people = list(range(0, plan.people, 97))
    days = replay(plan, people, log, moves=moves).to_pandas()
    last = days[days.day == plan.days - 1].set_index("person")
    assert np.array_equal(last.loc[people, "score"].to_numpy(), engine.state.score[people])
    unmoved = replay(plan, people, log).to_pandas()  # without the moves: another life
    assert not unmoved.equals(days)


def test_a_cluster_moves_as_one_process_even_after_losing_a_worker(tmp_path: Path) -> None:
    """The cluster driver decides the moves and sends the coverage with every day's call: the
    in-process backend gives one process's bits, also where a worker is lost after a move and
    its replacement reloads a checkpoint taken before another."""
    scenario = written(patrolled(every=6), tmp_path)
    args = dict(people=4000, days=30, seed=5, checkpoint_every=7)
    plain = run(scenario, out=tmp_path / "plain", **args).folder
    backend = InProcessBackend(lose=[(16, 1)])
    lost = run(scenario, out=tmp_path / "lost", cluster=backend, shards=2, **args).folder
    assert backend.lost == [(16, 1)]
    assert same(plain, lost)
    coverage = [pq.read_table(folder / "coverage.parquet") for folder in (plain, lost)]
    assert coverage[0].equals(coverage[1])
    moved = pq.read_table(plain / "coverage.parquet").to_pandas()
    assert (moved.coverage_after != moved.coverage_before).any()  # the coverage did move


def test_a_source_out_of_service_keeps_its_assignment_and_comes_back_to_it() -> None:
    """Patrols in service only from day 25 to 44: out of service they watch no one and find
    nothing, so a move then keeps where they are assigned; the total assigned never changes."""
    raw = patrolled()
    raw["run"] |= {"start": "2018-01-01"}
    raw["sources"][-1] |= {"from": "2018-01-26", "until": "2018-02-14"}
    plan = plan_of(raw, people=6000, days=60)
    fast = FastEngine(plan, synthesize(plan))
    fast.run()
    reference = ReferenceEngine(plan, synthesize(plan))
    reference.run()
    assert reference.reallocator.history == fast.reallocator.history
    assert np.array_equal(reference.counts, fast.counts)
    moves = moves_table(fast)
    start = [PATROL_START[r] for r in plan.regions]
    for day, move in moves.groupby("engine_day"):
        assert math.isclose((move.coverage_after * move.people).sum(),
                            sum(c * p for c, p in zip(start, move.people, strict=True)),
                            rel_tol=1e-12)  # fmt: skip
        found = move.records.sum()
        assert (found > 0) == (30 <= day <= 50), day  # the windows holding days 25..44
        if not found:
            assert np.array_equal(move.coverage_after, move.coverage_before), day
    patrols = fast.counts[:, :, fast.layout.at(f"records_true__{PATROLS}")].sum(axis=1)
    assert patrols[:25].sum() == 0 == patrols[45:].sum() and patrols[25:45].sum() > 0


def test_uncorrected_patrols_run_away_to_where_people_act_most_and_corrected_ones_settle() -> None:
    """Ensign et al. 2018's finding, in the simulator: where acts are twice as common per
    resident in the countryside as in the megacities, proportional patrols without the correction
    grow their countryside share from move to move (in expectation by its act rate over the
    average's) far past its share of the acts; with the correction they settle at that share,
    within the sampling noise of the last window's records (``estimate_noise``)."""
    uneven = {"megacities": 0.5, "cities": 0.75, "countryside": 1.0}
    found = {}
    for correction in (False, True):
        raw = patrolled(correction=correction)
        for b in raw["behaviours"]:
            if b["name"] in ("jaywalking", "smoking-in-non-smoking-area"):
                b["rate_by_region"] = uneven
        plan = plan_of(raw, people=200_000, days=150)
        engine = FastEngine(plan, synthesize(plan))
        engine.run()
        table = coverage_moves(plan, engine)[0]
        (found[correction],) = drifts(table)
        moves = table.to_pandas()
        countryside = moves[moves.region == "countryside"]
        found[correction, "shares"] = countryside.share_after.to_numpy()
        found[correction, "last"] = moves[moves.day == moves.day.max()]
    runaway, settled = found[False], found[True]
    assert runaway.runaway and runaway.top_region == "countryside"
    assert runaway.top_share > runaway.top_act_share + 0.2
    shares = found[False, "shares"]
    assert shares[-1] > shares[0] + 0.3  # further from move to move (in expectation)
    assert not settled.runaway
    assert settled.last_distance < estimate_noise(found[True, "last"]), settled


def estimate_noise(last: pd.DataFrame) -> float:
    """The distance (total variation) between the corrected estimate's shares and the acts'
    shares that sampling alone allows, at 4 standard errors a region: each region's records
    are Binomial(acts, coverage x detection), its estimate records / coverage, and its share's
    variance by the delta method, (Var e_r (1 - s_r)^2 + s_r^2 sum_(j != r) Var e_j) / S^2."""
    p = last.coverage_before.to_numpy() * PATROL_DETECTION
    acts = last.acts.to_numpy()
    var = acts * p * (1 - p) / last.coverage_before.to_numpy() ** 2  # of each estimate
    estimate = acts * PATROL_DETECTION  # its expectation, x the coverage's 1 / coverage
    total = estimate.sum()
    share = estimate / total
    share_var = (var * (1 - share) ** 2 + share**2 * (var.sum() - var)) / total**2
    return float(0.5 * (4 * np.sqrt(share_var)).sum())
