"""Time series of a run with replicates carry each line's 90% interval of the mean as a band."""

from __future__ import annotations

import numpy as np

from socialcredit.metrics.intervals import mean_band
from socialcredit.report import charts


def test_appeals_lines_carry_their_bands_drawn_beneath_them() -> None:
    rng = np.random.default_rng(3)
    days = np.arange(50)
    filed = rng.poisson(4.0, size=(5, 50))  # [replicate, day]
    decided = np.minimum(filed, rng.poisson(3.0, size=(5, 50)))
    won = rng.binomial(decided, 0.3)
    cum = {k: np.cumsum(v, axis=1) for k, v in (("filed", filed), ("decided", decided),
                                                ("won", won))}  # fmt: skip
    bands = {k: mean_band(v) for k, v in cum.items()}
    bands["pending"] = mean_band(cum["filed"] - cum["decided"])
    figure = charts.appeals_over_time(
        days, filed.mean(axis=0), decided.mean(axis=0), won.mean(axis=0), bands=bands
    )
    traces = figure["data"]
    assert len(traces) == 4 * 3  # each line after its band's two edges
    for k, name in enumerate(("filed", "decided", "won", "pending")):
        lo, hi, line = traces[3 * k : 3 * k + 3]
        assert line["name"] == name and hi["fill"] == "tonexty" and lo["fill"] is None
        mean = np.array(line["y"], dtype=float)
        # the line is the mean of the replicates, so it lies inside its own band (rounded to
        # five significant digits on the page)
        assert np.all(np.array(lo["y"]) <= mean * (1 + 1e-4) + 1e-9)
        assert np.all(mean <= np.array(hi["y"]) * (1 + 1e-4) + 1e-9)
    without = charts.appeals_over_time(days, filed[0], decided[0], won[0])
    assert [t["name"] for t in without["data"]] == ["filed", "decided", "won", "pending"]
