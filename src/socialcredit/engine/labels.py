"""The two labels of a learned scorer's sample: what the system records, and what happened.

Both ask about days t0 .. t - 1 (the horizon after the snapshot of day t0) and read the state on
the morning of day t, where the latest days are kept as 1 + the day (0 for none), so "on day t0
or later" is "> t0":

- ``system_labels``: the system holds a disfavoured record of the person from those days, true
  or erroneous (it cannot tell). The model trains on this (learned.py) and the audit's
  ``records`` basis is this (learned_audit.py).
- ``true_labels``: the person performed a disfavoured act on one of those days, recorded or not
  (state.disfavoured_day): the audit's ``truth`` basis. Only the simulator knows it.
"""

from __future__ import annotations

import numpy as np

from socialcredit.plan import LearnedScorer
from socialcredit.state import State


def system_labels(s: LearnedScorer, state: State, who: np.ndarray, t0: int) -> np.ndarray:
    """1 where the system holds a disfavoured record of the person from day t0 on (int64)."""
    bad = state.record_day[:, who][s.kind_disfavoured]  # the sample's columns first: not a
    return (bad > t0).any(axis=0).astype(np.int64)  # copy of every person's records


def true_labels(state: State, who: np.ndarray, t0: int) -> np.ndarray:
    """1 where the person performed a disfavoured act from day t0 on (int64)."""
    return (state.disfavoured_day[0, who] > t0).astype(np.int64)
