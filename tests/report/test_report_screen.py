"""The Article 5(1)(c) screen's logic on small hand-made scenarios."""

from __future__ import annotations

from typing import Any

from socialcredit.report.screen import screen


def scenario(**regime: Any) -> dict[str, Any]:
    return {
        "behaviours": [
            {"name": "protest", "domain": "political", "severity": 0.0, "legitimate": True},
            {"name": "late", "domain": "finance", "severity": 2.0, "legitimate": False},
            {"name": "fraud", "domain": "legal", "severity": 8.0, "legitimate": False},
            {"name": "charity", "domain": "civic", "severity": 0.0, "legitimate": True},
        ],
        "regime": {
            "rules": [
                {"behaviour": "protest", "points": -50},
                {"behaviour": "late", "points": -10},
                {"behaviour": "fraud", "points": 0, "list": "blacklist"},
                {"behaviour": "charity", "points": 5},
            ],
            "lists": [{"name": "blacklist", "duration_days": 365}],
        }
        | regime,
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


SUMMARY = {
    "sanctions": {
        "ban": {"cross_context": True, "person_days": 10},
        "no-job": {"cross_context": True, "person_days": 3},
    }
}


def test_list_sanction_is_fed_by_its_rules_only() -> None:
    rows = {r.name: r for r in screen(scenario(), SUMMARY)}
    assert set(rows) == {"ban", "no-job"}, "perks are not screened"
    ban = rows["ban"]
    assert ban.triggers == ["fraud"] and ban.trigger_domains == ["legal"]
    assert (ban.lightest, ban.heaviest, ban.magnitude) == (8.0, 8.0, 5.0)
    assert ban.verdict == "within their severity"
    assert ban.cross_context and ban.flagged and ban.person_days == 10


def test_tier_sanction_is_fed_by_every_score_lowering_behaviour() -> None:
    job = {r.name: r for r in screen(scenario(), SUMMARY)}["no-job"]
    assert job.triggers == ["protest", "late"]  # not charity: it raises the score
    assert job.legitimate == ["protest"]
    assert job.verdict == "heavier than every act behind it"


def test_list_entered_by_score_also_takes_score_lowering_behaviours() -> None:
    sc = scenario(lists=[{"name": "blacklist", "duration_days": 9, "enter_at_or_below": 0}])
    ban = {r.name: r for r in screen(sc, SUMMARY)}["ban"]
    assert ban.triggers == ["fraud", "protest", "late"]
    assert ban.verdict == "heavier than some acts behind it"
