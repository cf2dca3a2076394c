"""Scenario variants for tests: presets with rates scaled so rare paths happen in small runs."""

from __future__ import annotations

import copy
import functools
from typing import Any

from socialcredit.scenario.loading import load_scenario

ERROR_KINDS = ("false_match", "misattribution", "bookkeeping")


@functools.cache
def _raw(name: str) -> dict[str, Any]:
    return load_scenario(name)[1]


def _scale(value: Any, factor: float, floor: float = 0.0, ceiling: float = 1.0) -> Any:
    if isinstance(value, list):  # a schedule: scale every entry's value
        return [step | {"value": _scale(step["value"], factor, floor, ceiling)} for step in value]
    if isinstance(value, dict):
        return {k: min(ceiling, max(floor, v * factor)) for k, v in value.items()}
    return min(ceiling, max(floor, value * factor))


def scaled(name: str, rate_scale: float, rate_floor: float, error_scale: float) -> dict[str, Any]:
    """A preset with behaviour rates x rate_scale and at least rate_floor (so rare acts that
    lead to lists happen in small runs), and every error rate x error_scale. Cold (no warm-up):
    the presets' warm-ups (50 years for the credit score) would make small runs minutes long;
    tests/unit/test_warmup.py sets its own."""
    raw = copy.deepcopy(_raw(name))
    raw["run"] = raw.get("run", {}) | {"warmup_days": 0}
    slot = 1.0 / len(raw["behaviours"])  # a behaviour's share of the act draw (Plan.act_scaled)
    for b in raw["behaviours"]:
        b["rate"] = _scale(b["rate"], rate_scale, rate_floor, slot)
    for s in raw["sources"]:
        errors = s.get("errors", {})
        for kind in ERROR_KINDS:
            if kind in errors:
                errors[kind] = _scale(errors[kind], error_scale)
    return raw


# Appeals busy enough that filings, decisions and wins happen in runs of a few thousand people.
BUSY_APPEALS = {
    "capacity_per_100k_per_day": 300.0,
    "file_probability_wrongful": 0.9,
    "file_probability_rightful": 0.3,
    "delay_days": 5,
    "success_wrongful": 0.5,
    "success_rightful": 0.2,
}


def stressed(name: str, rate_floor: float = 0.004) -> dict[str, Any]:
    """A preset scaled so lists, errors of every kind and appeals all occur in small runs."""
    raw = scaled(name, rate_scale=2.0, rate_floor=rate_floor, error_scale=30.0)
    raw["appeals"] = raw.get("appeals", {}) | BUSY_APPEALS
    return raw


# A dated variant: from day 30 (2013-10-31) jaywalking is half again as common, the train ban exists
# only from day 40 (2013-11-10), the online platform records nothing after day 59 (until
# 2013-11-29), and late payments cost more points from day 50 (2013-11-20).
DATED_START = "2013-10-01"
DATED_CHANGES = {"jaywalking rate": 30, "train-ban from": 40, "late-payment points": 50,
                 "online-platform until": 59}  # fmt: skip


def dated(raw: dict[str, Any]) -> dict[str, Any]:
    """``raw`` (the China preset, or a stressed copy) with the dated parameters above."""
    raw = copy.deepcopy(raw)
    raw["run"] = raw.get("run", {}) | {"start": DATED_START}
    for b in raw["behaviours"]:
        if b["name"] == "jaywalking":
            b["rate"] = [
                {"from": "2013-01-01", "value": b["rate"], "source": "assumption: test"},
                {"from": "2013-10-31", "value": _scale(b["rate"], 1.5)},
            ]
    for c in raw["consequences"]:
        if c["name"] == "train-ban":
            c["from"] = "2013-11-10"
    for s in raw["sources"]:
        if s["name"] == "online-platform":
            s["until"] = "2013-11-29"
    for r in raw["regime"]["rules"]:
        if r["behaviour"] == "late-payment":
            r["points"] = [{"from": "2013-10-01", "value": r["points"]},
                           {"from": "2013-11-20", "value": 3 * r["points"]}]  # fmt: skip
    return raw


# Two groups; b acts a sixth as often as a, but its records are invented ten times as often
# (tests/statistical/test_wrongful_impact.py derives what a run of it must show).
RAISED_ERROR_SETTINGS = {
    "act": {"a": 0.006, "b": 0.001},  # per person-day
    "error": {"a": 0.0002, "b": 0.002},  # invented records per person-day
    "listing_days": 20,
}
ACT, ERROR, D = (RAISED_ERROR_SETTINGS[k] for k in ("act", "error", "listing_days"))

RAISED_ERROR = {
    "name": "raised-error-for-one-group",
    "population": {
        "people": 40_000,
        "household_size": 1.0,
        "trait_spread": 0.0,
        "groups": [{"name": "a", "share": 0.5}, {"name": "b", "share": 0.5}],
        "regions": [{"name": "everywhere", "share": 1.0}],
    },
    "behaviours": [
        {
            "name": "default",
            "domain": "credit",
            "rate": ACT,
            "stance": "disfavoured",
            "legitimate": False,
        },
    ],
    "sources": [
        {
            "name": "court",
            "kind": "records",
            "observes": ["default"],
            "detection": 1.0,
            "errors": {"bookkeeping": ERROR},
        },
    ],
    "regime": {
        "score": {"start": 0, "min": -30000, "max": 30000},
        "rules": [{"behaviour": "default", "points": 0, "list": "debtors"}],
        "tiers": [{"name": "all", "min_score": -30000}],
        "lists": [{"name": "debtors", "duration_days": D}],
    },
    "consequences": [
        {"name": "loan-refusal", "kind": "sanction", "domain": "credit", "list": "debtors"},
    ],
}


# Encounters (tests/statistical/test_encounters.py): two groups and regions, a list entered by a
# recorded default (and by namesakes, through misattribution), a flight ban whose attempt
# probabilities change on day 20 (2020-01-21), and a train ban without encounters.
ENCOUNTERS_P_BEFORE = {"a": 0.05, "b": 0.10}
ENCOUNTERS_P_AFTER = {"a": 0.02, "b": 0.20}
ENCOUNTERS_SCENARIO: dict[str, Any] = {
    "name": "statistical-encounters",
    "population": {
        "people": 100_000,
        "trait_spread": 0.0,
        "groups": [{"name": "a", "share": 0.4}, {"name": "b", "share": 0.6}],
        "regions": [{"name": "north", "share": 0.5}, {"name": "south", "share": 0.5}],
    },
    "behaviours": [
        {
            "name": "default",
            "domain": "legal",
            "rate": {"a": 0.004, "b": 0.008},
            "stance": "disfavoured",
            "legitimate": False,
        },
    ],  # fmt: skip
    "sources": [
        {
            "name": "courts",
            "observes": ["default"],
            "errors": {"misattribution": {"a": 0.2, "b": 0.1}},
        },
    ],  # fmt: skip
    "regime": {
        "score": {"start": 0, "min": 0, "max": 0},
        "rules": [{"behaviour": "default", "list": "debtors"}],
        "tiers": [{"name": "all", "min_score": 0}],
        "lists": [{"name": "debtors", "duration_days": 30, "comply_per_day": 0.02}],
    },
    "consequences": [
        {
            "name": "flight-ban",
            "kind": "sanction",
            "domain": "travel",
            "list": "debtors",
            "encounters": [
                {"from": "2020-01-01", "value": ENCOUNTERS_P_BEFORE},
                {"from": "2020-01-21", "value": ENCOUNTERS_P_AFTER},
            ],
        },
        {"name": "train-ban", "kind": "sanction", "domain": "travel", "list": "debtors"},
    ],  # fmt: skip
    "run": {"days": 40, "seed": 20240612, "start": "2020-01-01"},
}


# Encounters of a sanction carried by a tier (tests/statistical/test_encounters.py): a recorded
# default costs 50 points, the score drifts back 1 a day, so people spend about ten days in the
# tier "low"; the loan refusal it carries has attempt probabilities per group, scaled per region.
TIER_ENCOUNTERS_BY_REGION = {"north": 1.0, "south": 0.5}
TIER_ENCOUNTERS_SCENARIO: dict[str, Any] = copy.deepcopy(ENCOUNTERS_SCENARIO) | {
    "name": "statistical-tier-encounters",
    "regime": {
        "score": {"start": 100, "min": 0, "max": 100},
        "rules": [{"behaviour": "default", "points": -50}],
        "recovery": {"points_per_day": 1.0},
        "tiers": [{"name": "ok", "min_score": 60}, {"name": "low", "min_score": 0}],
    },
    "consequences": [
        {
            "name": "loan-refusal",
            "kind": "sanction",
            "domain": "credit",
            "tiers": ["low"],
            "encounters": [
                {"from": "2020-01-01", "value": ENCOUNTERS_P_BEFORE},
                {"from": "2020-01-21", "value": ENCOUNTERS_P_AFTER},
            ],
            "encounters_by_region": TIER_ENCOUNTERS_BY_REGION,
        },
    ],  # fmt: skip
}


# Street patrols looking at jaywalking and smoking, harder in the megacities at the start, moved
# among the regions by their own records (sources[*].reallocate). No errors: every record is a
# discovery, so discoveries follow a binomial law the tests can state.
PATROL_START = {"megacities": 0.3, "cities": 0.1, "countryside": 0.05}
PATROL_DETECTION = 0.5


def patrolled(policy: str = "proportional", correction: bool = False,
              every: int = 10) -> dict[str, Any]:  # fmt: skip
    """The 2018 national score, cold, with reallocated street patrols."""
    raw = copy.deepcopy(_raw("china-national-score-2018"))
    raw["run"] = raw.get("run", {}) | {"warmup_days": 0}
    raw["sources"].append(
        {
            "name": "street-patrols",
            "kind": "informant",
            "observes": ["jaywalking", "smoking-in-non-smoking-area"],
            "coverage": dict(PATROL_START),
            "detection": PATROL_DETECTION,
            "reallocate": {"every_days": every, "policy": policy, "correction": correction},
        }
    )
    return raw
