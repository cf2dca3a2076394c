"""The learned scorer's audit: each model on a held-out sample, against its labels and the truth.

Whenever the learner snapshots its training sample (day t0, learned.py), the audit snapshots a
held-out sample too: up to ``sample_people`` people drawn the same counter-based way from a
stream of its own (rng.LEARN_AUDIT), less anyone in the training sample, with their features
as they stand that morning. When the model trained on that day's snapshot is fitted (day
t = t0 + horizon), the audit asks it about the held-out people as they stood on t0 and counts,
per group, its decisions against two labels over days t0 .. t - 1:

- ``records``, what the system trains on: it holds a disfavoured record of theirs from those
  days, true or erroneous (labels.system_labels);
- ``truth``: they performed a disfavoured act on one of those days, whether any source recorded
  it or not (labels.true_labels, from state.disfavoured_day). Disfavoured means what the
  records label counts: acts of the behaviours whose record kind is disfavoured, lawful ones (a
  protest) included. So with full coverage, no misattribution and no errors the two labels are
  the same, person by person.

Two decisions are audited (metrics/audit_table.DECISIONS): the model's own positive decision
(``predicted``: a positive fixed-point logit, a predicted probability above 1/2, as
scikit-learn's ``predict``), and the decision the system acts on (``sanction``: the score the
model gives puts the person under a sanction, a tier that carries one or at or below the
threshold of a list that carries one, by the tables in force on day t, when the model starts
scoring). The predicted probability is the logistic of the fixed-point logit both engines score
with.

The audit keeps counts only (metrics/audit_table.ModelAudit); the measures follow from them
(metrics/classifier_audit.py). With ``sample_people`` at or above the population the training
sample is everyone and no one is held out: the audit then has nothing to count.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np

from socialcredit import rng
from socialcredit.engine.sample_reader import SampleReader
from socialcredit.engine.standing import SanctionTables
from socialcredit.metrics.audit_table import BASES, DECISIONS, ModelAudit
from socialcredit.metrics.classifier_audit import confusion
from socialcredit.plan import LOGIT_SCALE, NO_THRESHOLD, LearnedScorer, Plan

Snapshots = dict[int, tuple[np.ndarray, np.ndarray]]  # t0: (people, feature rows)


def held_out(key: np.uint64, t: int, k: int, n: int, training: np.ndarray) -> np.ndarray:
    """Up to ``k`` distinct people of ``n`` drawn from stream LEARN_AUDIT on day ``t`` (as the
    training sample is from LEARN_SAMPLE), less those in ``training``, ascending."""
    u = rng.uniform(key, rng.LEARN_AUDIT, rng.person_counters(np.arange(min(k, n))), t)
    drawn = np.unique(np.minimum((u * n).astype(np.int64), n - 1))
    return np.setdiff1d(drawn, training, assume_unique=True)


def sanctioned_at(plan: Plan, score: np.ndarray) -> np.ndarray:
    """Whether each score alone puts a person under a sanction in ``plan``'s epoch: its tier
    carries one, or it is at or below the entry threshold of a list that carries one."""
    tables = SanctionTables.of(plan)
    tier = (score[:, None] < plan.tier_min[None, :-1]).sum(axis=1)  # tiers best first
    flagged = tables.tier_sanctioned[tier]
    for x in range(len(plan.lists)):
        if tables.list_sanctioned[x] and plan.list_threshold[x] != NO_THRESHOLD:
            flagged = flagged | (score <= plan.list_threshold[x])
    return np.asarray(flagged, dtype=bool)


def probability(logit: np.ndarray) -> np.ndarray:
    """The predicted probability of fixed-point logits (exp of minus their size only: no
    overflow however far from 0 they are)."""
    x = logit / LOGIT_SCALE
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def model_audit(plan: Plan, day: int, group: np.ndarray, flags: tuple[np.ndarray, ...],
                p: np.ndarray, labels: tuple[np.ndarray, ...]) -> ModelAudit:  # fmt: skip
    """One model's audit from its decisions (``flags``, DECISIONS order; probabilities ``p``)
    on people of ``group`` and their labels on each basis (BASES order)."""
    G = len(plan.groups)
    counts = np.stack(
        [np.stack([confusion(f, label == 1, group, G) for label in labels], axis=1)
         for f in flags],
        axis=1,
    )  # fmt: skip
    predicted = np.bincount(group, weights=p, minlength=G)
    return ModelAudit(day, counts, predicted)


class Audit:
    """The held-out snapshots of one run and the audit of each model fitted so far. The
    learner drives it (learned.Learner): ``take`` beside each training snapshot, ``pop`` and
    ``count`` when that snapshot's model is fitted."""

    def __init__(self, plan: Plan, cell_of: Callable[[np.ndarray], np.ndarray]) -> None:
        assert plan.scorer is not None
        self.plan = plan
        self.scorer: LearnedScorer = plan.scorer
        self.cell_of = cell_of
        self.key = rng.seed_key(plan.seed)
        self.snapshots: Snapshots = {}
        self.audits: list[ModelAudit] = []

    def draw(self, t: int, n: int, training: np.ndarray) -> np.ndarray:
        """The held-out people of day ``t``'s snapshot (``held_out``)."""
        return held_out(self.key, t, self.scorer.sample_people, n, training)

    def take(self, t: int, who: np.ndarray, rows: np.ndarray) -> None:
        """Keep day ``t``'s held-out people and their feature rows until their model."""
        self.snapshots[t] = (who, rows)

    def pop(self, t0: int) -> tuple[np.ndarray, np.ndarray] | None:
        """The held-out snapshot of day ``t0``, no longer kept (None: none, or no one in it)."""
        taken = self.snapshots.pop(t0, None)
        return taken if taken is not None and len(taken[0]) else None

    def count(self, t: int, people: SampleReader, who: np.ndarray, logit: np.ndarray,
              score: np.ndarray) -> None:  # fmt: skip
        """Audit the model fitted on day ``t`` on the held-out people ``who`` of its training
        day, given its fixed-point logits and scores of their rows from that day."""
        t0 = t - self.scorer.horizon
        labels = (people.system_labels(t0, who), people.true_labels(t0, who))
        flags = (logit > 0, sanctioned_at(self.plan.on_day(t), score))
        assert len(labels) == len(BASES) and len(flags) == len(DECISIONS)
        group = (self.cell_of(who) % len(self.plan.groups)).astype(np.int64)
        self.audits.append(model_audit(self.plan, t, group, flags, probability(logit), labels))

    # --- checkpoints: the audits so far (the learner saves the snapshots with its own) ---

    def save(self) -> dict[str, np.ndarray]:
        G, D, B = len(self.plan.groups), len(DECISIONS), len(BASES)
        a = self.audits
        return {
            "learned.audit_days": np.array([x.day for x in a], dtype=np.int64),
            "learned.audit_counts": np.array([x.counts for x in a], np.int64).reshape(
                -1, G, D, B, 4
            ),
            "learned.audit_predicted": np.array([x.predicted for x in a]).reshape(-1, G),
        }

    def load(self, saved: Mapping[str, np.ndarray]) -> None:
        """Restore what ``save`` wrote (ValueError where it does not fit this run)."""
        G, D, B = len(self.plan.groups), len(DECISIONS), len(BASES)
        try:
            days = saved["learned.audit_days"]
            counts, predicted = saved["learned.audit_counts"], saved["learned.audit_predicted"]
        except KeyError as missing:
            raise ValueError(f"learned scorer: {missing} is missing") from None
        M = len(days)
        if counts.shape != (M, G, D, B, 4) or predicted.shape != (M, G):
            raise ValueError("learned scorer: the saved audits do not fit")
        self.audits = [
            ModelAudit(int(days[k]), counts[k].astype(np.int64), predicted[k].astype(np.float64))
            for k in range(M)
        ]
