"""The learned scorer's second model (``model: gradient_boosting``): fit, flatten, score.

scikit-learn's ``HistGradientBoostingClassifier`` is fitted to the same snapshot and labels as
the logistic model (engine/learned.py), with the fixed settings below. Its trees are flattened
into node arrays (``kernel_records.Trees``), and its baseline and leaf values rounded to whole
multiples of 2**-16 (``fixed_point``), so a feature row's logit is an integer sum: the baseline
plus the leaf each tree sends the row to. Both engines walk the same arrays and add the same
integers (``logits`` here, vectorised, for the reference engine; learned_kernels.py in the fast
engine), so they agree bit for bit. Each of the T + 1 terms is off by at most half a unit, so
the fixed-point logit is within (T + 1) x 2**-17 of scikit-learn's ``decision_function``
(tests/unit/test_boosted_scorer.py).

Features are 0 or 1 (learned.features): scikit-learn bins such a feature into two bins and its
only threshold is 0.5, so ``x <= threshold`` is ``x <= 0`` and a split is a whole-number rule
(``Trees.left_at_most``), exact in both engines. Features are never missing, so scikit-learn's
rule for missing values never applies.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from socialcredit.engine.fixed_point import to_fixed
from socialcredit.engine.kernel_records import Trees

# Fixed settings beside the scenario's trees (max_iter) and tree_depth. Assumptions, not tuned:
# scikit-learn's defaults for the learning rate (0.1), the smallest leaf (20 people), the L2
# penalty (none) and the bins (255; a binary feature uses two). Not its defaults: the depth
# alone bounds a tree (no cap of 31 leaves besides it), every tree is fitted (no early stopping:
# a model's size and its daily scoring cost are the scenario's, and no random validation split
# is held out of the sample), no feature is categorical, and every split sees every feature.
BOOSTING: dict[str, Any] = {
    "learning_rate": 0.1,
    "min_samples_leaf": 20,
    "l2_regularization": 0.0,
    "max_bins": 255,
    "max_leaf_nodes": None,
    "early_stopping": False,
    "categorical_features": None,
    "max_features": 1.0,
}
ROWS_PER_BLOCK = 1 << 15  # the reference walk's people at a time (a [rows, trees] node array)


def fit(rows: np.ndarray, labels: np.ndarray, trees: int, depth: int, seed: int) -> Any:
    """scikit-learn's fitted classifier (both labels must occur: learned.Learner checks).
    ``seed`` is its ``random_state``: with these settings it decides only which 200,000 people
    set the bins of a larger sample, which for binary features changes nothing; it is the run's
    all the same, so a run stays reproducible if that changes."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from threadpoolctl import threadpool_limits

    # One OpenMP thread: scikit-learn sums the gradients in per-thread parts, so the model
    # would depend on the machine's core count; one thread also leaves the engine's alone.
    with threadpool_limits(limits=1):
        model = HistGradientBoostingClassifier(
            max_iter=trees, max_depth=depth, random_state=seed, **BOOSTING
        )
        model.fit(rows.astype(np.float64), labels)
    return model


def flatten(model: Any) -> tuple[Trees, float]:
    """The fitted classifier's trees as node arrays, and its baseline (the training sample's
    log-odds). scikit-learn numbers each tree's nodes from its root, children after parents;
    here they are numbered from the ensemble's first node."""
    parts = [predictors[0].nodes for predictors in model._predictors]
    if any(part["is_categorical"].any() for part in parts):
        raise ValueError("a categorical split: the boosting settings have changed")
    sizes = np.array([len(part) for part in parts], dtype=np.int64)
    first = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    nodes = np.concatenate(parts)
    shift = np.repeat(first, sizes)
    at = np.arange(len(nodes), dtype=np.int64)
    leaf = nodes["is_leaf"].astype(bool)
    # x <= threshold for x in {0, 1} is x <= floor(threshold), within -1 (never) .. 1 (always)
    at_most = np.clip(np.floor(nodes["num_threshold"]), -1, 1)
    exact = np.where(leaf, nodes["value"], 0.0)
    trees = Trees(
        root=first.astype(np.int32),
        feature=np.where(leaf, -1, nodes["feature_idx"]).astype(np.int32),
        left_at_most=np.where(leaf, 0, at_most).astype(np.int8),
        left=np.where(leaf, at, nodes["left"].astype(np.int64) + shift).astype(np.int32),
        right=np.where(leaf, at, nodes["right"].astype(np.int64) + shift).astype(np.int32),
        value=np.where(leaf, to_fixed(exact), 0),
        exact=exact,
    )
    return trees, float(np.asarray(model._baseline_prediction).ravel()[0])


def logits(trees: Trees, intercept: int, rows: np.ndarray) -> np.ndarray:
    """Fixed-point logits of feature rows [n, F] (the reference engine's walk): every row down
    every tree at once, one level per step, until all stand on leaves (a leaf's children are
    itself); then the baseline plus the leaves' values, in int64 (exact)."""
    out = np.full(len(rows), intercept, dtype=np.int64)
    for lo in range(0, len(rows), ROWS_PER_BLOCK):
        part = rows[lo : lo + ROWS_PER_BLOCK]
        node = np.repeat(trees.root[None, :], len(part), axis=0)  # [rows, trees]
        who = np.arange(len(part))[:, None]
        while True:
            feature = trees.feature[node]
            if not (feature >= 0).any():
                break
            x = part[who, np.maximum(feature, 0)]  # a leaf reads column 0 and stays put
            left = x <= trees.left_at_most[node]
            node = np.where(left, trees.left[node], trees.right[node])
        out[lo : lo + len(part)] += trees.value[node].sum(axis=1)
    return out


def depth(trees: Trees) -> int:
    """The deepest leaf's level (a root that is a leaf: 0): the steps a walk takes at most."""
    level, deepest = trees.root.astype(np.int64), 0
    while True:
        split = level[trees.feature[level] >= 0]
        if not len(split):
            return deepest
        level = np.concatenate([trees.left[split], trees.right[split]]).astype(np.int64)
        deepest += 1


def check(trees: Trees, features: int) -> None:
    """ValueError unless ``trees`` is a well-formed ensemble over ``features`` features: every
    node's children come after it within its tree (so every walk ends, on a leaf), a leaf's are
    itself, and every split reads a feature there is. Models read back from a file pass here
    before an engine walks them."""
    n = len(trees.feature)
    fields = (trees.left_at_most, trees.left, trees.right, trees.value, trees.exact)
    if any(len(a) != n for a in fields) or len(trees.root) == 0:
        raise ValueError("the trees' node arrays differ in length, or there are no trees")
    end = np.append(trees.root[1:], n).astype(np.int64)
    if trees.root[0] != 0 or np.any(end <= trees.root):
        raise ValueError("the trees' roots are not in order")
    tree_end = np.repeat(end, np.diff(np.append(trees.root, n)))
    at = np.arange(n)
    leaf = trees.feature < 0
    split_ok = (
        (trees.feature < features) & (trees.left > at) & (trees.right > at)
        & (trees.left < tree_end) & (trees.right < tree_end)
        & (trees.left_at_most >= -1) & (trees.left_at_most <= 1)
    )  # fmt: skip
    leaf_ok = (trees.feature == -1) & (trees.left == at) & (trees.right == at)
    if not np.all(np.where(leaf, leaf_ok, split_ok)) or np.any(trees.value[~leaf] != 0):
        raise ValueError("a tree node points outside its tree or reads no feature")


# --- persistence: checkpoints (flat arrays) and learned-models.json ---

DTYPES = dict(zip(Trees._fields, (np.int32, np.int32, np.int8, np.int32, np.int32, np.int64,
                                  np.float64), strict=True))  # fmt: skip
# learned-models.json's name of each field: values in fixed point, and as scikit-learn fitted them
JSON_KEYS = dict(zip(Trees._fields, ("tree_root", "feature", "left_at_most", "left", "right",
                                     "value_fixed", "value"), strict=True))  # fmt: skip


def save(ensembles: list[Trees]) -> dict[str, np.ndarray]:
    """Every model's trees, concatenated (a checkpoint's arrays)."""
    out = {
        "learned.tree_counts": np.array([len(e.root) for e in ensembles], dtype=np.int64),
        "learned.node_counts": np.array([len(e.feature) for e in ensembles], dtype=np.int64),
    }
    for name in Trees._fields:
        parts = [getattr(e, name) for e in ensembles]
        out[f"learned.tree_{name}"] = np.concatenate(parts or [np.empty(0, DTYPES[name])])
    return out


def load(saved: Mapping[str, np.ndarray], models: int, features: int) -> list[Trees]:
    """What ``save`` wrote, for ``models`` models (KeyError or ValueError where it does not
    fit)."""
    counts, sizes = saved["learned.tree_counts"], saved["learned.node_counts"]
    arrays = {name: saved[f"learned.tree_{name}"] for name in Trees._fields}
    if (
        counts.shape != (models,) or sizes.shape != (models,)
        or len(arrays["root"]) != counts.sum()
        or any(len(a) != sizes.sum() for name, a in arrays.items() if name != "root")
    ):  # fmt: skip
        raise ValueError("learned scorer: the saved trees do not fit the models")
    out = []
    for k in range(models):
        at = {
            "trees": slice(int(counts[:k].sum()), int(counts[: k + 1].sum())),
            "nodes": slice(int(sizes[:k].sum()), int(sizes[: k + 1].sum())),
        }
        trees = Trees(**{
            name: a[at["trees" if name == "root" else "nodes"]].astype(DTYPES[name])
            for name, a in arrays.items()
        })  # fmt: skip
        check(trees, features)
        out.append(trees)
    return out


def to_json(trees: Trees) -> dict[str, Any]:
    """One model's trees for learned-models.json: the node arrays both engines walked (leaf
    values in fixed point, ``value_fixed`` / 2**16) and scikit-learn's leaf values as fitted."""
    return {
        "trees": len(trees.root),
        "nodes": len(trees.feature),
        **{JSON_KEYS[name]: getattr(trees, name).tolist() for name in Trees._fields},
    }


def from_json(data: Mapping[str, Any], features: int) -> Trees:
    """What ``to_json`` wrote (KeyError, ValueError or TypeError where it does not fit)."""
    try:
        trees = Trees(**{
            name: np.array(data[key], dtype=DTYPES[name]) for name, key in JSON_KEYS.items()
        })  # fmt: skip
    except OverflowError:
        raise ValueError("a saved tree node holds a number out of its range") from None
    if len(trees.root) != data["trees"] or len(trees.feature) != data["nodes"]:
        raise ValueError("a saved model's tree or node count does not match its arrays")
    check(trees, features)
    return trees
