"""Per-group audit of a classifier's decisions: the measures Aequitas, Fairlearn and AIF360 compute.

Everything follows from two small tables per group: the confusion counts (true negatives, false
positives, false negatives, true positives; in that order, as
``sklearn.metrics.confusion_matrix(label, flagged).ravel()`` gives them) and the sum of the
predicted probabilities. From those:

- ``selection_rate``: the share the classifier flags (Fairlearn's ``selection_rate``);
- ``fpr``, ``fnr``: false positive rate FP / (FP + TN), false negative rate FN / (FN + TP);
- ``ppv``: precision, TP / (TP + FP);
- ``mean_predicted`` against ``observed_rate`` (the share labelled 1), and their difference
  ``predicted_minus_observed``: calibration in the large, per group;

and the gaps between groups (the largest difference between any two groups, as Fairlearn's
``*_difference`` with ``method="between_groups"``):

- ``equalised_odds_gap``: the larger of the FPR gap and the TPR gap (Hardt, Price & Srebro
  2016; Fairlearn's ``equalized_odds_difference``); the TPR gap is the FNR gap;
- ``predictive_parity_gap``: the PPV gap (Chouldechova 2017);
- ``selection_rate_gap``: demographic parity (Fairlearn's ``demographic_parity_difference``).

A rate whose denominator is empty (no one labelled 0 in a group, no one flagged) is NaN and
left out of the gaps; a gap with fewer than two groups to compare is NaN.
"""

from __future__ import annotations

import numpy as np

TN, FP, FN, TP = 0, 1, 2, 3

GROUP_METRICS = (
    "people",
    "observed_rate",
    "selection_rate",
    "fpr",
    "fnr",
    "ppv",
    "mean_predicted",
    "predicted_minus_observed",
)
GAP_METRICS = (
    "equalised_odds_gap",
    "fpr_gap",
    "fnr_gap",
    "predictive_parity_gap",
    "selection_rate_gap",
)


def confusion(flagged: np.ndarray, label: np.ndarray, group: np.ndarray, groups: int) -> np.ndarray:
    """[groups, 4] int64 counts (TN, FP, FN, TP) of boolean ``flagged`` against boolean
    ``label``, per ``group`` (ints below ``groups``): one bincount, no Python per person."""
    code = group.astype(np.int64) * 4 + 2 * label.astype(np.int64) + flagged.astype(np.int64)
    return np.bincount(code, minlength=groups * 4).reshape(groups, 4)


def _share(part: np.ndarray, whole: np.ndarray) -> np.ndarray:
    part, whole = np.asarray(part, np.float64), np.asarray(whole, np.float64)
    out = np.full(np.broadcast(part, whole).shape, np.nan)
    return np.divide(part, whole, out=out, where=whole > 0)


def rates(counts: np.ndarray, predicted: np.ndarray) -> dict[str, np.ndarray]:
    """``GROUP_METRICS`` of confusion ``counts`` [..., 4] and the sums of predicted
    probabilities ``predicted`` [...] (same leading shape)."""
    tn, fp, fn, tp = (counts[..., k].astype(np.int64) for k in (TN, FP, FN, TP))
    people = tn + fp + fn + tp
    observed = _share(fn + tp, people)
    mean = _share(predicted, people)
    return {
        "people": people.astype(np.float64),
        "observed_rate": observed,
        "selection_rate": _share(fp + tp, people),
        "fpr": _share(fp, fp + tn),
        "fnr": _share(fn, fn + tp),
        "ppv": _share(tp, tp + fp),
        "mean_predicted": mean,
        "predicted_minus_observed": mean - observed,
    }


def spread(values: np.ndarray) -> float:
    """The largest difference between two groups' values, NaN left out (NaN below two)."""
    v = np.asarray(values, np.float64)
    v = v[~np.isnan(v)]
    return float(v.max() - v.min()) if len(v) >= 2 else float("nan")


def gaps(per_group: dict[str, np.ndarray]) -> dict[str, float]:
    """``GAP_METRICS`` of one basis's ``rates`` per group ([groups] each)."""
    fpr, fnr = spread(per_group["fpr"]), spread(per_group["fnr"])
    # max() of a NaN and a number is order-dependent: take the defined one
    both = [x for x in (fpr, fnr) if not np.isnan(x)]
    return {
        "equalised_odds_gap": max(both) if both else float("nan"),
        "fpr_gap": fpr,
        "fnr_gap": fnr,
        "predictive_parity_gap": spread(per_group["ppv"]),
        "selection_rate_gap": spread(per_group["selection_rate"]),
    }
