"""The rows of a sanctions table, one definition for the terminal and the report.

Sanctions carried by the same list (or the same set of tiers) fall on the same people on the same
days, so their numbers are equal: five list sanctions would be five identical rows and bars. A
row therefore names every sanction of one carrier whose numbers agree ("flight-ban, train-ban,
loan-refusal, public-shaming, school-exclusion: 1,724 people, 46 wrongly").

Each share is defined once, here, and named where it is shown: ``last_day_wrongful_share`` is the
share of those under a sanction on the last day who are under it wrongly, read beside the last
day's counts; the wrongful share of *person-days* (the whole run) is summary.json's
``wrongful_share``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

# The numbers that must agree for sanctions of one carrier to share a row.
SAME = ("person_days", "wrongful_person_days", "in_force_last_day", "wrongful_last_day")


def last_day_wrongful_share(in_force: int, wrongly: int) -> float | None:
    """Of the people under a sanction on the last day, the share under it wrongly (None: none)."""
    return wrongly / in_force if in_force else None


@dataclass(frozen=True)
class SanctionRow:
    names: list[str]  # the sanctions on this row, in the scenario's order
    domains: list[str]  # their domains, each once
    cross_context: bool  # some sanction on the row is cross-context
    magnitude: float  # the largest magnitude on the row
    person_days: int  # of one sanction on the row (all are equal)
    wrongful_person_days: int
    in_force_last_day: int
    wrongful_last_day: int
    disparate_impact_max: float | None  # the largest group ratio of any sanction on the row
    flagged: bool  # some sanction on the row has a ratio outside the four-fifths band
    # with replicates: some ratio is outside the band but its interval reaches into it
    indistinct: bool = False

    @property
    def label(self) -> str:
        return ", ".join(self.names)

    @property
    def last_day_wrongful_share(self) -> float | None:
        return last_day_wrongful_share(self.in_force_last_day, self.wrongful_last_day)


def sanction_rows(sanctions: dict[str, Any]) -> list[SanctionRow]:
    """summary.json's ``sanctions``, one row per carrier and set of equal numbers."""
    grouped: dict[Any, list[str]] = {}
    for name, x in sanctions.items():
        key = (x.get("carried_by") or f"sanction {name}", *(x.get(k) for k in SAME))
        grouped.setdefault(key, []).append(name)
    return [_row(names, [sanctions[n] for n in names]) for names in grouped.values()]


def _row(names: list[str], xs: list[dict[str, Any]]) -> SanctionRow:
    ratios = [r for x in xs for r in x["disparate_impact"].values() if r is not None]
    first = xs[0]
    return SanctionRow(
        names=names,
        domains=list(dict.fromkeys(x["domain"] for x in xs)),
        cross_context=any(x["cross_context"] for x in xs),
        magnitude=max(float(x.get("magnitude", 0.0)) for x in xs),
        person_days=first["person_days"],
        wrongful_person_days=first["wrongful_person_days"],
        in_force_last_day=first["in_force_last_day"],
        wrongful_last_day=first["wrongful_last_day"],
        disparate_impact_max=max(ratios) if ratios else None,
        flagged=any(x["disparate_impact_flagged"] for x in xs),
        indistinct=any(x.get("disparate_impact_indistinct") for x in xs),
    )
