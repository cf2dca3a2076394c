"""The EU AI Act Article 5(1)(c) screen: a heuristic over the scenario's own numbers.

Article 5(1)(c) prohibits social scoring whose score leads to detrimental treatment (i) in social
contexts unrelated to where the data was generated, or (ii) unjustified or disproportionate to the
behaviour or its gravity. The screen asks both questions of every sanction the scenario declares:
(i) the simulator's cross-context flag; (ii) the sanction's magnitude (0-10) against the severity
(0-10) of the behaviours whose records can lead to it. It is not a legal finding.

Which behaviours can lead to a sanction is derived once, when the scenario is compiled
(scenario/triggers.py), and read here from summary.json.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass
class ScreenRow:
    name: str
    domain: str
    carried_by: str  # "list X" or "tiers A, B"
    triggers: list[str]  # behaviours whose records can lead to the sanction
    trigger_domains: list[str]
    cross_context: bool
    magnitude: float
    lightest: float | None  # severity of the lightest trigger
    heaviest: float | None
    legitimate: list[str]  # lawful acts among the triggers
    person_days: int

    @property
    def verdict(self) -> str:
        if not self.triggers or self.heaviest is None or self.lightest is None:
            return "nothing leads to it"
        if self.magnitude > self.heaviest:
            return "heavier than every act behind it"
        if self.magnitude > self.lightest:
            return "heavier than some acts behind it"
        return "within their severity"

    @property
    def flagged(self) -> bool:
        """Either limb of the screen is hit: cross-context, or heavier than some trigger."""
        return self.cross_context or (self.lightest is not None and self.magnitude > self.lightest)


def screen(scenario: dict[str, Any], summary: dict[str, Any]) -> list[ScreenRow]:
    behaviours = {b["name"]: b for b in scenario["behaviours"]}
    rows: list[ScreenRow] = []
    for cons in scenario.get("consequences", []):
        if cons["kind"] != "sanction":
            continue
        measured = summary["sanctions"].get(cons["name"], {})
        names = list(measured.get("triggers", []))  # Plan.consequence_triggers
        severities = [float(behaviours[b].get("severity", 0.0)) for b in names]
        carried = (
            f"list {cons['list']}"
            if cons.get("list")
            else "tiers " + ", ".join(cons.get("tiers") or [])
        )
        rows.append(
            ScreenRow(
                name=cons["name"],
                domain=cons["domain"],
                carried_by=carried,
                triggers=names,
                trigger_domains=list(dict.fromkeys(behaviours[b]["domain"] for b in names)),
                cross_context=bool(measured.get("cross_context", False)),
                magnitude=float(cons.get("magnitude", 0.0)),
                lightest=min(severities) if severities else None,
                heaviest=max(severities) if severities else None,
                legitimate=[b for b in names if behaviours[b].get("legitimate")],
                person_days=int(measured.get("person_days", 0)),
            )
        )
    return rows
