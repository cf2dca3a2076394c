"""Extent or kind: what a regime does or does not do at all, as opposed to doing more or less.

A difference here is one of kind, not of extent. The first ``OUTCOMES`` are what happened in the
run (a larger run may show what a small one did not); the others are what the rules allow.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from socialcredit.report.compare.run import Run
from socialcredit.report.fmt import num

OUTCOMES = 2
# (does the run do it, what it does, what the others do not), as the sentences say them.
KINDS: tuple[tuple[Callable[[Run], bool], str, str], ...] = (
    (lambda r: r.ever > 0, "people were sanctioned", "no one was"),
    (lambda r: r.wrongful_share > 0, "some people were sanctioned wrongly", "no one was"),
    (
        lambda r: bool(r.cross_declared),
        "the rules impose sanctions in a domain unrelated to the records behind them",
        "they do not",
    ),
    (lambda r: bool(r.lawful), "lawful acts can lead to a sanction", "they cannot"),
)


@dataclass(frozen=True)
class KindSplit:
    have: list[Run]
    lack: list[Run]
    yes: str  # what ``have`` do
    no: str  # what ``lack`` do not


@dataclass(frozen=True)
class Kinds:
    splits: list[KindSplit]  # empty: the regimes do the same kinds of things
    common: list[str]  # what every regime does, where they all do the same kinds of things
    alike: list[list[Run]]  # runs that do the same kinds of things as each other
    sizes: list[tuple[int, int]]  # (people, days) of the runs, where an outcome splits them


def kinds(runs: Sequence[Run]) -> Kinds:
    splits = []
    outcome_split = False
    for i, (test, yes, no) in enumerate(KINDS):
        have = [r for r in runs if test(r)]
        lack = [r for r in runs if not test(r)]
        if have and lack:
            splits.append(KindSplit(have, lack, yes, no))
            outcome_split |= i < OUTCOMES
    signature: dict[tuple[bool, ...], list[Run]] = {}
    for r in runs:
        signature.setdefault(tuple(test(r) for test, _, _ in KINDS), []).append(r)
    sizes = {(r.people, r.days) for r in runs} if outcome_split else set()
    return Kinds(
        splits=splits,
        common=[yes for test, yes, _ in KINDS if test(runs[0])] if not splits else [],
        alike=[group for group in signature.values() if len(group) > 1] if splits else [],
        # Ordered as the sentence reads them.
        sizes=sorted(sizes, key=lambda x: f"{num(x[0])} people over {num(x[1])} days"),
    )
