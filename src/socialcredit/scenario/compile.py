"""Compile a validated Scenario into a Plan of numeric tables.

All interpretation of names happens here, once; engines see only arrays.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta

import numpy as np

from socialcredit.errors import ConfigError
from socialcredit.plan import (
    DISFAVOURED,
    DISFAVOURED_LEGITIMATE,
    ERROR_KINDS,
    FAVOURED,
    NEUTRAL,
    NO_LIST,
    NO_THRESHOLD,
    PERK,
    RECENCY_WINDOWS,
    SANCTION,
    CoverageFeedback,
    LearnedScorer,
    Lending,
    Plan,
)
from socialcredit.rng import MAX_PEOPLE
from socialcredit.scenario.calendar import epoch_days, in_force, now, on
from socialcredit.scenario.limits import MAX_APPEAL_SLOTS
from socialcredit.scenario.references import (
    check_lending,
    check_reallocation_period,
    check_scorer,
)
from socialcredit.scenario.schema import DEFAULT_TREE_DEPTH, DEFAULT_TREES, Dated, Scenario
from socialcredit.scenario.triggers import consequence_triggers, cross_context
from socialcredit.state import LAST_DAY


def split_people(total: int, shares: np.ndarray) -> np.ndarray:
    """Whole people per share, summing exactly to ``total`` (largest-remainder rounding)."""
    exact = total * shares / shares.sum()
    counts = np.floor(exact).astype(np.int64)
    short = total - int(counts.sum())
    order = np.argsort(-(exact - counts), kind="stable")
    counts[order[:short]] += 1
    return counts


def compile_plan(
    sc: Scenario,
    *,
    people: int | None = None,
    days: int | None = None,
    seed: int | None = None,
    warmup: int | None = None,
    label: str = "scenario",
) -> Plan:
    """The plan of ``sc`` with its people, days, seed and warm-up (each overridden where given). A
    warm-up (``run.warmup_days``) runs before the reported days under the tables of the first
    reported day: dated changes are not back-dated into it (scenario/calendar.py)."""
    n = people if people is not None else sc.population.people
    t_days = days if days is not None else sc.run.days
    warmup = warmup if warmup is not None else sc.run.warmup_days
    seed_value = seed if seed is not None else sc.run.seed
    if not 1 <= n < MAX_PEOPLE:
        raise ConfigError(
            f"people = {n}",
            path="--people",
            expected=f"1 .. {MAX_PEOPLE - 1}",
            fix="choose a smaller population",
        )
    if not 1 <= t_days < LAST_DAY:
        raise ConfigError(
            f"days = {t_days}",
            path="--days",
            expected=f"1 .. {LAST_DAY - 1}",
            fix="simulate fewer days",
        )
    if warmup + t_days >= LAST_DAY:
        raise ConfigError(
            f"a warm-up of {warmup} days and {t_days} reported days make {warmup + t_days} days",
            file=label,
            path="run.warmup_days",
            expected=f"a warm-up and days that together stay below {LAST_DAY}",
            fix=f"shorten the warm-up (--warmup) to at most {LAST_DAY - 1 - t_days} days, "
            "or simulate fewer days",
        )
    # again, as for the scorer: --days and --warmup may shorten the run
    check_reallocation_period(sc, warmup + t_days, label, "--days" if days is not None else None)
    if sc.regime.scorer is not None:  # again: --days and --warmup may shorten the run
        where = "regime.scorer.horizon_days" if days is None else "--days"
        check_scorer(sc, warmup + t_days, label, where)
    if sc.lending is not None:
        check_lending(sc, t_days, label, "lending.every_days" if days is None else "--days")
    start = sc.run.start
    if start is None:
        return _compile_epoch(sc, sc, None, n, t_days, warmup, seed_value, label)
    # One plan per epoch, each from the scenario as it stands on the epoch's first day. The
    # warm-up belongs to the first epoch, so the other epochs begin ``warmup`` engine days later.
    firsts = epoch_days(sc, t_days)
    plans = []
    for first in firsts:
        day = start + timedelta(days=first)
        plans.append(_compile_epoch(on(sc, day), sc, day, n, t_days, warmup, seed_value, label))
    for plan in plans[1:]:  # the engines' structure must not change with the date
        for name in ("error_kind", "error_source", "error_behaviour"):
            assert np.array_equal(getattr(plan, name), getattr(plans[0], name)), name
    engine_firsts = (0, *(warmup + first for first in firsts[1:]))
    return replace(
        plans[0], epoch_days=engine_firsts, epochs=tuple(plans) if len(plans) > 1 else ()
    )


def _compile_epoch(
    sc: Scenario,
    whole: Scenario,
    day: date | None,
    n: int,
    t_days: int,
    warmup: int,
    seed_value: int,
    label: str,
) -> Plan:
    """The tables of ``sc`` (schedules resolved) on ``day``: items not in force on the day
    are zeroed, not removed, so that every epoch has the same structure. ``whole`` is the
    scenario with its schedules, for what describes the whole run (triggers)."""

    def live(item: Dated) -> bool:
        return day is None or in_force(item, day)

    groups = [g.name for g in sc.population.groups]
    regions = [r.name for r in sc.population.regions]
    behaviours = [b.name for b in sc.behaviours]
    sources = [s.name for s in sc.sources]
    tiers = [t.name for t in sc.regime.tiers]
    lists = [x.name for x in sc.regime.lists]
    G, R, B, S = len(groups), len(regions), len(behaviours), len(sources)

    def per_group(value: float | dict[str, float]) -> np.ndarray:
        if isinstance(value, dict):
            return np.array([value[g] for g in groups], dtype=np.float64)
        return np.full(G, float(value))

    # population: cells are (region, group), region-major
    shares = np.array(
        [r.share * g.share for r in sc.population.regions for g in sc.population.groups]
    )
    cell_people = split_people(n, shares)

    # acts
    base_rate = np.stack([per_group(now(b.rate)) for b in sc.behaviours], axis=1)  # [G, B]
    classes = {"favoured": FAVOURED, "neutral": NEUTRAL}
    behaviour_class = np.array(
        [
            (DISFAVOURED_LEGITIMATE if b.legitimate else DISFAVOURED)
            if b.stance == "disfavoured"
            else classes[b.stance]
            for b in sc.behaviours
        ],
        dtype=np.int8,
    )
    region_rate = np.ones((R, B))  # [R, B]: each behaviour's multiplier per region
    for b, behaviour in enumerate(sc.behaviours):
        if behaviour.rate_by_region is not None:
            by_region = now(behaviour.rate_by_region)
            region_rate[:, b] = (
                [by_region[r] for r in regions] if isinstance(by_region, dict) else by_region
            )
    # [cells, B]: the rate in each cell, region-major; at most 1/B per behaviour (the group's
    # rate is, references.check_references, and the region's multiplier is at most 1)
    cell_rate = (base_rate[None, :, :] * region_rate[:, None, :]).reshape(R * G, B)
    gaming = now(sc.response.gaming)
    act_scaled = cell_rate * len(behaviours)

    # observation
    cams = np.array([r.cameras_per_1000 for r in sc.population.regions])
    coverage = np.zeros((S, R))
    given = np.zeros((S, R))  # as the scenario gives it, in service or not (feedback's budget)
    observe_prob = np.zeros((S, B, R))
    misattribution = np.zeros((S, G))
    for s, src in enumerate(sc.sources):
        if src.coverage_per_camera_per_1000 is not None:
            coverage[s] = np.minimum(1.0, cams * src.coverage_per_camera_per_1000)
        elif isinstance(cover := now(src.coverage), dict):
            coverage[s] = [cover[r] for r in regions]
        else:
            if not 0.0 <= cover <= 1.0:
                raise ConfigError(
                    f"coverage {cover} is outside 0..1",
                    file=label,
                    path=f"sources[{s}].coverage",
                    expected="a share of acts",
                    fix="give a number between 0 and 1",
                )
            coverage[s] = cover
        for name in src.observes:
            observe_prob[s, behaviours.index(name)] = coverage[s] * now(src.detection)
        misattribution[s] = per_group(now(src.errors.misattribution))
        given[s] = coverage[s]
        if not live(src):  # out of service: records nothing, errs never, watches no one
            coverage[s] = 0.0
            observe_prob[s] = 0.0
            misattribution[s] = 0.0

    # errors: channels (kind, source, behaviour) with per-cell rates. Every channel the
    # scenario's structure allows is kept, also at a zero rate: each channel owns a fixed slot of
    # the day's one error draw (plan.py), so a change to one rate moves no other channel.
    channels: list[tuple[int, int, int]] = []
    rates: list[np.ndarray] = []  # each [R, G]
    at_full: list[np.ndarray] = []  # each [R, G]: false matches at full coverage (feedback)
    for s, src in enumerate(sc.sources):
        watched = [behaviours.index(x) for x in src.observes]
        targets = [b for b in watched if behaviour_class[b] >= DISFAVOURED]
        for k, kind in enumerate(ERROR_KINDS):
            rate_g = per_group(getattr(src.errors, kind)) * live(src)
            if kind == "misattribution":
                # A detected act booked on a look-alike or namesake in the same group and region
                # (sensor_params.md: false matches land within the demographic group).
                for b in watched:
                    acts = cell_rate[:, b].reshape(R, G)
                    inbound = acts * observe_prob[s, b][:, None] * rate_g
                    channels.append((k, s, b))
                    rates.append(inbound)
                    full = np.full(R, float(now(src.detection)))  # the detection at coverage 1
                    at_full.append(acts * full[:, None] * rate_g)
                continue
            if not targets:
                if not rate_g.any():
                    continue
                raise ConfigError(
                    f"source '{src.name}' has {kind} errors but observes no disfavoured behaviour "
                    "for them to invent",
                    file=label,
                    path=f"sources[{s}].errors.{kind}",
                    expected="errors only on sources that record disfavoured acts",
                    fix="set the rate to 0 or add a disfavoured behaviour to observes",
                )
            # An invented record names one of the source's disfavoured behaviours, in proportion
            # to how common each is in the group (equal split where all rates are zero).
            weights = base_rate[:, targets]
            totals = weights.sum(axis=1, keepdims=True)
            weights = np.where(
                totals > 0, weights / np.where(totals > 0, totals, 1), 1 / len(targets)
            )
            scale = coverage[s][:, None] if kind == "false_match" else np.ones((R, 1))
            for j, b in enumerate(targets):
                channels.append((k, s, b))
                rates.append(scale * (rate_g * weights[:, j])[None, :])
                at_full.append(np.ones((R, 1)) * (rate_g * weights[:, j])[None, :])
    table = (  # [cells, J]
        np.stack([r.reshape(R * G) for r in rates], axis=1) if rates else np.zeros((R * G, 0))
    )
    J = table.shape[1]
    if J and table.max() * J > 1.0:
        worst = np.unravel_index(int(np.argmax(table)), table.shape)
        c, j = int(worst[0]), int(worst[1])
        raise ConfigError(
            f"the error rate of source '{sc.sources[channels[j][1]].name}' "
            f"({ERROR_KINDS[channels[j][0]]}, {behaviours[channels[j][2]]}) is "
            f"{table[c, j]:.3g} per person-day in region '{regions[c // G]}', group "
            f"'{groups[c % G]}', above 1/{J}: each of the {J} error channels owns 1/{J} of the "
            "day's error draw",
            file=label,
            path="sources[*].errors",
            expected=f"error rates per person-day below 1/{J} each",
            fix="error rates are per person-day, not per record; real ones are far smaller",
        )
    full_table = (  # [cells, J]: each channel's rate where its source covers everyone
        np.stack([r.reshape(R * G) for r in at_full], axis=1) if at_full else np.zeros((R * G, 0))
    )
    feedback = coverage_feedback(sc, coverage, given, live, full_table)
    if feedback is not None and J:
        moved = np.isin(np.array([c[1] for c in channels]), feedback.sources)
        highest = float(np.where(moved[None, :], full_table, 0.0).max())
        if highest * J > 1.0:
            raise ConfigError(
                f"an error rate of a reallocated source would reach {highest:.3g} per person-day "
                f"where the reallocation covers a whole region, above 1/{J}: each of the {J} "
                f"error channels owns 1/{J} of the day's error draw",
                file=label,
                path="sources[*].errors",
                expected=f"error rates at full coverage below 1/{J} each",
                fix="error rates are per person-day, not per record; real ones are far smaller",
            )

    # scoring rules
    rule_points = np.zeros((S, B), dtype=np.int32)
    rule_scores = np.zeros((S, B), dtype=bool)
    rule_list = np.full((S, B), NO_LIST, dtype=np.int8)
    lists_live = [live(x) for x in sc.regime.lists]
    for rule in sc.regime.rules:
        if not live(rule):
            continue
        b = behaviours.index(rule.behaviour)
        targets_s = [sources.index(rule.recorded_by)] if rule.recorded_by else range(S)
        for s in targets_s:
            if observe_prob[s, b].any() or behaviours[b] in sc.sources[s].observes:
                rule_points[s, b] = now(rule.points)
                rule_scores[s, b] = True
                x = lists.index(rule.list) if rule.list else NO_LIST
                rule_list[s, b] = x if x == NO_LIST or lists_live[x] else NO_LIST

    score = sc.regime.score
    rec = sc.regime.recovery
    # Days are stored in 15 bits of a uint16 (list ends, record expiry; the fast engine uses the
    # top bit as a same-day mark): the latest one must fit.
    longest = max([now(x.duration_days) for x in sc.regime.lists] + [rec.expire_after_days or 0])
    simulated = warmup + t_days  # the engines count the warm-up's days too
    if simulated + longest >= LAST_DAY:
        with_warmup = f" with a warm-up of {warmup} days" if warmup else ""
        raise ConfigError(
            f"{t_days} days{with_warmup} plus the longest listing or expiry ({longest} days) "
            f"reach day {simulated + longest}",
            file=label,
            path="run.warmup_days" if warmup else "--days",
            expected=f"a last day below {LAST_DAY}",
            fix=f"simulate at most {LAST_DAY - 1 - longest} days, warm-up included",
        )
    tier_min = np.array([t.min_score for t in sc.regime.tiers], dtype=np.int32)
    regime_lists = sc.regime.lists

    # consequences, what can put a person under them, and whether that is another context
    C = len(sc.consequences)
    consequence_tiers = np.zeros((C, len(tiers)), dtype=bool)
    consequence_list = np.full(C, NO_LIST, dtype=np.int8)
    for c, cons in enumerate(sc.consequences):
        if cons.list is not None:
            consequence_list[c] = lists.index(cons.list)
        else:
            for name in cons.tiers or []:
                consequence_tiers[c, tiers.index(name)] = True
    triggers = consequence_triggers(whole, tier_min)
    # encounters: the daily probability of an attempt to use what the sanction denies, per cell
    # (region-major): the group's value times the region's multiplier
    encounter_prob = np.zeros((C, R * G))
    for c, cons in enumerate(sc.consequences):
        if cons.encounters is not None and live(cons):
            by_region = now(cons.encounters_by_region) if cons.encounters_by_region else 1.0
            in_region = (
                np.array([by_region[r] for r in regions], dtype=np.float64)
                if isinstance(by_region, dict)
                else np.full(R, float(by_region))
            )
            encounter_prob[c] = np.outer(in_region, per_group(now(cons.encounters))).reshape(R * G)

    resp = sc.response
    camera_coverage = [coverage[s] for s, src in enumerate(sc.sources) if src.kind == "camera"]
    chill_exposure = np.max(camera_coverage, axis=0) if camera_coverage else np.zeros(R)
    decay = 0.5 ** (1.0 / resp.deterrence_half_life_days)

    ap = sc.appeals
    appeal_capacity_micro = round(ap.capacity_per_100k_per_day * n * 10)
    # Decision slots are int64 (Plan.appeal_first_slot); the last day a decision can fall on
    # (the run's last day plus the delay) times the capacity must fit.
    last_decision_day = simulated + ap.delay_days + 1
    if last_decision_day * appeal_capacity_micro >= MAX_APPEAL_SLOTS:
        most = MAX_APPEAL_SLOTS / last_decision_day / n / 10
        raise ConfigError(
            f"{ap.capacity_per_100k_per_day:g} decisions per 100,000 people per day for {n:,} "
            f"people over {simulated:,} days is more than the appeal queue can count",
            file=label,
            path="appeals.capacity_per_100k_per_day",
            expected=f"a capacity below {most:.3g} per 100,000 people per day at this size",
            fix="lower the capacity, the number of people or the days",
        )
    return Plan(
        name=sc.name,
        groups=tuple(groups),
        regions=tuple(regions),
        behaviours=tuple(behaviours),
        sources=tuple(sources),
        tiers=tuple(tiers),
        lists=tuple(lists),
        consequences=tuple(c.name for c in sc.consequences),
        behaviour_domains=tuple(b.domain for b in sc.behaviours),
        consequence_domains=tuple(c.domain for c in sc.consequences),
        people=n,
        days=t_days,
        warmup=warmup,
        seed=seed_value,
        cell_people=cell_people,
        household_size=sc.population.household_size,
        trait_spread=sc.population.trait_spread,
        base_rate=base_rate,
        behaviour_class=behaviour_class,
        act_scaled=act_scaled,
        region_rate=region_rate,
        observe_prob=observe_prob,
        misattribution=misattribution,
        error_kind=np.array([c[0] for c in channels], dtype=np.int8),
        error_source=np.array([c[1] for c in channels], dtype=np.int8),
        error_behaviour=np.array([c[2] for c in channels], dtype=np.int8),
        error_scaled=table * J,
        rule_points=rule_points,
        rule_scores=rule_scores,
        rule_list=rule_list,
        score_start=score.start,
        score_min=score.min,
        score_max=score.max,
        drift_per_day=rec.points_per_day,
        expire_days=rec.expire_after_days or 0,
        slots=rec.slots,
        tier_min=tier_min,
        list_duration=np.array([now(x.duration_days) for x in regime_lists], dtype=np.int32),
        list_comply=np.array([now(x.comply_per_day) for x in regime_lists], dtype=np.float64),
        list_threshold=np.array(
            [
                NO_THRESHOLD if x.enter_at_or_below is None or not live(x) else x.enter_at_or_below
                for x in regime_lists
            ],
            dtype=np.int32,
        ),
        list_reset=np.array([x.reset_score_on_entry for x in regime_lists], dtype=bool),
        consequence_kind=np.array(
            [SANCTION if c.kind == "sanction" else PERK for c in sc.consequences], dtype=np.int8
        ),
        consequence_tiers=consequence_tiers,
        consequence_list=consequence_list,
        consequence_magnitude=np.array([c.magnitude for c in sc.consequences]),
        consequence_triggers=triggers,
        consequence_on=np.array([live(c) for c in sc.consequences], dtype=bool),
        has_encounters=np.array([c.encounters is not None for c in sc.consequences], dtype=bool),
        encounter_prob=encounter_prob,
        cross_context=cross_context(whole, triggers),
        deter_own_step=round(255 * now(resp.deterrence_own)),
        deter_household_step=round(255 * now(resp.deterrence_household)),
        deter_decay=min(255, max(0, math.floor(256 * decay))),
        chilling=now(resp.chilling),
        chill_exposure=chill_exposure,
        gaming=gaming,
        awareness_days=resp.awareness_days,
        appeal_capacity_micro=appeal_capacity_micro,
        appeal_delay=ap.delay_days,
        appeal_file=np.array([ap.file_probability_rightful, ap.file_probability_wrongful]),
        appeal_success=np.array([ap.success_rightful, ap.success_wrongful]),
        start=sc.run.start,
        scorer=learned_scorer(sc, behaviour_class),
        feedback=feedback,
        lending=compiled_lending(sc),
    )


def learned_scorer(sc: Scenario, behaviour_class: np.ndarray) -> LearnedScorer | None:
    """The compiled ``regime.scorer`` (plan.LearnedScorer): record kinds numbered in the order
    the behaviours first show them, and the names of the model's features."""
    spec = sc.regime.scorer
    if spec is None:
        return None
    keys: list[tuple[str, bool]] = []
    behaviour_kind = np.zeros(len(sc.behaviours), dtype=np.int64)
    for b, behaviour in enumerate(sc.behaviours):
        key = (behaviour.domain, bool(behaviour_class[b] >= DISFAVOURED))
        if key not in keys:
            keys.append(key)
        behaviour_kind[b] = keys.index(key)
    names = [
        f"{domain}{'-disfavoured' if bad else ''}-in-{w}d"
        for domain, bad in keys
        for w in RECENCY_WINDOWS
    ]
    names += ["listed", "household-listed"]
    names += [f"region={r.name}" for r in sc.population.regions]
    if spec.use_group:
        names += [f"group={g.name}" for g in sc.population.groups]
    boosted = spec.model == "gradient_boosting"
    return LearnedScorer(
        model=spec.model,
        retrain_every=spec.retrain_every_days,
        horizon=spec.horizon_days,
        sample_people=spec.sample_people,
        use_group=spec.use_group,
        points_to_double_odds=spec.points_to_double_odds or 0.0,
        behaviour_kind=behaviour_kind,
        kind_disfavoured=np.array([bad for _, bad in keys], dtype=bool),
        feature_names=tuple(names),
        trees=(spec.trees or DEFAULT_TREES) if boosted else 0,
        tree_depth=(spec.tree_depth or DEFAULT_TREE_DEPTH) if boosted else 0,
    )


def coverage_feedback(
    sc: Scenario,
    coverage: np.ndarray,
    given: np.ndarray,
    live: Callable[[Dated], bool],
    error_at_full: np.ndarray,
) -> CoverageFeedback | None:
    """The compiled ``sources[*].reallocate`` (plan.CoverageFeedback): what the engines' tables
    are made of where a source's coverage moves (plan.with_coverage), None where none does."""
    moved = [s for s, src in enumerate(sc.sources) if src.reallocate is not None]
    if not moved:
        return None
    specs = [sc.sources[s].reallocate for s in moved]
    behaviours = [b.name for b in sc.behaviours]
    observes = np.zeros((len(sc.sources), len(behaviours)), dtype=bool)
    for s, src in enumerate(sc.sources):
        observes[s, [behaviours.index(x) for x in src.observes]] = True
    return CoverageFeedback(
        sources=np.array(moved, dtype=np.int64),
        every=np.array([x.every_days for x in specs if x is not None], dtype=np.int64),
        policy=tuple(x.policy for x in specs if x is not None),
        correction=np.array([x.correction for x in specs if x is not None], dtype=bool),
        coverage=coverage.copy(),
        given=given[moved],
        detection=np.array([float(now(src.detection)) * live(src) for src in sc.sources]),
        observes=observes,
        camera=np.array([src.kind == "camera" for src in sc.sources], dtype=bool),
        live=np.array([live(src) for src in sc.sources], dtype=bool),
        error_at_full=error_at_full,
    )


def compiled_lending(sc: Scenario) -> Lending | None:
    """The compiled ``lending:`` (plan.Lending): its repay curve read at every whole score."""
    spec = sc.lending
    if spec is None:
        return None
    score = sc.regime.score
    grid = np.arange(score.min, score.max + 1, dtype=np.float64)
    curve = np.interp(grid, spec.repay_curve.scores, spec.repay_curve.probability)
    return Lending(
        every=spec.every_days,
        apply_share=spec.apply_share,
        policy=spec.policy,
        utility_repaid=spec.utility_repaid,
        utility_default=spec.utility_default,
        repay_change=spec.repay_change,
        default_change=spec.default_change,
        truth="shadow" if spec.truth == "shadow_score" else "score",
        curve=curve,
    )
