"""The learned scorer's audit (engine/learned_audit.py): held-out samples, two labels, decisions.

- The held-out sample is drawn from its own stream, never holds anyone of the training sample,
  and is the same in every engine (tests/unit/test_learned_scorer.py compares whole runs'
  audits too).
- With every disfavoured act recorded (coverage and detection 1) and no errors, the system's
  labels are the truth person by person, so the two bases' counts are equal. With errors on
  one group, every truth positive is still a records positive, and that group has more
  records positives than truth positives: the bases part where the records are wrong.
- A person is flagged exactly where the model's score is in a sanctioning tier or at or below
  a sanctioning list's entry threshold.
- A run folder of the learned example holds audit.parquet, and its report the audit section.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
import pytest

from socialcredit import rng
from socialcredit.engine.fast import FastEngine
from socialcredit.engine.learned_audit import held_out, probability, sanctioned_at
from socialcredit.engine.reference import ReferenceEngine
from socialcredit.metrics.audit_table import ALL, AUDIT_FILE, BASES
from socialcredit.metrics.classifier_audit import FN, FP, TP
from socialcredit.plan import LOGIT_SCALE
from socialcredit.population.synthesis import synthesize
from socialcredit.scenario.compile import compile_plan
from socialcredit.scenario.loading import validate

EXAMPLE = Path(__file__).parents[2] / "examples" / "national-score-learned.yaml"

# Two groups and one disfavoured act, of which the court records every one (coverage and
# detection 1, no misattribution). Errors are added per test.
SEEN_ALL: dict[str, Any] = {
    "name": "audit-sees-everything",
    "population": {
        "people": 8000,
        "trait_spread": 1.5,  # propensities far apart: a record predicts another
        "groups": [{"name": "a", "share": 0.5}, {"name": "b", "share": 0.5}],
        "regions": [{"name": "everywhere", "share": 1.0}],
    },
    "behaviours": [
        {
            "name": "default",
            "domain": "credit",
            "rate": {"a": 0.015, "b": 0.02},
            "stance": "disfavoured",
            "legitimate": False,
        },
        {
            "name": "pay-on-time",
            "domain": "credit",
            "rate": 0.05,
            "stance": "favoured",
            "legitimate": True,
        },
    ],  # fmt: skip
    "sources": [
        {
            "name": "court",
            "observes": ["default", "pay-on-time"],
            "coverage": 1.0,
            "detection": 1.0,
        },
    ],  # fmt: skip
    "regime": {
        "score": {"start": 1000, "min": 0, "max": 1100},
        "rules": [{"behaviour": "default", "points": -50}],
        "tiers": [{"name": "A", "min_score": 990}, {"name": "C", "min_score": 0}],
        "scorer": {
            "kind": "learned",
            "retrain_every_days": 20,
            "horizon_days": 30,
            "sample_people": 2000,
            "points_to_double_odds": 20,
        },
    },  # fmt: skip
    "consequences": [
        {"name": "loan-refusal", "kind": "sanction", "domain": "credit", "tiers": ["C"]},
    ],
    "run": {"days": 110, "seed": 11},
}


def run_audits(raw: dict[str, Any], engine: type = ReferenceEngine) -> Any:
    plan = compile_plan(validate(raw, "audit"), people=8000, days=110, seed=11)
    sim = engine(plan, synthesize(plan))
    sim.run()
    assert sim.learner is not None
    return plan, sim.learner


def test_held_out_sample_is_its_own_draw_and_never_trained_on() -> None:
    key = rng.seed_key(5)
    training = np.arange(0, 10_000, 3)
    held = held_out(key, 40, 2000, 10_000, training)
    assert 0 < len(held) <= 2000 and held.min() >= 0 and held.max() < 10_000
    assert np.all(np.diff(held) > 0) and not np.intersect1d(held, training).size
    assert np.array_equal(held, held_out(key, 40, 2000, 10_000, training))  # counter-based
    assert not np.array_equal(held, held_out(key, 60, 2000, 10_000, training))
    u = rng.uniform(key, rng.LEARN_AUDIT, rng.person_counters(np.arange(2000)), 40)
    drawn = np.unique((u * 10_000).astype(np.int64))
    assert np.array_equal(held, np.setdiff1d(drawn, training))
    # the training sample takes everyone: no one is left to hold out
    assert not len(held_out(key, 40, 20_000, 10_000, np.arange(10_000)))


def test_streams_do_not_collide() -> None:
    """Every stream slot (single streams, and the ranges of per-source, per-list and
    per-consequence ones, rng.py) below 256 and used once."""
    singles = [rng.ACT, rng.ERROR, rng.HOUSEHOLD, rng.TRAIT_A, rng.TRAIT_B,
               rng.KEEP_WRONGFUL, rng.LEARN_SAMPLE, rng.LEARN_AUDIT]  # fmt: skip
    ranges = [(rng.OBSERVE, 16), (rng.MISATTRIBUTE, 16), (rng.COMPLY, 8), (rng.APPEAL_FILE, 8),
              (rng.APPEAL_WIN, 8), (rng.ENCOUNTER, 64)]  # fmt: skip
    slots = singles + [first + k for first, width in ranges for k in range(width)]
    assert len(slots) == len(set(slots)) and max(slots) < 256 and min(slots) > 0


def test_without_errors_and_with_every_act_recorded_the_bases_coincide() -> None:
    plan, learner = run_audits(SEEN_ALL)
    audits = learner.audit.audits
    assert [a.day for a in audits] == [m.day for m in learner.models] == [50, 70, 90]
    for a in audits:  # counts: [group, decision, basis, cell]
        assert np.array_equal(a.counts[:, :, 0], a.counts[:, :, 1]), a.day
        assert a.counts[:, 0, 0, FN].sum() + a.counts[:, 0, 0, TP].sum() > 50  # labels 1
        flagged = a.counts[:, :, 0, FP].sum(axis=0) + a.counts[:, :, 0, TP].sum(axis=0)
        assert np.all(flagged > 0)  # both decisions flag some


def test_errors_on_one_group_part_the_bases_there() -> None:
    raw = copy.deepcopy(SEEN_ALL)
    raw["sources"][0]["errors"] = {"bookkeeping": {"a": 0.0, "b": 0.004}}
    plan, learner = run_audits(raw)
    for a in learner.audit.audits:
        positives = a.counts[:, 0, :, FN] + a.counts[:, 0, :, TP]  # [group, basis]
        records, truth = positives[:, 0], positives[:, 1]
        assert np.all(records >= truth)  # every act is recorded: truth is within records
        assert records[0] == truth[0]  # group a: no errors, no difference
        assert records[1] > truth[1] + 20  # group b: its error records label innocents 1
        people = a.counts.sum(axis=3)  # [group, decision, basis]
        assert np.all(people == people[:, :1, :1])  # the same people everywhere
        flagged = a.counts[..., FP] + a.counts[..., TP]
        assert np.array_equal(flagged[:, :, 0], flagged[:, :, 1])  # the same decisions


def test_reference_and_fast_engines_audit_alike() -> None:
    raw = copy.deepcopy(SEEN_ALL)
    raw["sources"][0]["errors"] = {"bookkeeping": {"a": 0.001, "b": 0.004}}
    _, ref = run_audits(raw)
    _, fast = run_audits(raw, FastEngine)
    assert len(ref.audit.audits) == len(fast.audit.audits) == 3
    for x, y in zip(ref.audit.audits, fast.audit.audits, strict=True):
        assert x.day == y.day and np.array_equal(x.counts, y.counts)
        assert np.array_equal(x.predicted, y.predicted)


def test_flagged_where_the_score_is_in_a_sanctioning_tier_or_list() -> None:
    plan = compile_plan(validate(copy.deepcopy(SEEN_ALL), "audit"), people=100, days=110)
    score = np.arange(0, 1101, dtype=np.int16)
    assert np.array_equal(sanctioned_at(plan, score), score < 990)  # tier C carries the ban
    raw = copy.deepcopy(SEEN_ALL)
    raw["regime"]["lists"] = [{"name": "low", "duration_days": 10, "enter_at_or_below": 980}]
    raw["consequences"][0] = {"name": "loan-refusal", "kind": "sanction", "domain": "credit",
                              "list": "low"}  # fmt: skip
    plan = compile_plan(validate(raw, "audit"), people=100, days=110)
    assert np.array_equal(sanctioned_at(plan, score), score <= 980)  # the list's alone


def test_probability_is_the_logistic_without_overflow() -> None:
    logit = np.array([-(2**40), -(LOGIT_SCALE * 2), 0, LOGIT_SCALE * 3, 2**40])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        p = probability(logit)
    assert p == pytest.approx([0.0, 1 / (1 + np.e**2), 0.5, 1 / (1 + np.e**-3), 1.0])


def test_run_folder_holds_the_audit_and_the_report_shows_it(tmp_path: Path) -> None:
    """The learned example, small: one model (day 120), audited on a held-out sample."""
    from socialcredit.runner import run

    folder = run(EXAMPLE, people=4000, days=130, out=tmp_path / "run", engine="reference",
                 overrides={"regime.scorer.sample_people": 1500}).folder  # fmt: skip
    assert folder is not None
    table = pq.read_table(folder / AUDIT_FILE).to_pylist()
    assert {r["model_day"] for r in table} == {120} and {r["basis"] for r in table} == set(BASES)
    groups = {r["group"] for r in table}
    assert ALL in groups and len(groups) == 5  # the preset's four groups and all of them

    def value(basis: str, metric: str, decision: str = "predicted") -> float:
        key = (decision, ALL, basis, metric)
        [v] = [r["value"] for r in table if (r["decision"], r["group"], r["basis"],
                                             r["metric"]) == key]  # fmt: skip
        return float(v)

    assert value("records", "people") == value("truth", "people") > 500
    assert value("records", "selection_rate") == value("truth", "selection_rate") > 0
    # the preset's sources miss most acts and make errors: the labels differ
    assert value("records", "observed_rate") != value("truth", "observed_rate")
    page = (folder / "report.html").read_text(encoding="utf-8")
    assert "The learned scorer, audited against the truth" in page
    assert "On its own records the model looks" in page
    assert f"equalised-odds gap <b>{value('records', 'equalised_odds_gap'):.2f}</b>" in page


def test_no_audit_section_without_a_learned_scorer(tmp_path: Path) -> None:
    from socialcredit.report import build_report
    from socialcredit.runner import run

    folder = run("driving-demerit-points", people=1000, days=20, out=tmp_path / "run",
                 engine="reference").folder  # fmt: skip
    assert folder is not None and not (folder / AUDIT_FILE).exists()
    assert "audited against the truth" not in build_report(folder)
