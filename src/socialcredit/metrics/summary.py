"""The run summary: headline numbers derived from the per-day metrics and the final state.

Definitions a reader needs:
- *person-days* of a sanction: the sum over days of the people it applied to.
- *wrongful*: in force under the system's standing but not under the shadow standing (the
  standing the same regime would give from true records alone).
- *disparate impact* of a sanction: its rate in a group (person-days per person-day lived) over its
  rate in the least-affected group; ratios outside 0.8-1.25 are flagged (with replicates, only
  where the ratio's whole interval lies outside that band: metrics/intervals.py).
- *chilling*: change in legitimate disfavoured acts per person-day, last 30 days against day 0.
- *wrongful harm broken down* by sanction carrier and by group: metrics/breakdown.py.
- *cross-context share*: share of sanction person-days whose domain differs from the domains of
  every record that can trigger them.
- *warm-up*: days simulated before day 0 and not reported (none of the figures counts them;
  "ever" means during the reported days); *drift*: whether the number of people under a sanction
  was still trending over the last quarter (metrics/drift.py).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from socialcredit.carriers import carrier_label, carriers_of
from socialcredit.metrics.breakdown import (
    FOUR_FIFTHS,
    carrier_breakdown,
    cause_list,
    group_breakdown,
    sanction_by_group,
)
from socialcredit.metrics.breakdown import ratio as _ratio
from socialcredit.metrics.drift import drift_check
from socialcredit.metrics.layout import MetricLayout, cause_labels
from socialcredit.plan import DISFAVOURED_LEGITIMATE, ERROR_KINDS, PERK, Plan

__all__ = ["FOUR_FIFTHS", "outside_parity", "summarize"]


def outside_parity(lo: float, hi: float) -> bool:
    """Whether a disparate impact, known to lie in [lo, hi], is surely outside the four-fifths
    band (one run: lo = hi = its ratio); an interval that reaches into the band is not."""
    return hi < FOUR_FIFTHS[0] or lo > FOUR_FIFTHS[1]


def summarize(
    plan: Plan,
    layout: MetricLayout,
    counts: np.ndarray,
    stats: np.ndarray,
    ever_sanctioned: int,
    ever_wrongful: int,
) -> dict[str, Any]:
    G = len(plan.groups)
    days = counts.shape[0]
    by_group = counts.reshape(days, len(plan.regions), G, -1).sum(axis=1)  # [day, G, col]
    total = counts.sum(axis=1)  # [day, col]
    col = layout.at
    group_people = by_group[0, :, col("people")].astype(np.float64)
    person_days = float(plan.people) * days

    carriers = carriers_of(plan)
    by_carrier = carrier_breakdown(plan, carriers, layout, total)
    sanctions: dict[str, Any] = {}
    perks: dict[str, Any] = {}
    cross_days = 0
    all_days = 0
    for c, name in enumerate(plan.consequences):
        if plan.consequence_kind[c] == PERK:
            perks[name] = {
                "domain": plan.consequence_domains[c],
                "person_days": int(total[:, col(f"perk__{name}")].sum()),
                "in_force_last_day": int(total[-1, col(f"perk__{name}")]),
            }
            continue
        active = total[:, col(f"sanction__{name}")]
        wrong = total[:, col(f"sanction_wrongful__{name}")]
        per_group = by_group[:, :, col(f"sanction__{name}")].sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            rate = np.where(group_people > 0, per_group / (group_people * days), np.nan)
        lived = rate[group_people > 0]
        least = float(lived.min()) if lived.size else 0.0
        impact = {g: _ratio(float(rate[i]), least) for i, g in enumerate(plan.groups)}
        flagged = [g for g, r in impact.items() if r is not None and outside_parity(r, r)]
        sanctions[name] = {
            "domain": plan.consequence_domains[c],
            "carried_by": carrier_label(carriers.keys[carriers.of_consequence[c]]),
            "magnitude": float(plan.consequence_magnitude[c]),
            "cross_context": bool(plan.cross_context[c]),
            "triggers": [
                b for b, on in zip(plan.behaviours, plan.consequence_triggers[c], strict=True) if on
            ],
            "person_days": int(active.sum()),
            "wrongful_person_days": int(wrong.sum()),
            "wrongful_share": _ratio(float(wrong.sum()), float(active.sum())),
            "in_force_last_day": int(active[-1]),
            "wrongful_last_day": int(wrong[-1]),
            "rate_by_group": {
                g: (None if np.isnan(r) else float(r))
                for g, r in zip(plan.groups, rate, strict=True)
            },
            "disparate_impact": impact,
            "disparate_impact_flagged": flagged,
        } | _carried(by_carrier[carriers.keys[carriers.of_consequence[c]]])
        sanctions[name] |= sanction_by_group(plan, layout, by_group, name)
        if plan.has_encounters[c]:  # attempts by people under it, each one blocked
            sanctions[name] |= {
                "blocked": int(total[:, col(f"blocked__{name}")].sum()),
                "blocked_wrongful": int(total[:, col(f"blocked_wrongful__{name}")].sum()),
            }
        all_days += int(active.sum())
        cross_days += int(active.sum()) if plan.cross_context[c] else 0

    labels = cause_labels(plan)
    first = col("wrongful_cause__none")
    cause_days = total[:, first : first + len(labels)].sum(axis=0)
    wrongful_days = int(total[:, col("sanctioned_wrongful")].sum())
    causes = cause_list(labels, cause_days, wrongful_days)

    records = {
        s: {"true": int(total[:, col(f"records_true__{s}")].sum())}
        | {k: int(total[:, col(f"records_{k}__{s}")].sum()) for k in ERROR_KINDS}
        for s in plan.sources
    }
    acts = {b: int(total[:, col(f"acts__{b}")].sum()) for b in plan.behaviours}

    legit = [
        b
        for i, b in enumerate(plan.behaviours)
        if plan.behaviour_class[i] == DISFAVOURED_LEGITIMATE
    ]
    chilling: dict[str, Any] = {"behaviours": legit}
    if legit:
        daily = sum(total[:, col(f"acts__{b}")] for b in legit) / plan.people
        window = min(30, days)
        chilling |= {
            "rate_day0": float(daily[0]),
            "rate_last_30_days": float(daily[-window:].mean()),
            "change": _ratio(float(daily[-window:].mean()) - float(daily[0]), float(daily[0])),
        }

    filed = int(total[:, col("appeals_filed")].sum())
    decided = int(total[:, col("appeals_decided")].sum())
    last_people = stats[-1, :, 0]
    cell_people = plan.cell_people.astype(np.float64)
    lived_cells = cell_people > 0
    score_mean = float((last_people[lived_cells] * cell_people[lived_cells]).sum() / plan.people)
    tiers_last = total[-1, layout.span("tier", plan.tiers)]

    dated = {}
    if plan.start is not None:  # the calendar of the run: its first and last day
        dated = {"start": str(plan.date_of(0)), "end": str(plan.date_of(days - 1))}
    return {
        "scenario": plan.name,
        "people": plan.people,
        "days": days,
        "warmup_days": plan.warmup,
        **dated,
        "seed": plan.seed,
        "person_days": int(person_days),
        "people_ever_sanctioned": ever_sanctioned,
        "people_ever_wrongfully_sanctioned": ever_wrongful,
        "sanctioned_last_day": int(total[-1, col("sanctioned")]),
        "drift": drift_check(total[:, col("sanctioned")], total[:, col("sanction_starts")]),
        "wrongfully_sanctioned_last_day": int(total[-1, col("sanctioned_wrongful")]),
        "sanctioned_person_days": int(total[:, col("sanctioned")].sum()),
        "wrongfully_sanctioned_person_days": wrongful_days,
        "wrongful_share": _ratio(float(wrongful_days), float(total[:, col("sanctioned")].sum())),
        "wrongful_causes": causes,
        "sanctions": sanctions,
        "carriers": by_carrier,
        **group_breakdown(plan, layout, by_group),
        "perks": perks,
        "cross_context_share": _ratio(float(cross_days), float(all_days)),
        "records": records,
        "acts": acts,
        "chilling": chilling,
        "appeals": {
            "filed": filed,
            "decided": decided,
            "won": int(total[:, col("appeals_won")].sum()),
            "pending_at_end": filed - decided,
        },
        "score_mean_last_day": score_mean,
        "tier_shares_last_day": {
            t: float(n) / plan.people for t, n in zip(plan.tiers, tiers_last, strict=True)
        },
    }


def _carried(carrier: dict[str, Any]) -> dict[str, Any]:
    """What a sanction shares with the others of its carrier (metrics/breakdown.py)."""
    return {
        "carrier": f"{carrier['kind']}:{carrier['name']}",
        "people_ever_under": carrier["people_ever_under"],
        "people_ever_wrongly_under": carrier["people_ever_wrongly_under"],
        "wrongful_causes": carrier["wrongful_causes"],
    }
