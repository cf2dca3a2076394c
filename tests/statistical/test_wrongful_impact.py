"""The wrongful rate's disparate impact flags the one group whose error rate is raised, even where
that group is the least sanctioned (issue 13: face-recognition errors for minority women).

Two groups, one court-like source that records every act (detection 1) and books invented
records (bookkeeping errors) at a rate per group; a record, true or invented, lists the person for
D days, and the list carries one sanction. Group ``b`` acts a sixth as often as ``a`` but its
records are wrong ten times as often. trait_spread 0, no response, no appeals, no compliance:
each person's days are independent draws with known rates, so on day t (window w = min(t + 1, D)
days, listings last D days from the day of the record):

  P(sanctioned) = 1 - ((1 - a) (1 - e))^w     (an act or an error in the window)
  P(wrongly)    = (1 - a)^w (1 - (1 - e)^w)   (an error, and no act, in the window)

(act and error draws are independent streams). The disparate impact of a rate is a group's rate
over the least-affected group's.

Tolerance, derived: a person's wrongful days X are at most D per error record, X <= D N with N ~
Binomial(days, e), so Var(X) <= E[X^2] <= D^2 (lam + lam^2), lam = days e. A group's mean over n
people has standard error sqrt(Var(X) / n); the ratio of two independent means has relative
error at most the root sum of squares of theirs. The check allows Z = 4 of those bounds
(P(|N(0,1)| > 4) = 6e-5, and the bound overstates the error).
"""

from __future__ import annotations

import copy
import math

import numpy as np

from scenarios import RAISED_ERROR as SCENARIO
from scenarios import RAISED_ERROR_SETTINGS
from socialcredit.engine.reference import ReferenceEngine
from socialcredit.metrics.summary import FOUR_FIFTHS, summarize
from socialcredit.population.synthesis import synthesize
from socialcredit.scenario.compile import compile_plan
from socialcredit.scenario.loading import validate
from socialcredit.state import EVER_SANCTIONED, EVER_WRONGFUL

Z = 4.0


PEOPLE, DAYS, SEED = 40_000, 120, 7
D, ACT, ERROR = (RAISED_ERROR_SETTINGS[k] for k in ("listing_days", "act", "error"))


def expected_days(a: float, e: float) -> tuple[float, float]:
    """Expected sanctioned and wrongly sanctioned days per person over the run."""
    windows = [min(t + 1, D) for t in range(DAYS)]
    on = sum(1 - ((1 - a) * (1 - e)) ** w for w in windows)
    wrong = sum((1 - a) ** w * (1 - (1 - e) ** w) for w in windows)
    return on, wrong


def relative_error_bound(g: str, people: int) -> float:
    lam = DAYS * ERROR[g]
    second_moment = D**2 * (lam + lam**2)
    return math.sqrt(second_moment / people) / expected_days(ACT[g], ERROR[g])[1]


def test_raised_error_rate_flags_that_group_though_least_sanctioned() -> None:
    plan = compile_plan(
        validate(copy.deepcopy(SCENARIO), "test"), people=PEOPLE, days=DAYS, seed=SEED
    )
    engine = ReferenceEngine(plan, synthesize(plan))
    engine.run()
    s = summarize(
        plan, engine.layout, engine.counts, engine.stats,
        ever_sanctioned=engine.count_flag(EVER_SANCTIONED),
        ever_wrongful=engine.count_flag(EVER_WRONGFUL),
    )  # fmt: skip
    people = dict(zip(plan.groups, plan.cell_people.tolist(), strict=True))
    on = {g: expected_days(ACT[g], ERROR[g])[0] for g in "ab"}
    wrong = {g: expected_days(ACT[g], ERROR[g])[1] for g in "ab"}

    # the premise: b is the least sanctioned, a flagged on the sanction rate
    assert on["b"] < on["a"] / FOUR_FIFTHS[1]
    groups = s["groups"]
    assert groups["b"]["sanctioned_per_100k"] < groups["a"]["sanctioned_per_100k"]
    assert s["groups_flagged"]["sanctioned"] == ["a"]

    # the wrongful rate flags b, at the ratio the rates predict
    expected = wrong["b"] / wrong["a"]
    tolerance = (
        Z
        * expected
        * math.hypot(relative_error_bound("a", people["a"]), relative_error_bound("b", people["b"]))
    )
    got = groups["b"]["wrongful_disparate_impact"]
    assert abs(got - expected) <= tolerance, (got, expected, tolerance)
    assert groups["a"]["wrongful_disparate_impact"] == 1.0
    assert s["groups_flagged"]["wrongful"] == ["b"]
    # per sanction, the same; and most of b's refusals are wrongful, few of a's
    loan = s["sanctions"]["loan-refusal"]
    assert loan["wrongful_disparate_impact_flagged"] == ["b"]
    assert loan["disparate_impact_flagged"] == ["a"]
    share_b = loan["wrongful_share_by_group"]["b"]
    assert share_b > 0.5 > loan["wrongful_share_by_group"]["a"]
    # wrongful person-days per 100,000 person-days lived, against the expectation
    for g in "ab":
        rate = groups[g]["wrongfully_sanctioned_per_100k"]
        want = 100_000 * wrong[g] / DAYS
        assert abs(rate - want) <= Z * want * relative_error_bound(g, people[g]), g
    assert np.isclose(
        sum(groups[g]["people_ever_sanctioned"] for g in "ab"), s["people_ever_sanctioned"]
    )
