"""Lending with delayed impact (engine/lending.py): what each policy decides, what repayment and
default do to scores, and that both engines, replays and resumed runs agree on it.

The policy checks use a synthetic state with scores spread over 300-850 (the presets start
everybody at 700), so that every threshold has something to decide.
"""

from __future__ import annotations

import copy
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from socialcredit import rng
from socialcredit.engine.fast import FastEngine
from socialcredit.engine.lending import Lender, People, decide
from socialcredit.engine.lending_book import StateBook, census
from socialcredit.engine.reference import ReferenceEngine
from socialcredit.engine.replay import replay
from socialcredit.output.checkpoint import CHECKPOINT
from socialcredit.output.run_folder import staging_path
from socialcredit.plan import LENDING_POLICIES, Plan
from socialcredit.population.synthesis import synthesize
from socialcredit.runner import resume, run
from socialcredit.scenario.compile import compile_plan
from socialcredit.scenario.loading import load_scenario, validate
from socialcredit.scenario.schema import FICO_REPAY_PROBABILITY, FICO_REPAY_SCORES
from socialcredit.state import State

PRESET = "us-credit-lending"


def _raw(**lending: object) -> dict:
    raw = copy.deepcopy(load_scenario(PRESET)[1])
    raw["run"] = raw.get("run", {}) | {"warmup_days": 0}
    raw["lending"] = raw["lending"] | lending
    return raw


def _plan(people: int, days: int, seed: int = 3, **lending: object) -> Plan:
    return compile_plan(validate(_raw(**lending), "test"), people=people, days=days, seed=seed)


def _spread_state(plan: Plan, seed: int = 11) -> tuple[State, np.ndarray]:
    """Scores spread over the whole range, lower on average in group 2, and a shadow score
    that differs from the score for a tenth of people (record errors)."""
    pop = synthesize(plan)
    state = State.initial(plan, pop.flags)
    n = plan.people
    group = pop.cell_of(np.arange(n)) % len(plan.groups)
    r = np.random.default_rng(seed)
    score = r.normal(700 - 60 * (group == 2), 90).round()
    state.score[:] = np.clip(score, plan.score_min, plan.score_max)
    shadow = state.score + (r.random(n) < 0.1) * r.integers(0, 150, n)
    state.shadow[:] = np.clip(shadow, plan.score_min, plan.score_max)
    return state, group


def _decision(policy: str, people: int = 40_000):
    plan = _plan(people, 120, policy=policy, apply_share=0.2)
    state, group = _spread_state(plan)
    book = StateBook(plan, state, People(group, ids=np.arange(plan.people)))
    key = rng.seed_key(plan.seed)
    d, belief = decide(plan, book.applicants(0), 0, key, book.census(0))
    return plan, state, d, belief


def _per_group(d, values: np.ndarray, G: int) -> np.ndarray:
    return np.bincount(d.group, weights=values, minlength=G)


def test_default_curve_is_the_fico_transrisk_tables() -> None:
    """The schema's repay curve is the Fed's TransRisk performance, averaged over its four
    groups by people at each score, on 300-850 (to the 3 decimals written)."""
    from socialcredit.reproductions import fico

    f = fico.load(("white", "black", "hispanic", "asian"))
    weight = f.count[:, None] * f.pmf
    repay = (weight * f.repay).sum(axis=0) / weight.sum(axis=0)
    expected = np.interp(FICO_REPAY_SCORES, f.score, repay)
    assert np.abs(np.array(FICO_REPAY_PROBABILITY) - expected).max() <= 0.0005


def test_max_profit_lends_where_each_group_profits_most() -> None:
    """Each group's number of loans maximises its expected utility over every possible number
    (a brute-force search over its ranked applicants)."""
    plan, _, d, belief = _decision("max_profit")
    lending = plan.lending
    assert lending is not None
    gain = belief * lending.utility_repaid + (1 - belief) * lending.utility_default
    for g in range(len(plan.groups)):
        mine = d.group == g
        profits = np.concatenate([[0.0], np.cumsum(gain[mine])])
        assert profits[d.lent[mine].sum()] == pytest.approx(profits.max(), abs=1e-9)
        assert d.lent[mine][: d.lent[mine].sum()].all()  # the best-ranked are the ones lent to


def test_single_threshold_is_one_cut_for_all() -> None:
    """Everybody at or above one score is lent to, nobody below it."""
    plan, state, d, _ = _decision("single_threshold")
    score = state.score[d.who]
    cut = score[d.lent].min()
    assert (d.lent == (score >= cut)).all()


def test_demographic_parity_equalises_selection_rates() -> None:
    """Selection rates differ by at most 1/(2 n_g) + 1/(2 n_h) <= 1/min(n): each group lends to
    the nearest whole number of its applicants at one common rate."""
    plan, _, d, _ = _decision("demographic_parity")
    G = len(plan.groups)
    n = np.bincount(d.group, minlength=G)
    rates = np.bincount(d.group[d.lent], minlength=G) / n
    assert rates.max() - rates.min() <= 1.0 / n.min()
    assert 0 < rates.max() < 1  # the constraint binds: the scores are spread


def test_equal_opportunity_equalises_true_positive_rates() -> None:
    """The lender's expected true positive rates (the lent share of each group's expected
    repayers) agree within the discreteness of the ranking: one applicant's share of their
    group's expected repayers."""
    plan, _, d, belief = _decision("equal_opportunity")
    G = len(plan.groups)
    total = _per_group(d, belief, G)
    lent = np.bincount(d.group[d.lent], weights=belief[d.lent], minlength=G)
    tpr = lent / total
    step = max(belief[d.group == g].max() / total[g] for g in range(G))
    assert tpr.max() - tpr.min() <= step
    assert 0 < tpr.min() < 1


@pytest.mark.parametrize("truth", ["shadow_score", "score"])
def test_defaults_follow_the_true_repayment_probability(truth: str) -> None:
    """Defaults among borrowers are within 4 binomial standard deviations of their expected
    number, the sum of (1 - P(repay)) at each borrower's true score: sqrt(sum p (1 - p)) for
    about 6,000 borrowers (a false alarm in about 1 in 16,000 runs)."""
    plan = _plan(40_000, 120, policy="demographic_parity", apply_share=0.2, truth=truth)
    state, group = _spread_state(plan)
    book = StateBook(plan, state, People(group, ids=np.arange(plan.people)))
    lender = Lender(plan, book)
    d, _ = decide(plan, book.applicants(0), 0, lender.key, book.census(0))
    borrowers = d.who[d.lent]
    true_score = (state.shadow if truth == "shadow_score" else state.score)[borrowers]
    p = plan.lending.curve[true_score.astype(np.int64) - plan.score_min]  # type: ignore[union-attr]
    r = lender.round(0)
    assert r.approved.sum() == len(borrowers) > 5000
    expected, sd = (1 - p).sum(), math.sqrt((p * (1 - p)).sum())
    assert abs(r.defaulted.sum() - expected) <= 4 * sd


def test_borrowers_scores_move_by_exactly_the_changes() -> None:
    """Borrowers move by +75 or -150 within 300..850 (score and shadow alike); nobody else."""
    plan = _plan(20_000, 120, apply_share=0.3, policy="demographic_parity")
    state, group = _spread_state(plan)
    state.score[:200] = plan.score_max - 10  # some at the bounds, to see the clipping
    state.score[200:400] = plan.score_min + 20
    before = copy.deepcopy(state)
    book = StateBook(plan, state, People(group, ids=np.arange(plan.people)))
    lender = Lender(plan, book)
    d, _ = decide(plan, book.applicants(0), 0, lender.key, book.census(0))
    r = lender.round(0)
    borrowers = d.who[d.lent]
    moved = np.flatnonzero(state.score != before.score)
    assert set(moved) <= set(borrowers)
    for new, old in ((state.score, before.score), (state.shadow, before.shadow)):
        old_b = old[borrowers].astype(np.int32)
        change = new[borrowers].astype(np.int32) - old_b
        up = np.clip(old_b + 75, plan.score_min, plan.score_max) - old_b
        down = np.clip(old_b - 150, plan.score_min, plan.score_max) - old_b
        assert ((change == up) | (change == down)).all()
    others = np.setdiff1d(np.arange(plan.people), borrowers)
    assert np.array_equal(state.shadow[others], before.shadow[others])
    assert r.score_change.sum() == int(state.score.sum()) - int(before.score.sum())
    assert ((state.score[borrowers] == plan.score_max) & (before.score[borrowers]
            == plan.score_max - 10)).any()  # fmt: skip


def _both(plan: Plan) -> tuple[ReferenceEngine, FastEngine]:
    pop = synthesize(plan)
    ref, fast = ReferenceEngine(plan, pop), FastEngine(plan, pop)
    ref.run()
    fast.run()
    return ref, fast


@pytest.mark.parametrize("policy", LENDING_POLICIES)
def test_engines_bit_identical_with_lending(policy: str) -> None:
    """Both engines: the same final state, metrics and rounds, for every policy (rounds every
    20 days, so the fast engine's standing tallies must be recounted after each)."""
    plan = _plan(6000, 90, policy=policy, every_days=20, apply_share=0.1)
    ref, fast = _both(plan)
    for k, v in vars(ref.state).items():
        assert np.array_equal(v, getattr(fast.state, k)), k
    assert np.array_equal(ref.counts, fast.counts)
    assert np.array_equal(ref.stats, fast.stats)
    assert ref.lender is not None and fast.lender is not None
    assert len(ref.lender.rounds) == 5
    for a, b in zip(ref.lender.rounds, fast.lender.rounds, strict=True):
        for k in a._fields:
            assert np.array_equal(np.asarray(getattr(a, k)), np.asarray(getattr(b, k)),
                                  equal_nan=True), k  # fmt: skip


def test_engines_bit_identical_with_lending_and_expiry() -> None:
    """With points that expire, a loan's change is remembered in a slot and expires with it,
    the same in both engines."""
    raw = _raw(every_days=15, apply_share=0.2)
    raw["regime"]["recovery"] = {"points_per_day": 0.0, "expire_after_days": 40, "source": "test"}
    plan = compile_plan(validate(raw, "test"), people=4000, days=100, seed=5)
    assert plan.expire_days == 40
    ref, fast = _both(plan)
    for k, v in vars(ref.state).items():
        assert np.array_equal(v, getattr(fast.state, k)), k
    assert np.array_equal(ref.counts, fast.counts)


def test_replayed_borrowers_live_the_run() -> None:
    """A borrower's household replayed alone with the run's cut-offs ends on the run's
    score and shadow score (their loans are decided and repaid as in the run)."""
    plan = _plan(5000, 70, every_days=20, apply_share=0.2)
    ref = ReferenceEngine(plan, synthesize(plan))
    ref.run()
    assert ref.lender is not None
    moved = np.flatnonzero(ref.state.score != plan.score_start)
    people = [int(x) for x in moved[:: max(1, len(moved) // 8)][:8]]
    table = replay(plan, people, ref.queue.log_table(), None, lending=ref.lender.rounds)
    last = table.filter(table["day"].to_numpy() == plan.days - 1)
    columns = (last[c].to_pylist() for c in ("person", "score", "shadow_score"))
    for person, score, shadow in zip(*columns, strict=True):
        assert score == ref.state.score[person]
        assert shadow == ref.state.shadow[person]
    no_lending = replay(plan, people, ref.queue.log_table(), None, lending=[])
    assert no_lending["score"].to_pylist() != table["score"].to_pylist()


@pytest.mark.parametrize("engine", ["reference", "fast"])
def test_interrupted_lending_run_resumes_to_the_same_result(tmp_path: Path, engine: str) -> None:
    """A checkpoint keeps the rounds so far: a resumed run writes the same lending tables,
    metrics and stories as one that never stopped."""
    scenario = tmp_path / "lending.yaml"
    scenario.write_text(
        f"extend: {PRESET}\nname: lending-resume\nrun: {{warmup_days: 0}}\n"
        "lending: {every_days: 10, apply_share: 0.1}\n"
    )
    args = dict(people=4000, days=45, seed=4, engine=engine, checkpoint_every=7)
    whole = run(str(scenario), out=tmp_path / "whole", **args).folder

    class Stop(Exception):
        pass

    def stop_on_day_30(day: int) -> None:
        if day == 30:
            raise Stop

    out = tmp_path / "cut"
    with pytest.raises(Stop):
        run(str(scenario), out=out, on_day=stop_on_day_30, **args)
    assert (staging_path(out) / CHECKPOINT).is_file()
    resume(out)
    for name in ("lending.parquet", "lending-curves.parquet", "metrics.parquet",
                 "traces.parquet"):  # fmt: skip
        # as data frames: NaN (a rate of nobody) equals NaN there, not in Arrow's equals
        assert pq.read_table(whole / name).to_pandas().equals(
            pq.read_table(out / name).to_pandas()), name  # fmt: skip
    assert pq.read_table(out / "lending.parquet").num_rows == 5 * 3  # rounds x groups


def test_a_round_on_reported_days_only() -> None:
    """Rounds open reported day 0 and every every_days after it; none in a warm-up."""
    plan = replace(_plan(100, 100, every_days=30), warmup=50)
    lending = plan.lending
    assert lending is not None
    days = [t for t in range(plan.simulated_days) if lending.round_on(t, plan.warmup)]
    assert days == [50, 80, 110, 140]


def test_shards_lend_as_one_engine() -> None:
    """Split over 3 regions into 2 and 3 shards, a lending run gives the unsharded engine's bits
    and rounds (one lender over the whole population's state, the shards' views of it)."""
    from socialcredit.engine.shards import ShardedEngine

    raw = _raw(every_days=20, apply_share=0.1, policy="equal_opportunity")
    raw["population"]["regions"] = [
        {"name": f"r{i}", "share": share, "urban": True, "cameras_per_1000": 0, "source": "test"}
        for i, share in enumerate((0.5, 0.3, 0.2))
    ]
    plan = compile_plan(validate(raw, "test"), people=6000, days=70, seed=2)
    whole = FastEngine(plan, synthesize(plan))
    whole.run()
    assert whole.lender is not None
    for k in (2, 3):
        sharded = ShardedEngine(plan, synthesize(plan), k)
        sharded.run()
        assert sharded.shard_count == k
        assert np.array_equal(whole.counts, sharded.counts), k
        for name, array in vars(whole.state).items():
            assert np.array_equal(array, getattr(sharded.state, name)), (k, name)
        assert sharded.lender is not None
        for a, b in zip(whole.lender.rounds, sharded.lender.rounds, strict=True):
            assert np.array_equal(a.approved, b.approved) and np.array_equal(a.repaid, b.repaid)


def test_cluster_runs_lending(tmp_path: Path) -> None:
    """`socialcredit run` with --cluster and lending runs (it was refused): the lending tables
    are written (tests/unit/test_cluster_lending.py shows they are one process's)."""
    import os
    import subprocess
    import sys

    cmd = [sys.executable, "-m", "socialcredit", "run", PRESET, "--people", "500", "--days", "60",
           "--warmup", "0", "--cluster", "in-process", "--out", str(tmp_path / "x")]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, env=os.environ | {"COLUMNS": "200"})
    assert done.returncode == 0, done.stderr
    assert pq.read_table(tmp_path / "x" / "lending.parquet").num_rows == 2 * 3  # rounds x groups


def test_trace_from_the_folder_replays_loans_as_the_run_did(tmp_path: Path) -> None:
    """`socialcredit trace` replays people from the run folder alone: with lending.parquet's
    cut-offs it gives the stories the run kept (which the run replayed with its own rounds)."""
    from socialcredit.stories import RunStories

    scenario = tmp_path / "lending.yaml"
    scenario.write_text(f"extend: {PRESET}\nname: lending-trace\nrun: {{warmup_days: 0}}\n"
                        "lending: {every_days: 10, apply_share: 0.5}\n")  # fmt: skip
    folder = run(str(scenario), people=3000, days=45, seed=2, engine="reference", trace=6,
                 out=tmp_path / "run").folder  # fmt: skip
    kept = pq.read_table(folder / "traces.parquet")
    people = sorted(set(kept["person"].to_pylist()))
    stories = RunStories(folder)
    assert len(stories.lending) == 5
    again = replay(stories.plan, people, stories.appeal_log, [], lending=stories.lending)
    assert again["score"].to_pylist() == kept["score"].to_pylist()
    assert again["score_change"].to_pylist() == kept["score_change"].to_pylist()
    changes = set(kept["score_change"].to_pylist())
    assert changes & {75, -150}, "no traced person borrowed: pick more people or rounds"


def test_a_run_shorter_than_a_round_is_refused_on_the_option_that_set_it() -> None:
    """Where --days shortens the run below a round, the message names --days, not the file's
    key (the file was fine for its own days)."""
    from socialcredit.errors import ConfigError

    sc = validate(_raw(every_days=30), "x.yaml")
    with pytest.raises(ConfigError) as caught:
        compile_plan(sc, people=100, days=20)
    message = str(caught.value)
    assert "--days" in message and "a lending round every 30 days" in message
    assert "at most 19" in message


def test_engines_bit_identical_with_lending_lists_and_expiry() -> None:
    """On the demerit regime (points that expire, a ban entered at 0 points, appeals), stressed
    so bans happen, with lending moving points by +1/-3 on a 0..12 scale: a default can put a
    borrower on the ban list, which both engines must see the same day."""
    from scenarios import stressed

    raw = stressed("driving-demerit-points", rate_floor=0.03)
    raw["lending"] = {
        "every_days": 15, "apply_share": 0.3, "policy": "equal_opportunity",
        "repay_change": 1, "default_change": -3, "truth": "score",
        "repay_curve": {"scores": [0, 12], "probability": [0.3, 0.95], "source": "test"},
    }  # fmt: skip
    plan = compile_plan(validate(raw, "test"), people=5000, days=120, seed=7, warmup=0)
    assert len(plan.lists) and plan.expire_days
    ref, fast = _both(plan)
    for k, v in vars(ref.state).items():
        assert np.array_equal(v, getattr(fast.state, k)), k
    assert np.array_equal(ref.counts, fast.counts)
    assert ref.lender is not None and sum(r.defaulted.sum() for r in ref.lender.rounds) > 0


def test_outcome_curve_is_the_direct_expectation() -> None:
    """Liu et al.'s outcome curve of a group at selection rate r: the expected change of the
    best-scored r of its people (at the true P(repay), within the score's bounds), over all of
    them; checked at every rate whose share ends on a whole score, against a per-person sum."""
    from socialcredit.engine.lending import CURVE_RATES, outcome_curves

    plan = _plan(30_000, 120)
    state, group = _spread_state(plan)
    seen = census(plan, state, People(group.astype(np.uint8), first=0))
    curves = outcome_curves(plan, seen)
    lending = plan.lending
    assert lending is not None
    lo, hi = plan.score_min, plan.score_max
    for g in range(len(plan.groups)):
        mine = group == g
        score = state.score[mine].astype(np.int64)
        p = lending.curve[state.shadow[mine].astype(np.int64) - lo]
        up = np.minimum(score + lending.repay_change, hi) - score
        down = np.maximum(score + lending.default_change, lo) - score
        change = p * up + (1 - p) * down
        order = np.argsort(-score, kind="stable")
        cum = np.concatenate([[0.0], np.cumsum(change[order])]) / len(score)
        ends = np.flatnonzero(np.diff(score[order]) != 0) + 1  # shares ending on a whole score
        shares = np.concatenate([ends, [len(score)]]) / len(score)
        direct = np.interp(
            CURVE_RATES,
            np.concatenate([[0.0], shares]),
            np.concatenate([[0.0], cum[np.concatenate([ends, [len(score)]])]]),
        )
        assert curves[g, 0] == 0.0
        assert curves[g] == pytest.approx(direct, abs=1e-9)
