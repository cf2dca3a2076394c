"""One compared run, with the few derived numbers the comparison page and its sentences use."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from socialcredit.report.compare import figures
from socialcredit.report.data import RunData
from socialcredit.report.screen import screen
from socialcredit.report.sections.headline import cause_phrase

PER = 100_000
# Behaviour domains whose acts are political: a lawful act there is political expression or
# association (an assumption of this page: scenarios name such domains 'political').
POLITICAL_DOMAINS = frozenset({"political"})


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
    def replicates(self) -> int:
        """Seeds the run's numbers are means over (``--replicates``); 1 for a plain run."""
        return self.data.replicates

    def bounds(self, name: str) -> list[float] | None:
        """The 90% interval of a figure of compare/figures.py as the page shows it; None for a
        run of one replicate."""
        return figures.bounds(self, name)

    @property
    def ever(self) -> float:
        """A count for a plain run; with replicates, the mean over them (0.3 means someone was
        sanctioned in some replicate, so it is not rounded down to no one)."""
        return float(self.s["people_ever_sanctioned"])

    def per_person(self, n: float) -> float:
        """A count of people per 100,000 people."""
        return PER * n / self.people if self.people else 0.0

    def per_day(self, person_days: float) -> float:
        """Person-days as people per 100,000 on an average day."""
        lived = self.s["person_days"]
        return PER * person_days / lived if lived else 0.0

    @property
    def blocked(self) -> list[tuple[str, int, int]]:
        """Per sanction with encounters: attempts blocked, and of them by people wrongly under
        it (summary.json; sanctions without encounters have no count)."""
        return [
            (name, int(x["blocked"]), int(x["blocked_wrongful"]))
            for name, x in self.s["sanctions"].items()
            if "blocked" in x
        ]

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
    def lawful_political(self) -> list[str]:
        """The lawful acts among ``lawful`` in a political domain (attending a protest)."""
        domain = {b["name"]: b["domain"] for b in self.data.scenario["behaviours"]}
        return [b for b in self.lawful if domain.get(b) in POLITICAL_DOMAINS]

    @property
    def lawful_other(self) -> list[str]:
        """The other lawful acts that can lead to a sanction (a hard credit inquiry)."""
        return [b for b in self.lawful if b not in self.lawful_political]

    @property
    def status_sanctions(self) -> list[str]:
        """Sanctions carried by score tiers: they follow from a low score, whatever lowered it."""
        return [
            c["name"]
            for c in self.data.scenario.get("consequences", [])
            if c["kind"] == "sanction" and c.get("tiers")
        ]

    @property
    def idle_sanctions(self) -> list[str]:
        """Sanctions the rules declare that were never in force in this run."""
        return [n for n, x in self.s["sanctions"].items() if not x["person_days"]]

    @property
    def appeals_unused(self) -> bool:
        """A way to appeal exists, but no one appealed in this run."""
        return self.appeals_open and not self.s["appeals"]["filed"]

    @property
    def has_lists(self) -> bool:
        """Appeals contest list entries: without a list there is nothing to appeal."""
        return bool((self.data.scenario.get("regime") or {}).get("lists"))

    @property
    def burden(self) -> float:
        """Sanction-days weighted by each sanction's magnitude (0-10), per PER people on an
        average day: a flight ban (8) weighs eight times a slightly higher interest rate (1)."""
        return sum(
            x["magnitude"] * self.per_day(x["person_days"]) for x in self.s["sanctions"].values()
        )

    @property
    def flagged(self) -> list[str]:
        return [n for n, x in self.s["sanctions"].items() if x["disparate_impact_flagged"]]

    @property
    def appeals_open(self) -> bool:
        spec = self.data.scenario.get("appeals") or {}
        return bool(spec.get("capacity_per_100k_per_day"))
