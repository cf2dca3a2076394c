"""What a lending round reads and moves of the people, wherever their state lives.

The lender (lending.py) never touches a ``State``: it asks a book for the morning's census, for
the round's applicants with the few numbers it ranks them by and draws on, and to move the
borrowers' scores. In one process the book is the engine's state (``StateBook``); on a cluster
the people live in the shards' workers, each with a ``StateBook`` over its own people, and the
driver's book (cluster.ShardedBook) asks them and joins their answers in shard order. Either way
the answers are the same arrays, so a run lends the same wherever its shards are.

The census sums true repayment probabilities in floating point, whose last bits depend on the
order of the additions. One process adds people in index order within blocks of ``BLOCK`` and
then adds up the blocks' sums; the blocks are cut at multiples of ``BLOCK`` of the global
person index, and a shard continues the sum of a block its predecessor began (``tally``'s
``carry``), so joining the shards' parts (``join``) gives one process's bits for any number
of shards. That chain is the one part of a round the shards do one after another.
"""

from __future__ import annotations

from typing import NamedTuple, Protocol

import numpy as np

from socialcredit import rng
from socialcredit.engine import lending
from socialcredit.engine.lending import Census, People, applicants, remember
from socialcredit.plan import Plan
from socialcredit.state import HAS_RECORD, State


class Applicants(NamedTuple):
    """A round's applicants, ascending by person, and what the lender reads of them."""

    who: np.ndarray  # the book's indices (global people on a cluster's driver)
    counter: np.ndarray  # their counters for the lender's draws (rng.person_counters)
    group: np.ndarray
    score: np.ndarray
    truth: np.ndarray  # the score their true P(repay) is read at: shadow or score (lending.py)


class CensusPart(NamedTuple):
    """The census of a run of consecutive people (``tally``): additive counts, and the sums of
    true P(repay) per block, in blocks cut at global multiples of ``lending.BLOCK``."""

    people: np.ndarray  # [G * W] int64: people per group and score
    done: list[np.ndarray]  # [G * W] float64 each: the sums of the blocks that end here
    open: np.ndarray | None  # the sum so far of the block still open at the end (None: none)


class LendingBook(Protocol):
    """The people of a run, as the lender reads and moves them."""

    def census(self, t: int) -> Census:
        """The morning of day ``t``'s people per group and score, and the lender's belief."""
        ...

    def applicants(self, t: int) -> Applicants:
        """Who applies in the round of day ``t`` (stream LEND_APPLY), ascending."""
        ...

    def move(self, t: int, who: np.ndarray, change: np.ndarray) -> np.ndarray:
        """Move the borrowers ``who`` (the book's indices, any order) by ``change``; the
        score's actual moves, in the order of ``who``."""
        ...


def tally(plan: Plan, state: State, people: People, carry: np.ndarray | None = None) -> CensusPart:
    """The census part of ``state``'s people (``people.first`` onwards, globally). ``carry``:
    the open block's sum from the people just before them (another shard's ``open``)."""
    G, W = len(plan.groups), plan.score_max - plan.score_min + 1
    shadow = plan.lending is not None and plan.lending.truth == "shadow"
    count, done, partial = np.zeros(G * W, np.int64), [], carry
    a, n, block = 0, len(people), lending.BLOCK
    while a < n:
        b = min(a + block - (people.first + a) % block, n)  # the next global block boundary
        score = state.score[a:b].astype(np.int64) - plan.score_min
        seen = people.group[a:b].astype(np.int64) * W + score
        count += np.bincount(seen, minlength=G * W)
        if shadow:
            partial = _continued(partial, seen, _truth(plan, state.shadow[a:b]), G * W)
            if (people.first + b) % block == 0:
                done.append(partial)
                partial = None
        a = b
    return CensusPart(count, done, partial)


def _truth(plan: Plan, score: np.ndarray) -> np.ndarray:
    assert plan.lending is not None
    return plan.lending.curve[score.astype(np.int64) - plan.score_min]


def _continued(partial: np.ndarray | None, seen: np.ndarray, truth: np.ndarray,
               size: int) -> np.ndarray:  # fmt: skip
    """Per bin, ``partial`` plus the ``truth`` of ``seen`` added one by one in order, as one
    bincount over the whole block would: the partial sums go in first, 0.0 + x being x."""
    if partial is None:
        return np.bincount(seen, weights=truth, minlength=size)
    bins = np.concatenate([np.arange(size), seen])
    return np.bincount(bins, weights=np.concatenate([partial, truth]), minlength=size)


def join(plan: Plan, parts: list[CensusPart]) -> Census:
    """The census of consecutive parts, in order: their blocks' sums added up one by one as
    one process adds them; the belief is the calibrated curve (lending.py, step 2)."""
    assert plan.lending is not None
    G, W = len(plan.groups), plan.score_max - plan.score_min + 1
    count = np.sum([part.people for part in parts], axis=0).reshape(G, W)
    total = np.zeros(G * W)
    for block in [b for part in parts for b in part.done] + [parts[-1].open]:
        if block is not None:
            total += block
    if plan.lending.truth == "score":
        belief = np.broadcast_to(plan.lending.curve, (G, W)).copy()
    else:
        mean = total.reshape(G, W) / np.maximum(count, 1)
        belief = np.where(count > 0, mean, plan.lending.curve[None, :])
    return Census(count, belief)


def census(plan: Plan, state: State, people: People) -> Census:
    """The census of a whole state (one process)."""
    return join(plan, [tally(plan, state, people)])


class StateBook:
    """The lender's book (``LendingBook``) over a ``State`` in this process: the whole
    population's, or a shard worker's own (``people.first``: its first person's global index)."""

    def __init__(self, plan: Plan, state: State, people: People) -> None:
        """``people``: each state index's group and global person (for the draws)."""
        assert plan.lending is not None
        self.plan, self.state, self.people = plan, state, people
        self.key = rng.seed_key(plan.seed)

    def census(self, t: int) -> Census:
        return join(self.plan, [self.part()])

    def part(self, carry: np.ndarray | None = None) -> CensusPart:
        """This state's census part (``tally``), continuing ``carry``."""
        return tally(self.plan, self.state, self.people, carry)

    def applicants(self, t: int) -> Applicants:
        s, people = self.state, self.people
        who = applicants(self.plan, people, t, self.key)
        assert self.plan.lending is not None
        truth = s.shadow if self.plan.lending.truth == "shadow" else s.score
        return Applicants(who, people.counters(who), people.group[who], s.score[who], truth[who])

    def move(self, t: int, who: np.ndarray, change: np.ndarray) -> np.ndarray:
        """The score and the shadow score move (step 5). The lender reports the outcome, so
        the system now holds a (true) record on each borrower (HAS_RECORD)."""
        p, s = self.plan, self.state
        s.flags[who] |= HAS_RECORD
        moves = []
        for score, until, points in ((s.score, s.slot_until, s.slot_points),
                                     (s.shadow, s.shadow_slot_until,
                                      s.shadow_slot_points)):  # fmt: skip
            old = score[who].astype(np.int32)
            new = np.clip(old + change, p.score_min, p.score_max)
            score[who] = new
            if p.expire_days:
                remember(t, who, new - old, until, points, p.expire_days)
            moves.append(new - old)
        return moves[0]
