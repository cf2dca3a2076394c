"""One compared run, with the few derived numbers the comparison page and its sentences use."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from socialcredit.report.data import RunData
from socialcredit.report.screen import screen
from socialcredit.report.sections.headline import cause_phrase

PER = 100_000


@dataclass
class Run:
    label: str  # the scenario's name, or the folder's where two runs share a scenario
    colour: str
    data: RunData

    @property
    def s(self) -> dict[str, Any]:
        return self.data.summary

    @property
    def people(self) -> int:
        return int(self.s["people"])

    @property
    def days(self) -> int:
        return int(self.s["days"])

    @property
    def ever(self) -> int:
        return int(self.s["people_ever_sanctioned"])

    def per_person(self, n: float) -> float:
        """A count of people per 100,000 people."""
        return PER * n / self.people if self.people else 0.0

    def per_day(self, person_days: float) -> float:
        """Person-days as people per 100,000 on an average day."""
        lived = self.s["person_days"]
        return PER * person_days / lived if lived else 0.0

    @property
    def ever_rate(self) -> float:
        return self.per_person(self.ever)

    @property
    def sanctioned_any(self) -> bool:
        """Someone was under a sanction on some day."""
        return bool(self.s["sanctioned_person_days"])

    @property
    def wrongful_share(self) -> float:
        """0 where no sanction-day was wrongful or no one was sanctioned."""
        return float(self.s["wrongful_share"] or 0.0)

    @property
    def top_cause(self) -> dict[str, Any] | None:
        causes = self.s["wrongful_causes"]
        return causes[0] if causes else None

    @property
    def top_cause_phrase(self) -> str:
        return cause_phrase(self.top_cause, explain=False) if self.top_cause else ""

    @property
    def cross_share(self) -> float:
        return float(self.s["cross_context_share"] or 0.0)

    @property
    def cross_declared(self) -> list[str]:
        """Sanctions the rules put in a domain unrelated to every record behind them."""
        return [n for n, x in self.s["sanctions"].items() if x["cross_context"]]

    @cached_property
    def lawful(self) -> list[str]:
        """Lawful acts whose records can lead to a sanction (the screen's reading of the rules)."""
        rows = screen(self.data.scenario, self.s)
        return sorted({b for r in rows for b in r.legitimate})

    @property
    def flagged(self) -> list[str]:
        return [n for n, x in self.s["sanctions"].items() if x["disparate_impact_flagged"]]

    @property
    def appeals_open(self) -> bool:
        spec = self.data.scenario.get("appeals") or {}
        return bool(spec.get("capacity_per_100k_per_day"))
