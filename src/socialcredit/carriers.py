"""Sanction carriers: what switches a sanction on, so that sanctions switched together count once.

A sanction is carried by a list (in force while the person is listed) or by a set of score tiers
(in force while the person's tier is in the set). Sanctions with the same carrier are in force on
exactly the same person-days, and wrongly on the same days (the shadow standing would not carry
them), so "who was ever under it" and "what caused its wrongful days" are properties of the
carrier: the engines keep two bits per carrier and person (ever under it, ever wrongly), not per
sanction. Each list that carries a sanction is one carrier; each distinct set of tiers is one.

Derived once from the plan; the engines, the metrics and the summary read this one derivation.
With dated parameters (scenario/calendar.py) each epoch's plan gives the same keys, but a carrier
none of whose sanctions is in force in the epoch (``consequence_on``) switches on for no one:
its list is NO_LIST and its tiers are empty, so nobody is counted under it on those days.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from socialcredit.plan import NO_LIST, SANCTION, Plan

NO_CARRIER = -1
BITS_PER_CARRIER = 2  # ever under it (bit 2k), ever wrongly under it (bit 2k + 1)


@dataclass(frozen=True)
class Carriers:
    keys: tuple[str, ...]  # "list:NAME" or "tiers:A+B" (metric columns, summary.json)
    list_of: np.ndarray  # [K] int64: the list, or NO_LIST for a tier carrier
    tiers_on: np.ndarray  # [K, T] bool: the tiers that switch it on (none for a list carrier)
    of_consequence: np.ndarray  # [C] int64: each sanction's carrier; NO_CARRIER for perks

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def ever_bytes(self) -> int:
        """Bytes per person of the ``ever`` bits (state.State.ever)."""
        return -(-BITS_PER_CARRIER * len(self.keys) // 8)

    def sanctions_of(self, plan: Plan, k: int) -> list[str]:
        return [c for i, c in enumerate(plan.consequences) if self.of_consequence[i] == k]


def carrier_label(key: str) -> str:
    """A carrier's key as a reader sees it: 'list:debtors' -> 'list debtors',
    'tiers:C+D' -> 'tiers C, D'."""
    kind, _, name = key.partition(":")
    return f"{kind} {name.replace('+', ', ')}" if kind == "tiers" else f"{kind} {name}"


def carriers_of(plan: Plan) -> Carriers:
    """The plan's carriers, in order of first use by a sanction."""
    keys: list[str] = []
    list_of: list[int] = []
    tiers_on: list[np.ndarray] = []
    of_consequence = np.full(len(plan.consequences), NO_CARRIER, dtype=np.int64)
    for c in range(len(plan.consequences)):
        if plan.consequence_kind[c] != SANCTION:
            continue
        x = int(plan.consequence_list[c])
        on = np.asarray(plan.consequence_tiers[c], dtype=bool)
        if x != NO_LIST:
            key = f"list:{plan.lists[x]}"
            on = np.zeros(len(plan.tiers), dtype=bool)
        else:
            key = "tiers:" + "+".join(t for t, o in zip(plan.tiers, on, strict=True) if o)
        if key not in keys:
            keys.append(key)
            list_of.append(x)
            tiers_on.append(on)
        of_consequence[c] = keys.index(key)
    lists = np.array(list_of, dtype=np.int64)
    tiers = np.array(tiers_on, dtype=bool).reshape(len(keys), len(plan.tiers))
    for k in range(len(keys)):  # in force in this epoch only through a sanction in force
        if not any(plan.consequence_on[c] for c in np.flatnonzero(of_consequence == k)):
            lists[k] = NO_LIST
            tiers[k] = False
    return Carriers(keys=tuple(keys), list_of=lists, tiers_on=tiers, of_consequence=of_consequence)
