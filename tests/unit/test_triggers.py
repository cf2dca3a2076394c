"""Which records can lead to each consequence (scenario/triggers.py), on small hand-made regimes.

One derivation feeds the cross-context flag, the Article 5(1)(c) screen and the report; these
tests pin its rules. The regime is duck-typed: the derivation reads names, points and tiers only.
"""

from __future__ import annotations

from types import SimpleNamespace as NS

import numpy as np

from socialcredit.scenario.triggers import consequence_triggers, cross_context, start_tier

BEHAVIOURS = ["protest", "late", "fraud", "charity"]
DOMAINS = ["political", "finance", "legal", "civic"]
TIER_MIN = np.array([800, 600, 400, 0], dtype=np.int32)  # A, B, C, D; a start of 700 is in B


def regime(lists=None, related=()):  # noqa: ANN001, ANN201
    rules = [
        NS(behaviour="protest", points=-50, list=None),
        NS(behaviour="late", points=-10, list=None),
        NS(behaviour="fraud", points=0, list="blacklist"),
        NS(behaviour="charity", points=5, list=None),
    ]
    cons = [
        NS(name="perk", domain="civic", list=None, tiers=["A"]),
        NS(name="ban", domain="travel", list="blacklist", tiers=None),
        NS(name="no-job", domain="employment", list=None, tiers=["D"]),
        NS(name="loan", domain="finance", list=None, tiers=["C", "D"]),
        NS(name="everyone", domain="health", list=None, tiers=["B"]),
    ]
    return NS(
        behaviours=[NS(name=b, domain=d) for b, d in zip(BEHAVIOURS, DOMAINS, strict=True)],
        regime=NS(
            rules=rules,
            lists=lists or [NS(name="blacklist", enter_at_or_below=None)],
            tiers=[NS(name=t) for t in "ABCD"],
            score=NS(start=700),
            related_domains=list(related),
        ),
        consequences=cons,
    )


def named(row: np.ndarray) -> list[str]:
    return [b for b, on in zip(BEHAVIOURS, row, strict=True) if on]


def test_start_tier_counts_thresholds_above_the_start() -> None:
    assert start_tier(TIER_MIN, 700) == 1
    assert start_tier(TIER_MIN, 800) == 0
    assert start_tier(TIER_MIN, 0) == 3


def test_list_is_fed_by_its_rules_only() -> None:
    t = consequence_triggers(regime(), TIER_MIN)
    assert named(t[1]) == ["fraud"]


def test_list_entered_by_score_also_takes_score_lowering_rules() -> None:
    sc = regime(lists=[NS(name="blacklist", enter_at_or_below=0)])
    assert named(consequence_triggers(sc, TIER_MIN)[1]) == ["protest", "late", "fraud"]


def test_tiers_below_the_start_are_fed_by_lowering_rules_above_it_by_raising_ones() -> None:
    t = consequence_triggers(regime(), TIER_MIN)
    assert named(t[2]) == ["protest", "late"]  # not charity: it raises the score
    assert named(t[3]) == ["protest", "late"]
    assert named(t[0]) == ["charity"]  # the perk on A is earned by raising the score
    assert named(t[4]) == []  # everyone is in B from the first day, whatever they do


def test_cross_context_reads_the_triggers_and_related_domains() -> None:
    sc = regime()
    cross = cross_context(sc, consequence_triggers(sc, TIER_MIN))
    # perk: civic by charity (civic); ban: travel by fraud (legal); no-job: employment by
    # political and finance; loan: finance by late (finance); everyone: nothing leads to it
    assert cross.tolist() == [False, True, True, False, True]
    sc = regime(related=[("travel", "legal")])
    assert not cross_context(sc, consequence_triggers(sc, TIER_MIN))[1]
