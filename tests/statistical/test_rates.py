"""The reference engine's counts against their analytic expectations.

Each test builds a small purpose-made scenario in which the expectation is exact: trait_spread 0
(every trait byte is round(64 * 1) = 64, so the propensity multiplier is exactly 1.0), no
deterrence, chilling or gaming (so the response stage leaves every rate at its base value), no
appeals, no recovery. Every count is then a sum of independent Bernoulli draws (one per
person-day, or one per act), so it is binomial with a known n and p.

Tolerances are derived, never tuned: a count must lie within ``Z`` binomial standard errors,
sqrt(n p (1 - p)), of its expectation n p. With Z = 5 a correct engine fails a single check with
probability about 6e-7 (two-sided normal tail; every expected count here is at least ~200, where
the exact binomial tail at 5 SE stays within a small factor of the normal one), and the whole
file (~70 checks) with probability below 5e-5 for a random seed. The seeds are fixed, so a run
is reproducible; a failure means a biased rate, not bad luck.
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
import pytest

from socialcredit.engine.fast import FastEngine
from socialcredit.engine.reference import ReferenceEngine
from socialcredit.population.synthesis import synthesize
from socialcredit.scenario.compile import compile_plan
from socialcredit.scenario.loading import validate
from socialcredit.state import EVER_SANCTIONED

Z = 5.0  # standard errors; P(|N(0,1)| > 5) = 5.7e-7 per check

PEOPLE = 200_000
DAYS = 40
SEED = 20240611

GROUP_SHARE = {"a": 0.4, "b": 0.6}
CAMERAS = {"city": 2.0, "rural": 0.5}
CAM_PER_CAMERA = 0.3  # camera coverage = min(1, 0.3 x cameras per 1,000): city 0.6, rural 0.15
CAM_DETECTION = 0.8
LEDGER_COVERAGE = {"city": 0.9, "rural": 0.7}
LEDGER_DETECTION = 0.5

RATE = {  # behaviour -> group -> probability per person-day
    "jaywalk": {"a": 0.02, "b": 0.05},
    "protest": {"a": 0.01, "b": 0.01},
    "charity": {"a": 0.03, "b": 0.03},
    "idle": {"a": 0.04, "b": 0.04},
}
FALSE_MATCH = {"a": 1e-3, "b": 1e-2}  # camera, per person-day at full coverage
MISATTRIBUTION = {"a": 0.05, "b": 0.2}  # camera, share of detected acts booked on someone else
BOOKKEEPING = {"a": 5e-4, "b": 1e-3}  # ledger, per person-day
POINTS = {"jaywalk": -5, "protest": -20, "charity": 3}
CAM_SEES = ("jaywalk", "protest")
LEDGER_SEES = ("charity", "jaywalk", "idle")

RATES_SCENARIO: dict[str, Any] = {
    "name": "statistical-rates",
    "population": {
        "people": PEOPLE,
        "household_size": 2.0,
        "trait_spread": 0.0,
        "groups": [{"name": g, "share": s} for g, s in GROUP_SHARE.items()],
        "regions": [{"name": r, "share": 0.5, "cameras_per_1000": c} for r, c in CAMERAS.items()],
    },
    "behaviours": [
        {
            "name": "jaywalk",
            "domain": "traffic",
            "rate": RATE["jaywalk"],
            "stance": "disfavoured",
            "legitimate": False,
        },
        {
            "name": "protest",
            "domain": "political",
            "rate": RATE["protest"],
            "stance": "disfavoured",
            "legitimate": True,
        },
        {
            "name": "charity",
            "domain": "civic",
            "rate": RATE["charity"],
            "stance": "favoured",
            "legitimate": True,
        },
        {
            "name": "idle",
            "domain": "consumption",
            "rate": RATE["idle"],
            "stance": "neutral",
            "legitimate": True,
        },
    ],
    "sources": [
        {
            "name": "cam",
            "kind": "camera",
            "observes": list(CAM_SEES),
            "coverage_per_camera_per_1000": CAM_PER_CAMERA,
            "detection": CAM_DETECTION,
            "errors": {"false_match": FALSE_MATCH, "misattribution": MISATTRIBUTION},
        },
        {
            "name": "ledger",
            "kind": "records",
            "observes": list(LEDGER_SEES),
            "coverage": LEDGER_COVERAGE,
            "detection": LEDGER_DETECTION,
            "errors": {"bookkeeping": BOOKKEEPING},
        },
    ],
    "regime": {
        "score": {"start": 0, "min": -30000, "max": 30000},
        "rules": [
            {"behaviour": "jaywalk", "points": POINTS["jaywalk"]},
            {"behaviour": "protest", "recorded_by": "cam", "points": POINTS["protest"]},
            {"behaviour": "charity", "recorded_by": "ledger", "points": POINTS["charity"]},
        ],
        "tiers": [{"name": "ok", "min_score": 0}, {"name": "low", "min_score": -30000}],
    },
}


def cam_coverage(region: str) -> float:
    return min(1.0, CAM_PER_CAMERA * CAMERAS[region])


def run(raw: dict[str, Any], people: int, days: int, seed: int) -> ReferenceEngine:
    plan = compile_plan(validate(copy.deepcopy(raw), "test"), people=people, days=days, seed=seed)
    engine = ReferenceEngine(plan, synthesize(plan))
    engine.run()
    return engine


def check_binomial(label: str, observed: float, n: float, p: float) -> None:
    """``observed`` ~ Binomial(n, p): assert it lies within Z standard errors of n p."""
    expected = n * p
    se = math.sqrt(n * p * (1.0 - p))
    z = (observed - expected) / se if se > 0 else (0.0 if observed == expected else math.inf)
    print(f"{label}: measured {observed:.0f}, expected {expected:.1f} +- {se:.1f} (z = {z:+.2f})")
    assert abs(z) < Z, f"{label}: {observed} vs {expected:.1f} (z = {z:.2f}, limit {Z})"


@pytest.fixture(scope="module")
def rates() -> ReferenceEngine:
    e = run(RATES_SCENARIO, PEOPLE, DAYS, SEED)
    assert set(np.unique(e.pop.trait)) == {64}, "trait_spread 0 must give multiplier 1.0"
    return e


def cells(e: ReferenceEngine):
    """(cell index, region name, group name, person-days in the cell) for every cell."""
    p = e.plan
    for c in range(p.cells):
        region, group = p.regions[c // len(p.groups)], p.groups[c % len(p.groups)]
        yield c, region, group, int(p.cell_people[c]) * p.days


def total(e: ReferenceEngine, column: str, cell: int) -> int:
    return int(e.counts[:, cell, e.layout.at(column)].sum())


def test_trait_multiplier_is_exactly_one(rates: ReferenceEngine) -> None:
    assert np.all(rates.trait == 1.0)


# (a) false matches: people x days x rate x coverage, per group and region


def test_false_match_records_per_group(rates: ReferenceEngine) -> None:
    for c, region, group, n in cells(rates):
        p = FALSE_MATCH[group] * cam_coverage(region)
        check_binomial(
            f"false_match cam {group}/{region}", total(rates, "records_false_match__cam", c), n, p
        )
        assert total(rates, "records_false_match__ledger", c) == 0


def test_false_match_groups_differ_by_their_rate_ratio(rates: ReferenceEngine) -> None:
    """Group b's false-match rate is 10x group a's; the estimated rates must show that ratio."""
    count, exposure = {}, {}
    for g in GROUP_SHARE:
        mine = [(c, r, n) for c, r, grp, n in cells(rates) if grp == g]
        count[g] = sum(total(rates, "records_false_match__cam", c) for c, _, _ in mine)
        exposure[g] = sum(n * cam_coverage(r) for _, r, n in mine)  # person-days in view
    ratio = (count["b"] / exposure["b"]) / (count["a"] / exposure["a"])
    expected = FALSE_MATCH["b"] / FALSE_MATCH["a"]
    # relative SE of a ratio of two independent counts (Poisson bound on the binomial variance)
    rel_se = math.sqrt(1 / count["a"] + 1 / count["b"])
    print(
        f"false_match rate ratio b/a: measured {ratio:.3f}, expected {expected:.3f} "
        f"+- {expected * rel_se:.3f}"
    )
    assert abs(ratio / expected - 1) < Z * rel_se


# (b) bookkeeping: people x days x rate (no coverage)


def test_bookkeeping_records(rates: ReferenceEngine) -> None:
    for c, region, group, n in cells(rates):
        check_binomial(
            f"bookkeeping ledger {group}/{region}",
            total(rates, "records_bookkeeping__ledger", c),
            n,
            BOOKKEEPING[group],
        )
        assert total(rates, "records_bookkeeping__cam", c) == 0


# (c) acts: P(act b on a person-day) = rate_b exactly (one act at most, chosen in proportion)


def test_acts_per_behaviour(rates: ReferenceEngine) -> None:
    for c, region, group, n in cells(rates):
        for b, by_group in RATE.items():
            check_binomial(
                f"acts {b} {group}/{region}", total(rates, f"acts__{b}", c), n, by_group[group]
            )


def test_at_most_one_act_per_person_day(rates: ReferenceEngine) -> None:
    L, p = rates.layout, rates.plan
    acts = rates.counts[:, :, L.span("acts", p.behaviours)].sum(axis=2)
    assert np.all(acts <= p.cell_people[None, :])
    for c, region, group, n in cells(rates):
        check_binomial(
            f"acts any {group}/{region}",
            int(acts[:, c].sum()),
            n,
            sum(r[group] for r in RATE.values()),
        )


# (d) true records = acts x coverage x detection x (1 - misattribution)


def true_record_prob(source: str, region: str, group: str) -> float:
    if source == "cam":
        return cam_coverage(region) * CAM_DETECTION * (1.0 - MISATTRIBUTION[group])
    return LEDGER_COVERAGE[region] * LEDGER_DETECTION


def test_true_records_given_acts(rates: ReferenceEngine) -> None:
    """Conditional on the acts, each act is recorded independently: Binomial(acts, p)."""
    for source, sees in (("cam", CAM_SEES), ("ledger", LEDGER_SEES)):
        for c, region, group, _ in cells(rates):
            acts = sum(total(rates, f"acts__{b}", c) for b in sees)
            check_binomial(
                f"records_true {source} {group}/{region} | acts",
                total(rates, f"records_true__{source}", c),
                acts,
                true_record_prob(source, region, group),
            )


def test_true_records_per_person_day(rates: ReferenceEngine) -> None:
    """Unconditionally: people x days x base rate x coverage x detection x (1 - misattribution)."""
    for source, sees in (("cam", CAM_SEES), ("ledger", LEDGER_SEES)):
        for c, region, group, n in cells(rates):
            p = sum(RATE[b][group] for b in sees) * true_record_prob(source, region, group)
            check_binomial(
                f"records_true {source} {group}/{region}",
                total(rates, f"records_true__{source}", c),
                n,
                p,
            )


# (e) misattribution: inbound records = people x days x rate x coverage x detection x share


def test_misattribution_inbound_records(rates: ReferenceEngine) -> None:
    for c, region, group, n in cells(rates):
        p = sum(
            RATE[b][group] * cam_coverage(region) * CAM_DETECTION * MISATTRIBUTION[group]
            for b in CAM_SEES
        )
        check_binomial(
            f"misattribution cam {group}/{region}",
            total(rates, "records_misattribution__cam", c),
            n,
            p,
        )
        assert total(rates, "records_misattribution__ledger", c) == 0


# (g) score means: the sum of DAYS independent daily increments per person


def _increment_moments(region: str, group: str) -> tuple[float, float, float, float]:
    """Mean and variance of one person-day's change of the shadow and the system score."""
    cam = cam_coverage(region) * CAM_DETECTION
    mis = MISATTRIBUTION[group]
    cam_true = cam * (1.0 - mis)
    ledger = LEDGER_COVERAGE[region] * LEDGER_DETECTION
    # true records: an act is scored if any source with a rule for it records it
    scored = {
        "jaywalk": 1.0 - (1.0 - cam_true) * (1.0 - ledger),
        "protest": cam_true,
        "charity": ledger,
    }
    x = [(RATE[b][group] * scored[b], POINTS[b]) for b in scored]
    # error records (system score only): each channel is (probability, points)
    rj, rp = RATE["jaywalk"][group], RATE["protest"][group]
    fm = FALSE_MATCH[group] * cam_coverage(region)
    y = [
        (fm * rj / (rj + rp), POINTS["jaywalk"]),
        (fm * rp / (rj + rp), POINTS["protest"]),
        (rj * cam * mis, POINTS["jaywalk"]),
        (rp * cam * mis, POINTS["protest"]),
        (BOOKKEEPING[group], POINTS["jaywalk"]),
    ]

    def moments(channels: list[tuple[float, int]]) -> tuple[float, float]:
        m1 = sum(q * v for q, v in channels)
        m2 = sum(q * v * v for q, v in channels)
        return m1, m2 - m1 * m1

    mx, vx = moments(x)
    my, vy = moments(y)
    # acts and errors come from different random streams: independent
    return mx, vx, mx + my, vx + vy


def test_score_means(rates: ReferenceEngine) -> None:
    p, L = rates.plan, rates.layout
    mean_col, shadow_col = L.stats.index("score_mean"), L.stats.index("shadow_mean")
    for c, region, group, _ in cells(rates):
        people = int(p.cell_people[c])
        m_shadow, v_shadow, m_score, v_score = _increment_moments(region, group)
        for label, col, m, v in (
            ("shadow_mean", shadow_col, m_shadow, v_shadow),
            ("score_mean", mean_col, m_score, v_score),
        ):
            measured = rates.stats[-1, c, col]
            expected = p.score_start + DAYS * m
            se = math.sqrt(DAYS * v / people)
            z = (measured - expected) / se
            print(
                f"{label} {group}/{region}: measured {measured:.4f}, "
                f"expected {expected:.4f} +- {se:.4f} (z = {z:+.2f})"
            )
            assert abs(z) < Z


# (f) a list fed by one rule: the share listed after T days, rightly and wrongly

LIST_RATE = 0.002
LIST_COVERAGE = 0.5
LIST_DETECTION = 0.9
LIST_FALSE_MATCH = 2e-4
LIST_MISATTRIBUTION = 0.1
LIST_BOOKKEEPING = 1e-4
LIST_DAYS = 50
LIST_SCENARIO: dict[str, Any] = {
    "name": "statistical-list",
    "population": {
        "people": PEOPLE,
        "household_size": 3.0,
        "trait_spread": 0.0,
        "groups": [{"name": "everyone", "share": 1.0}],
        "regions": [{"name": "land", "share": 1.0}],
    },
    "behaviours": [
        {
            "name": "default",
            "domain": "legal",
            "rate": LIST_RATE,
            "stance": "disfavoured",
            "legitimate": False,
        },
    ],
    "sources": [
        {
            "name": "court",
            "kind": "records",
            "observes": ["default"],
            "coverage": LIST_COVERAGE,
            "detection": LIST_DETECTION,
            "errors": {
                "false_match": LIST_FALSE_MATCH,
                "misattribution": LIST_MISATTRIBUTION,
                "bookkeeping": LIST_BOOKKEEPING,
            },
        }
    ],
    "regime": {
        "score": {"start": 100, "min": 0, "max": 200},
        "rules": [{"behaviour": "default", "list": "blacklist"}],
        "tiers": [{"name": "all", "min_score": 0}],
        "lists": [{"name": "blacklist", "duration_days": 1000}],
    },
    "consequences": [
        {"name": "travel-ban", "kind": "sanction", "domain": "travel", "list": "blacklist"}
    ],
}


@pytest.fixture(scope="module")
def listing() -> ReferenceEngine:
    return run(LIST_SCENARIO, PEOPLE, LIST_DAYS, SEED + 1)


def test_list_share_after_t_days(listing: ReferenceEngine) -> None:
    """Listed for 1000 days, never released: after t days a person is listed unless no listing
    record reached them on any day, independently per day and person."""
    e, L = listing, listing.layout
    n = e.plan.people
    q = LIST_RATE * LIST_COVERAGE * LIST_DETECTION * (1 - LIST_MISATTRIBUTION)  # true record
    err = (  # any error record that names the listing behaviour
        LIST_FALSE_MATCH * LIST_COVERAGE
        + LIST_RATE * LIST_COVERAGE * LIST_DETECTION * LIST_MISATTRIBUTION
        + LIST_BOOKKEEPING
    )
    for t in (9, 24, LIST_DAYS - 1):
        days = t + 1
        clean = (1 - q) ** days
        listed = 1 - clean * (1 - err) ** days
        wrongful = clean * (1 - (1 - err) ** days)
        day = e.counts[t, 0]
        check_binomial(f"listed day {days}", day[L.at("listed__blacklist")], n, listed)
        check_binomial(
            f"listed wrongly day {days}", day[L.at("listed_wrongful__blacklist")], n, wrongful
        )
        assert day[L.at("sanction__travel-ban")] == day[L.at("listed__blacklist")]
        assert day[L.at("sanctioned")] == day[L.at("listed__blacklist")]
        assert day[L.at("sanction_wrongful__travel-ban")] == day[L.at("listed_wrongful__blacklist")]
    ever = int(((e.state.flags & EVER_SANCTIONED) != 0).sum())
    assert ever == e.counts[-1, 0, L.at("listed__blacklist")]


def test_wrongful_causes_in_proportion_to_error_rates(listing: ReferenceEngine) -> None:
    """A wrongly listed person's cause is the kind of their last error record; each record's kind
    is drawn in proportion to the channel rates, independent of its day, so given the wrongful
    count W, the count of each cause is Binomial(W, rate_k / total)."""
    e, L = listing, listing.layout
    day = e.counts[-1, 0]
    wrongful = int(day[L.at("sanctioned_wrongful")])
    rates = {
        "false_match": LIST_FALSE_MATCH * LIST_COVERAGE,
        "misattribution": LIST_RATE * LIST_COVERAGE * LIST_DETECTION * LIST_MISATTRIBUTION,
        "bookkeeping": LIST_BOOKKEEPING,
    }
    err = sum(rates.values())
    assert day[L.at("wrongful_cause__none")] == 0
    for kind, rate in rates.items():
        check_binomial(
            f"wrongful cause {kind} | wrongful",
            day[L.at(f"wrongful_cause__court__{kind}")],
            wrongful,
            rate / err,
        )


# (i) rates per region: a behaviour's rate in a region is its group's times the region's
# multiplier (behaviours[*].rate_by_region), in both engines alike

BY_REGION = {"jaywalk": {"city": 1.0, "rural": 0.25}, "idle": {"city": 0.5, "rural": 1.0}}


def test_acts_per_behaviour_follow_the_regions_multipliers() -> None:
    raw = copy.deepcopy(RATES_SCENARIO)
    for b in raw["behaviours"]:
        if b["name"] in BY_REGION:
            b["rate_by_region"] = BY_REGION[b["name"]]
    e = run(raw, 100_000, 20, SEED)
    for c, region, group, n in cells(e):
        for b, by_group in RATE.items():
            p = by_group[group] * BY_REGION.get(b, {}).get(region, 1.0)
            check_binomial(f"acts {b} {group}/{region}", total(e, f"acts__{b}", c), n, p)
        # misattributed records land where the acts are: inbound at the cell's own rate
        n_mis = total(e, "records_misattribution__cam", c)
        inbound = sum(RATE[b][group] * BY_REGION.get(b, {}).get(region, 1.0) for b in CAM_SEES)
        p_mis = inbound * cam_coverage(region) * CAM_DETECTION * MISATTRIBUTION[group]
        check_binomial(f"misattributed {group}/{region}", n_mis, n, p_mis)
    fast = FastEngine(e.plan, synthesize(e.plan))
    fast.run()
    assert np.array_equal(fast.counts, e.counts)
