"""The learned scorer, driver side: snapshots, labels, training, and the model in force.

Between days the driver (``DayLoop.learn``, shared by every in-process engine) does what a scoring
agency with a data team would do, from what the system holds and nothing else:

- every ``retrain_every`` days (day t0) it draws a sample of people (counter-based, from the run's
  seed: the same people in every engine and for any number of threads) and keeps their features
  as they stand that morning;
- ``horizon`` days later it labels them: 1 where the system has since recorded a disfavoured act
  of theirs (true or erroneous: it cannot tell), and fits the scenario's model (scikit-learn,
  fixed settings) to the snapshot: a logistic regression, or gradient-boosted trees
  (boosting.py);
- the model's parameters (weights and intercept, or leaf values and baseline) are rounded to
  whole multiples of 2**-16 (``plan.LOGIT_SCALE``, fixed_point.py) and from that morning on every
  person's score is ``score_from_logit`` of their fixed-point logit, computed in integers by both
  engines (``scores`` here; learned_kernels.py in the fast engine, inside the day's kernel), so
  both give the same bits. Before the first model the point rules score;
- beside each training sample it snapshots a held-out sample, on which each model is audited
  against the system's labels and against the truth (learned_audit.py).

The learner reads people through a ``SampleReader`` (sample_reader.py): ``StateReader`` below
over an engine's state in this process, or the cluster driver's, which asks the shards' workers
(cluster.py). The state is the same in every engine, so the snapshots, labels and models are
too. The features
(``features``) are binary: the recency of each record kind (``plan.LearnedScorer``) over 30, 90 and
365 days, listed, a household member listed, the region, and the group only where the scenario
asks. The fixed-point logit of a feature row differs from the float model's by at most
(active features + 1) x 2**-17 for the logistic model and (trees + 1) x 2**-17 for the trees, the
rounding of each term (tests/unit/test_learned_scorer.py, tests/unit/test_boosted_scorer.py).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import numpy as np

from socialcredit import rng
from socialcredit.engine import boosting
from socialcredit.engine.fixed_point import to_fixed
from socialcredit.engine.kernel_records import Trees
from socialcredit.engine.labels import system_labels, true_labels
from socialcredit.engine.learned_audit import Audit, Snapshots
from socialcredit.engine.sample_reader import SampleReader
from socialcredit.metrics.audit_table import ModelAudit
from socialcredit.plan import LOGIT_SCALE, RECENCY_WINDOWS, LearnedScorer, Plan
from socialcredit.state import HOUSEHOLD_START, State

# Fixed settings: C = 1 is scikit-learn's default L2 strength (assumption: binary features,
# samples of thousands). Newton steps with a Cholesky solve suit many samples and few features:
# 4-6 iterations to a tight tolerance (lbfgs needed over 100 on the collinear recency windows).
LOGISTIC = {"C": 1.0, "solver": "newton-cholesky", "max_iter": 100, "tol": 1e-8}


class Model(NamedTuple):
    """A fitted model in fixed point, and the table that turns its logit into a score. The
    logistic model has weights; gradient boosting has trees instead (its weights and coef are
    empty) and its intercept is the baseline, the training sample's log-odds."""

    day: int  # engine day from whose morning it scores
    weights: np.ndarray  # [F] int64: round(w * LOGIT_SCALE); [0] for trees
    intercept: int  # round(b * LOGIT_SCALE)
    cut: np.ndarray  # [score_max - score_min] int64, ascending (score_cuts)
    coef: np.ndarray  # [F] float64: scikit-learn's, for the record; [0] for trees
    coef_intercept: float
    sample: int  # people in the training sample
    positives: int  # of them with the label 1
    seconds: float  # time to fit (and, for trees, to flatten them)
    trees: Trees | None = None  # gradient boosting's (boosting.py)


def score_cuts(plan: Plan, base_rate: float) -> np.ndarray:
    """The fixed-point logits at which the score steps down one point: the score is score_max
    less the number of cuts at or below the logit. Computed once per model in float64 here and
    shared by both engines, which then compare integers only. Two mappings, halves rounded
    towards the lower score:

    - by probability (``points_to_double_odds`` 0): score = max - round((max - min) x p), with
      p = 1 / (1 + exp(-logit)); the whole range is used, a certain record scores min;
    - as a scorecard: score = start - round(PDO / ln 2 x (logit - b)), within min..max, where b
      is the logit of ``base_rate`` (the training sample's share of label 1): a person of
      average risk scores the start, so the regime's tiers keep the meaning they were set for,
      and each doubling of the odds costs PDO points (the usual scaling of credit scorecards,
      Siddiqi 2006, *Credit Risk Scorecards*, ch. 9)."""
    s = plan.scorer
    assert s is not None
    width = plan.score_max - plan.score_min
    k = np.arange(1, width + 1, dtype=np.float64)  # the score is at most score_max - k
    if not s.points_to_double_odds:
        q = (k - 0.5) / width
        return np.ceil(np.log(q / (1.0 - q)) * LOGIT_SCALE).astype(np.int64)
    b = np.log(base_rate / (1.0 - base_rate))
    # start - f (logit - b) < score_max - k + 0.5  <=>  logit > b + (start - max + k - 0.5) / f
    f = s.points_to_double_odds / np.log(2.0)
    edge = (b + (plan.score_start - plan.score_max + k - 0.5) / f) * LOGIT_SCALE
    return (np.floor(edge) + 1).astype(np.int64)


def score_from_logit(logit: np.ndarray, cut: np.ndarray, score_max: int) -> np.ndarray:
    """The score of each fixed-point logit (``score_cuts``)."""
    return (score_max - np.searchsorted(cut, logit, side="right")).astype(np.int16)


def features(
    s: LearnedScorer, state: State, cell: np.ndarray, groups: int, regions: int, t: int,
    who: np.ndarray,
) -> np.ndarray:  # fmt: skip
    """Feature rows [len(who), F] (uint8, 0 or 1) of the people ``who`` (indices into ``state``,
    whose cells are ``cell``) on the morning of day ``t``, from what the system holds at the
    end of day t - 1. Households are whole in ``state`` (flags mark their starts)."""
    K, W = s.kinds, len(RECENCY_WINDOWS)
    out = np.zeros((len(who), s.features), dtype=np.uint8)
    day = state.record_day[:, who].astype(np.int64)  # [K, n]: 1 + record day, 0 for none
    for j, w in enumerate(RECENCY_WINDOWS):  # a record on day d is in the last w days: d >= t - w
        out[:, j : K * W : W] = ((day > 0) & (day + w > t)).T
    # on a list at the end of yesterday (list_until > t - 1), and how many of the household are
    listed = listed_on(state, t, who)
    out[:, K * W] = listed
    out[:, K * W + 1] = household_listed(state, t, who) - listed > 0
    out[np.arange(len(who)), K * W + 2 + cell // groups] = 1
    if s.use_group:
        out[np.arange(len(who)), K * W + 2 + regions + cell % groups] = 1
    return out


def listed_on(state: State, t: int, who: np.ndarray) -> np.ndarray:
    """1 where the person was on some list at the end of day t - 1 (int64)."""
    return np.asarray((state.list_until[:, who] >= t).any(axis=0), dtype=np.int64)


def household_listed(state: State, t: int, who: np.ndarray) -> np.ndarray:
    """How many of each person's household (themselves included) were listed at the end of
    day t - 1. Only the households of ``who`` are read (a sample's, not the population's): each
    is walked from its first member (flags mark the starts) while any is not done."""
    flags = state.flags
    n = len(flags)
    first = who.copy()
    while True:  # back to the household's first member (households have a few members)
        back = (flags[first] & HOUSEHOLD_START) == 0
        if not back.any():
            break
        first[back] -= 1
    count = np.zeros(len(who), dtype=np.int64)
    member = first.copy()
    going = np.ones(len(who), dtype=bool)
    while going.any():
        at = member[going]
        count[going] += listed_on(state, t, at)
        member[going] += 1
        going[going] = (member[going] < n) & ((flags[np.minimum(member[going], n - 1)]
                                               & HOUSEHOLD_START) == 0)  # fmt: skip
    return count


class StateReader:
    """The learner's reader (sample_reader.py) over a ``State`` in this process: the whole
    population's, or a shard worker's own (then ``who`` are the shard's local indices)."""

    def __init__(
        self, plan: Plan, state: State, cell_of: Callable[[np.ndarray], np.ndarray]
    ) -> None:
        """``cell_of`` maps indices into ``state`` to cells."""
        assert plan.scorer is not None
        self.plan, self.state, self.cell_of = plan, state, cell_of
        self.scorer: LearnedScorer = plan.scorer

    @property
    def size(self) -> int:
        return len(self.state.score)

    def rows(self, t: int, who: np.ndarray) -> np.ndarray:
        p = self.plan
        cell = self.cell_of(who).astype(np.int64)
        return features(self.scorer, self.state, cell, len(p.groups), len(p.regions), t, who)

    def system_labels(self, t0: int, who: np.ndarray) -> np.ndarray:
        return system_labels(self.scorer, self.state, who, t0)

    def true_labels(self, t0: int, who: np.ndarray) -> np.ndarray:
        return true_labels(self.state, who, t0)


def kind_tails(weights: np.ndarray, kinds: int) -> np.ndarray:
    """[K, W + 1]: per record kind, the sum of its recency weights from window j on (0 past the
    widest), for the fast kernel: a record in window j is in every wider one too."""
    W = len(RECENCY_WINDOWS)
    per_kind = weights[: kinds * W].reshape(kinds, W)
    tails = np.zeros((kinds, W + 1), dtype=np.int64)
    tails[:, :W] = np.cumsum(per_kind[:, ::-1], axis=1)[:, ::-1]
    return tails


def logits(model: Model, rows: np.ndarray) -> np.ndarray:
    """Fixed-point logits of feature rows, in int64 (exact): the intercept plus the weights of
    active features, or the baseline plus a leaf per tree (boosting.logits)."""
    if model.trees is not None:
        return boosting.logits(model.trees, model.intercept, rows)
    return model.intercept + rows.astype(np.int64) @ model.weights


def scores(model: Model, rows: np.ndarray, score_max: int) -> np.ndarray:
    """The reference engine's learned scores of feature rows."""
    return score_from_logit(logits(model, rows), model.cut, score_max)


def fit(rows: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, float] | None:
    """Coefficients and intercept of a logistic regression, or None where the sample has one
    class only (nothing to learn: the model in force stays). scikit-learn is imported here, so
    importing the package stays fast."""
    if labels.min(initial=0) == labels.max(initial=0):
        return None
    from sklearn.linear_model import LogisticRegression
    from threadpoolctl import threadpool_limits

    # One BLAS thread: the sums then do not depend on the machine's core count, so a run's models
    # are the same everywhere; and threads fighting the engine's (or a busy machine's) for the
    # cores made a 20,000 x 32 fit 15x slower (0.5 s against 0.035 s, measured on 2 cores).
    with threadpool_limits(limits=1):
        model = LogisticRegression(**LOGISTIC)
        model.fit(rows.astype(np.float64), labels)
    return model.coef_[0].astype(np.float64), float(model.intercept_[0])


class Learner:
    """Snapshots, labels and models of one run (see the module's docstring)."""

    def __init__(self, plan: Plan, cell_of: Callable[[np.ndarray], np.ndarray]) -> None:
        """``cell_of`` maps indices into the population to cells (the audit's groups)."""
        assert plan.scorer is not None
        self.plan = plan
        self.scorer: LearnedScorer = plan.scorer
        self.cell_of = cell_of
        self.key = rng.seed_key(plan.seed)
        self.snapshots: Snapshots = {}  # t0: (people, rows)
        self.models: list[Model] = []  # every model fitted, in order
        self.audit = Audit(plan, cell_of)
        self.fixed: list[Model] | None = None  # a replay's models, given (none trained)
        self.seconds = 0.0

    @property
    def model(self) -> Model | None:
        return self.models[-1] if self.models else None

    def replaying(self, models: list[Model]) -> None:
        """Take the models of a finished run instead of training (a replay of a few households
        cannot train: its models came from the whole population)."""
        self.fixed = list(models)

    def before_day(self, t: int, people: SampleReader) -> Model | None:
        """Label and fit what is due this morning, snapshot what is due; the model in force."""
        if self.fixed is not None:
            due = [m for m in self.fixed if m.day <= t]
            return due[-1] if due else None
        start = time.perf_counter()
        s = self.scorer
        taken = self.snapshots.pop(t - s.horizon, None)
        if taken is not None:
            self._fit(t, people, *taken)
        if t > 0 and t % s.retrain_every == 0 and t + s.horizon < self.plan.simulated_days:
            who = self.sample(t, people.size)
            self.snapshots[t] = (who, people.rows(t, who))
            held = self.audit.draw(t, people.size, who)
            self.audit.take(t, held, people.rows(t, held))
        self.seconds += time.perf_counter() - start
        return self.model

    def sample(self, t: int, n: int) -> np.ndarray:
        """Up to ``sample_people`` distinct people, drawn from stream LEARN_SAMPLE on day t."""
        k = self.scorer.sample_people
        if k >= n:
            return np.arange(n, dtype=np.int64)
        u = rng.uniform(self.key, rng.LEARN_SAMPLE, rng.person_counters(np.arange(k)), t)
        return np.unique(np.minimum((u * n).astype(np.int64), n - 1))

    def _fit(self, t: int, people: SampleReader, who: np.ndarray, rows: np.ndarray) -> None:
        t0 = t - self.scorer.horizon
        label = people.system_labels(t0, who)
        held = self.audit.pop(t0)
        positives = int(label.sum())
        if not 0 < positives < len(label):
            return  # one class only: nothing to learn, the model in force stays
        model = self._fitted(t, who, rows, label)
        self.models.append(model)
        if held is not None:  # the new model on people it was not trained on
            logit = logits(model, held[1])
            score = score_from_logit(logit, model.cut, self.plan.score_max)
            self.audit.count(t, people, held[0], logit, score)

    def _fitted(self, t: int, who: np.ndarray, rows: np.ndarray, labels: np.ndarray) -> Model:
        """The scenario's model fitted to a sample with both labels, in fixed point."""
        s = self.scorer
        positives = int(labels.sum())
        cut = score_cuts(self.plan, positives / len(labels))
        start = time.perf_counter()
        if s.model == "gradient_boosting":
            fitted = boosting.fit(rows, labels, s.trees, s.tree_depth, self.fit_seed(t))
            trees, baseline = boosting.flatten(fitted)
            return Model(t, np.zeros(0, np.int64), int(to_fixed(baseline)), cut, np.zeros(0),
                         baseline, len(who), positives, time.perf_counter() - start,
                         trees)  # fmt: skip
        coefficients = fit(rows, labels)
        assert coefficients is not None
        coef, intercept = coefficients
        return Model(t, to_fixed(coef), int(to_fixed(intercept)), cut, coef, intercept, len(who),
                     positives, time.perf_counter() - start)  # fmt: skip

    def fit_seed(self, t: int) -> int:
        """The seed of a model fitted on day t (scikit-learn's ``random_state``), drawn from
        stream LEARN_FIT: a function of the run's seed and the day, like every draw."""
        u = rng.uniform(self.key, rng.LEARN_FIT, rng.person_counters(np.zeros(1, np.int64)), t)
        return int(u[0] * 2**32)

    # --- checkpoints: the snapshots waiting for their labels, the models and audits so far ---

    @property
    def boosted(self) -> bool:
        return self.scorer.model == "gradient_boosting"

    def save(self) -> dict[str, np.ndarray]:
        F = self.scorer.features
        width = 0 if self.boosted else F  # the weights' (trees have none)
        m = self.models
        trees = boosting.save([x.trees for x in m if x.trees is not None]) if self.boosted else {}
        return trees | {
            **pack_snapshots("learned.snapshot", self.snapshots, F),
            **pack_snapshots("learned.audit_snapshot", self.audit.snapshots, F),
            **self.audit.save(),
            "learned.model_days": np.array([x.day for x in m], dtype=np.int64),
            "learned.model_weights": np.array([x.weights for x in m], np.int64).reshape(
                len(m), width
            ),
            "learned.model_intercepts": np.array([x.intercept for x in m], dtype=np.int64),
            "learned.model_coef": np.array([x.coef for x in m], np.float64).reshape(len(m), width),
            "learned.model_coef_intercept": np.array([x.coef_intercept for x in m]),
            "learned.model_counts": np.array(
                [(x.sample, x.positives) for x in m], np.int64
            ).reshape(-1, 2),
            "learned.model_seconds": np.array([x.seconds for x in m], dtype=np.float64),
        }

    def load(self, saved: Mapping[str, np.ndarray]) -> None:
        """Restore what ``save`` wrote (ValueError where it does not fit this run)."""
        F = self.scorer.features
        width = 0 if self.boosted else F
        try:
            mdays, weights = saved["learned.model_days"], saved["learned.model_weights"]
            intercepts, coef = saved["learned.model_intercepts"], saved["learned.model_coef"]
            coef_b, counts = saved["learned.model_coef_intercept"], saved["learned.model_counts"]
            seconds = saved["learned.model_seconds"]
            M = len(mdays)
            trees = boosting.load(saved, M, F) if self.boosted else [None] * M
        except KeyError as missing:
            raise ValueError(f"learned scorer: {missing} is missing") from None
        if (
            weights.shape != (M, width) or coef.shape != (M, width) or len(intercepts) != M
            or len(coef_b) != M or counts.shape != (M, 2) or len(seconds) != M
        ):  # fmt: skip
            raise ValueError("learned scorer: the saved models do not fit")
        self.snapshots = unpack_snapshots(saved, "learned.snapshot", F)
        self.audit.snapshots = unpack_snapshots(saved, "learned.audit_snapshot", F)
        self.audit.load(saved)
        if np.any(counts[:, 1] <= 0) or np.any(counts[:, 1] >= counts[:, 0]):
            raise ValueError("learned scorer: a saved model's sample has one class only")
        self.models = [
            Model(int(mdays[k]), weights[k].astype(np.int64), int(intercepts[k]),
                  score_cuts(self.plan, int(counts[k, 1]) / int(counts[k, 0])),
                  coef[k].astype(np.float64), float(coef_b[k]), int(counts[k, 0]),
                  int(counts[k, 1]), float(seconds[k]), trees[k])
            for k in range(M)
        ]  # fmt: skip


def pack_snapshots(prefix: str, snapshots: Snapshots, features: int) -> dict[str, np.ndarray]:
    """Snapshots waiting for their labels as four arrays, for a checkpoint."""
    days = sorted(snapshots)
    taken = [snapshots[d] for d in days]
    return {
        f"{prefix}_days": np.array(days, dtype=np.int64),
        f"{prefix}_sizes": np.array([len(w) for w, _ in taken], dtype=np.int64),
        f"{prefix}_people": np.concatenate([w for w, _ in taken] or [np.empty(0, np.int64)]),
        f"{prefix}_rows": np.concatenate(
            [r for _, r in taken] or [np.empty((0, features), np.uint8)]
        ),
    }


def unpack_snapshots(saved: Mapping[str, np.ndarray], prefix: str, features: int) -> Snapshots:
    """What ``pack_snapshots`` wrote (ValueError where it is missing or does not fit)."""
    try:
        days, sizes = saved[f"{prefix}_days"], saved[f"{prefix}_sizes"]
        people, rows = saved[f"{prefix}_people"], saved[f"{prefix}_rows"]
    except KeyError as missing:
        raise ValueError(f"learned scorer: {missing} is missing") from None
    if (
        len(sizes) != len(days) or int(sizes.sum()) != len(people)
        or rows.shape != (len(people), features)
    ):  # fmt: skip
        raise ValueError("learned scorer: the saved snapshots do not fit")
    ends = np.cumsum(sizes)
    return {
        int(d): (people[e - n : e].astype(np.int64), rows[e - n : e].astype(np.uint8))
        for d, n, e in zip(days.tolist(), sizes.tolist(), ends.tolist(), strict=True)
    }


# --- the models of a run, in its folder (learned-models.json): for audits and replays; their
# audits (audit.parquet, metrics/audit_table.py) ---

MODELS_FILE = "learned-models.json"


def models_of(sim: object) -> list[Model]:
    """The models an engine's learner fitted (none where the regime has no learned scorer)."""
    learner = getattr(sim, "learner", None)
    return list(learner.models) if isinstance(learner, Learner) else []


def audits_of(sim: object) -> list[ModelAudit]:
    """The audits of those models (learned_audit.py; none without a learned scorer)."""
    learner = getattr(sim, "learner", None)
    return list(learner.audit.audits) if isinstance(learner, Learner) else []


def models_json(plan: Plan, models: list[Model]) -> dict[str, Any]:
    """What a run folder keeps of its models: the fixed-point parameters both engines scored
    with (``weights_fixed`` or the trees' ``value_fixed``, / 2**16), scikit-learn's own, the
    settings, and the sample each was fitted to. Days are engine days (``warmup`` before the
    reported day 0). For trees, ``intercept`` is the baseline (the sample's log-odds)."""
    s = plan.scorer
    assert s is not None
    boosted = s.model == "gradient_boosting"
    settings = (
        {"max_iter": s.trees, "max_depth": s.tree_depth, **boosting.BOOSTING}
        if boosted
        else LOGISTIC
    )
    return {
        "model": s.model,
        "settings": settings,
        "features": list(s.feature_names),
        "logit_scale": LOGIT_SCALE,
        "warmup": plan.warmup,
        "models": [
            {
                "day": m.day,
                "sample": m.sample,
                "positives": m.positives,
                "intercept_fixed": m.intercept,
                "intercept": m.coef_intercept,
                **(
                    boosting.to_json(m.trees)
                    if m.trees is not None
                    else {"weights_fixed": m.weights.tolist(), "coef": m.coef.tolist()}
                ),
                "fit_seconds": m.seconds,
            }
            for m in models
        ],
    }


def models_from_json(plan: Plan, data: dict[str, Any]) -> list[Model]:
    """The models ``models_json`` wrote (KeyError, ValueError or TypeError where they do not
    fit the plan)."""
    assert plan.scorer is not None
    F = plan.scorer.features
    boosted = plan.scorer.model == "gradient_boosting"
    if data.get("model", "logistic") != plan.scorer.model:  # files before trees had no model
        raise ValueError("the saved models are of another kind than the scenario's")
    out = []
    for m in data["models"]:
        sample, positives = int(m["sample"]), int(m["positives"])
        if not 0 < positives < sample:
            raise ValueError("a saved model's sample has one class only")
        trees = boosting.from_json(m, F) if boosted else None
        weights = np.zeros(0, np.int64) if boosted else np.array(m["weights_fixed"], np.int64)
        coef = np.zeros(0) if boosted else np.array(m["coef"], dtype=np.float64)
        if weights.shape != (0 if boosted else F,) or coef.shape != weights.shape:
            raise ValueError("a saved model does not fit this scenario's features")
        out.append(
            Model(int(m["day"]), weights, int(m["intercept_fixed"]),
                  score_cuts(plan, positives / sample), coef, float(m["intercept"]), sample,
                  positives, float(m["fit_seconds"]), trees)
        )  # fmt: skip
    return out
