"""Fixed point for the learned scorer's logits: whole multiples of 2**-16 (``plan.LOGIT_SCALE``).

A model's parameters (the logistic weights and intercept, or the boosted trees' leaf values and
baseline) are rounded once, here, and both engines add the same integers, so they compute the
same logit bit for bit whatever order they add in.
"""

from __future__ import annotations

import numpy as np

from socialcredit.plan import LOGIT_SCALE

# int32 values in int64: |value| < 32768 in logit units (never near; clipped all the same, so
# a sum of a few thousand terms cannot overflow int64)
WEIGHT_BOUND = 2**31 - 1


def to_fixed(value: np.ndarray | float) -> np.ndarray:
    """Round to whole multiples of 2**-16 (int64 holding int32 values), halves to even."""
    q = np.rint(np.asarray(value, dtype=np.float64) * LOGIT_SCALE)
    return np.clip(q, -WEIGHT_BOUND, WEIGHT_BOUND).astype(np.int64)
