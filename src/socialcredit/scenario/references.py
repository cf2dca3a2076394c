"""Checks that span sections of a scenario: names that must exist, shares that must add up.

Each failure is a ``ConfigError`` with the exact key path, so the user can jump to the line.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from typing import cast

from socialcredit.errors import ConfigError
from socialcredit.scenario.calendar import is_schedule, values_of
from socialcredit.scenario.schema import Scenario
from socialcredit.scenario.shown import brief_text

SHARE_TOLERANCE = 1e-6


def check_references(sc: Scenario, label: str) -> None:
    def fail(path: str, problem: str, expected: str, fix: str) -> None:
        raise ConfigError(problem, file=label, path=path, expected=expected, fix=fix)

    def unique(items: Iterable[str], path: str, what: str) -> None:
        seen: set[str] = set()
        for i, name in enumerate(items):
            if name in seen:
                fail(
                    f"{path}[{i}].name",
                    f"the {what} name '{name}' appears twice",
                    f"each {what} named once",
                    f"rename or merge the second '{name}'",
                )
            seen.add(name)

    def known(name: str, names: list[str], path: str, what: str) -> None:
        if name not in names:
            close = difflib.get_close_matches(name[:100], names, n=1)
            fix = f"did you mean '{close[0]}'?" if close else f"declare the {what} first"
            shown = brief_text(name)  # a name from the file may be of any length
            fail(path, f"'{shown}' is not a declared {what}", f"one of: {', '.join(names)}", fix)

    pop = sc.population
    groups = [g.name for g in pop.groups]
    regions = [r.name for r in pop.regions]
    behaviours = [b.name for b in sc.behaviours]
    sources = [s.name for s in sc.sources]
    lists = [x.name for x in sc.regime.lists]
    tiers = [t.name for t in sc.regime.tiers]

    unique(groups, "population.groups", "group")
    unique(regions, "population.regions", "region")
    unique(behaviours, "behaviours", "behaviour")
    unique(sources, "sources", "data source")
    unique(lists, "regime.lists", "list")
    unique(tiers, "regime.tiers", "tier")
    unique([c.name for c in sc.consequences], "consequences", "consequence")

    for path, shares in (
        ("population.groups", [g.share for g in pop.groups]),
        ("population.regions", [r.share for r in pop.regions]),
    ):
        total = sum(shares)
        if abs(total - 1.0) > SHARE_TOLERANCE:
            fail(
                f"{path}[*].share",
                f"the shares add up to {total:.6g}",
                "a sum of 1",
                "scale the shares so they add up to 1",
            )

    def per_group(dated: object, path: str) -> None:
        for k, value in enumerate(values_of(dated)):
            where = f"{path}[{k}].value" if is_schedule(dated) else path
            one_per_group(value, where)

    def one_per_group(value: float | dict[str, float], path: str) -> None:
        if isinstance(value, dict):
            for key in value:
                known(key, groups, f"{path}.{key}", "group")
            missing = [g for g in groups if g not in value]
            if missing:
                fail(
                    path,
                    f"no value for group(s) {', '.join(missing)}",
                    "a value for every group",
                    "add the missing groups or give one number",
                )

    # Each behaviour owns 1/B of a person's one act draw (plan.Plan.act_scaled), so a rate above
    # 1/B cannot be drawn: there is at most one act per person-day.
    slot = 1.0 / len(behaviours) if behaviours else 1.0

    def per_region(dated: object, path: str) -> None:
        """A value for every region where a mapping is given (coverage, encounters)."""
        for k, value in enumerate(values_of(dated)):
            where = path + (f"[{k}].value" if is_schedule(dated) else "")
            if not isinstance(value, dict):
                continue
            for key in value:
                known(key, regions, f"{where}.{key}", "region")
            missing = [r for r in regions if r not in value]
            if missing:
                fail(
                    where,
                    f"no value for region(s) {', '.join(missing)}",
                    "a value for every region",
                    "add the regions or give one number",
                )

    for i, b in enumerate(sc.behaviours):
        per_group(b.rate, f"behaviours[{i}].rate")
        per_region(b.rate_by_region, f"behaviours[{i}].rate_by_region")
        for k, value in enumerate(values_of(b.rate)):
            rates = value.values() if isinstance(value, dict) else [value]
            if max(rates, default=0.0) > slot:
                fail(
                    f"behaviours[{i}].rate" + (f"[{k}].value" if is_schedule(b.rate) else ""),
                    f"'{b.name}' has a rate of {max(rates):.3g} per person-day, above "
                    f"1/{len(behaviours)}: each of the {len(behaviours)} behaviours owns "
                    f"1/{len(behaviours)} of the day's act draw (at most one act per person-day)",
                    f"a rate per person-day of at most 1/{len(behaviours)} = {slot:.3g}",
                    "lower the rate (it is per person-day, not per year)",
                )

    for i, s in enumerate(sc.sources):
        for j, name in enumerate(s.observes):
            known(name, behaviours, f"sources[{i}].observes[{j}]", "behaviour")
        per_region(s.coverage, f"sources[{i}].coverage")
        for kind in ("false_match", "misattribution", "bookkeeping"):
            per_group(getattr(s.errors, kind), f"sources[{i}].errors.{kind}")

    score = sc.regime.score
    if not score.min <= score.start <= score.max:
        fail(
            "regime.score",
            f"start {score.start} is not within min {score.min} .. max {score.max}",
            "min <= start <= max",
            "move start inside the bounds or widen them",
        )

    for i, s in enumerate(sc.sources):
        if s.reallocate is not None:
            check_reallocated(sc, i, label)
            check_reallocation_period(sc, sc.run.warmup_days + sc.run.days, label, None)

    if sc.regime.scorer is not None:
        check_scorer_settings(sc, label)
        check_scorer(sc, sc.run.warmup_days + sc.run.days, label, "regime.scorer.horizon_days")
    if sc.lending is not None:
        check_lending(sc, sc.run.days, label, "lending.every_days")

    for i, rule in enumerate(sc.regime.rules):
        known(rule.behaviour, behaviours, f"regime.rules[{i}].behaviour", "behaviour")
        if rule.recorded_by is not None:
            known(rule.recorded_by, sources, f"regime.rules[{i}].recorded_by", "data source")
            src = sc.sources[sources.index(rule.recorded_by)]
            if rule.behaviour not in src.observes:
                fail(
                    f"regime.rules[{i}].recorded_by",
                    f"source '{rule.recorded_by}' does not observe '{rule.behaviour}'",
                    f"a source whose observes: includes '{rule.behaviour}'",
                    f"add '{rule.behaviour}' to that source's observes, or drop recorded_by",
                )
        if rule.list is not None:
            known(rule.list, lists, f"regime.rules[{i}].list", "list")
        if not any(values_of(rule.points)) and rule.list is None:
            fail(
                f"regime.rules[{i}]",
                "the rule neither changes points nor lists anyone",
                "points: (non-zero) or list:",
                "give the rule points or a list, or delete it",
            )

    rec = sc.regime.recovery
    if rec.expire_after_days is not None and rec.points_per_day:
        fail(
            "regime.recovery",
            "both points_per_day and expire_after_days are set",
            "one recovery mechanism",
            "keep either drift (points_per_day) or expiry",
        )

    previous = None
    for i, tier in enumerate(sc.regime.tiers):
        if previous is not None and tier.min_score >= previous:
            fail(
                f"regime.tiers[{i}].min_score",
                f"{tier.min_score} is not below the tier before it ({previous})",
                "tiers listed best first with strictly falling min_score",
                "reorder the tiers or correct the threshold",
            )
        previous = tier.min_score
    if sc.regime.tiers[-1].min_score > score.min:
        n = len(sc.regime.tiers) - 1
        fail(
            f"regime.tiers[{n}].min_score",
            f"scores from {score.min} to {sc.regime.tiers[-1].min_score - 1} fall in no tier",
            f"the last tier to start at or below score.min ({score.min})",
            f"set the last tier's min_score to {score.min}",
        )

    for i, lst in enumerate(sc.regime.lists):
        if lst.enter_at_or_below is not None and not (
            score.min <= lst.enter_at_or_below <= score.max
        ):
            fail(
                f"regime.lists[{i}].enter_at_or_below",
                f"{lst.enter_at_or_below} is outside the score range {score.min}..{score.max}",
                "a score within the bounds",
                "pick a threshold the score can reach",
            )

    for i, c in enumerate(sc.consequences):
        if (c.tiers is None) == (c.list is None):
            fail(
                f"consequences[{i}]",
                "needs exactly one of tiers: or list:",
                "tiers: [names] or list: name",
                "say which standing carries the consequence",
            )
        for j, name in enumerate(c.tiers or []):
            known(name, tiers, f"consequences[{i}].tiers[{j}]", "tier")
        if c.list is not None:
            known(c.list, lists, f"consequences[{i}].list", "list")
        if c.encounters is not None and c.kind != "sanction":
            fail(
                f"consequences[{i}].encounters",
                f"encounters are given for the {c.kind} '{c.name}', which is not a sanction",
                "encounters on a sanction (attempts to use what it denies)",
                "remove encounters:, or make the consequence a sanction",
            )
        if c.encounters_by_region is not None:
            if c.encounters is None:
                fail(
                    f"consequences[{i}].encounters_by_region",
                    f"'{c.name}' declares encounters_by_region but no encounters",
                    "encounters: (per group) beside encounters_by_region:",
                    "add encounters:, or remove encounters_by_region:",
                )
            per_region(c.encounters_by_region, f"consequences[{i}].encounters_by_region")
        if c.encounters is not None:
            per_group(c.encounters, f"consequences[{i}].encounters")


def check_scorer_settings(sc: Scenario, label: str) -> None:
    """The trees' settings belong to gradient boosting: given with the logistic model they
    would be ignored, and the user meant one model or the other."""
    scorer = sc.regime.scorer
    assert scorer is not None
    for key in ("trees", "tree_depth"):
        if scorer.model != "gradient_boosting" and getattr(scorer, key) is not None:
            raise ConfigError(
                f"{key} is given, but the model is '{scorer.model}', which has no trees",
                file=label,
                path=f"regime.scorer.{key}",
                expected=f"{key} only with model: gradient_boosting",
                fix=f"remove {key}:, or set model: gradient_boosting",
            )


def check_scorer(sc: Scenario, simulated: int, label: str, path: str) -> None:
    """A learned scorer must have something to learn: its first model (one retraining period,
    then one horizon) must come within the run, and some source must record a disfavoured act
    (the label). ``simulated``: the days run, warm-up included (the scorer learns during it);
    ``path``: what set them (the scorer's key path, or --days where the command line did)."""
    scorer = sc.regime.scorer
    assert scorer is not None
    first = scorer.retrain_every_days + scorer.horizon_days
    if first >= simulated:
        raise ConfigError(
            f"the first model is fitted on day {first} (retrain_every_days "
            f"{scorer.retrain_every_days} + horizon_days {scorer.horizon_days}), but the run "
            f"has {simulated} days",
            file=label,
            path=path,
            expected="retrain_every_days + horizon_days below the run's days (warm-up included)",
            fix=f"shorten the horizon or the retraining period, or simulate more than {first} days",
        )
    observed = {name for s in sc.sources for name in s.observes}
    if not any(b.stance == "disfavoured" and b.name in observed for b in sc.behaviours):
        raise ConfigError(
            "no source records a disfavoured behaviour, so the model has no target to learn",
            file=label,
            path="regime.scorer",
            expected="a disfavoured behaviour in some source's observes:",
            fix="add a disfavoured behaviour to a source, or remove regime.scorer",
        )


def check_reallocated(sc: Scenario, i: int, label: str) -> None:
    """A reallocated source needs coverage that can move: a starting allocation given as
    numbers (not a schedule, not cameras), two or more regions, and some but not all of the
    population in view (all of it covered leaves nothing to move; none, nothing to move)."""
    src = sc.sources[i]
    path = f"sources[{i}].coverage"

    def fixed(problem: str, fix: str, where: str = path) -> None:
        raise ConfigError(
            f"source '{src.name}' is reallocated (reallocate:), but {problem}",
            file=label,
            path=where,
            expected="a reallocated source's starting coverage: one number or one per region, "
            "covering some but not all of the population, in two or more regions",
            fix=fix,
        )

    if src.coverage_per_camera_per_1000 is not None:
        fixed(
            "its coverage is fixed by the regions' cameras (coverage_per_camera_per_1000)",
            "give coverage: per region instead, or remove reallocate:",
            f"sources[{i}].coverage_per_camera_per_1000",
        )
    if is_schedule(src.coverage):
        fixed(
            "its coverage is fixed by a schedule of dates",
            "give one starting coverage (the reallocation moves it), or remove reallocate:",
        )
    regions = sc.population.regions
    if len(regions) < 2:
        fixed("the population has one region, so there is nowhere to move coverage to",
              "add regions, or remove reallocate:")  # fmt: skip
    value = cast(float | dict[str, float], src.coverage)  # not a schedule (above)
    cover = [float(value[r.name]) if isinstance(value, dict) else float(value) for r in regions]
    covered = sum(c * r.share for c, r in zip(cover, regions, strict=True))
    if covered <= 0.0 or min(cover) >= 1.0:
        fixed(
            "it covers " + ("no one" if covered <= 0.0 else "everyone") + " in every region, "
            "so there is nothing to move",
            "give a coverage between 0 and 1 somewhere, or remove reallocate:",
        )


def check_reallocation_period(sc: Scenario, simulated: int, label: str, path: str | None) -> None:
    """Every reallocated source moves its coverage at least once within the run (``simulated``
    days, warm-up included); ``path``: what set the days (None: the scenario's reallocate key)."""
    for i, src in enumerate(sc.sources):
        spec = src.reallocate
        if spec is None or spec.every_days < simulated:
            continue
        raise ConfigError(
            f"source '{src.name}' is reallocated every {spec.every_days} days, but the run has "
            f"{simulated} days, so it never is",
            file=label,
            path=path or f"sources[{i}].reallocate.every_days",
            expected="a reallocation period shorter than the run's days (warm-up included)",
            fix=f"reallocate more often, or simulate more than {spec.every_days} days",
        )


def check_lending(sc: Scenario, days: int, label: str, path: str) -> None:
    """A lending round must come more than once in the reported days (the first opens day 0,
    so a round longer than the run would show no delayed impact), and a learned scorer, which
    sets everybody's score each morning, would overwrite what loans did to scores. ``path``:
    what set the days (the rounds' key path, or --days where the command line did)."""
    lending = sc.lending
    assert lending is not None
    if lending.every_days >= days:
        raise ConfigError(
            f"a lending round every {lending.every_days} days, but the run reports {days} days",
            file=label,
            path=path,
            expected="every_days below the run's days, so that a second round sees what the "
            "first did",
            fix=f"set lending.every_days to at most {days - 1}, or simulate more than "
            f"{lending.every_days} days",
        )
    if sc.regime.scorer is not None:
        raise ConfigError(
            "lending with a learned scorer (regime.scorer)",
            file=label,
            path="lending",
            expected="lending with the point rules: a learned scorer sets every score each "
            "morning, which would overwrite what repayments and defaults did",
            fix="remove lending:, or remove regime.scorer",
        )
