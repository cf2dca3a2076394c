"""Invariants of the reference engine that must hold for every scenario, seed and size.

Hypothesis draws a preset, a small population, a few days, a seed, and scales the presets'
behaviour rates and data-source error rates (clipped to valid probabilities; a draw the compiler
rejects as over one act or error per person-day is discarded), so that lists, sanctions and
wrongful sanctions actually occur in runs this small. Examples are few and runs tiny so the file
stays well under a minute.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from scenarios import scaled
from socialcredit import rng
from socialcredit.engine.reference import ReferenceEngine
from socialcredit.errors import ConfigError
from socialcredit.plan import SANCTION
from socialcredit.population.synthesis import synthesize
from socialcredit.scenario.compile import compile_plan
from socialcredit.scenario.loading import load_scenario, preset_names, validate
from socialcredit.state import EVER_SANCTIONED, EVER_WRONGFUL, HAS_RECORD

PRESETS = preset_names()

RUN_SETTINGS = settings(
    max_examples=20,
    deadline=None,
    derandomize=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@st.composite
def engines(draw: st.DrawFn) -> ReferenceEngine:
    name = draw(st.sampled_from(PRESETS))
    people = draw(st.integers(200, 3000))
    days = draw(st.integers(5, 40))
    seed = draw(st.integers(0, 2**63 - 1))
    rate_scale = draw(st.sampled_from([1.0, 2.0, 4.0]))
    rate_floor = draw(st.sampled_from([0.0, 0.005, 0.02]))
    error_scale = draw(st.sampled_from([0.0, 1.0, 30.0, 1000.0]))
    raw = scaled(name, rate_scale, rate_floor, error_scale)
    if "lending" in raw:  # a lending preset's monthly rounds would not come twice in 5-40 days
        raw["lending"] = raw["lending"] | {"every_days": max(1, days // 3)}
    try:
        plan = compile_plan(validate(raw, name), people=people, days=days, seed=seed)
    except ConfigError:
        assume(False)  # scaled past one act or one error per person-day
    engine = ReferenceEngine(plan, synthesize(plan))
    engine.run()
    return engine


def col(e: ReferenceEngine, name: str) -> np.ndarray:
    """A count column, [day, cell]."""
    return e.counts[:, :, e.layout.at(name)]


# --- score bounds and tiers ---------------------------------------------------------------------


@RUN_SETTINGS
@given(engines())
def test_scores_stay_within_bounds(e: ReferenceEngine) -> None:
    p = e.plan
    for score in (e.state.score, e.state.shadow):
        assert score.min() >= p.score_min
        assert score.max() <= p.score_max
    stats = e.stats
    filled = p.cell_people > 0
    quantiles = [e.layout.stats.index(n) for n in ("score_p10", "score_p50", "score_p90")]
    for i in range(stats.shape[2]):
        values = stats[:, filled, i]
        assert np.all(values >= p.score_min), e.layout.stats[i]
        assert np.all(values <= p.score_max), e.layout.stats[i]
    q = stats[:, filled][:, :, quantiles]
    assert np.all(np.diff(q, axis=2) >= 0), "p10 <= p50 <= p90"
    # the last day's means describe the final state
    for c in np.flatnonzero(filled):
        who = e.cell == c
        for stat, score in (("score_mean", e.state.score), ("shadow_mean", e.state.shadow)):
            measured = stats[-1, c, e.layout.stats.index(stat)]
            assert np.isclose(measured, score[who].mean(dtype=np.float64), rtol=1e-12, atol=0)


@RUN_SETTINGS
@given(engines())
def test_tier_is_monotone_in_score(e: ReferenceEngine) -> None:
    p = e.plan
    scores = np.arange(p.score_min, p.score_max + 1, dtype=np.int16)
    tiers = e._tier(scores).astype(np.int64)
    # tiers are listed best first: as the score rises the tier index never increases
    assert np.all(np.diff(tiers) <= 0)
    assert tiers[-1] == 0 and tiers[0] == len(p.tiers) - 1
    # each score lies at or above its tier's min_score, and below the next better tier's
    assert np.all(scores >= p.tier_min[tiers])
    better = tiers > 0
    assert np.all(scores[better] < p.tier_min[tiers[better] - 1])
    # the last day's tier counts are the tiers of the final scores
    final = np.bincount(
        e.cell * len(p.tiers) + e._tier(e.state.score), minlength=p.cells * len(p.tiers)
    ).reshape(p.cells, len(p.tiers))
    assert np.array_equal(e.counts[-1][:, e.layout.span("tier", p.tiers)], final)


# --- sanctions ------------------------------------------------------------------------------------


@RUN_SETTINGS
@given(engines())
def test_no_sanction_without_a_record(e: ReferenceEngine) -> None:
    ever = (e.state.flags & EVER_SANCTIONED) != 0
    assert np.all(e.state.flags[ever] & HAS_RECORD)
    wrong = (e.state.flags & EVER_WRONGFUL) != 0
    assert np.all(ever[wrong]), "a wrongful sanction is a sanction"


@RUN_SETTINGS
@given(engines())
def test_wrongful_is_part_of_all(e: ReferenceEngine) -> None:
    p, L = e.plan, e.layout
    for c, name in enumerate(p.consequences):
        if p.consequence_kind[c] == SANCTION:
            assert np.all(col(e, f"sanction_wrongful__{name}") <= col(e, f"sanction__{name}"))
            assert np.all(col(e, f"sanction__{name}") <= col(e, "sanctioned"))
            assert np.all(col(e, f"sanction_wrongful__{name}") <= col(e, "sanctioned_wrongful"))
    for x in p.lists:
        assert np.all(col(e, f"listed_wrongful__{x}") <= col(e, f"listed__{x}"))
    assert np.all(col(e, "sanctioned_wrongful") <= col(e, "sanctioned"))
    assert np.all(col(e, "sanctioned") <= col(e, "people"))
    assert np.all(col(e, "sanction_starts") <= col(e, "sanctioned"))
    first = L.at("wrongful_cause__none")
    causes = e.counts[:, :, first : first + 1 + 3 * len(p.sources)]
    assert np.array_equal(causes.sum(axis=2), col(e, "sanctioned_wrongful"))
    assert np.all(causes >= 0)


# --- records and acts -----------------------------------------------------------------------------


@RUN_SETTINGS
@given(engines())
def test_true_records_never_exceed_observed_acts(e: ReferenceEngine) -> None:
    p = e.plan
    acts = e.counts[:, :, e.layout.span("acts", p.behaviours)]  # [day, cell, B]
    assert np.all(acts >= 0)
    assert np.all(acts.sum(axis=2) <= col(e, "people")), "at most one act per person-day"
    G = len(p.groups)
    for s, source in enumerate(p.sources):
        records = col(e, f"records_true__{source}")
        for c in range(p.cells):
            seen = p.observe_prob[s, :, c // G] > 0  # behaviours this source can record here
            assert np.all(records[:, c] <= acts[:, c, seen].sum(axis=1)), (source, c)


@RUN_SETTINGS
@given(engines())
def test_people_and_tier_counts_add_up(e: ReferenceEngine) -> None:
    p = e.plan
    people = col(e, "people")
    assert np.all(people == p.cell_people[None, :])
    assert people.sum(axis=1).tolist() == [p.people] * p.days
    assert np.array_equal(np.bincount(e.cell, minlength=p.cells), p.cell_people)
    tiers = e.counts[:, :, e.layout.span("tier", p.tiers)].sum(axis=2)
    assert np.array_equal(tiers, people)
    for x in p.lists:
        assert np.all(col(e, f"listed__{x}") <= people)


# --- the counter-based RNG ------------------------------------------------------------------------

SEEDS = st.integers(0, 2**64 - 1)
STREAMS = st.integers(0, 255)
DAYS = st.integers(0, rng.MAX_DAYS - 1)


@settings(max_examples=50, deadline=None)
@given(
    seed=SEEDS,
    stream=STREAMS,
    day=DAYS,
    people=hnp.arrays(np.uint64, st.integers(1, 200), elements=st.integers(0, rng.MAX_PEOPLE - 1)),
)
def test_uniform_lies_in_unit_interval(seed: int, stream: int, day: int, people) -> None:
    u = rng.uniform(rng.seed_key(seed), stream, rng.person_counters(people), day)
    assert u.dtype == np.float64 and u.shape == people.shape
    assert np.all(u >= 0.0) and np.all(u < 1.0)


def test_uniform_extremes_stay_below_one() -> None:
    """The largest 53-bit draw maps to 1 - 2**-53, never to 1.0."""
    assert ((2**53 - 1) * rng.TO_UNIT) < 1.0
    counters = rng.person_counters(np.array([0, rng.MAX_PEOPLE - 1], dtype=np.uint64))
    for day in (0, rng.MAX_DAYS - 1):
        u = rng.uniform(rng.seed_key(2**64 - 1), 255, counters, day)
        assert np.all((u >= 0) & (u < 1))


@settings(max_examples=50, deadline=None)
@given(seed=SEEDS, stream=STREAMS, day=DAYS, n=st.integers(1, 500), data=st.data())
def test_uniform_for_a_subset_equals_the_full_array(
    seed: int, stream: int, day: int, n: int, data: st.DataObject
) -> None:
    key = rng.seed_key(seed)
    full = rng.uniform(key, stream, rng.person_counters(np.arange(n, dtype=np.uint64)), day)
    subset = np.array(
        data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n)), dtype=np.uint64
    )
    part = rng.uniform(key, stream, rng.person_counters(subset), day)
    assert np.array_equal(part, full[subset.astype(np.int64)])
    alone = int(subset[0])  # one person replayed alone
    one = rng.uniform(key, stream, rng.person_counters(np.array([alone], dtype=np.uint64)), day)
    assert one[0] == full[alone]


@settings(max_examples=15, deadline=None)
@given(
    name=st.sampled_from(PRESETS),
    people=st.integers(2, 3000),
    seed=st.integers(0, 2**63 - 1),
    day=st.integers(0, 40),
    data=st.data(),
)
def test_engine_draws_and_traits_replay_per_person(
    name: str, people: int, seed: int, day: int, data: st.DataObject
) -> None:
    # 60 days: a lending preset's rounds must come twice (only the draws are read here)
    plan = compile_plan(load_scenario(name)[0], people=people, days=60, seed=seed)
    e = ReferenceEngine(plan, synthesize(plan))
    who = np.array(
        sorted(data.draw(st.sets(st.integers(0, people - 1), min_size=1, max_size=50))),
        dtype=np.int64,
    )
    for stream in (rng.ACT, rng.ERROR, rng.OBSERVE, rng.APPEAL_WIN):
        assert np.array_equal(e.draw(stream, who, day), e.draw(stream, None, day)[who])
    # a person's trait is a function of (seed, person) alone, not of the population's size
    fewer = compile_plan(load_scenario(name)[0], people=int(who[-1]) + 1, days=60, seed=seed)
    assert np.array_equal(synthesize(fewer).trait, e.pop.trait[: int(who[-1]) + 1])
