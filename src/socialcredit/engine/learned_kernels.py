"""Numba kernels of the fast engine for stage 4 under a learned model (engine/learned.py).

Both models score from the same feature columns as engine/learned.py ``features`` builds them
(the recency of each record kind's latest record, listed, a household member listed, the region,
the group where asked):

- the logistic model a term at a time: the intercept and the cell's weights, per record kind the
  tail of its recency weights from the first window the latest record is in
  (``kernel_records.Scorer.kind_tail``), then the listed terms: the reference's integer sum of
  the active features' weights, in another order (integers, so the same sum);
- gradient-boosted trees (``kernel_records.Forest``) by a key of the feature row (the cell and
  each kind's recency, a digit a term at a time, then listed and household-listed), scores kept
  by key; for a key not met yet the feature row (``_feature_row``) is walked down every tree of
  the flattened ensemble: the baseline plus the leaves' values, ``boosting.logits`` bit for bit.

Who is scored: everybody on a morning a new model starts (the logistic model then over the whole
chunk in loops that LLVM vectorises, ``_logistic_chunk``), else only the people *due*
(``Scoring.due``): a person's features change only when a record of theirs leaves a recency
window (a day known when they are scored: ``_next_window_edge``), when something is recorded of
them or their listing changes (in the day's busy pass, which makes them due the next morning, and
their household too where their listing changed: kernels._due_tomorrow), and, while anyone in
their household is listed, any day (a listing ends by time, compliance or an appeal: they are due
daily then). In the default preset about one person in ten is due on a morning; the rest keep
their score, which is what the model would give them again.

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
# a due day (Scoring.due) past any run: no record will leave a window
NEVER = np.int32(np.iinfo(np.int32).max)


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
    n = score_chunk(lo, hi, t, True, layout, scoring, people, buffers, memo_key, memo_score)
    for q in range(n):
        people.score[lo + q] = buffers.new[q]


@inline
def score_buffers(scoring, people, layout, max_chunk):
    """A lane's scratch arrays for ``score_chunk`` (``kernel_records.ScoreBuffers``)."""
    return ScoreBuffers(
        np.zeros(row_width(scoring, people, layout), np.uint8),
        np.empty_like(scoring.root),
        np.empty(max_chunk, np.int64),
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
def score_chunk(lo, hi, t, everyone, layout, scoring, people, buffers, memo_key, memo_score):
    """The learned scores of people lo..hi-1 (whole households) on the morning of day ``t``,
    from what the system held at the end of day t - 1; ``memo_*``: the trees' cache (a lane's
    row of ``Scoring.memo_*``). Scores everybody (``everyone``) or only the people due
    (``Scoring.due`` at or before t: everybody else's features, so their score, are what they
    were when last scored); returns how many, the q-th ``buffers.who[q]`` with score
    ``buffers.new[q]`` (ascending; with ``everyone``, who[q] = lo + q; the logistic model then
    leaves ``who`` as it is), and sets each one's next due day: the next morning a record of
    theirs leaves a window (``_next_window_edge``), or tomorrow while anyone in their household
    is listed (``_listed_terms``).

    A term at a time over the list (loops whose loads do not wait on one another, where a
    person at a time waits on each of the K rows of records in turn): the cell's terms, then
    per record kind its recency (the logistic model adds the tail of the kind's weights from
    the first window its latest record is in, ``Scorer.kind_tail``; the trees' key gains a
    digit), then person by person the listed terms and the score. Integer sums: the order of
    the terms does not matter.

    A function of its own, called once per chunk, not inlined: inlined into the day's kernel,
    both models' code doubled the kernel's compile time (a cold CI compiles it)."""
    P, due = people, scoring.due
    who, new = buffers.who, buffers.new
    if everyone and scoring.kind == LOGISTIC:  # the whole chunk, vectorised
        _logistic_chunk(lo, hi, t, layout, scoring, P, new)
        return hi - lo
    n = _people_due(lo, hi, t, everyone, due, who)
    _cell_terms(n, who, lo, layout, scoring, P, new)
    if scoring.kind == LOGISTIC:
        for k in range(P.record_day.shape[0]):
            tails = scoring.kind_tail[k]
            for q in range(n):
                i = who[q]
                day = np.int64(P.record_day[k, i])
                new[q] += tails[_window_of(t, day)]
                due[i] = min(due[i], _next_window_edge(t, day))
        _logistic_finish(n, who, lo, hi, t, scoring, P, new)
    else:
        for k in range(P.record_day.shape[0]):
            for q in range(n):
                i = who[q]
                day = np.int64(P.record_day[k, i])
                new[q] = new[q] * (len(RECENCY_WINDOWS) + 1) + _window_of(t, day)
                due[i] = min(due[i], _next_window_edge(t, day))
        _boosted_finish(n, who, lo, hi, t, layout, scoring, P, buffers, memo_key, memo_score)
    return n


@inline
def _logistic_chunk(lo, hi, t, layout, s, people, new):
    """The logistic model's scores of everybody in the chunk, a term at a time (loops that LLVM
    vectorises, where a person at a time waits on each lookup): the intercept and the cell's
    region and group weights; per record kind, the tail of its recency weights from the first
    window its latest record is in (``Scorer.kind_tail``); the listed terms, household by
    household; then the cuts. Integer sums: the order of the terms does not matter. The due
    days as ``score_chunk`` sets them, in the same passes."""
    cell_start, G = layout.cell_start, layout.groups
    P = people
    due = s.due
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
            due[ui] = NEVER
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
            due[ui] = min(due[ui], _next_window_edge(t, day))
    own_w, house_w = s.weights[listed_at], s.weights[listed_at + 1]
    h = lo
    while h < hi:
        e = household_end(h, hi, P)
        in_house = listed_in(h, e, t, P)
        if in_house:  # (most households: nobody listed)
            for i in range(h, e):
                own = listed_since(t, i, P)
                new[i - lo] += own * own_w + (house_w if in_house - own > 0 else 0)
                due[i] = t + 1
        h = e
    for ui in range(ulo, uhi):
        new[ui - ulo] = s.smax - _cuts_at_or_below(s, new[ui - ulo])


@inline
def _people_due(lo, hi, t, everyone, due, who):
    """The people of lo..hi-1 to score this morning into ``who``, ascending, with their due
    day reset (to be lowered to the next one as their features are read); returns how many.
    Without branches (which would mispredict)."""
    n = 0
    for i in range(lo, hi):
        who[n] = i
        take = everyone or due[i] <= t
        n += take
        due[i] = NEVER if take else due[i]
    return n


@inline
def _cell_terms(n, who, lo, layout, s, people, new):
    """Per person the part of the cell (region, group): the logistic model's intercept and
    weights, the trees' key's first digit (the cell)."""
    cell_start, G = layout.cell_start, layout.groups
    region_at = len(RECENCY_WINDOWS) * people.record_day.shape[0] + 2
    cell = np.searchsorted(cell_start, lo, side="right") - 1
    base = np.int64(0)
    first = True
    for q in range(n):
        i = who[q]
        if first or i >= cell_start[cell + 1]:
            while i >= cell_start[cell + 1]:
                cell += 1
            first = False
            if s.kind == LOGISTIC:
                base = np.int64(s.intercept) + s.weights[region_at + cell // G]
                if s.use_group:
                    base += s.weights[region_at + s.regions + cell % G]
            else:
                base = cell
        new[q] = base


@inline
def _logistic_finish(n, who, lo, hi, t, s, people, new):
    """The logistic model's listed terms (person i listed, a member of their household listed),
    person by person, then the score."""
    listed_at = len(RECENCY_WINDOWS) * people.record_day.shape[0]
    own_w, house_w = s.weights[listed_at], s.weights[listed_at + 1]
    for q in range(n):
        own, others = _listed_terms(who[q], lo, hi, t, s, people)
        logit = new[q] + own * own_w + (house_w if others else 0)
        new[q] = s.smax - _cuts_at_or_below(s, logit)


@inline
def _boosted_finish(n, who, lo, hi, t, layout, s, people, buffers, memo_key, memo_score):
    """The trees' scores, person by person. A feature row is fixed by a key: the cell, each
    kind's recency (0 to W), listed, a household member listed; most people share theirs with
    many others, so a row's score is kept by its key (``Scoring.memo_*``, direct-mapped, kept
    while the model scores) and the trees are walked only for a key not met yet (or pushed
    out)."""
    cell_start, G = layout.cell_start, layout.groups
    new = buffers.new
    memo, memo_shift = _memo_of(layout, people, memo_key)
    cell = np.searchsorted(cell_start, lo, side="right") - 1
    for q in range(n):
        i = who[q]
        while i >= cell_start[cell + 1]:
            cell += 1
        own, others = _listed_terms(i, lo, hi, t, s, people)
        key = new[q] * 4 + own * 2 + (1 if others else 0)
        slot = (np.uint64(key) * MEMO_HASH) >> memo_shift
        if memo and memo_key[slot] == key:
            new[q] = memo_score[slot]
            continue
        _feature_row(t, i, cell, G, own, others, s, people, buffers.row)
        v = s.smax - _cuts_at_or_below(s, _tree_logit(buffers.row, buffers.nodes, s))
        memo_key[slot] = key
        memo_score[slot] = v
        new[q] = v


@inline
def _listed_terms(i, lo, hi, t, s, people):
    """Whether person i was listed at the end of day t - 1, and whether another member of
    their household was (households never straddle the chunk lo..hi); while anyone in it is
    listed, i is due again tomorrow (a listing ends on a day of its own, by time, compliance
    or an appeal)."""
    h = household_start(i, people)
    in_house = listed_in(h, household_end(h, hi, people), t, people)
    own = listed_since(t, i, people)
    if in_house:
        s.due[i] = t + 1
    return own, in_house - own > 0


@inline
def _memo_of(layout, people, memo_key):
    """Whether the trees' cache is used (its keys fit in 62 bits), and the shift that takes a
    key's hash to a slot."""
    W = len(RECENCY_WINDOWS)
    keys = (layout.cell_start.shape[0] - 1) * 4  # how many keys there are
    for _ in range(people.record_day.shape[0]):
        keys = min(keys * (W + 1), np.int64(1) << 62)
    memo = keys < (np.int64(1) << 62) and memo_key.shape[0] > 1
    return memo, np.uint64(64 - _log2(max(2, memo_key.shape[0])))


@inline
def _window_of(t, day):
    """The first recency window a record of ``day`` (1 + its day, 0 for none) is in on the
    morning of day t (a record on day d is in the last w days when d + 1 + w > t); W: none."""
    r = np.int64(1) if day <= t - WINDOW_0 else np.int64(0)
    r = 2 if day <= t - WINDOW_1 else r
    return 3 if day <= t - WINDOW_2 or day == 0 else r


@inline
def _next_window_edge(t, day):
    """The first morning after t on which a record of ``day`` (1 + its day, 0 for none) has
    left one more recency window (on morning day + w it is out of window w); NEVER: none left."""
    e = day + WINDOW_2 if day + WINDOW_2 > t else NEVER
    e = day + WINDOW_1 if day + WINDOW_1 > t else e
    e = day + WINDOW_0 if day + WINDOW_0 > t else e
    return np.int32(NEVER if day == 0 else e)


@inline
def household_end(h, hi, people):
    """One past the last member of the household that starts at h (chunk end ``hi``)."""
    e = h + 1
    while e < hi and (people.flags[e] & HOUSEHOLD_START) == 0:
        e += 1
    return e


@inline
def household_start(i, people):
    """The first member of person i's household."""
    h = i
    while (people.flags[h] & HOUSEHOLD_START) == 0:
        h -= 1
    return h


@inline
def listed_in(h, e, t, people):
    """How many of people h..e-1 were listed at the end of day t - 1 (``listed_since``)."""
    n = 0
    for i in range(h, e):
        n += listed_since(t, i, people)
    return n


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
