"""Numba kernels of the fast engine for gradient-boosted trees (``model: gradient_boosting``).

Stage 4 under a boosted model, as ``kernels.learned_scores`` is under the logistic one: every
person's feature row is built as engine/learned.py ``features`` builds it (same columns, same
rules), then walked down every tree of the flattened ensemble (``kernel_records.Trees``,
engine/boosting.py); the baseline plus the leaves' values is an integer sum, so the logit is the
reference engine's (``boosting.logits``) bit for bit, and the score follows from the same cuts.

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
    row = np.zeros(group_at + (G if forest.use_group else 0), np.uint8)
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
            row[region_at:] = 0
            row[region_at + cell // G] = 1
            if forest.use_group:
                row[group_at + cell % G] = 1
            P.score[i] = forest.smax - _cuts_at_or_below(forest.cut, _logit(row, forest))
        h = e


@inline
def _logit(row, forest):
    """The baseline plus, per tree, the value of the leaf ``row`` reaches (boosting.logits)."""
    f = forest
    logit = np.int64(f.intercept)
    for r in range(f.root.shape[0]):
        node = f.root[r]
        while f.feature[node] >= 0:
            node = f.left[node] if row[f.feature[node]] <= f.left_at_most[node] else f.right[node]
        logit += f.value[node]
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
