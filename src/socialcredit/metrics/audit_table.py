"""The learned scorer's audit in the run folder (audit.parquet): one row per measure.

Each model is audited on its held-out sample (engine/learned_audit.py) for two decisions and
on two bases. The decisions (who the model *flags*):

- ``predicted``: its predicted probability is above 1/2 (scikit-learn's ``predict``: a positive
  decision function), the decision Fairlearn, Aequitas and AIF360 audit when handed a model;
- ``sanction``: the score it gives puts the person under a sanction (a tier that carries one,
  or at or below the entry threshold of a list that carries one), the decision the system acts
  on. Where the regime's sanctions start far below the average score it may flag no one.

The bases (what counts as a positive):

- ``records``: the labels the system itself trains on: a disfavoured record within the
  horizon, true or erroneous;
- ``truth``: a disfavoured act within the horizon, recorded or not (only the simulator knows).

The table is long, so a reader filters it as they like:

    model_day  engine day the model scores from (learned-models.json's ``day``)
    day        the same, as a reported day (metrics.parquet's; negative within a warm-up)
    decision   ``predicted`` or ``sanction``
    group      a group of the scenario, or ``all groups`` (the whole sample, and the gaps;
               no group's name has a space)
    basis      ``records`` or ``truth``
    metric     classifier_audit.GROUP_METRICS (per group and for all groups), GAP_METRICS
               (all groups); ``people``, ``observed_rate`` and ``mean_predicted`` are the same
               for both decisions
    value      float64; NaN where the measure is undefined (an empty denominator)
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pyarrow as pa

from socialcredit.metrics.classifier_audit import GROUP_METRICS, gaps, rates

AUDIT_FILE = "audit.parquet"
DECISIONS = ("predicted", "sanction")
BASES = ("records", "truth")
ALL = "all groups"
COLUMNS = ("decision", "group", "basis", "metric", "value")


class ModelAudit(NamedTuple):
    """What one model's audit counted; every measure follows from it (classifier_audit)."""

    day: int  # engine day the model scores from
    # [G, len(DECISIONS), len(BASES), 4] int64: TN, FP, FN, TP per group, decision and basis
    counts: np.ndarray
    predicted: np.ndarray  # [G] float64: the sum of the predicted probabilities per group


def audit_rows(audit: ModelAudit, groups: tuple[str, ...] | list[str]) -> list[tuple]:
    """(decision, group, basis, metric, value) rows of one model's audit."""
    rows: list[tuple] = []
    for d, decision in enumerate(DECISIONS):
        for b, basis in enumerate(BASES):
            counts = audit.counts[:, d, b]
            per_group = rates(counts, audit.predicted)
            pooled = rates(counts.sum(axis=0), audit.predicted.sum())
            for g, name in enumerate(groups):
                rows += [(decision, name, basis, m, float(per_group[m][g])) for m in GROUP_METRICS]
            rows += [(decision, ALL, basis, m, float(pooled[m])) for m in GROUP_METRICS]
            rows += [(decision, ALL, basis, m, v) for m, v in gaps(per_group).items()]
    return rows


def audit_table(audits: list[ModelAudit], groups: tuple[str, ...], warmup: int) -> pa.Table:
    """Every model's audit as one long table (the module's docstring has its columns)."""
    model_day: list[int] = []
    columns: list[list] = [[] for _ in COLUMNS]
    for audit in audits:
        for row in audit_rows(audit, groups):
            model_day.append(audit.day)
            for column, x in zip(columns, row, strict=True):
                column.append(x)
    days = np.array(model_day, dtype=np.int32)
    text = {
        name: pa.array(values, pa.string())
        for name, values in zip(COLUMNS[:-1], columns[:-1], strict=True)
    }
    return pa.table(
        {
            "model_day": pa.array(days, pa.int32()),
            "day": pa.array(days - warmup, pa.int32()),
            **text,
            "value": pa.array(columns[-1], pa.float64()),
        }
    )
