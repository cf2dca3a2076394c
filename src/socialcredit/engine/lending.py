"""Lending with delayed impact (Liu, Dean, Rolf, Simchowitz & Hardt, ICML 2018), in the daily loop.

A round opens the morning of reported day 0 and every ``plan.lending.every`` days after it,
before stage 1, from the scores as they stood at the end of yesterday (``DayLoop.lend``, shared
by every in-process engine, so both engines move the same scores by the same points):

1. **Applicants.** Each person applies with probability ``apply_share`` (stream LEND_APPLY).
2. **The lender's belief.** The lender knows P(repay) as a function of the score it sees, per
   group, as Liu et al.'s lender does: here the *calibrated* curve, the mean true repayment
   probability of everybody in the group at each score that morning (the repay curve itself
   where nobody holds a score, or where the truth is the score). Where record errors corrupt
   a group's scores more, a low score says less about that group's risk, and its curve differs.
3. **Policy.** Applicants of each group are ranked by score, best first, ties broken by a
   lottery (stream LEND_TIE); the policy picks how many of each group's ranking are lent to:
   max_profit (each group where its expected utility peaks), single_threshold (one score
   cut-off for all, the most profitable), demographic_parity (equal selection rates, within
   1/applicants), equal_opportunity (equal expected true positive rates: the share of the
   group's would-be repayers that is lent to, within one applicant's). The fair policies pick,
   among the shares that satisfy their constraint, the most profitable (Liu et al. §3).
4. **Repayment.** Each borrower repays with the *true* probability (stream LEND_REPAY): the curve
   at the shadow score (the score their true records alone give; ``truth: shadow_score``) or at
   the score itself (``truth: score``, Liu et al.'s own model).
5. **Delayed impact.** A borrower's score moves by ``repay_change`` or ``default_change``, within
   the score's bounds; so does the shadow score (a repayment or a default is a true record, and
   the person now has one: ``HAS_RECORD``). Where points expire
   (``regime.recovery.expire_after_days``) the change is remembered in a slot as a record's is,
   and expires with it; recovery drifts it back as any other change.

A round is a few whole-population array passes (in blocks) and a sort of the applicants; no
Python runs per person. The lender reads and moves people through a book (lending_book.py): the
engine's state in one process, the shards' workers on a cluster (cluster.ShardedBook), where the
whole-population passes run and only the applicants' few numbers reach the lender. The rows of
each round (``LendingRound``) are what ``lending.parquet`` is written from
(metrics/lending_table.py), with Liu et al.'s outcome curve of every group.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from socialcredit import rng
from socialcredit.plan import Lending, Plan
from socialcredit.population.synthesis import Population

if TYPE_CHECKING:
    from socialcredit.engine.lending_book import Applicants, LendingBook

# The selection rates at which each round's outcome curves are read (0, 0.02, ..., 1)
CURVE_RATES = np.linspace(0.0, 1.0, 51)


class LendingRound(NamedTuple):
    """One round, per group (arrays of length G)."""

    day: int  # engine day
    applicants: np.ndarray  # int64
    approved: np.ndarray  # int64
    threshold: np.ndarray  # int64: the lowest score lent to (score_max + 1: nobody lent to)
    cut_lottery: np.ndarray  # float64: the lottery draw of the last lent to (ties at threshold)
    repaid: np.ndarray  # int64
    defaulted: np.ndarray  # int64
    score_change: np.ndarray  # int64: sum of the points the group's borrowers moved by
    people: np.ndarray  # int64: people in the group
    refused_repay: np.ndarray  # float64: sum of the refused applicants' true P(repay)
    expected_tpr: np.ndarray  # float64: lender's expected true positive rate
    curve: np.ndarray  # [G, len(CURVE_RATES)] float64: outcome curve, mean change per person


class Decision(NamedTuple):
    """The applicants of a round, ranked (group, then score best first, then lottery)."""

    who: np.ndarray  # the book's indices (lending_book.py)
    group: np.ndarray
    lent: np.ndarray  # bool
    threshold: np.ndarray  # [G]
    cut_lottery: np.ndarray  # [G]
    counter: np.ndarray  # the applicants' counters for the draws
    truth: np.ndarray  # the score each applicant's true P(repay) is read at


# Whole-population passes go in blocks of this many people, so a round's temporaries stay a
# few tens of megabytes at any population (a person's bytes of state are few).
BLOCK = 1 << 22


class Census(NamedTuple):
    """That morning's people per group and score, and the lender's belief (step 2)."""

    people: np.ndarray  # [G, W] int64
    belief: np.ndarray  # [G, W] float64: P(repay) the lender expects at each score per group


class People(NamedTuple):
    """Who the state's indices are: a group each, and global indices for the draws (``ids``,
    or ``first`` + the index where they are contiguous)."""

    group: np.ndarray  # a small integer per state index
    ids: np.ndarray | None = None
    first: int = 0

    def __len__(self) -> int:
        return len(self.group)

    def counters(self, who: np.ndarray | slice) -> np.ndarray:
        if self.ids is not None:
            return rng.person_counters(self.ids[who])
        if isinstance(who, slice):
            return rng.person_counters(np.arange(self.first + who.start, self.first + who.stop))
        return rng.person_counters(self.first + who)


def group_bytes(plan: Plan, population: Population, first: int) -> People:
    """People ``first`` .. ``first + n`` of a population, contiguous: their groups as one byte
    each (the lender's only array the size of the population), from the cell layout in blocks."""
    n = len(population.flags)
    group = np.empty(n, np.uint8)
    for a in range(0, n, BLOCK):
        b = min(a + BLOCK, n)
        group[a:b] = population.cell_of(np.arange(first + a, first + b)) % len(plan.groups)
    return People(group, first=first)


def applicants(plan: Plan, people: People, t: int, key: np.uint64) -> np.ndarray:
    """State indices of the people who apply in the round of day ``t`` (step 1), ascending."""
    lending = plan.lending
    assert lending is not None
    found = []
    for a in range(0, len(people), BLOCK):
        b = min(a + BLOCK, len(people))
        u = rng.uniform(key, rng.LEND_APPLY, people.counters(slice(a, b)), t)
        found.append(a + np.flatnonzero(u < lending.apply_share))
    return np.concatenate(found) if found else np.zeros(0, np.int64)


def _counts(policy: str, gain: np.ndarray, belief: np.ndarray, score: np.ndarray,
            starts: np.ndarray, plan: Plan) -> np.ndarray:  # fmt: skip
    """How many of each group's ranked applicants the policy lends to. ``gain``, ``belief``
    and ``score`` are in ranked order; group g's applicants are ``starts[g]:starts[g + 1]``."""
    G = len(starts) - 1
    n = np.diff(starts)
    cum = np.concatenate([[0.0], np.cumsum(gain)])

    def profit(g: int, k: np.ndarray) -> np.ndarray:  # the group's utility lending to its top k
        return cum[starts[g] + k] - cum[starts[g]]

    if policy == "max_profit":
        return np.array([int(np.argmax(profit(g, np.arange(n[g] + 1)))) for g in range(G)])
    if policy == "single_threshold":
        # one cut-off score for everybody: lend to every applicant at or above it
        W = plan.score_max - plan.score_min + 1
        bins = np.bincount(score - plan.score_min, weights=gain, minlength=W)
        at_or_above = np.concatenate([np.cumsum(bins[::-1])[::-1], [0.0]])  # [W + 1]
        cut = int(np.argmax(at_or_above[::-1]))  # highest score first: ties lend to fewer
        threshold = plan.score_max + 1 - cut
        return np.array([int(np.sum(score[starts[g]:starts[g + 1]] >= threshold))
                         for g in range(G)])  # fmt: skip
    if policy == "demographic_parity":
        # candidate rates: every share a group can lend to; each group lends to the nearest
        # whole number of its applicants, so rates agree within 1/applicants
        rates = np.unique(np.concatenate([np.arange(n[g] + 1) / max(n[g], 1) for g in range(G)]))
        ks = [np.minimum(np.floor(rates * n[g] + 0.5).astype(np.int64), n[g]) for g in range(G)]
        total = sum(profit(g, ks[g]) for g in range(G))
        best = int(np.argmax(total))
        return np.array([int(ks[g][best]) for g in range(G)])
    if policy == "equal_opportunity":
        # expected true positive rate of lending to the top k: the lent share of the group's
        # expected repayers; candidates are every group's attainable rates
        cb = np.concatenate([[0.0], np.cumsum(belief)])
        tprs = []
        for g in range(G):
            part = cb[starts[g] : starts[g + 1] + 1] - cb[starts[g]]
            tprs.append(part / part[-1] if part[-1] > 0 else np.ones_like(part))
        candidates = np.unique(np.concatenate(tprs))
        ks = [np.minimum(np.searchsorted(tprs[g], candidates, side="left"), n[g])
              for g in range(G)]  # fmt: skip
        total = sum(profit(g, ks[g]) for g in range(G))
        best = int(np.argmax(total))
        return np.array([int(ks[g][best]) for g in range(G)])
    raise ValueError(policy)  # the schema admits the four above only


def decide(plan: Plan, pool: Applicants, t: int, key: np.uint64,
           seen: Census) -> tuple[Decision, np.ndarray]:  # fmt: skip
    """Who of the applicants ``pool`` is lent to (steps 1-3); also the ranked applicants'
    beliefs."""
    lending = plan.lending
    assert lending is not None
    G = len(plan.groups)
    g = pool.group.astype(np.int64)
    score = pool.score.astype(np.int64)
    lottery = rng.uniform(key, rng.LEND_TIE, pool.counter, t)
    order = np.lexsort((lottery, -score, g))
    who, g, score, lottery = pool.who[order], g[order], score[order], lottery[order]
    belief = seen.belief[g, score - plan.score_min]
    gain = belief * lending.utility_repaid + (1.0 - belief) * lending.utility_default
    starts = np.searchsorted(g, np.arange(G + 1))
    k = _counts(lending.policy, gain, belief, score, starts, plan)
    rank = np.arange(len(who)) - starts[g]
    lent = rank < k[g]
    last = np.maximum(starts[:-1] + k - 1, 0)  # the last lent to, per group
    some = (k > 0) & (len(score) > 0)
    threshold = np.where(some, score[last] if len(score) else 0, plan.score_max + 1)
    cut = np.where(some, lottery[last] if len(score) else 0.0, 0.0)
    return Decision(who, g, lent, threshold.astype(np.int64), cut, pool.counter[order],
                    pool.truth[order]), belief  # fmt: skip


def outcome_curves(plan: Plan, seen: Census) -> np.ndarray:
    """[G, len(CURVE_RATES)] Liu et al.'s outcome curve of each group: the expected mean score
    change over the group's people if the lender lent, from the best score down, to a share of
    them (as if all applied), under the true repayment probability and the score's bounds."""
    lending = plan.lending
    assert lending is not None
    G, lo, hi = len(plan.groups), plan.score_min, plan.score_max
    people, table = seen.people, seen.belief
    own = np.arange(lo, hi + 1)
    up = np.minimum(own + lending.repay_change, hi) - own
    down = np.maximum(own + lending.default_change, lo) - own
    # expected change of a borrower at each score: truth per person where it is the shadow
    # (table holds the mean truth per score, which is all an expectation needs)
    expected = table * up[None, :] + (1.0 - table) * down[None, :]
    out = np.zeros((G, len(CURVE_RATES)))
    for g in range(G):
        n = people[g, ::-1]  # best score first
        d = expected[g, ::-1]
        total = int(n.sum())
        if total == 0:
            continue
        cum_n = np.concatenate([[0], np.cumsum(n)])
        cum_d = np.concatenate([[0.0], np.cumsum(n * d)])
        # piecewise linear between the cumulative shares (the last score reached is lent to
        # in part, as Liu et al.'s policies do)
        out[g] = np.interp(CURVE_RATES * total, cum_n, cum_d) / total
    return out


class Lender:
    """The driver of the lending rounds (``DayLoop.lend``), and their rows."""

    def __init__(self, plan: Plan, book: LendingBook) -> None:
        """``book``: where the people are read and moved (lending_book.py)."""
        assert plan.lending is not None
        self.plan = plan
        self.lending: Lending = plan.lending
        self.book = book
        self.key = rng.seed_key(plan.seed)
        self.rounds: list[LendingRound] = []
        self.seconds = 0.0
        self.replay: dict[int, LendingRound] | None = None

    def replaying(self, rounds: list[LendingRound]) -> None:
        """Replay a few households (replay.py): take each round's cut-offs from the run, which
        the whole population set; a person is lent to where they apply and rank above the cut:
        a better score, or the same score and a lottery draw at or below the last lent to's."""
        self.replay = {r.day: r for r in rounds}

    def before_day(self, t: int) -> bool:
        """Run the round due this morning, if any; whether scores moved."""
        if not self.lending.round_on(t, self.plan.warmup):
            return False
        start = time.perf_counter()
        if self.replay is not None:
            self._replayed(t)
        else:
            self.rounds.append(self.round(t))
        self.seconds += time.perf_counter() - start
        return True

    def _replayed(self, t: int) -> None:
        recorded = self.replay[t] if self.replay is not None and t in self.replay else None
        if recorded is None:
            return  # the run's rounds were not given (a replay without them lends nothing)
        lending, lo = self.lending, self.plan.score_min
        pool = self.book.applicants(t)
        score = pool.score.astype(np.int64)
        g = pool.group.astype(np.int64)
        lottery = rng.uniform(self.key, rng.LEND_TIE, pool.counter, t)
        thr, cut = recorded.threshold[g], recorded.cut_lottery[g]
        lent = (score > thr) | ((score == thr) & (lottery <= cut))
        truth = lending.curve[pool.truth[lent].astype(np.int64) - lo]
        repaid = rng.uniform(self.key, rng.LEND_REPAY, pool.counter[lent], t) < truth
        self.book.move(t, pool.who[lent], np.where(repaid, lending.repay_change,
                                                   lending.default_change))  # fmt: skip

    def round(self, t: int) -> LendingRound:
        p, lending = self.plan, self.lending
        G, lo = len(p.groups), p.score_min
        seen = self.book.census(t)
        d, belief = decide(p, self.book.applicants(t), t, self.key, seen)
        curve = outcome_curves(p, seen)
        truth = lending.curve[d.truth.astype(np.int64) - lo]
        borrowers = d.who[d.lent]
        draw = rng.uniform(self.key, rng.LEND_REPAY, d.counter[d.lent], t)
        repaid = draw < truth[d.lent]
        change = np.where(repaid, lending.repay_change, lending.default_change)
        moved = self.book.move(t, borrowers, change)
        bg = d.group[d.lent]
        refused = ~d.lent
        return LendingRound(
            day=t,
            applicants=np.bincount(d.group, minlength=G),
            approved=np.bincount(bg, minlength=G),
            threshold=d.threshold,
            cut_lottery=d.cut_lottery,
            repaid=np.bincount(bg[repaid], minlength=G),
            defaulted=np.bincount(bg[~repaid], minlength=G),
            score_change=np.bincount(bg, weights=moved, minlength=G).astype(np.int64),
            people=seen.people.sum(axis=1),
            refused_repay=np.bincount(d.group[refused], weights=truth[refused], minlength=G),
            expected_tpr=_tpr(d, belief, G),
            curve=curve,
        )

    def save(self) -> dict[str, np.ndarray]:
        """The rounds so far, for a checkpoint."""
        if not self.rounds:
            return {"lending.day": np.zeros(0, np.int64)}
        return {f"lending.{k}": np.stack([np.asarray(getattr(r, k)) for r in self.rounds])
                for k in LendingRound._fields}  # fmt: skip

    def load(self, saved: Mapping[str, np.ndarray]) -> None:
        """The rounds of a checkpoint (ValueError where they do not fit)."""
        if "lending.day" not in saved:
            raise ValueError("lending.day")
        days = saved["lending.day"]
        fields: dict[str, np.ndarray] = {}
        for k in LendingRound._fields[1:] if len(days) else ():
            name = f"lending.{k}"
            if name not in saved or len(saved[name]) != len(days):
                raise ValueError(name)
            fields[k] = saved[name]
        self.rounds = [
            LendingRound(int(day), *(fields[k][i].copy() for k in LendingRound._fields[1:]))
            for i, day in enumerate(days)
        ]


def replay_round(day: int, threshold: np.ndarray, cut_lottery: np.ndarray) -> LendingRound:
    """A round as a replay needs it (``Lender.replaying``): its cut-offs, and nothing else."""
    zero = np.zeros(len(threshold), np.int64)
    return LendingRound(day, zero, zero, threshold, cut_lottery, zero, zero, zero, zero,
                        zero.astype(np.float64), zero.astype(np.float64),
                        np.zeros((len(threshold), 0)))  # fmt: skip


def _tpr(d: Decision, belief: np.ndarray, G: int) -> np.ndarray:
    expected = np.bincount(d.group, weights=belief, minlength=G)
    lent = np.bincount(d.group[d.lent], weights=belief[d.lent], minlength=G)
    return np.where(expected > 0, lent / np.where(expected > 0, expected, 1.0), np.nan)


def remember(t: int, who: np.ndarray, change: np.ndarray, slot_until: np.ndarray,
             slot_points: np.ndarray, expire_days: int) -> None:  # fmt: skip
    """Keep a change of score so it expires as a record's points do (the reference engine's
    scoring and a lending round both): the first free slot, or merged into the slot that
    expires last when all are full (those points then live a little longer)."""
    keep = change != 0
    who, change = who[keep], change[keep]
    if not len(who) or not slot_until.shape[0]:
        return
    until = slot_until[:, who]
    free = until == 0
    has_free = free.any(axis=0)
    slot = np.where(has_free, free.argmax(axis=0), until.argmax(axis=0))
    slot_points[slot, who] = np.where(has_free, 0, slot_points[slot, who]) + change
    slot_until[slot, who] = t + expire_days


def lending_rounds(sim: object) -> list[LendingRound]:
    """The rounds a finished engine ran (none without lending)."""
    lender = getattr(sim, "lender", None)
    return lender.rounds if lender is not None else []
