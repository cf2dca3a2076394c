"""Wrongful harm broken down (metrics/breakdown.py): per sanction carrier, the causes of its
wrongful person-days add up to its wrongful person-days and bracket the pooled causes (equal to
them where a single carrier carries every sanction); people ever (wrongly) under a sanction
equal a recount from each day's standing, per sanction rather than per carrier; by group, the
ever-sanctioned counts add up to the flag counts."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from scenarios import stressed
from socialcredit.carriers import carriers_of
from socialcredit.engine.fast import FastEngine
from socialcredit.engine.reference import Day, ReferenceEngine
from socialcredit.metrics.layout import cause_labels
from socialcredit.metrics.summary import summarize
from socialcredit.plan import NO_LIST, SANCTION
from socialcredit.population.synthesis import synthesize
from socialcredit.scenario.compile import compile_plan
from socialcredit.scenario.loading import validate
from socialcredit.state import EVER_SANCTIONED, EVER_WRONGFUL, ever_bits

PRESET = "china-national-score-2018"  # a list and two tier sets carry its sanctions


def summary_of(engine):
    return summarize(
        engine.plan, engine.layout, engine.counts, engine.stats,
        ever_sanctioned=engine.count_flag(EVER_SANCTIONED),
        ever_wrongful=engine.count_flag(EVER_WRONGFUL),
    )  # fmt: skip


def build(raw, engine: str, people: int = 3000, days: int = 90):
    plan = compile_plan(validate(raw, "test scenario"), people=people, days=days, seed=3)
    cls = ReferenceEngine if engine == "reference" else FastEngine
    e = cls(plan, synthesize(plan))
    e.run()
    return e


@pytest.fixture(scope="module", params=["reference", "fast"])
def china(request):
    return build(stressed(PRESET), request.param)


def test_carrier_causes_add_up_to_each_sanctions_wrongful_days(china) -> None:
    """Day by day and cell by cell, a carrier's causes sum to the wrongful person-days of each
    sanction it carries, and over carriers they bracket the pooled causes."""
    plan, L, counts = china.plan, china.layout, china.counts
    carriers, labels = carriers_of(plan), cause_labels(plan)
    assert len(carriers) == 3
    pooled = counts[:, :, L.at("wrongful_cause__none") :][:, :, : len(labels)]
    per_carrier = []
    for k, key in enumerate(carriers.keys):
        first = L.at(f"carrier_wrongful_cause__{key}__none")
        causes = counts[:, :, first : first + len(labels)]
        per_carrier.append(causes)
        for name in carriers.sanctions_of(plan, k):
            assert np.array_equal(
                causes.sum(axis=2), counts[:, :, L.at(f"sanction_wrongful__{name}")]
            ), name
    stacked = np.stack(per_carrier)
    assert stacked.sum() > 0 and pooled.sum() > 0, "the stressed preset makes wrongful days"
    assert (stacked.max(axis=0) <= pooled).all()
    assert (pooled <= stacked.sum(axis=0)).all()


def test_single_carrier_causes_equal_the_pooled_causes() -> None:
    """With the tier sanctions removed, the court list carries every sanction: each sanction's
    causes in summary.json are the pooled causes, item for item, in both engines."""
    raw = copy.deepcopy(stressed(PRESET))
    raw["consequences"] = [c for c in raw["consequences"] if "tiers" not in c]
    for engine in ("reference", "fast"):
        s = summary_of(build(raw, engine))
        assert s["wrongful_causes"], "some wrongful days"
        assert list(s["carriers"]) == ["list:dishonest-debtors"]
        for name, x in s["sanctions"].items():
            assert x["wrongful_causes"] == s["wrongful_causes"], name
            assert x["wrongful_person_days"] == s["wrongfully_sanctioned_person_days"]


class Recount(ReferenceEngine):
    """The reference engine, recounting after stage 7 who is under each *sanction* (not
    carrier) straight from the plan's consequence tables and the day's standing."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        p = self.plan
        self.sanctions = [
            c for c in range(len(p.consequences)) if p.consequence_kind[c] == SANCTION
        ]
        self.ever = np.zeros((len(self.sanctions), self.n), dtype=bool)
        self.ever_wrongly = np.zeros_like(self.ever)

    def consequences(self, t: int, d: Day) -> None:
        super().consequences(t, d)
        p = self.plan
        for row, c in enumerate(self.sanctions):
            x = int(p.consequence_list[c])
            if x != NO_LIST:
                on, shadow_on = d.listed[x], d.shadow_listed[x]
            else:
                on, shadow_on = (
                    p.consequence_tiers[c][d.tier],
                    p.consequence_tiers[c][d.shadow_tier],
                )
            self.ever[row] |= on
            self.ever_wrongly[row] |= on & ~shadow_on


def test_people_ever_under_each_sanction_match_a_recount() -> None:
    raw = stressed(PRESET)
    plan = compile_plan(validate(raw, "test scenario"), people=3000, days=90, seed=3)
    engine = Recount(plan, synthesize(plan))
    engine.run()
    s = summary_of(engine)
    carriers = carriers_of(plan)
    some_wrongly = 0
    for row, c in enumerate(engine.sanctions):
        x = s["sanctions"][plan.consequences[c]]
        assert x["people_ever_under"] == int(engine.ever[row].sum())
        assert x["people_ever_wrongly_under"] == int(engine.ever_wrongly[row].sum())
        assert x["people_ever_wrongly_under"] <= x["people_ever_under"]
        some_wrongly += x["people_ever_wrongly_under"]
        # and the state's bits say the same, person by person
        byte, under, wrongly = ever_bits(int(carriers.of_consequence[c]))
        assert np.array_equal((engine.state.ever[byte] & under) != 0, engine.ever[row])
        assert np.array_equal((engine.state.ever[byte] & wrongly) != 0, engine.ever_wrongly[row])
    assert some_wrongly > 0
    assert all(k["people_ever_wrongly_under"] > 0 for k in s["carriers"].values()), "all kinds"
    groups = s["groups"].values()
    assert sum(g["people_ever_sanctioned"] for g in groups) == s["people_ever_sanctioned"]
    assert (
        sum(g["people_ever_wrongfully_sanctioned"] for g in groups)
        == s["people_ever_wrongfully_sanctioned"]
    )
