"""Wrongful harm broken down: by sanction carrier and by group.

Definitions a reader needs (summary.json's keys):
- A sanction's *carrier* is the list, or the set of score tiers, that switches it on
  (carriers.py); sanctions with one carrier are in force on the same person-days, so people ever
  under a sanction, and the causes of its wrongful days, are those of its carrier.
- *Causes* of a wrongful person-day: the source and error kind of the last harmful error record
  on the person (``none``: no error record, for example a shadow standing that differs only by
  rounding). A carrier's causes sum to its wrongful person-days; a person wrongly under two
  carriers on a day counts under each, so over carriers they sum to at least the pooled causes
  (equal where nobody is wrongly under two carriers at once).
- By group, per 100,000: sanctioned (or wrongly sanctioned) person-days per 100,000 person-days
  lived, and people ever (wrongly) sanctioned per 100,000 people. Disparate impact of a rate: a
  group's rate over the least-affected group's; outside the four-fifths band it is flagged.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from socialcredit.carriers import Carriers
from socialcredit.metrics.layout import MetricLayout, cause_labels
from socialcredit.plan import Plan

FOUR_FIFTHS = (0.8, 1.25)  # the US EEOC "four-fifths rule" band (29 CFR 1607.4(D), 1978)
PER = 100_000  # rates per 100,000: whole numbers at any scale


def ratio(a: float, b: float) -> float | None:
    return float(a / b) if b else None


def cause_list(labels: Sequence[str], days: np.ndarray, wrongful_days: int) -> list[dict[str, Any]]:
    """Wrongful person-days by cause (``labels`` from ``cause_labels``), most first; a cause
    with no days is left out."""
    items = [
        {
            "source": label.split("__")[0] if label != "none" else None,
            "error_kind": label.split("__")[1] if label != "none" else "none",
            "person_days": int(n),
            "share": ratio(float(n), float(wrongful_days)),
        }
        for label, n in zip(labels, days, strict=True)
        if n
    ]
    return sorted(items, key=lambda item: -int(item["person_days"]))


def disparate_impact(rate: np.ndarray, lived: np.ndarray) -> tuple[dict[int, float | None],
                                                                   list[int]]:  # fmt: skip
    """Each group's rate over the least-affected group's (among groups with people), and the
    groups outside the band. None where the least rate is 0 or the group has no people."""
    rates = rate[lived]
    least = float(rates.min()) if rates.size else 0.0
    impact = {g: (ratio(float(rate[g]), least) if lived[g] else None) for g in range(len(rate))}
    flagged = [
        g for g, r in impact.items() if r is not None and not FOUR_FIFTHS[0] <= r <= FOUR_FIFTHS[1]
    ]
    return impact, flagged


def carrier_breakdown(
    plan: Plan, carriers: Carriers, layout: MetricLayout, total: np.ndarray
) -> dict[str, Any]:
    """Per carrier: its sanctions, people ever (wrongly) under them, person-days, causes.
    ``total`` is [day, column], summed over cells."""
    col = layout.at
    labels = cause_labels(plan)
    out: dict[str, Any] = {}
    for k, key in enumerate(carriers.keys):
        kind, name = key.split(":", 1)
        sanctions = carriers.sanctions_of(plan, k)
        first = col(f"carrier_wrongful_cause__{key}__none")
        by_cause = total[:, first : first + len(labels)].sum(axis=0)
        on = total[:, col(f"sanction__{sanctions[0]}")]  # each of its sanctions' days
        wrongful_days = int(by_cause.sum())
        out[key] = {
            "kind": kind,
            "name": name,
            "sanctions": sanctions,
            "people_ever_under": int(total[:, col(f"first_under__{key}")].sum()),
            "people_ever_wrongly_under": int(total[:, col(f"first_wrongly_under__{key}")].sum()),
            "person_days": int(on.sum()),
            "wrongful_person_days": wrongful_days,
            "wrongful_causes": cause_list(labels, by_cause, wrongful_days),
        }
    return out


def group_breakdown(plan: Plan, layout: MetricLayout, by_group: np.ndarray) -> dict[str, Any]:
    """Per group, per 100,000: sanctioned and wrongly sanctioned person-days per person-days
    lived, people ever (wrongly) sanctioned per people; the disparate impact of both person-day
    rates. ``by_group`` is [day, group, column]."""
    col = layout.at
    people = by_group[0, :, col("people")].astype(np.float64)
    lived_days = by_group[:, :, col("people")].sum(axis=0).astype(np.float64)
    has = people > 0
    summed = by_group.sum(axis=0)  # [group, column]

    def per(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(denominator > 0, PER * numerator / denominator, 0.0)

    sanctioned = per(summed[:, col("sanctioned")], lived_days)
    wrongful = per(summed[:, col("sanctioned_wrongful")], lived_days)
    ever = summed[:, col("first_sanctioned")]
    ever_wrongly = summed[:, col("first_wrongfully_sanctioned")]
    s_impact, s_flagged = disparate_impact(sanctioned, has)
    w_impact, w_flagged = disparate_impact(wrongful, has)
    groups = {
        g: {
            "people": int(people[i]),
            "sanctioned_per_100k": float(sanctioned[i]),
            "wrongfully_sanctioned_per_100k": float(wrongful[i]),
            "wrongful_share": ratio(
                float(summed[i, col("sanctioned_wrongful")]), float(summed[i, col("sanctioned")])
            ),
            "people_ever_sanctioned": int(ever[i]),
            "people_ever_wrongfully_sanctioned": int(ever_wrongly[i]),
            "ever_sanctioned_per_100k": float(per(ever[i : i + 1], people[i : i + 1])[0]),
            "ever_wrongfully_sanctioned_per_100k": float(
                per(ever_wrongly[i : i + 1], people[i : i + 1])[0]
            ),
            "sanction_disparate_impact": s_impact[i],
            "wrongful_disparate_impact": w_impact[i],
        }
        for i, g in enumerate(plan.groups)
    }
    return {
        "groups": groups,
        "groups_flagged": {
            "sanctioned": [plan.groups[i] for i in s_flagged],
            "wrongful": [plan.groups[i] for i in w_flagged],
        },
    }


def sanction_by_group(plan: Plan, layout: MetricLayout, by_group: np.ndarray,
                      name: str) -> dict[str, Any]:  # fmt: skip
    """One sanction's wrongful rate by group (person-days per person-day lived), its share of
    the group's days under the sanction, and its disparate impact."""
    col = layout.at
    lived_days = by_group[:, :, col("people")].sum(axis=0).astype(np.float64)
    has = by_group[0, :, col("people")] > 0
    on = by_group[:, :, col(f"sanction__{name}")].sum(axis=0).astype(np.float64)
    wrong = by_group[:, :, col(f"sanction_wrongful__{name}")].sum(axis=0).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(has, wrong / lived_days, 0.0)
    impact, flagged = disparate_impact(rate, has)
    return {
        "wrongful_rate_by_group": {
            g: (float(rate[i]) if has[i] else None) for i, g in enumerate(plan.groups)
        },
        "wrongful_share_by_group": {
            g: ratio(float(wrong[i]), float(on[i])) for i, g in enumerate(plan.groups)
        },
        "wrongful_disparate_impact": {g: impact[i] for i, g in enumerate(plan.groups)},
        "wrongful_disparate_impact_flagged": [plan.groups[i] for i in flagged],
    }
