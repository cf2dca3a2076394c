"""In short: which regime leads on each measure, and whether the regimes differ in extent only.

Each finding names the runs that lead (tied where the page shows the same figure), the rest in
order, and the runs the measure does not apply to; the template says it in sentences.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from socialcredit.metrics.summary import FOUR_FIFTHS
from socialcredit.report.compare.figures import Verdict, verdict
from socialcredit.report.compare.kinds import Kinds, kinds
from socialcredit.report.compare.run import Run
from socialcredit.report.fmt import amount, pct
from socialcredit.report.page import Page

TEMPLATE = "compare/in_short.html.j2"


@dataclass(frozen=True)
class Ranking:
    lead: list[Run]  # the first runs, which read the same as the first on the page
    rest: list[Run]  # the others, in order

    @property
    def top(self) -> Run:
        return self.lead[0]


def beyond(ranking: Ranking | None, runs: Sequence[Run], name: str) -> list[Verdict]:
    """Whether the leading run differs from each other run on the figure, where every run has
    replicates; empty otherwise (single runs: the page makes no claim, compare/figures.py)."""
    if ranking is None or any(r.replicates < 2 for r in runs):
        return []
    return [verdict(ranking.top, r, name) for r in runs if r is not ranking.top]


@dataclass(frozen=True)
class MostSanctioned:
    ranking: Ranking | None  # None: no run sanctioned anyone
    low: Run | None  # the run that sanctioned the fewest, where the top did at least twice as many
    times: float | None  # how many times as many
    days: int | None  # the days simulated, where all runs simulated the same
    idle: list[Run]  # sanctioned no one
    verdicts: list[Verdict]  # the top against each other run (replicates only)


@dataclass(frozen=True)
class MostWrong:
    ranking: Ranking | None  # None: no run sanctioned anyone wrongly
    clean: list[Run]  # sanctioned people, but no one wrongly
    verdicts: list[Verdict]


@dataclass(frozen=True)
class MostCross:
    ranking: Ranking | None  # None: no sanction-day fell in an unrelated domain
    undeclared: list[Run]  # the rules impose no sanction in an unrelated domain
    idle: list[Run]  # the rules do, but none was in force
    verdicts: list[Verdict]


@dataclass(frozen=True)
class Split:
    """Runs that have a property and runs that do not."""

    have: list[Run]
    rest: list[Run]


@dataclass(frozen=True)
class Quiet:
    """A run in which some of its regime's mechanisms never acted: the comparison cannot speak
    of them from this run."""

    run: Run
    idle: list[str]  # sanctions never in force
    appeals_unused: bool  # a way to appeal, but no appeal filed
    no_lists: bool  # appeals contest list entries, and the regime has no list


@dataclass(frozen=True)
class InShort:
    single: list[Run]  # runs of one replicate: no claim of a difference beyond noise
    replicates: list[int]  # each run's, where every run has some
    quiet: list[Quiet]
    sanctions: MostSanctioned
    burden: Ranking | None  # magnitude-weighted sanction-days; None: no sanction-day at all
    wrong: MostWrong
    cross: MostCross
    political: Split  # lawful political acts can lead to a sanction
    lawful_other: Split  # other lawful acts can
    flagged: Split  # some sanction has a disparate-impact ratio outside the band
    encounters: list[Run]  # runs whose sanctions count blocked attempts (encounters)
    band: tuple[float, float]
    kinds: Kinds


def ranking(
    runs: Sequence[Run], key: Callable[[Run], float], shown: Callable[[float], str]
) -> Ranking | None:
    """Runs where ``key`` is not 0, largest first; those that read as the first lead."""
    ranked = sorted((r for r in runs if key(r)), key=lambda r: -key(r))
    if not ranked:
        return None
    lead = [r for r in ranked if shown(key(r)) == shown(key(ranked[0]))]
    return Ranking(lead, ranked[len(lead) :])


def split(runs: Sequence[Run], test: Callable[[Run], object]) -> Split:
    return Split([r for r in runs if test(r)], [r for r in runs if not test(r)])


def most_sanctioned(runs: Sequence[Run]) -> MostSanctioned:
    rank = ranking(runs, lambda r: r.ever_rate, amount)
    low = times = None
    if rank and rank.rest:
        last = rank.rest[-1]
        if rank.top.ever_rate >= 2 * last.ever_rate:
            low, times = last, rank.top.ever_rate / last.ever_rate
    return MostSanctioned(
        ranking=rank,
        low=low,
        times=times,
        days=runs[0].days if len({r.days for r in runs}) == 1 else None,
        idle=[r for r in runs if not r.ever],
        verdicts=beyond(rank, runs, "ever_rate"),
    )


def quiet(runs: Sequence[Run]) -> list[Quiet]:
    return [
        Quiet(r, r.idle_sanctions, r.appeals_unused, not r.has_lists)
        for r in runs
        if r.idle_sanctions or r.appeals_unused
    ]


def build(runs: Sequence[Run], page: Page) -> InShort:
    wrong = ranking(runs, lambda r: r.wrongful_share, pct)
    cross = ranking(runs, lambda r: r.cross_share, pct)
    single = [r for r in runs if r.replicates < 2]
    return InShort(
        single=single,
        replicates=[] if single else [r.replicates for r in runs],
        quiet=quiet(runs),
        sanctions=most_sanctioned(runs),
        burden=ranking(runs, lambda r: r.burden, amount),
        wrong=MostWrong(
            wrong,
            [r for r in runs if r.ever and not r.wrongful_share],
            beyond(wrong, runs, "wrongful_share"),
        ),
        cross=MostCross(
            cross,
            [r for r in runs if not r.cross_declared],
            [r for r in runs if r.cross_declared and not r.cross_share],
            beyond(cross, runs, "cross_share"),
        ),
        political=split(runs, lambda r: r.lawful_political),
        lawful_other=split(runs, lambda r: r.lawful_other),
        flagged=split(runs, lambda r: r.flagged),
        encounters=[r for r in runs if r.blocked],
        band=FOUR_FIFTHS,
        kinds=kinds(runs),
    )
