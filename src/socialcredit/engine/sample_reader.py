"""What the learned scorer reads of the people it samples, wherever their state lives.

The learner (learned.py) and its audit (learned_audit.py) never touch a ``State``: they ask a
reader for the feature rows of the people they sample and, a horizon later, for their labels.
In one process the reader reads the engine's state (``learned.StateReader``); on a cluster the
people live in the shards' workers, and the driver's reader (cluster.ShardedReader) asks each
worker for its part, in its own indices, and joins the answers in shard order. Either way the
answers are the same arrays, so a run learns the same models wherever its shards are.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np


class SampleReader(Protocol):
    """The people of a run, as the learner reads them. ``who``: ascending indices into the
    whole population; every answer is in that order."""

    @property
    def size(self) -> int:
        """People in the population (the learner draws its samples from 0 .. size - 1)."""
        ...

    def rows(self, t: int, who: np.ndarray) -> np.ndarray:
        """Feature rows [len(who), F] (uint8) on the morning of day ``t`` (learned.features)."""
        ...

    def system_labels(self, t0: int, who: np.ndarray) -> np.ndarray:
        """1 where the system holds a disfavoured record from day ``t0`` on (labels.py)."""
        ...

    def true_labels(self, t0: int, who: np.ndarray) -> np.ndarray:
        """1 where the person performed a disfavoured act from day ``t0`` on (labels.py)."""
        ...
