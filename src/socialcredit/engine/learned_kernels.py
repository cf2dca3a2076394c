"""Numba kernels of the fast engine for stage 4 under a learned model (engine/learned.py).

Both models score from the same feature columns as engine/learned.py ``features`` builds them
(the recency of each record kind's latest record, listed, a household member listed, the region,
the group where asked):

- the logistic model a term at a time over a chunk (``_logistic_chunk``): per record kind, the
  tail of its recency weights from the first window the latest record is in
  (``kernel_records.Scorer.kind_tail``), then the other active weights: the reference's integer
  sum of the active features' weights, in another order (integers, so the same sum);
- gradient-boosted trees (``kernel_records.Forest``) a person at a time: the feature row
  (``_feature_row``), walked down every tree of the flattened ensemble: the baseline plus the
  leaves' values, ``boosting.logits`` bit for bit.

The score is score_max less the cuts at or below the logit (``learned.score_from_logit``),
counted from a table of buckets (``kernel_records.cut_buckets``).

The day's kernel (kernels.py ``run_day``) scores each chunk at its start with ``score_chunk``, in
the same pass over the chunk as the rest of the day (no separate pass over memory);
``learned_scores`` scores everybody on its own (tests compare it with the reference engine).

The trees' walk goes as the reference engine's does, all trees one level per step for the model's
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

from socialcredit.engine.kernel_records import ScoreBuffers
from socialcredit.kernel_cache import inline, kernel
from socialcredit.plan import RECENCY_WINDOWS
from socialcredit.state import HOUSEHOLD_START

# Scoring.kind (kernel_records.py)
POINTS, LOGISTIC, BOOSTED = 0, 1, 2
# the trees' cache of scores by feature row (Scoring.memo_*): a multiplicative hash
MEMO_HASH = np.uint64(0x9E3779B97F4A7C15)
# the recency windows, by name: the kernels' selects are written for three (plan.py)
WINDOW_0, WINDOW_1, WINDOW_2 = RECENCY_WINDOWS


@kernel(parallel=True, nogil=True, cache=True)
def learned_scores(t, layout, scoring, people):
    """Every person's score on the morning of day ``t`` under ``scoring``'s model
    (``kernel_records.Scoring``, not the point rules), one chunk per iteration (households never
    straddle chunks). The chunk is a function of its own: Numba loses writes through a
    NamedTuple's arrays made inside a ``prange`` body (see kernels.run_day)."""
    for ci in prange(layout.chunk_start.shape[0] - 1):
        _learned_chunk(ci, t, layout, scoring, people)


@kernel(nogil=True, cache=True)
def learned_scores_serial(t, layout, scoring, people):
    """``learned_scores`` on this thread alone."""
    for ci in range(layout.chunk_start.shape[0] - 1):
        _learned_chunk(ci, t, layout, scoring, people)


@kernel(nogil=True, cache=True)
def _learned_chunk(ci, t, layout, scoring, people):
    lo, hi = layout.chunk_start[ci], layout.chunk_start[ci + 1]
    buffers = score_buffers(scoring, people, layout, hi - lo)
    # a cache of its own (chunks run in parallel here)
    memo_key = np.full(scoring.memo_key.shape[1], -1, np.int64)
    memo_score = np.empty(scoring.memo_key.shape[1], np.int64)
    score_chunk(lo, hi, t, layout, scoring, people, buffers, memo_key, memo_score)
    for i in range(lo, hi):
        people.score[i] = buffers.new[i - lo]


@inline
def score_buffers(scoring, people, layout, max_chunk):
    """A lane's scratch arrays for ``score_chunk`` (``kernel_records.ScoreBuffers``)."""
    return ScoreBuffers(
        np.zeros(row_width(scoring, people, layout), np.uint8),
        np.empty_like(scoring.root),
        np.empty(max_chunk, np.int64),
    )


@inline
def row_width(scoring, people, layout):
    """A feature row's columns (learned.features), and past them one that stays 0 (for the
    trees' leaves: Forest)."""
    K = people.record_day.shape[0]
    use_group = scoring.use_group
    return K * len(RECENCY_WINDOWS) + 2 + scoring.regions + (layout.groups if use_group else 0) + 1


@kernel(nogil=True, cache=True)
def score_chunk(lo, hi, t, layout, scoring, people, buffers, memo_key, memo_score):
    """The learned scores of people lo..hi-1 (whole households) on the morning of day ``t``,
    from what the system held at the end of day t - 1, into ``buffers.new[i - lo]``
    (``score_buffers``); ``memo_*``: the trees' cache (a lane's row of ``Scoring.memo_*``).
    A function of its own, called once per chunk, not inlined: inlined into the day's kernel,
    both models' code doubled the kernel's compile time (a cold CI compiles it)."""
    if scoring.kind == LOGISTIC:
        _logistic_chunk(lo, hi, t, layout, scoring, people, buffers.new)
    else:
        _boosted_chunk(lo, hi, t, layout, scoring, people, buffers, memo_key, memo_score)


@inline
def _logistic_chunk(lo, hi, t, layout, s, people, new):
    """The logistic model's scores, a term at a time over the whole chunk (loops that LLVM
    vectorises, where a person at a time waits on each lookup): the intercept and the cell's
    region and group weights; per record kind, the tail of its recency weights from the first
    window its latest record is in (``Scorer.kind_tail``); the listed terms, household by
    household; then the cuts. Integer sums: the order of the terms does not matter."""
    cell_start, G = layout.cell_start, layout.groups
    P = people
    K = P.record_day.shape[0]
    W = len(RECENCY_WINDOWS)
    listed_at = K * W  # then household-listed, the regions and the groups (learned.features)
    region_at = listed_at + 2
    group_at = region_at + s.regions
    ulo, uhi = np.uint64(lo), np.uint64(hi)  # unsigned indices: LLVM vectorises
    cell = np.searchsorted(cell_start, lo, side="right") - 1
    a = lo
    while a < hi:
        z = min(hi, cell_start[cell + 1])
        base = np.int64(s.intercept) + s.weights[region_at + cell // G]
        if s.use_group:
            base += s.weights[group_at + cell % G]
        for ui in range(np.uint64(a), np.uint64(z)):
            new[ui - ulo] = base
        cell += 1
        a = z
    for k in range(K):
        # a record on day d (record_day d + 1) is in the last w days when record_day + w > t;
        # the windows ascend, so the first it is in decides (and none: record_day 0). Selects
        # on numbers taken out of the loop, which LLVM vectorises (13 times as fast as lookups
        # in the loop, measured alone)
        t0, t1, t2, t3 = s.kind_tail[k, 0], s.kind_tail[k, 1], s.kind_tail[k, 2], s.kind_tail[k, 3]
        out0, out1, out2 = t - WINDOW_0, t - WINDOW_1, t - WINDOW_2  # out of window w: <= t - w
        for ui in range(ulo, uhi):
            day = np.int64(P.record_day[k, ui])
            v = t1 if day <= out0 else t0
            v = t2 if day <= out1 else v
            new[ui - ulo] += t3 if day <= out2 or day == 0 else v
    own_w, house_w = s.weights[listed_at], s.weights[listed_at + 1]
    h = lo
    while h < hi:
        e = h + 1
        while e < hi and (P.flags[e] & HOUSEHOLD_START) == 0:
            e += 1
        in_house = 0
        for i in range(h, e):
            in_house += listed_since(t, i, P)
        if in_house:  # (most households: nobody listed)
            for i in range(h, e):
                own = listed_since(t, i, P)
                new[i - lo] += own * own_w + (house_w if in_house - own > 0 else 0)
        h = e
    for ui in range(ulo, uhi):
        new[ui - ulo] = s.smax - _cuts_at_or_below(s, new[ui - ulo])


@inline
def _boosted_chunk(lo, hi, t, layout, scoring, people, buffers, memo_key, memo_score):
    """The boosted trees' scores, household by household (a feature counts the household's
    listed members). A feature row is fixed by a key: each kind's recency (0 to W), listed,
    a household member listed, and the cell; most people share theirs with many others, so
    a row's score is kept by its key (``Scoring.memo_*``, direct-mapped, kept while the model
    scores) and the trees are walked only for a key not met yet (or pushed out)."""
    cell_start, G = layout.cell_start, layout.groups
    P = people
    K = P.record_day.shape[0]
    W = len(RECENCY_WINDOWS)
    row, nodes, new = buffers.row, buffers.nodes, buffers.new
    keys = (cell_start.shape[0] - 1) * 4  # how many keys there are: the cache only where they
    for _ in range(K):  # fit in 62 bits
        keys = min(keys * (W + 1), np.int64(1) << 62)
    memo = keys < (np.int64(1) << 62) and memo_key.shape[0] > 1
    memo_shift = np.uint64(64 - _log2(max(2, memo_key.shape[0])))
    # the keys, a kind at a time over the chunk (as _logistic_chunk's terms), in ``new``
    ulo, uhi = np.uint64(lo), np.uint64(hi)
    cell = np.searchsorted(cell_start, lo, side="right") - 1
    a = lo
    while a < hi:
        z = min(hi, cell_start[cell + 1])
        for ui in range(np.uint64(a), np.uint64(z)):
            new[ui - ulo] = cell
        cell += 1
        a = z
    out0, out1, out2 = t - WINDOW_0, t - WINDOW_1, t - WINDOW_2
    for k in range(K):
        for ui in range(ulo, uhi):
            day = np.int64(P.record_day[k, ui])
            r = np.int64(1) if day <= out0 else np.int64(0)
            r = 2 if day <= out1 else r
            r = 3 if day <= out2 or day == 0 else r  # the first window it is in; W: none
            new[ui - ulo] = new[ui - ulo] * (W + 1) + r
    cell = np.searchsorted(cell_start, lo, side="right") - 1
    h = lo
    while h < hi:
        e = h + 1
        while e < hi and (P.flags[e] & HOUSEHOLD_START) == 0:
            e += 1
        in_house = 0
        for i in range(h, e):
            in_house += listed_since(t, i, P)
        for i in range(h, e):
            while i >= cell_start[cell + 1]:
                cell += 1
            own = listed_since(t, i, P)
            others = in_house - own > 0
            key = new[i - lo] * 4 + own * 2 + others
            slot = (np.uint64(key) * MEMO_HASH) >> memo_shift
            if memo and memo_key[slot] == key:
                new[i - lo] = memo_score[slot]
                continue
            _feature_row(t, i, cell, G, own, others, scoring, P, row)
            v = scoring.smax - _cuts_at_or_below(scoring, _tree_logit(row, nodes, scoring))
            memo_key[slot] = key
            memo_score[slot] = v
            new[i - lo] = v
        h = e


@inline
def _log2(n):
    """log2 of a power of two."""
    k = 0
    while (1 << k) < n:
        k += 1
    return k


@inline
def listed_since(t, i, people):
    """1 where person i was on some list at the end of day t - 1 (the learned scorer's feature)."""
    for xl in range(people.list_until.shape[0]):
        if people.list_until[xl, i] >= t:
            return 1
    return 0


@inline
def _feature_row(t, i, cell, G, own, others, scoring, people, row):
    """Person i's feature row (learned.features: recency by kind, listed, ``others`` in the
    household listed, region, group) into ``row``."""
    P = people
    K = P.record_day.shape[0]
    W = len(RECENCY_WINDOWS)
    listed_at = K * W
    region_at = listed_at + 2
    group_at = region_at + scoring.regions
    for k in range(K):
        day = np.int64(P.record_day[k, i])  # 1 + the latest record's day, 0 for none
        for j in range(W):  # a record on day d is in the last w days: d >= t - w
            row[k * W + j] = 1 if day > 0 and day + RECENCY_WINDOWS[j] > t else 0
    row[listed_at] = own
    row[listed_at + 1] = 1 if others else 0
    for c in range(region_at, row.shape[0]):  # regions, groups (and the column past them)
        row[c] = 0
    row[region_at + cell // G] = 1
    if scoring.use_group:
        row[group_at + cell % G] = 1


@inline
def _tree_logit(row, nodes, forest):
    """The baseline plus, per tree, the value of the leaf ``row`` reaches (boosting.logits);
    ``nodes`` is a buffer of one node per tree; ``forest``: a Scoring of boosted trees."""
    for r in range(nodes.shape[0]):  # (a loop: a slice copy would allocate)
        nodes[r] = forest.root[r]
    for _ in range(forest.depth):
        for r in range(nodes.shape[0]):
            node = forest.node[nodes[r]]  # feature, left_at_most, left, right
            nodes[r] = node[2 + np.int32(np.int32(row[node[0]]) > node[1])]
    logit = np.int64(forest.intercept)
    for r in range(nodes.shape[0]):
        logit += forest.value[nodes[r]]
    return logit


@inline
def _cuts_at_or_below(scoring, logit):
    """How many of the ascending ``scoring.cut`` are at or below ``logit``
    (learned.score_from_logit's ``searchsorted(side="right")``): the count below the start of
    the logit's bucket (``kernel_records.cut_buckets``), then the few cuts from there on."""
    cut = scoring.cut
    if logit < scoring.bucket_lo:
        return 0
    b = min((logit - scoring.bucket_lo) >> scoring.bucket_shift, scoring.bucket_base.shape[0] - 1)
    a = scoring.bucket_base[b]
    while a < cut.shape[0] and cut[a] <= logit:
        a += 1
    return a
