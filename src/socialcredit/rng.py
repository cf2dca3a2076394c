"""Counter-based random numbers: every draw is a pure function of (seed, stream, person, day).

So results do not depend on threads, shards or the order people are visited; one person's history
can be replayed alone; and two scenarios that share a seed share their random numbers wherever
their rules agree (common random numbers), which keeps policy comparisons free of needless noise.

The counter packs ``person << 24 | day << 8 | stream`` (people < 2**40, days < 2**16, streams
< 256), is spread by the golden-ratio multiplier, offset by a key derived from the seed, and mixed
by the SplitMix64 finaliser (Steele, Lea & Flood 2014). Multiplication by an odd constant and the
finaliser are bijections on 64-bit integers, so distinct counters never share a draw.
"""

from __future__ import annotations

import numpy as np

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
MIX1 = np.uint64(0xBF58476D1CE4E5B9)
MIX2 = np.uint64(0x94D049BB133111EB)
TO_UNIT = 2.0**-53

MAX_DAYS = 2**16
MAX_PEOPLE = 2**40

# One stream per random decision (DESIGN.md: "a named random stream per decision").
ACT = 1
# 2 was ACT_PICK, which act, until each behaviour owned a slot of ACT's draw (Plan.act_scaled)
ERROR = 3
# 4 was ERROR_PICK, the error channel's own draw until each channel owned a slot of ERROR's
HOUSEHOLD = 7
TRAIT_A = 8
TRAIT_B = 9
KEEP_WRONGFUL = 10  # which wrongly sanctioned people a large run's index keeps
LEARN_SAMPLE = 11  # the learned scorer's training sample (counter: sample slot, not person)
LEARN_AUDIT = 12  # its held-out audit sample (engine/learned_audit.py; counter: sample slot)
LEARN_FIT = 13  # the seed of a learned model's own randomness (scikit-learn's random_state)
LEND_APPLY = 14  # who applies for a loan in a lending round (engine/lending.py)
LEND_TIE = 15  # the lottery among applicants of equal score at a group's cut-off
LEND_REPAY = 16  # whether a borrower repays
OBSERVE = 32  # + source index (< 16)
MISATTRIBUTE = 48  # + source index (< 16)
COMPLY = 64  # + list index (< 8)
APPEAL_FILE = 80  # + list index
APPEAL_WIN = 88  # + list index
ENCOUNTER = 96  # + consequence index (< 64): attempts to use what a sanction denies


def _mix(z: np.ndarray) -> np.ndarray:
    """SplitMix64 finaliser, in place on ``z`` (a fresh uint64 array) to spare temporaries."""
    z ^= z >> np.uint64(30)
    z *= MIX1
    z ^= z >> np.uint64(27)
    z *= MIX2
    z ^= z >> np.uint64(31)
    return z


def seed_key(seed: int) -> np.uint64:
    """The per-run key: the seed, mixed so that neighbouring seeds give unrelated streams."""
    z = np.array([seed % 2**64], dtype=np.uint64) * GOLDEN
    return _mix(z)[0]


def offset_key(key: np.uint64, first_person: int) -> np.uint64:
    """The key under which local index i draws what global person ``first_person + i`` draws.

    The counter's person field starts at bit 24 and the low 24 bits hold day and stream, so
    ((i + first) << 24 | c) * GOLDEN + key == (i << 24 | c) * GOLDEN + (first << 24) * GOLDEN + key
    (mod 2**64): a shard or a window of people needs only a shifted key.
    """
    shift = np.array([first_person], dtype=np.uint64) << np.uint64(24)
    return (shift * GOLDEN + np.array([key], dtype=np.uint64))[0]


def person_counters(people: np.ndarray) -> np.ndarray:
    """Shift person indices into place once; ``uniform`` then ORs in day and stream."""
    return people.astype(np.uint64) << np.uint64(24)


def uniform(key: np.uint64, stream: int, counters: np.ndarray, day: int) -> np.ndarray:
    """Uniform doubles in [0, 1), one per entry of ``counters`` (from ``person_counters``)."""
    z = counters | np.uint64((day << 8) | stream)
    z *= GOLDEN
    z += key
    _mix(z)
    z >>= np.uint64(11)
    out = z.astype(np.float64)
    out *= TO_UNIT
    return out
