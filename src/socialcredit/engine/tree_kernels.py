"""Numba kernels of the fast engine for gradient-boosted trees (``model: gradient_boosting``).

Stage 4 under a boosted model, as ``kernels.learned_scores`` is under the logistic one: every
person's feature row is built as engine/learned.py ``features`` builds it (same columns, same
rules), then walked down every tree of the flattened ensemble (``kernel_records.Forest``,
engine/boosting.py); the baseline plus the leaves' values is an integer sum, so the logit is the
reference engine's (``boosting.logits``) bit for bit, and the score follows from the same cuts.

The walk goes as the reference engine's does, all trees one level per step for the model's
depth (a leaf's children are itself): the trees' steps are independent of one another, so the
processor overlaps them, where a walk to the leaf tree by tree waits on each load in turn. On
one core it scored about 1.3 times as many people per second as the tree-by-tree walk (50
trees of depth 3; each node's numbers side by side, ``kernel_records.Forest``, another 1.2).

Compiled on first use and cached on disk with the kernels' stamp (``kernel_cache.py``, which
lists this module); importing it compiles nothing.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from socialcredit.engine.kernels import _listed_since
from socialcredit.kernel_cache import inline, kernel
from socialcredit.plan import RECENCY_WINDOWS
from socialcredit.state import HOUSEHOLD_START


@kernel(parallel=True, nogil=True, cache=True)
def boosted_scores(t, layout, forest, people):
    """Every person's score on the morning of day ``t`` under the boosted model ``forest``
    (``kernel_records.Forest``), one chunk per iteration (households never straddle chunks)."""
    for ci in prange(layout.chunk_start.shape[0] - 1):
        _boosted_chunk(ci, t, layout, forest, people)


@kernel(nogil=True, cache=True)
def boosted_scores_serial(t, layout, forest, people):
    """``boosted_scores`` on this thread alone (small populations, fast.py ``SERIAL_BELOW``)."""
    for ci in range(layout.chunk_start.shape[0] - 1):
        _boosted_chunk(ci, t, layout, forest, people)


@kernel(nogil=True, cache=True)
def _boosted_chunk(ci, t, layout, forest, people):
    """``boosted_scores`` for chunk ``ci``, household by household (a feature counts the
    household's listed members)."""
    chunk_start, cell_start, G = layout.chunk_start, layout.cell_start, layout.groups
    P = people
    K = P.record_day.shape[0]
    W = len(RECENCY_WINDOWS)
    listed_at = K * W  # then household-listed, the regions and the groups (learned.features)
    region_at = listed_at + 2
    group_at = region_at + forest.regions
    # a person's features, and past them a column that stays 0 (for leaves: Forest)
    row = np.zeros(group_at + (G if forest.use_group else 0) + 1, np.uint8)
    nodes = np.empty_like(forest.root)
    lo, hi = chunk_start[ci], chunk_start[ci + 1]
    cell = np.searchsorted(cell_start, lo, side="right") - 1
    h = lo
    while h < hi:
        e = h + 1
        while e < hi and (P.flags[e] & HOUSEHOLD_START) == 0:
            e += 1
        in_house = 0
        for i in range(h, e):
            in_house += _listed_since(t, i, P)
        for i in range(h, e):
            while i >= cell_start[cell + 1]:
                cell += 1
            own = _listed_since(t, i, P)
            for k in range(K):
                day = np.int64(P.record_day[k, i])  # 1 + the latest record's day, 0 for none
                for j in range(W):  # a record on day d is in the last w days: d >= t - w
                    row[k * W + j] = 1 if day > 0 and day + RECENCY_WINDOWS[j] > t else 0
            row[listed_at] = own
            row[listed_at + 1] = 1 if in_house - own > 0 else 0
            row[region_at:] = 0  # regions, groups (and the column past them, as it was)
            row[region_at + cell // G] = 1
            if forest.use_group:
                row[group_at + cell % G] = 1
            P.score[i] = forest.smax - _cuts_at_or_below(forest.cut, _logit(row, nodes, forest))
        h = e


@inline
def _logit(row, nodes, forest):
    """The baseline plus, per tree, the value of the leaf ``row`` reaches (boosting.logits);
    ``nodes`` is a buffer of one node per tree."""
    nodes[:] = forest.root
    for _ in range(forest.depth):
        for r in range(nodes.shape[0]):
            node = forest.node[nodes[r]]  # feature, left_at_most, left, right
            nodes[r] = node[2 + np.int32(np.int32(row[node[0]]) > node[1])]
    logit = np.int64(forest.intercept)
    for r in range(nodes.shape[0]):
        logit += forest.value[nodes[r]]
    return logit


@inline
def _cuts_at_or_below(cut, logit):
    """How many of the ascending ``cut`` are at or below ``logit`` (learned.score_from_logit's
    ``searchsorted(side="right")``): a binary search with selects for branches, as in
    ``kernels._learned_chunk``."""
    a, n = 0, cut.shape[0]
    while n > 0:
        half = n >> 1
        right = cut[a + half] <= logit
        a = a + half + 1 if right else a
        n = n - half - 1 if right else half
    return a
