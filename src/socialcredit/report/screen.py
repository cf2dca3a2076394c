"""The EU AI Act Article 5(1)(c) screen: a heuristic over the scenario's own numbers.

Article 5(1)(c) prohibits social scoring whose score leads to detrimental treatment (i) in social
contexts unrelated to where the data was generated, or (ii) unjustified or disproportionate to the
behaviour or its gravity. The screen asks both questions of every sanction the scenario declares:
(i) the simulator's cross-context flag; (ii) the sanction's magnitude (0-10) against the severity
(0-10) of the behaviours whose records can lead to it. It is not a legal finding.
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


def score_lowering(scenario: dict[str, Any]) -> list[str]:
    """Behaviours whose records lower the score: they can move a person into a low tier."""
    out: list[str] = []
    for rule in scenario["regime"]["rules"]:
        if rule.get("points", 0) < 0 and rule["behaviour"] not in out:
            out.append(rule["behaviour"])
    return out


def triggers_of(scenario: dict[str, Any], consequence: dict[str, Any]) -> list[str]:
    """Behaviours whose records can put a person under this consequence.

    A list is fed by the rules that name it (and, where the list also takes anyone at or below a
    score, by every score-lowering behaviour); tiers are fed by every score-lowering behaviour.
    """
    listed = consequence.get("list")
    if listed is None:
        return score_lowering(scenario)
    out = [r["behaviour"] for r in scenario["regime"]["rules"] if r.get("list") == listed]
    spec = next((x for x in scenario["regime"].get("lists", []) if x["name"] == listed), {})
    if spec.get("enter_at_or_below") is not None:
        out += score_lowering(scenario)
    return list(dict.fromkeys(out))


def screen(scenario: dict[str, Any], summary: dict[str, Any]) -> list[ScreenRow]:
    behaviours = {b["name"]: b for b in scenario["behaviours"]}
    rows: list[ScreenRow] = []
    for cons in scenario.get("consequences", []):
        if cons["kind"] != "sanction":
            continue
        measured = summary["sanctions"].get(cons["name"], {})
        names = triggers_of(scenario, cons)
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
