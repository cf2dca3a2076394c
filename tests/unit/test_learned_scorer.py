"""The learned scorer (regime.scorer: {kind: learned}, engine/learned.py).

- Its fixed-point inference equals scikit-learn's ``decision_function`` on the same feature rows
  within the rounding of its terms: each weight and the intercept are rounded to a multiple of
  2**-16, so a row with a active features is off by at most (a + 1) x 2**-17.
- The fast engine's kernel gives the reference engine's scores bit for bit, and whole runs agree
  bit for bit (metrics, every state array and the models' audits), also sharded, resumed from a
  checkpoint, and replayed household by household: with the logistic model and with
  gradient-boosted trees (whose own inference tests are in test_boosted_scorer.py).
- Before the first model the point rules score exactly as without a scorer.
- Bad scorer settings are ConfigErrors naming the key path (the CLI exits 2).
"""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from threadpoolctl import threadpool_limits

from scenarios import stressed
from socialcredit.engine.fast import SERIAL_BELOW, FastEngine
from socialcredit.engine.kernel_records import People, Scorer, Scoring
from socialcredit.engine.learned import (
    LOGISTIC,
    features,
    fit,
    kind_tails,
    logits,
    score_from_logit,
    scores,
)
from socialcredit.engine.learned_kernels import learned_scores
from socialcredit.engine.reference import ReferenceEngine
from socialcredit.engine.replay import replay
from socialcredit.engine.shards import ShardedEngine
from socialcredit.errors import ConfigError
from socialcredit.output.checkpoint import load_checkpoint, save_checkpoint
from socialcredit.plan import LOGIT_SCALE
from socialcredit.population.synthesis import synthesize
from socialcredit.scenario.compile import compile_plan
from socialcredit.scenario.loading import validate

EXAMPLE = Path(__file__).parents[2] / "examples" / "national-score-learned.yaml"
BOOSTED_EXAMPLE = EXAMPLE.with_name("national-score-boosted.yaml")
BOOSTED = {"model": "gradient_boosting"}
MODELS = [pytest.param({}, id="logistic"), pytest.param(BOOSTED, id="gradient_boosting")]
SCORER = {"kind": "learned", "retrain_every_days": 20, "horizon_days": 30, "sample_people": 2500}


def learned_raw(preset: str = "china-national-score-2018", **scorer: object) -> dict:
    raw = stressed(preset)
    raw["regime"]["scorer"] = SCORER | scorer
    return raw


def learned_plan(people: int = 4000, days: int = 110, seed: int = 5, **scorer: object):
    return compile_plan(validate(learned_raw(**scorer), "learned"), people=people, days=days,
                        seed=seed)  # fmt: skip


def assert_identical(a, b) -> None:
    assert np.array_equal(a.counts, b.counts)
    assert np.array_equal(a.stats, b.stats, equal_nan=True)
    for name, array in vars(a.state).items():
        assert np.array_equal(array, getattr(b.state, name)), name
    audits = [x.learner.audit.audits for x in (a, b)]  # learned_audit.py: the same too
    assert len(audits[0]) == len(audits[1]) and len(audits[0]) == len(a.learner.models)
    for x, y in zip(*audits, strict=True):
        assert x.day == y.day and np.array_equal(x.counts, y.counts)
        assert np.array_equal(x.predicted, y.predicted)


@pytest.fixture(scope="module")
def trained() -> FastEngine:
    """A fast run that has fitted models and scored with them (use_group, so every feature
    column is in play)."""
    plan = learned_plan(use_group=True)
    engine = FastEngine(plan, synthesize(plan))
    engine.run()
    assert engine.learner is not None and len(engine.learner.models) >= 3
    return engine


def test_fixed_point_logit_equals_scikit_learn_within_its_rounding(trained: FastEngine) -> None:
    p, s = trained.plan, trained.state
    assert p.scorer is not None and trained.learner is not None
    t = p.simulated_days
    cell = trained.pop.cell_of(np.arange(p.people))
    rows = features(p.scorer, s, cell, len(p.groups), len(p.regions), t, np.arange(p.people))
    assert rows[:, : 3 * p.scorer.kinds].any() and rows.any(axis=0).sum() > p.scorer.features // 2
    for model in trained.learner.models:
        sk = LogisticRegression(**LOGISTIC)
        sk.classes_ = np.array([0, 1])
        sk.coef_ = model.coef[None, :]
        sk.intercept_ = np.array([model.coef_intercept])
        exact = sk.decision_function(rows.astype(np.float64))
        fixed = logits(model, rows) / LOGIT_SCALE
        bound = (rows.sum(axis=1) + 1) * 2.0**-17
        assert np.all(np.abs(fixed - exact) <= bound + 1e-12)
        # the score follows from the fixed-point logit: at most one point from the exact one's
        float_score = score_from_logit(np.floor(exact * LOGIT_SCALE), model.cut, p.score_max)
        assert np.abs(scores(model, rows, p.score_max).astype(int) - float_score).max() <= 1


def test_fit_is_scikit_learns_with_fixed_settings(trained: FastEngine) -> None:
    """The model is scikit-learn's own on the snapshot: refitting gives the same numbers."""
    p = trained.plan
    assert p.scorer is not None and trained.learner is not None
    rng = np.random.default_rng(0)
    rows = (rng.random((3000, p.scorer.features)) < 0.2).astype(np.uint8)
    labels = (rng.random(3000) < 0.1 + 0.5 * rows[:, 0]).astype(np.int64)
    fitted = fit(rows, labels)
    assert fitted is not None
    with threadpool_limits(limits=1):  # as fit does: one BLAS thread, the same sums
        sk = LogisticRegression(**LOGISTIC).fit(rows.astype(np.float64), labels)
    assert np.array_equal(fitted[0], sk.coef_[0]) and fitted[1] == sk.intercept_[0]
    assert fit(rows, np.zeros(3000, np.int64)) is None  # one class: nothing to learn


def test_kernel_scores_equal_the_reference_scores(trained: FastEngine) -> None:
    p, s = trained.plan, trained.state
    assert p.scorer is not None and trained.learner is not None
    model = trained.learner.models[-1]
    t = p.simulated_days
    rows = features(p.scorer, s, trained.pop.cell_of(np.arange(p.people)), len(p.groups),
                    len(p.regions), t, np.arange(p.people))  # fmt: skip
    want = scores(model, rows, p.score_max)
    saved = s.score.copy()
    try:
        tails = kind_tails(model.weights, p.scorer.kinds)
        scorer = Scorer(model.weights, tails, model.intercept, model.cut, p.score_max,
                        len(p.regions), p.scorer.use_group)  # fmt: skip
        scoring = Scoring.logistic(scorer, len(s.score))
        learned_scores(t, trained.kernel_layout, scoring, People.of(trained.pop, s))
        assert np.array_equal(s.score, want)
        assert len(np.unique(want)) > 5  # the model tells people apart
    finally:
        s.score[...] = saved


@pytest.mark.parametrize(
    ("preset", "scorer"),
    [
        ("china-national-score-2018", {}),
        ("china-national-score-2018", {"points_to_double_odds": 40, "use_group": True}),
        ("us-credit-score", {"points_to_double_odds": 20}),
        ("driving-demerit-points", {}),
        ("china-court-list-2013-2018", {}),  # dated epochs; a score range of one value
        ("china-national-score-2018", BOOSTED | {"use_group": True}),
        ("us-credit-score", BOOSTED | {"points_to_double_odds": 20, "trees": 20, "tree_depth": 5}),
        ("driving-demerit-points", BOOSTED | {"trees": 7, "tree_depth": 1}),
        ("china-court-list-2013-2018", BOOSTED),
    ],
)
def test_engines_agree_bit_for_bit(preset: str, scorer: dict) -> None:
    raw = learned_raw(preset, **scorer)
    plan = compile_plan(validate(raw, preset), people=3000, days=100, seed=7)
    ref = ReferenceEngine(plan, synthesize(plan))
    ref.run()
    fast = FastEngine(plan, synthesize(plan))
    fast.run()
    assert ref.learner is not None and len(ref.learner.models) >= 2
    assert all((m.trees is not None) == ("model" in scorer) for m in ref.learner.models)
    assert_identical(ref, fast)


@pytest.mark.parametrize("model", MODELS)
def test_sharded_engine_agrees(model: dict) -> None:
    plan = learned_plan(people=5000, days=90, **model)
    whole = FastEngine(plan, synthesize(plan))
    whole.run()
    sharded = ShardedEngine(plan, synthesize(plan), 3)
    sharded.run()
    assert sharded.shard_count > 1
    assert_identical(whole, sharded)


@pytest.mark.parametrize("model", MODELS)
def test_days_under_the_same_model_count_again_only_whom_it_moved(model: dict) -> None:
    """Under yesterday's model the fast kernel scores each chunk as it passes and counts again
    only the people whose score moved (kernels._rescore): the same tallies and state as
    counting everybody every day, and as the reference engine, on the parallel kernels."""
    plan = learned_plan(people=2 * SERIAL_BELOW + 3000, days=75, **model)
    ref = ReferenceEngine(plan, synthesize(plan))
    ref.run()
    fast = FastEngine(plan, synthesize(plan))
    fast.run()
    everybody = FastEngine(plan, synthesize(plan))
    everybody.keeps_standing = False  # every day counted in full
    everybody.run()
    assert fast.keeps_standing and fast.learner is not None
    days = [m.day for m in fast.learner.models]
    assert len(days) >= 2 and days[-1] < plan.simulated_days - 1  # days under an older model
    assert_identical(everybody, fast)
    assert_identical(ref, fast)


@pytest.mark.parametrize("model", MODELS)
def test_people_not_due_keep_the_score_the_model_would_give_them(model: dict) -> None:
    """Under yesterday's model the kernel scores again only the people due (Scoring.due); after
    every day, everybody not due tomorrow morning holds the score the model gives their
    features of that morning, computed afresh for everyone (the reference's way), on a
    stressed regime (lists by record and by threshold, compliance, appeals, households). And
    on every morning someone is not due: the kernel does skip people (about a third of them in
    this busy regime; nine in ten in the default preset, benchmarks/learned_scorer.py)."""
    plan = learned_plan(days=110, **model)
    engine = FastEngine(plan, synthesize(plan))
    everyone = np.arange(plan.people)
    cells = engine.pop.cell_of(everyone)
    assert plan.scorer is not None
    kept = []
    for t in range(plan.simulated_days - 1):
        engine.step(t)
        model_today = engine.scored_by
        if model_today is None:
            continue
        keep = engine.scoring(model_today).due > t + 1
        rows = features(plan.scorer, engine.state, cells, len(plan.groups), len(plan.regions),
                        t + 1, everyone)  # fmt: skip
        want = scores(model_today, rows, plan.score_max)
        assert np.array_equal(engine.state.score[keep], want[keep]), t
        kept.append(keep.mean())
    assert len(kept) >= 40 and min(kept) > 0
    assert (engine.state.list_until > 0).any()  # lists were in play


def test_point_rules_score_until_the_first_model() -> None:
    plan = learned_plan(days=80)
    first = 20 + 30  # retrain_every_days + horizon_days
    raw = learned_raw()
    del raw["regime"]["scorer"]
    points = compile_plan(validate(raw, "points"), people=4000, days=80, seed=5)
    a, b = FastEngine(plan, synthesize(plan)), FastEngine(points, synthesize(points))
    a.run()
    b.run()
    assert np.array_equal(a.counts[:first], b.counts[:first])
    assert not np.array_equal(a.counts[first:], b.counts[first:])


@pytest.mark.parametrize("model", MODELS)
def test_checkpoint_keeps_snapshots_and_models(tmp_path: Path, model: dict) -> None:
    """A run resumed from a checkpoint taken while snapshots wait for their labels ends as an
    uninterrupted run does."""
    plan = learned_plan(days=100, **model)
    whole = FastEngine(plan, synthesize(plan))
    whole.run()
    engine = FastEngine(plan, synthesize(plan))
    for t in range(66):
        engine.step(t)
    assert engine.learner is not None and engine.learner.snapshots and engine.learner.models
    save_checkpoint(tmp_path, 65, engine)
    resumed = FastEngine(plan, synthesize(plan))
    assert load_checkpoint(tmp_path, resumed) == 65
    for t in range(66, plan.days):
        resumed.step(t)
    assert_identical(whole, resumed)


@pytest.mark.parametrize("model", MODELS)
def test_replayed_household_lives_its_run(model: dict) -> None:
    plan = learned_plan(days=90, **model)
    engine = ReferenceEngine(plan, synthesize(plan))
    history = []
    for t in range(plan.days):
        engine.step(t)
        history.append(engine.state.score.copy())
    assert engine.learner is not None
    people = [3, 1500, plan.people - 1]
    days = replay(plan, people, engine.queue.log_table(), engine.learner.models).to_pandas()
    for person in people:
        mine = days[days.person == person].sort_values("day")
        assert np.array_equal(mine.score.to_numpy(), np.array(history)[:, person]), person


@pytest.mark.parametrize(
    ("patch", "path", "words"),
    [
        ({"horizon_days": 400}, "regime.scorer.horizon_days", ["first model is fitted on day"]),
        ({"sample_people": 0}, "regime.scorer.sample_people", ["greater than or equal to 1"]),
        ({"model": "forest"}, "regime.scorer.model", ["forest"]),
        ({"retrain_every_days": 0}, "regime.scorer.retrain_every_days", ["1"]),
        ({"model": "gradient-boosting"}, "regime.scorer.model", ["'gradient_boosting'?"]),
        ({"trees": 10}, "regime.scorer.trees", ["'logistic'", "model: gradient_boosting"]),
        (BOOSTED | {"tree_depth": 0}, "regime.scorer.tree_depth", ["greater than or equal to 1"]),
        (BOOSTED | {"trees": 5000}, "regime.scorer.trees", ["less than or equal to 1000"]),
    ],
)
def test_bad_scorer_settings_name_their_key(patch: dict, path: str, words: list[str]) -> None:
    raw = copy.deepcopy(learned_raw())
    raw["regime"]["scorer"] |= patch
    with pytest.raises(ConfigError) as caught:
        validate(raw, "bad.yaml")
    message = str(caught.value)
    assert "bad.yaml" in message and path in message, message
    for word in words:
        assert word in message, message


def test_too_few_days_for_a_model_exit_2_from_the_cli(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "socialcredit", "run", str(EXAMPLE), "--people", "1000",
         "--days", "100", "--out", str(tmp_path / "never")],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "--days" in done.stderr and "first model is fitted on day 120" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "never").exists()


def test_a_cluster_runs_a_learned_scorer() -> None:
    """No longer refused: the cluster driver holds the learner and reads the sampled people
    through its shards' workers (its runs are tested in test_cluster_learned.py)."""
    from socialcredit.engine.cluster import ClusterEngine
    from socialcredit.runner import prepare

    scenario = validate(learned_raw(), "learned")
    _, sim, _ = prepare(scenario, people=1000, days=100, cluster="in-process")
    try:
        assert isinstance(sim, ClusterEngine) and sim.learner is not None
    finally:
        sim.close()


@pytest.mark.parametrize("example", [EXAMPLE, BOOSTED_EXAMPLE], ids=lambda p: p.stem)
def test_run_folder_keeps_the_models_its_stories_replay_with(tmp_path: Path, example: Path) -> None:
    """A run writes learned-models.json; a person's story replayed from the folder alone is
    the one the run kept."""
    import json

    import pyarrow.parquet as pq

    from socialcredit.runner import run
    from socialcredit.stories import RunStories

    folder = run(example, people=2000, days=130, out=tmp_path / "run").folder
    saved = json.loads((folder / "learned-models.json").read_text())
    assert [m["day"] for m in saved["models"]] == [120]
    assert ("tree_root" in saved["models"][0]) == (example == BOOSTED_EXAMPLE)
    kept = pq.read_table(folder / "traces.parquet").to_pandas()
    person = int(kept.person.iloc[0])
    stories = RunStories(folder)
    stories.kept = None  # replay it, from the scenario, the appeals and the models alone
    again = stories.story(person).to_pandas()
    mine = kept[kept.person == person].reset_index(drop=True)
    assert again.score.tolist() == mine.score.tolist()
    assert again.score.iloc[-1] != again.score.iloc[119]  # rescored from day 120 on
