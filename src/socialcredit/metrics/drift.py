"""Was the headline still drifting at the end? A trend check over the last quarter of the run.

The headline figure is the number of people under a sanction each day. Over the last quarter of
the reported days (at least ``MIN_DAYS``), a least-squares line through the daily count gives the
*fitted change* over the window (slope x (days - 1)). The count moves only when someone's sanction
starts (+1) or ends (-1); with no drift starts and ends balance, and their net over the window
has a variance of about their number (independent +1 and -1 events), so the noise allowed is
``sqrt(starts + ends)``. Ends are exact: ends = starts - (last day's count - the count the day
before the window). The figure is *still drifting* when the fitted change exceeds
``Z`` noise units. The line averages out day-to-day wobble that the endpoint difference keeps, and
the endpoint difference of a steady count has at most this variance (for a queue whose stays
last longer than the window it is about equal; for shorter stays, less), so a steady run is
called drifting rarely (under 5%: two standard deviations); a real drift of a few percent is
found in any run whose count reaches the hundreds.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

Z = 2.0  # noise units: about 5% two-sided for a steady count (a normal approximation)
MIN_DAYS = 8  # shorter windows cannot show a trend; the check then says "too short to tell"
RULE = (
    "least-squares change of the daily number of people under a sanction over the last quarter "
    f"of the reported days, against {Z:g} x sqrt(sanction starts + ends in that quarter)"
)


def drift_check(sanctioned: np.ndarray, starts: np.ndarray) -> dict[str, Any]:
    """The check on ``sanctioned`` (people under a sanction per reported day) with ``starts``
    (sanctions starting per day), for summary.json's ``drift``."""
    days = len(sanctioned)
    n = days // 4
    out: dict[str, Any] = {"figure": "people under a sanction per day", "rule": RULE}
    if n < MIN_DAYS:
        return out | {"window_days": n, "still_drifting": None}
    first = days - n
    y = sanctioned[first:].astype(np.float64)
    x = np.arange(n, dtype=np.float64)
    x -= x.mean()
    slope = float((x * (y - y.mean())).sum() / (x * x).sum())
    change = slope * (n - 1)
    began = int(starts[first:].sum())
    before = int(sanctioned[first - 1]) if first > 0 else 0
    ended = began - (int(sanctioned[-1]) - before)
    noise = math.sqrt(max(began + ended, 0))
    mean = float(y.mean())
    return out | {
        "window_days": n,
        "first_day": first,
        "fitted_change": change,
        "relative_change": change / mean if mean else None,
        "starts": began,
        "ends": ended,
        "noise": noise,
        "still_drifting": bool(abs(change) > Z * noise),
    }
