"""The learned scorer's gradient-boosted trees (regime.scorer.model: gradient_boosting).

- Every model a run fits is scikit-learn's HistGradientBoostingClassifier with the fixed settings
  (engine/boosting.py ``BOOSTING``), fitted to that retraining's snapshot and labels: refitting
  it here gives a ``decision_function`` that the run's fixed-point logit matches within the
  rounding of its terms. The baseline and each tree's leaf value are rounded to a multiple of
  2**-16, each by at most 2**-17, so with T trees the logit is off by at most (T + 1) x 2**-17.
- The fast engine's kernel (learned_kernels.py) gives the reference engine's scores bit for bit
  (whole runs: test_learned_scorer.py).
- Trees read back from a file that could send a walk outside its tree, or round in circles,
  are refused before an engine walks them.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier
from threadpoolctl import threadpool_limits

from scenarios import stressed
from socialcredit.engine import boosting, learned_kernels
from socialcredit.engine.fast import FastEngine
from socialcredit.engine.kernel_records import Forest, People, Scoring, Trees
from socialcredit.engine.learned import features, logits, score_from_logit, scores
from socialcredit.plan import LOGIT_SCALE
from socialcredit.population.synthesis import synthesize
from socialcredit.scenario.compile import compile_plan
from socialcredit.scenario.loading import validate

SCORER = {"kind": "learned", "model": "gradient_boosting", "retrain_every_days": 20,
          "horizon_days": 30, "sample_people": 2500, "use_group": True}  # fmt: skip


class Trained:
    """A fast run with boosted models, and what each was fitted to: the snapshot's people and
    feature rows, and their labels on the morning of the fit (as engine/learned.py takes them)."""

    def __init__(self) -> None:
        raw = stressed("china-national-score-2018")
        raw["regime"]["scorer"] = SCORER
        plan = compile_plan(validate(raw, "boosted"), people=4000, days=110, seed=5)
        self.plan, self.engine = plan, FastEngine(plan, synthesize(plan))
        learner = self.engine.learner
        assert plan.scorer is not None and learner is not None
        horizon = plan.scorer.horizon
        snapshots: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.fitted_to: dict[int, tuple[np.ndarray, np.ndarray]] = {}  # fit day: rows, labels
        for t in range(plan.simulated_days):
            if t - horizon in snapshots:
                who, rows = snapshots.pop(t - horizon)
                bad = self.engine.state.record_day[plan.scorer.kind_disfavoured][:, who]
                self.fitted_to[t] = rows, (bad > t - horizon).any(axis=0).astype(np.int64)
            self.engine.step(t)
            snapshots |= learner.snapshots
        self.models = learner.models
        self.seed_of = learner.fit_seed
        assert len(self.models) >= 3 and all(m.trees is not None for m in self.models)
        # everybody's features on the morning after the run: most columns in play
        everybody = np.arange(plan.people)
        cell = self.engine.pop.cell_of(everybody)
        self.rows = features(plan.scorer, self.engine.state, cell, len(plan.groups),
                             len(plan.regions), plan.simulated_days, everybody)  # fmt: skip
        assert self.rows.any(axis=0).sum() > plan.scorer.features // 2


@pytest.fixture(scope="module")
def trained() -> Trained:
    return Trained()


def test_each_model_is_scikit_learns_within_the_rounding_of_its_terms(trained: Trained) -> None:
    s = trained.plan.scorer
    assert s is not None
    for model in trained.models:
        assert model.trees is not None
        rows, labels = trained.fitted_to[model.day]
        with threadpool_limits(limits=1):  # as boosting.fit does: one thread, the same sums
            sk = HistGradientBoostingClassifier(
                max_iter=s.trees,
                max_depth=s.tree_depth,
                random_state=trained.seed_of(model.day),
                **boosting.BOOSTING,
            ).fit(rows.astype(np.float64), labels)
        assert sk.n_iter_ == s.trees == len(model.trees.root)
        for x in (rows, trained.rows):  # the training sample, and everybody a day later
            exact = sk.decision_function(x.astype(np.float64))
            fixed = logits(model, x) / LOGIT_SCALE
            bound = (s.trees + 1) * 2.0**-17
            assert np.abs(fixed - exact).max() <= bound + 1e-12
            assert np.abs(fixed - exact).max() > 0  # the rounding is real: the test can tell
            # the score follows from the fixed-point logit: at most one point from the exact one's
            exact_score = score_from_logit(np.floor(exact * LOGIT_SCALE), model.cut,
                                           trained.plan.score_max)  # fmt: skip
            got = scores(model, x, trained.plan.score_max).astype(int)
            assert np.abs(got - exact_score).max() <= 1


def test_trees_split_on_binary_features_as_whole_number_rules(trained: Trained) -> None:
    """scikit-learn's threshold on a 0/1 feature is 0.5: left where the feature is 0."""
    s = trained.plan.scorer
    assert s is not None
    for model in trained.models:
        trees = model.trees
        assert trees is not None
        split = trees.feature >= 0
        assert split.any() and np.all(trees.left_at_most[split] == 0)
        assert len(np.unique(trees.feature[split])) > 3  # the trees use several features
        assert np.all(trees.value[~split] == np.rint(trees.exact[~split] * LOGIT_SCALE))
        assert 1 <= boosting.depth(trees) <= s.tree_depth


@pytest.mark.parametrize("kernel", ["learned_scores", "learned_scores_serial"])
def test_kernel_scores_equal_the_reference_scores(trained: Trained, kernel: str) -> None:
    p, engine = trained.plan, trained.engine
    assert p.scorer is not None
    s = engine.state
    saved = s.score.copy()
    try:
        for model in trained.models:
            assert model.trees is not None
            want = scores(model, trained.rows, p.score_max)
            forest = Forest.of(model.trees, boosting.depth(model.trees), p.scorer.features,
                               model.intercept, model.cut, p.score_max, len(p.regions),
                               p.scorer.use_group)  # fmt: skip
            s.score[...] = 0
            getattr(learned_kernels, kernel)(
                p.simulated_days,
                engine.kernel_layout,
                Scoring.boosted(forest, len(s.score)),
                People.of(engine.pop, s),
            )
            assert np.array_equal(s.score, want)
            assert len(np.unique(want)) > 5  # the model tells people apart
    finally:
        s.score[...] = saved


def test_saved_trees_read_back_the_same(trained: Trained) -> None:
    F = trained.plan.scorer.features if trained.plan.scorer else 0
    ensembles = [m.trees for m in trained.models if m.trees is not None]
    for again in (boosting.load(boosting.save(ensembles), len(ensembles), F),
                  [boosting.from_json(boosting.to_json(e), F) for e in ensembles]):  # fmt: skip
        for a, b in zip(again, ensembles, strict=True):
            for name in Trees._fields:
                assert getattr(a, name).dtype == getattr(b, name).dtype, name
                assert np.array_equal(getattr(a, name), getattr(b, name)), name


def _stump(**change: object) -> Trees:
    """One tree, a split on feature 1 and two leaves; ``change`` replaces node arrays."""
    trees = Trees(
        root=np.array([0], np.int32), feature=np.array([1, -1, -1], np.int32),
        left_at_most=np.array([0, 0, 0], np.int8), left=np.array([1, 1, 2], np.int32),
        right=np.array([2, 1, 2], np.int32), value=np.array([0, -7, 9], np.int64),
        exact=np.array([0.0, -7 / LOGIT_SCALE, 9 / LOGIT_SCALE]),
    )  # fmt: skip
    return trees._replace(**change)


@pytest.mark.parametrize(
    "change",
    [
        {"left": np.array([0, 1, 2], np.int32)},  # a split whose child is itself: no end
        {"right": np.array([3, 1, 2], np.int32)},  # a child outside the tree
        {"feature": np.array([4, -1, -1], np.int32)},  # a feature there is not (4 of them)
        {"left": np.array([1, 2, 2], np.int32)},  # a leaf that walks on
        {"value": np.array([5, -7, 9], np.int64)},  # a value on a split
        {"root": np.array([0, 0], np.int32)},  # an empty tree
        {"left_at_most": np.array([3, 0, 0], np.int8)},  # a rule no 0/1 feature reads
    ],
)
def test_malformed_trees_are_refused(change: dict) -> None:
    boosting.check(_stump(), 4)  # the stump itself is fine
    assert boosting.depth(_stump()) == 1
    rows = np.array([[0, 0, 0, 0], [0, 1, 0, 0]], np.uint8)
    assert boosting.logits(_stump(), 100, rows).tolist() == [93, 109]
    with pytest.raises(ValueError):
        boosting.check(_stump(**change), 4)
    with pytest.raises(ValueError):
        boosting.from_json(boosting.to_json(_stump(**change)), 4)


def test_out_of_range_node_numbers_in_a_file_are_a_value_error() -> None:
    data = boosting.to_json(_stump())
    data["left_at_most"] = [300, 0, 0]
    with pytest.raises(ValueError):
        boosting.from_json(data, 4)
