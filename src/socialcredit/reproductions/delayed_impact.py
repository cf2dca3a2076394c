"""The one-step delayed-impact model of Liu, Dean, Rolf, Simchowitz & Hardt (ICML 2018).

A lender picks a selection rate per group and lends to the best-scored share of it (the last
score it reaches is lent to in part, at random, as the paper's policies do). A borrower who
repays gains ``repay_change`` points, one who defaults loses ``default_change``, kept within
300-850; nobody else moves. Δμ, the group's mean score change, counts everyone in the group.

Every quantity is a sum over the score grid taken from the best score down, so each one is
piecewise linear in the selection rate between the grid's cumulative shares: a policy is solved
exactly by evaluating its objective at those knots (the paper's code searches over rates
instead: ``solve_credit.py``, ternary and binary search).

Arrays are ordered from the best score down ("top order"): index 0 is 850.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from socialcredit import rng
from socialcredit.reproductions.fico import HIGHEST, LOWEST, Fico

# The normal quantile of a two-sided 90% interval.
Z90 = 1.6448536269514722

# One stream per random decision of the sampled check (the applicant's score, the lottery at
# the last score lent to, repayment); applicant i of group g is person g * n + i on day 0.
SCORE, LOTTERY, REPAY = 1, 2, 3


@dataclass(frozen=True)
class Utility:
    """The lender's gain per repaid loan and per default (Liu et al. 2018, §6: u+ = 1 and
    u-/u+ = -4 or -10; the notebook's cell 10)."""

    repaid: float
    default: float

    @property
    def break_even(self) -> float:
        """P(repay) at which a loan's expected gain is zero: 0.8 for (1, -4)."""
        return self.default / (self.default - self.repaid)


@dataclass(frozen=True)
class Policy:
    """A selection rate per group (top order lending)."""

    name: str
    rate: np.ndarray  # (G,)


@dataclass(frozen=True)
class Model:
    fico: Fico
    repay_change: float = 75.0  # Liu et al. 2018, §6; notebook cell 10 (score_change_repay)
    default_change: float = -150.0  # the same (score_change_default)
    # True: each outcome is kept within 300-850 (what the sampled check draws). False: the
    # expected move is, as the paper's code does (distribution_to_loans_outcomes.exp_move).
    clip_each_outcome: bool = True

    # -- per score, top order -------------------------------------------------------------------

    @cached_property
    def score(self) -> np.ndarray:
        return self.fico.score[::-1]

    @cached_property
    def pmf(self) -> np.ndarray:
        return self.fico.pmf[:, ::-1]

    @cached_property
    def repay(self) -> np.ndarray:
        return self.fico.repay[:, ::-1]

    @cached_property
    def up(self) -> np.ndarray:
        """A repayer's move, cut at 850."""
        return np.minimum(self.score + self.repay_change, HIGHEST) - self.score

    @cached_property
    def down(self) -> np.ndarray:
        return np.maximum(self.score + self.default_change, LOWEST) - self.score

    @cached_property
    def move(self) -> np.ndarray:
        """(G, S) expected score change of a borrower at each score. The two clippings differ
        only within 150 points of either end of the scale."""
        if self.clip_each_outcome:
            return self.repay * self.up + (1 - self.repay) * self.down
        expected = self.repay * self.repay_change + (1 - self.repay) * self.default_change
        return np.clip(self.score + expected, LOWEST, HIGHEST) - self.score

    def gain(self, u: Utility) -> np.ndarray:
        """(G, S) the lender's expected gain per loan at each score."""
        return self.repay * u.repaid + (1 - self.repay) * u.default

    # -- cumulative from the top: the knots of every curve ---------------------------------------

    @staticmethod
    def _knots(per_person: np.ndarray) -> np.ndarray:
        """(G, S+1) the sum over the best k scores, k = 0..S."""
        return np.concatenate([np.zeros((per_person.shape[0], 1)), per_person.cumsum(1)], 1)

    @cached_property
    def rate_knots(self) -> np.ndarray:
        return self._knots(self.pmf)

    @cached_property
    def delta_knots(self) -> np.ndarray:
        return self._knots(self.pmf * self.move)

    @cached_property
    def repaid_knots(self) -> np.ndarray:
        return self._knots(self.pmf * self.repay)

    @cached_property
    def weight(self) -> np.ndarray:
        """Each group's share of the population (the paper's group_size_ratio)."""
        return self.fico.count / self.fico.count.sum()

    def _at(self, knots: np.ndarray, rate: np.ndarray) -> np.ndarray:
        """Interpolate each group's knots at its rates: ``rate`` is (G,) or (G, K)."""
        r = rate[:, None] if rate.ndim == 1 else rate
        out = np.stack([np.interp(r[g], self.rate_knots[g], knots[g]) for g in range(len(r))])
        return out[:, 0] if rate.ndim == 1 else out

    # -- what a policy does ---------------------------------------------------------------------

    def delta_mu(self, rate: np.ndarray) -> np.ndarray:
        """The outcome curve: each group's mean score change at its selection rate."""
        return self._at(self.delta_knots, rate)

    def utility(self, rate: np.ndarray, u: Utility) -> np.ndarray:
        """Each group's expected gain per member of the group."""
        return self._at(self._knots(self.pmf * self.gain(u)), rate)

    def true_positive_rate(self, rate: np.ndarray) -> np.ndarray:
        """The share of the group's would-be repayers who are lent to."""
        total = self.repaid_knots[:, -1]
        return self._at(self.repaid_knots, rate) / (total if rate.ndim == 1 else total[:, None])

    def acceptance(self, rate: np.ndarray) -> np.ndarray:
        """(G, S) the chance of a loan at each score: 1 above the last score lent to, the
        lottery's share at it, 0 below."""
        before = self.rate_knots[:, :-1]
        with np.errstate(divide="ignore", invalid="ignore"):
            share = (rate[:, None] - before) / self.pmf
        # A score nobody holds is lent to if the rate reaches past it (it changes nothing).
        share = np.where(self.pmf > 0, share, (rate[:, None] > before).astype(float))
        return np.clip(share, 0.0, 1.0)

    def threshold(self, rate: np.ndarray) -> np.ndarray:
        """(G,) the lending threshold on the 300-850 scale drawn as the paper's code draws a
        lottery at the last score (``get_thresholds_from_taus``): that score plus the share not
        lent to of the step to the next score up. 850 where nobody is lent to."""
        a = self.acceptance(rate)
        out = np.full(len(rate), HIGHEST)
        for g in range(len(rate)):  # one iteration per group
            lent = np.flatnonzero(a[g] > 0)
            if len(lent):
                k = lent[-1]  # the lowest score lent to (top order)
                step = self.score[k - 1] - self.score[k] if k > 0 else 0.0
                out[g] = self.score[k] + (1 - a[g, k]) * step
        return out

    def harm_rate(self) -> np.ndarray:
        """(G,) the selection rate beyond which the group's mean score falls (Δμ crosses zero
        going down; the paper's "thresh-active-harm"); NaN where Δμ never turns negative."""
        out = np.full(self.pmf.shape[0], np.nan)
        for g in range(len(out)):
            d, r = self.delta_knots[g], self.rate_knots[g]
            # After the curve's peak: at the very top a loan can only lose points (850 is the
            # ceiling), so Δμ dips below zero for the first sliver of the group.
            peak = int(np.argmax(d))
            below = np.flatnonzero(d[peak:] < 0) + peak
            if len(below):
                k = below[0]
                out[g] = r[k - 1] + (r[k] - r[k - 1]) * d[k - 1] / (d[k - 1] - d[k])
        return out

    # -- the policies (the paper's solve_credit.fairness_data) ----------------------------------

    def _best(self, name: str, candidates: np.ndarray, u: Utility) -> Policy:
        """The candidate rates (G, K) with the largest total expected gain."""
        total = self.weight @ self.utility(candidates, u)
        return Policy(name, candidates[:, int(np.argmax(total))])

    def max_util(self, u: Utility) -> Policy:
        """Each group's own best rate: lend down to where a loan's expected gain turns negative."""
        g = self._knots(self.pmf * self.gain(u))
        best = np.argmax(g, axis=1)
        return Policy("MaxUtil", self.rate_knots[np.arange(len(best)), best])

    def demographic_parity(self, u: Utility) -> Policy:
        """The same selection rate in every group, the one with the largest total gain."""
        rates = np.unique(self.rate_knots)
        return self._best("DemParity", np.broadcast_to(rates, (self.pmf.shape[0], len(rates))), u)

    def equal_opportunity(self, u: Utility) -> Policy:
        """The same true positive rate in every group, the one with the largest total gain."""
        tpr_knots = self.repaid_knots / self.repaid_knots[:, -1:]
        tprs = np.unique(tpr_knots)
        rates = np.stack([np.interp(tprs, tpr_knots[g], self.rate_knots[g])
                          for g in range(len(tpr_knots))])  # fmt: skip
        return self._best("EqOpp", rates, u)

    def single_threshold(self, u: Utility) -> Policy:
        """One score threshold for everyone (no lottery): lend to every score from the top
        down to the k-th, the k with the largest total gain."""
        return self._best("Single threshold", self.rate_knots, u)


@dataclass(frozen=True)
class Sampled:
    """The sampled check of one policy: each group's mean score change over n applicants."""

    mean: np.ndarray  # (G,)
    low: np.ndarray  # 90% interval (normal, from the sample's own standard deviation)
    high: np.ndarray
    n: int


def change_variance(model: Model, rate: np.ndarray) -> np.ndarray:
    """(G,) the variance of one applicant's score change (0 for those not lent to)."""
    a = model.acceptance(rate)
    per_loan = model.repay * model.up**2 + (1 - model.repay) * model.down**2
    second = (model.pmf * a * per_loan).sum(1)
    return second - model.delta_mu(rate) ** 2


class Applicants:
    """n synthetic applicants per group drawn from the group's score distribution, with the
    uniforms of their lottery and their repayment; every policy is applied to the same people
    (common random numbers), so policies differ only where their rules do."""

    def __init__(self, model: Model, n: int, seed: int) -> None:
        self.model, self.n = model, n
        groups = model.pmf.shape[0]
        counters = rng.person_counters(np.arange(groups * n, dtype=np.int64)).reshape(groups, n)
        key = rng.seed_key(seed)
        top_cdf = model.rate_knots[:, 1:]
        u = rng.uniform(key, SCORE, counters, 0)
        self.cell = np.stack([np.searchsorted(top_cdf[g], u[g], side="right")
                              for g in range(groups)])  # fmt: skip
        np.minimum(self.cell, model.pmf.shape[1] - 1, out=self.cell)  # a cdf that ends at 1 - ε
        self.lottery = rng.uniform(key, LOTTERY, counters, 0)
        self.repaid = rng.uniform(key, REPAY, counters, 0) < np.take_along_axis(
            model.repay, self.cell, 1
        )
        self.up = np.take_along_axis(np.broadcast_to(model.up, model.pmf.shape), self.cell, 1)
        self.down = np.take_along_axis(np.broadcast_to(model.down, model.pmf.shape), self.cell, 1)

    def apply(self, rate: np.ndarray) -> Sampled:
        lent = self.lottery < np.take_along_axis(self.model.acceptance(rate), self.cell, 1)
        change = np.where(lent, np.where(self.repaid, self.up, self.down), 0.0)
        mean = change.mean(1)
        half = Z90 * change.std(1, ddof=1) / np.sqrt(self.n)
        return Sampled(mean, mean - half, mean + half, self.n)
