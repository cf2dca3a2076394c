"""The per-person state layout: one compact array per attribute, and what its bits mean.

A foundation module: every engine, the shards, the metrics and the runner read the state through
these names, and the compiled kernels bake these constants in (their disk cache is keyed on this
file, kernel_cache.py), so a change here reaches every engine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from socialcredit.carriers import carriers_of
from socialcredit.plan import ERROR_KINDS, Plan

# Bits of the flags byte.
HOUSEHOLD_START = np.uint8(1)  # first member of a household (set by population synthesis)
SANCTIONED_YESTERDAY = np.uint8(2)
EVER_SANCTIONED = np.uint8(4)
EVER_WRONGFUL = np.uint8(8)
HAS_RECORD = np.uint8(16)  # the system holds at least one record (true or false) on the person

# Days are kept in 15 bits of the uint16 list ends and expiry days; the fast engine marks a list
# entry made today in bit 15 until the appeal queue has heard it.
LAST_DAY = 2**15 - 1
ENTERED = np.uint16(1 << 15)

# ``cause``: the last harmful error record on a person, 0 for none.
CAUSES_PER_SOURCE = len(ERROR_KINDS)


# ``ever``: two bits per sanction carrier k (carriers.py), in byte k // 4: ever under it (bit
# 2 * (k % 4)) and ever wrongly under it (the next bit). One byte for up to four carriers.
CARRIERS_PER_BYTE = 4


def ever_bits(k: int) -> tuple[int, int, int]:
    """Carrier ``k``'s byte of ``ever``, its ever-under bit and its ever-wrongly bit."""
    shift = 2 * (k % CARRIERS_PER_BYTE)
    return k // CARRIERS_PER_BYTE, 1 << shift, 2 << shift


EVER_FLAGS = EVER_SANCTIONED | EVER_WRONGFUL


def forget_ever(state: State) -> None:
    """At reported day 0 after a warm-up: "ever" counts only the reported days (people already
    under a sanction on day 0 count as first under it on day 0). Only tallies read these bits;
    the model's rules do not, so the simulation itself is unchanged."""
    state.flags &= ~EVER_FLAGS
    state.ever[...] = 0


def cause_code(source: Any, kind: Any) -> Any:
    """The ``cause`` byte of an error record of ``kind`` (index into ERROR_KINDS) by ``source``
    (numbers or arrays)."""
    return 1 + source * CAUSES_PER_SOURCE + kind


@dataclass
class State:
    """Per-person state, one compact array per attribute."""

    score: np.ndarray  # int16, the score the system sees
    shadow: np.ndarray  # int16, the score from true records alone
    list_until: np.ndarray  # [L, N] uint16, listed while day < value
    shadow_until: np.ndarray  # [L, N] uint16
    deterrence: np.ndarray  # uint8, 255 = no disfavoured acts at all
    flags: np.ndarray  # uint8: the bits above
    cause: np.ndarray  # uint8, last harmful error record: cause_code(source, kind)
    ever: np.ndarray  # [W, N] uint8: ever (wrongly) under each sanction carrier (ever_bits)
    slot_until: np.ndarray  # [K, N] uint16 expiry day of remembered daily changes (expiry mode)
    slot_points: np.ndarray  # [K, N] int16
    shadow_slot_until: np.ndarray
    shadow_slot_points: np.ndarray
    # [K, N] uint16, learned scorer only (K = 0 otherwise): per record kind (plan.LearnedScorer),
    # 1 + the day of the latest record the system holds (true or erroneous), 0 for none. Days
    # fit: the run's last day is below LAST_DAY.
    record_day: np.ndarray
    # [1, N] uint16 with a learned scorer ([0, N] otherwise): 1 + the day of the person's latest
    # disfavoured act (of a behaviour whose records the scorer's label counts), recorded or
    # not, 0 for none. The ground truth its audit labels with (engine/learned_audit.py); no
    # stage of the model reads it.
    disfavoured_day: np.ndarray

    @staticmethod
    def initial(plan: Plan, flags: np.ndarray) -> State:
        """Everyone at the start; ``flags`` are the population's (household starts)."""
        n, lists = len(flags), len(plan.lists)
        slots = plan.slots if plan.expire_days else 0
        return State(
            score=np.full(n, plan.score_start, dtype=np.int16),
            shadow=np.full(n, plan.score_start, dtype=np.int16),
            list_until=np.zeros((lists, n), dtype=np.uint16),
            shadow_until=np.zeros((lists, n), dtype=np.uint16),
            deterrence=np.zeros(n, dtype=np.uint8),
            flags=flags.copy(),
            cause=np.zeros(n, dtype=np.uint8),
            ever=np.zeros((carriers_of(plan).ever_bytes, n), dtype=np.uint8),
            slot_until=np.zeros((slots, n), dtype=np.uint16),
            slot_points=np.zeros((slots, n), dtype=np.int16),
            shadow_slot_until=np.zeros((slots, n), dtype=np.uint16),
            shadow_slot_points=np.zeros((slots, n), dtype=np.int16),
            record_day=np.zeros((plan.scorer.kinds if plan.scorer else 0, n), dtype=np.uint16),
            disfavoured_day=np.zeros((1 if plan.scorer else 0, n), dtype=np.uint16),
        )

    def nbytes(self) -> int:
        """Bytes of per-person state (the population's trait byte is counted by the caller)."""
        return sum(v.nbytes for v in vars(self).values())
