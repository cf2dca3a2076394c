"""Compiled loops of the close of a day: tallies into count columns, the score histogram into
score statistics (``collector.record_day`` calls them).

On a dozen cells these are a few thousand additions a day. Written as NumPy calls (one per column
group, tier sum and statistic: about a hundred a day), the calls' own overhead made them 0.2 to
0.4 ms a day at 1e5 people, half of an ensemble member's bookkeeping outside the engine's kernel;
compiled, record_day takes 0.04 to 0.09 ms. Integer sums give the same counts in any order, and
the statistics keep the float operations of the NumPy formulation (``score_stats``), so the
columns have the same bits. Compiled on first use and cached on disk (``kernel_cache.py``);
importing this module compiles nothing.
"""

from __future__ import annotations

import numpy as np

from socialcredit.kernel_cache import kernel

QUANTILES = (0.1, 0.5, 0.9)  # score_p10, score_p50, score_p90


@kernel(nogil=True, cache=True, _nrt=False)
def sum_columns(entries, column, first, source, counts):
    """``counts[cell, column[j]]`` = the sum of ``entries[cell, source[first[j]:first[j + 1]]]``
    (a copy where there is one source, zero where there is none)."""
    for c in range(entries.shape[0]):
        for j in range(column.shape[0]):
            total = np.int64(0)
            for i in range(first[j], first[j + 1]):
                total += entries[c, source[i]]
            counts[c, column[j]] = total


# error_model="numpy": a float division by zero gives what NumPy's gives (an empty cell's 0 / 0 is
# the machine's NaN, whose sign bit the stored columns keep) instead of raising.
@kernel(nogil=True, cache=True, _nrt=False, error_model="numpy")
def score_stats(hist, score_min, shadow_sum, stats):
    """Per cell, from the score histogram ``hist`` [cell, score - score_min] and the sum of the
    shadow scores: mean, 10th, 50th and 90th percentile score, and mean shadow score (NaN for an
    empty cell).

    The mean is the integer sum of the people's scores, as a float, over the people: the same bits
    as NumPy's ``hist @ scores / people`` in floats, whose every partial sum is a whole number
    below 2**53 (at most people x the largest score's size), so exact in any order. The
    q-quantile is the first score whose cumulative count reaches ``ceil(q * people)``, with that
    float product and rounding."""
    for c in range(hist.shape[0]):
        people = np.int64(0)
        points = np.int64(0)
        for w in range(hist.shape[1]):
            people += hist[c, w]
            points += hist[c, w] * (score_min + w)
        stats[c, 0] = np.float64(points) / np.float64(people)
        stats[c, 4] = np.float64(shadow_sum[c]) / np.float64(people)
        if people == 0:
            for k in range(len(QUANTILES)):
                stats[c, 1 + k] = np.nan
            continue
        # one walk up the cumulative counts finds the quantiles in turn (they ascend); a target
        # is at most ``people``, so the walk ends inside the row (the bound only guards memory)
        cumulative = np.int64(0)
        w = -1
        for k in range(len(QUANTILES)):
            target = np.int64(np.ceil(QUANTILES[k] * np.float64(people)))
            while cumulative < target and w + 1 < hist.shape[1]:
                w += 1
                cumulative += hist[c, w]
            stats[c, 1 + k] = np.float64(score_min + w)
