"""The Article 5(1)(c) screen's logic on small hand-made scenarios.

Which behaviours can lead to a sanction is derived when the scenario is compiled
(tests/unit/test_triggers.py pins that); the screen reads it from summary.json.
"""

from __future__ import annotations

from typing import Any

from socialcredit.report.screen import screen


def scenario() -> dict[str, Any]:
    return {
        "behaviours": [
            {"name": "protest", "domain": "political", "severity": 0.0, "legitimate": True},
            {"name": "late", "domain": "finance", "severity": 2.0, "legitimate": False},
            {"name": "fraud", "domain": "legal", "severity": 8.0, "legitimate": False},
            {"name": "charity", "domain": "civic", "severity": 0.0, "legitimate": True},
        ],
        "consequences": [
            {"name": "perk", "kind": "perk", "domain": "travel", "magnitude": 1, "tiers": ["A"]},
            {
                "name": "ban",
                "kind": "sanction",
                "domain": "travel",
                "magnitude": 5,
                "list": "blacklist",
            },
            {
                "name": "no-job",
                "kind": "sanction",
                "domain": "employment",
                "magnitude": 9,
                "tiers": ["D"],
            },
        ],
    }


def summary(ban: list[str]) -> dict[str, Any]:
    return {
        "sanctions": {
            "ban": {"cross_context": True, "person_days": 10, "triggers": ban},
            "no-job": {"cross_context": True, "person_days": 3, "triggers": ["protest", "late"]},
        }
    }


def test_a_sanction_within_the_severity_of_its_triggers() -> None:
    rows = {r.name: r for r in screen(scenario(), summary(["fraud"]))}
    assert set(rows) == {"ban", "no-job"}, "perks are not screened"
    ban = rows["ban"]
    assert ban.triggers == ["fraud"] and ban.trigger_domains == ["legal"]
    assert (ban.lightest, ban.heaviest, ban.magnitude) == (8.0, 8.0, 5.0)
    assert ban.verdict == "within their severity"
    assert ban.cross_context and ban.flagged and ban.person_days == 10


def test_a_sanction_heavier_than_every_act_behind_it() -> None:
    job = {r.name: r for r in screen(scenario(), summary(["fraud"]))}["no-job"]
    assert job.triggers == ["protest", "late"]
    assert job.legitimate == ["protest"]
    assert job.verdict == "heavier than every act behind it"


def test_a_sanction_heavier_than_some_acts_behind_it() -> None:
    ban = {r.name: r for r in screen(scenario(), summary(["protest", "late", "fraud"]))}["ban"]
    assert ban.verdict == "heavier than some acts behind it"


def test_a_sanction_nothing_leads_to() -> None:
    ban = {r.name: r for r in screen(scenario(), summary([]))}["ban"]
    assert ban.verdict == "nothing leads to it" and ban.lightest is None
