"""Which records can put a person under each consequence: derived once, here.

The cross-context flag (Plan.cross_context), the Article 5(1)(c) screen and the report all read
this one derivation (Plan.consequence_triggers, and the triggers in summary.json).

- A list is fed by the rules that name it and, where it also takes anyone at or below a score,
  by every rule that lowers the score.
- Tiers are fed by the rules that move the score towards them: rules that lower it, where a
  tier of the consequence is worse than the start score's tier; rules that raise it, where one
  is better. A consequence on the start tier alone is fed by nothing: everyone is under it from
  the first day, whatever they do.
"""

from __future__ import annotations

import numpy as np

from socialcredit.scenario.calendar import values_of
from socialcredit.scenario.schema import Scenario


def start_tier(tier_min: np.ndarray, start: int) -> int:
    """Index (best first) of the tier a person at ``start`` is in."""
    return int(sum(start < threshold for threshold in tier_min[:-1]))


def consequence_triggers(sc: Scenario, tier_min: np.ndarray) -> np.ndarray:
    """[C, B] bool: the behaviours whose records can put a person under each consequence."""
    behaviours = [b.name for b in sc.behaviours]
    tiers = [t.name for t in sc.regime.tiers]
    lowering = np.zeros(len(behaviours), dtype=bool)
    raising = np.zeros(len(behaviours), dtype=bool)
    for rule in sc.regime.rules:
        b = behaviours.index(rule.behaviour)
        # over the whole run: a rule that lowers the score at some date can trigger
        lowering[b] |= any(v < 0 for v in values_of(rule.points))
        raising[b] |= any(v > 0 for v in values_of(rule.points))
    by_score = {x.name: x.enter_at_or_below is not None for x in sc.regime.lists}
    at_start = start_tier(tier_min, sc.regime.score.start)

    out = np.zeros((len(sc.consequences), len(behaviours)), dtype=bool)
    for c, cons in enumerate(sc.consequences):
        if cons.list is not None:
            for rule in sc.regime.rules:
                if rule.list == cons.list:
                    out[c, behaviours.index(rule.behaviour)] = True
            if by_score[cons.list]:
                out[c] |= lowering
        else:
            levels = [tiers.index(name) for name in cons.tiers or []]
            if any(k > at_start for k in levels):
                out[c] |= lowering
            if any(k < at_start for k in levels):
                out[c] |= raising
    return out


def cross_context(sc: Scenario, triggers: np.ndarray) -> np.ndarray:
    """[C] bool: a consequence's domain is unrelated to the domain of every behaviour whose
    records can put a person under it (``regime.related_domains`` declares related pairs)."""
    related = {frozenset(p) for p in sc.regime.related_domains}
    domains = [b.domain for b in sc.behaviours]

    def same_context(a: str, b: str) -> bool:
        return a == b or frozenset((a, b)) in related

    return np.array(
        [
            not any(same_context(cons.domain, domains[b]) for b in np.flatnonzero(triggers[c]))
            for c, cons in enumerate(sc.consequences)
        ],
        dtype=bool,
    )
