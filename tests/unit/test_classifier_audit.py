"""The audit's measures (metrics/classifier_audit.py) on confusion matrices small enough to
count by hand, and its confusion counts against scikit-learn's.

- Two groups whose four cells are counted below give the rates and gaps written next to them.
- ``confusion`` per group equals ``sklearn.metrics.confusion_matrix(label, flagged).ravel()``.
- An empty denominator gives NaN, which the gaps leave out (and no warning is raised).
- The long table (metrics/audit_table.py) holds every measure of every model on both bases.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix

from socialcredit.metrics.audit_table import ALL, BASES, DECISIONS, ModelAudit, audit_table
from socialcredit.metrics.classifier_audit import (
    FN,
    FP,
    GAP_METRICS,
    GROUP_METRICS,
    TN,
    TP,
    confusion,
    gaps,
    rates,
)

# group 0: labels 1 1 0 0 0, flagged 1 0 1 0 0 -> TN 2, FP 1, FN 1, TP 1
# group 1: labels 1 1 1 0,   flagged 1 1 0 0   -> TN 1, FP 0, FN 1, TP 2
LABEL = np.array([1, 1, 0, 0, 0, 1, 1, 1, 0], dtype=bool)
FLAGGED = np.array([1, 0, 1, 0, 0, 1, 1, 0, 0], dtype=bool)
GROUP = np.array([0, 0, 0, 0, 0, 1, 1, 1, 1])
P = np.array([0.9, 0.4, 0.6, 0.2, 0.1, 0.8, 0.7, 0.3, 0.2])  # predicted probabilities


def test_confusion_counts_by_hand() -> None:
    counts = confusion(FLAGGED, LABEL, GROUP, 2)
    assert counts.tolist() == [[2, 1, 1, 1], [1, 0, 1, 2]]
    assert (TN, FP, FN, TP) == (0, 1, 2, 3)


def test_rates_and_gaps_by_hand() -> None:
    predicted = np.bincount(GROUP, weights=P)
    r = rates(confusion(FLAGGED, LABEL, GROUP, 2), predicted)
    want = {
        "people": [5, 4],
        "observed_rate": [2 / 5, 3 / 4],
        "selection_rate": [2 / 5, 2 / 4],
        "fpr": [1 / 3, 0 / 1],
        "fnr": [1 / 2, 1 / 3],
        "ppv": [1 / 2, 2 / 2],
        "mean_predicted": [2.2 / 5, 2.0 / 4],
        "predicted_minus_observed": [2.2 / 5 - 2 / 5, 2.0 / 4 - 3 / 4],
    }
    assert set(r) == set(GROUP_METRICS)
    for name, values in want.items():
        assert r[name] == pytest.approx(values), name
    g = gaps(r)
    assert set(g) == set(GAP_METRICS)
    assert g["fpr_gap"] == pytest.approx(1 / 3)
    assert g["fnr_gap"] == pytest.approx(1 / 2 - 1 / 3)  # = the TPR gap
    assert g["equalised_odds_gap"] == pytest.approx(1 / 3)  # the larger of the two
    assert g["predictive_parity_gap"] == pytest.approx(1 / 2)
    assert g["selection_rate_gap"] == pytest.approx(0.1)


def test_confusion_agrees_with_scikit_learn() -> None:
    gen = np.random.default_rng(3)
    n, groups = 5000, 4
    group = gen.integers(0, groups, n)
    label = gen.random(n) < 0.1 + 0.1 * group
    flagged = gen.random(n) < np.where(label, 0.6, 0.15)
    counts = confusion(flagged, label, group, groups)
    for g in range(groups):
        mine = group == g
        sk = confusion_matrix(label[mine], flagged[mine], labels=[False, True]).ravel()
        assert counts[g].tolist() == sk.tolist(), g


def test_empty_denominators_are_nan_and_left_out_of_the_gaps() -> None:
    # group 0 has nobody labelled 0 and nobody flagged; group 2 nobody at all
    counts = np.array([[0, 0, 3, 0], [5, 1, 1, 1], [0, 0, 0, 0]])
    r = rates(counts, np.array([1.5, 2.0, 0.0]))
    assert math.isnan(r["fpr"][0]) and math.isnan(r["ppv"][0]) and r["fnr"][0] == 1.0
    assert all(math.isnan(r[m][2]) for m in GROUP_METRICS if m != "people")
    g = gaps(r)
    assert math.isnan(g["fpr_gap"]) and math.isnan(g["predictive_parity_gap"])  # one group
    assert g["fnr_gap"] == pytest.approx(1.0 - 0.5)
    assert g["equalised_odds_gap"] == g["fnr_gap"]  # the defined one


def test_table_holds_every_measure_of_every_model_on_both_bases() -> None:
    records = confusion(FLAGGED, LABEL, GROUP, 2)
    truth = confusion(FLAGGED, ~LABEL, GROUP, 2)
    counts = np.stack([np.stack([records, truth], axis=1)] * 2, axis=1)  # [G, decision, basis]
    counts[:, 1] = confusion(~FLAGGED, LABEL, GROUP, 2)[:, None]  # decision 1 on both bases
    audits = [ModelAudit(day, counts, np.bincount(GROUP, weights=P)) for day in (50, 80)]
    table = audit_table(audits, ("a", "b"), warmup=30).to_pylist()
    per_model = len(DECISIONS) * len(BASES) * (3 * len(GROUP_METRICS) + len(GAP_METRICS))
    assert len(table) == 2 * per_model
    assert {(r["model_day"], r["day"]) for r in table} == {(50, 20), (80, 50)}
    assert {r["decision"] for r in table} == set(DECISIONS)
    assert {r["basis"] for r in table} == set(BASES)
    assert {r["group"] for r in table} == {"a", "b", ALL}

    def value(decision: str, group: str, basis: str, metric: str) -> float:
        key = (50, decision, group, basis, metric)
        [v] = [r["value"] for r in table if (r["model_day"], r["decision"], r["group"],
                                             r["basis"], r["metric"]) == key]  # fmt: skip
        return float(v)

    assert value("predicted", "a", "records", "fpr") == pytest.approx(1 / 3)
    # the labels flipped: FPR is FN / (FN + TP) of the records basis
    assert value("predicted", "a", "truth", "fpr") == pytest.approx(1 / 2)
    assert value("predicted", ALL, "records", "ppv") == pytest.approx(3 / 4)  # TP 3 of 4 flagged
    assert value("predicted", ALL, "records", "equalised_odds_gap") == pytest.approx(1 / 3)
    # the second decision flags the complement: group a's FPR 2/3 on either basis
    assert value("sanction", "a", "records", "fpr") == value("sanction", "a", "truth", "fpr")
    assert value("sanction", "a", "truth", "fpr") == pytest.approx(2 / 3)
