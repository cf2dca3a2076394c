"""Extent or kind: the listed criteria by which two regimes differ in kind, not only in extent.

Every criterion is a yes-or-no question asked of each run; regimes that answer one differently
differ in kind. The verdict in "In short" and the page's sections read these same criteria
(``sanction_domains`` feeds the domains section), so the verdict cannot contradict a section.

- Outcomes of the run (a larger run may show what a small one did not): were people sanctioned,
  and some wrongly.
- What the rules allow: lawful *political* acts punished (a behaviour in a political domain,
  such as attending a protest) kept apart from other lawful acts (a hard credit inquiry);
  sanctions in a domain unrelated to every record behind them; a sanction that follows from a
  score's standing whatever lowered it, rather than only from a listed act; a way to appeal.
- Where sanctions bite: one criterion per domain that some regimes sanction in and others not.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from socialcredit.report.compare.run import Run
from socialcredit.report.fmt import num, words


@dataclass(frozen=True)
class Criterion:
    test: Callable[[Run], bool]
    yes: str  # what a run that answers yes does, as the sentence says it
    no: str  # what the others do not
    outcome: bool = False  # an outcome of the run, not a rule


CRITERIA: tuple[Criterion, ...] = (
    Criterion(lambda r: r.ever > 0, "people were sanctioned", "no one was", outcome=True),
    Criterion(
        lambda r: r.wrongful_share > 0,
        "some people were sanctioned wrongly",
        "no one was",
        outcome=True,
    ),
    Criterion(
        lambda r: bool(r.lawful_political),
        "lawful political acts can lead to a sanction",
        "they cannot",
    ),
    Criterion(
        lambda r: bool(r.lawful_other),
        "other lawful acts can lead to a sanction",
        "no other lawful act can",
    ),
    Criterion(
        lambda r: bool(r.cross_declared),
        "the rules impose sanctions in a domain unrelated to the records behind them",
        "they do not",
    ),
    Criterion(
        lambda r: bool(r.status_sanctions),
        "a sanction can follow from a low score, whatever lowered it",
        "every sanction follows from a listed act",
    ),
    Criterion(lambda r: r.appeals_open, "a sanction can be appealed", "none can"),
)


def sanction_domains(run: Run) -> set[str]:
    """The domains the run's rules impose sanctions in (travel, credit, education)."""
    return {x["domain"] for x in run.s["sanctions"].values()}


def domain_criteria(runs: Sequence[Run]) -> list[Criterion]:
    """One criterion per set of domains that the same runs sanction in and the others not."""
    per_run = [sanction_domains(r) for r in runs]
    groups: dict[tuple[int, ...], list[str]] = {}
    for d in sorted(set().union(*per_run)):
        who = tuple(i for i, ds in enumerate(per_run) if d in ds)
        if len(who) < len(runs):
            groups.setdefault(who, []).append(d)
    out = []
    for domains in groups.values():
        named = ", ".join(words(d) for d in domains[:-1])
        named = f"{named} and {words(domains[-1])}" if named else words(domains[-1])
        out.append(
            Criterion(sanctions_in(frozenset(domains)), f"sanctions bite in {named}", "none do")
        )
    return out


def sanctions_in(domains: frozenset[str]) -> Callable[[Run], bool]:
    """The test: does a run's regime sanction in any of ``domains``."""

    def test(run: Run) -> bool:
        return bool(domains & sanction_domains(run))

    return test


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
    criteria = [*CRITERIA, *domain_criteria(runs)]
    splits = []
    outcome_split = False
    for x in criteria:
        have = [r for r in runs if x.test(r)]
        lack = [r for r in runs if not x.test(r)]
        if have and lack:
            splits.append(KindSplit(have, lack, x.yes, x.no))
            outcome_split |= x.outcome
    signature: dict[tuple[bool, ...], list[Run]] = {}
    for r in runs:
        signature.setdefault(tuple(x.test(r) for x in criteria), []).append(r)
    sizes = {(r.people, r.days) for r in runs} if outcome_split else set()
    return Kinds(
        splits=splits,
        common=[x.yes for x in criteria if x.test(runs[0])] if not splits else [],
        alike=[group for group in signature.values() if len(group) > 1] if splits else [],
        # Ordered as the sentence reads them.
        sizes=sorted(sizes, key=lambda x: f"{num(x[0])} people over {num(x[1])} days"),
    )
