"""The Plan: a scenario compiled to small numeric tables, the only thing engines read.

Index conventions: G groups, R regions, B behaviours, S data sources, K = 3 error kinds,
T tiers (best first), L lists, C consequences. A population *cell* is one (region, group) pair,
numbered ``region * G + group``; people are laid out cell by cell, so cell, region and group follow
from a person's index and need no bytes of state.
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass, replace
from datetime import date

import numpy as np

ERROR_KINDS = ("false_match", "misattribution", "bookkeeping")

NEUTRAL, FAVOURED, DISFAVOURED, DISFAVOURED_LEGITIMATE = 0, 1, 2, 3
CLASSES = 4
PERK, SANCTION = 0, 1
NO_LIST = -1
NO_THRESHOLD = -(2**31)
TRAIT_SCALE = 64  # propensity multiplier = trait byte / 64, so at most 255 / 64 (about 4)

# The learned scorer (engine/learned.py). Its features are recency indicators: a record of the
# kind in the last 30, 90 or 365 days (nested windows, assumption: a month, a quarter, a year).
RECENCY_WINDOWS = (30, 90, 365)
# Weights and the logit are whole multiples of 2**-16 (int64 sums of int32 weights), so both
# engines compute the same logit bit for bit.
LOGIT_SCALE = 2**16


@dataclass(frozen=True)
class LearnedScorer:
    """The compiled ``regime.scorer: {kind: learned}`` (scenario/schema.py).

    A *record kind* is a (domain, disfavoured or not) pair of the scenario's behaviours: the
    system keeps, per person and kind, the day of the latest record it holds (state.record_day);
    the features are the recency indicators of each kind, listed, a household member listed,
    the region and (with ``use_group``) the group, in that order (``feature_names``)."""

    model: str  # "logistic" or "gradient_boosting" (engine/learned.py, engine/boosting.py)
    retrain_every: int  # days between snapshots of the training sample
    horizon: int  # days after a snapshot in which a disfavoured record makes the label 1
    sample_people: int  # people drawn per snapshot (distinct: fewer where draws coincide)
    use_group: bool  # the protected group is a feature
    points_to_double_odds: float  # 0: the score spans min..max by probability (learned.py)
    behaviour_kind: np.ndarray  # [B] int64: record kind of each behaviour
    kind_disfavoured: np.ndarray  # [K] bool: the kind's records are of disfavoured acts
    feature_names: tuple[str, ...]
    trees: int = 0  # gradient boosting: trees fitted (0 for the logistic model)
    tree_depth: int = 0  # gradient boosting: the deepest split level (the root is level 0)

    @property
    def kinds(self) -> int:
        return len(self.kind_disfavoured)

    @property
    def features(self) -> int:
        return len(self.feature_names)


# Lending (engine/lending.py): the four threshold policies of Liu et al. 2018 (and Hardt, Price
# & Srebro 2016), in the order the schema lists them.
LENDING_POLICIES = ("max_profit", "single_threshold", "demographic_parity", "equal_opportunity")


@dataclass(frozen=True)
class Lending:
    """The compiled ``lending:`` block (scenario/schema.py): a lending round on reported day 0
    and every ``every`` days after it (engine days ``warmup + k x every``)."""

    every: int  # days between rounds
    apply_share: float  # each person applies in a round with this probability
    policy: str  # one of LENDING_POLICIES
    utility_repaid: float  # the lender's gain from a repaid loan (u+)
    utility_default: float  # and from a default (u-, negative)
    repay_change: int  # score points on repayment
    default_change: int  # on default (negative)
    truth: str  # "shadow": P(repay) is the curve at the shadow score; "score": at the score
    curve: np.ndarray  # [score_max - score_min + 1] float64: P(repay) at each whole score

    def round_on(self, day: int, warmup: int) -> bool:
        """Whether engine day ``day`` opens with a lending round."""
        return day >= warmup and (day - warmup) % self.every == 0


@dataclass(frozen=True)
class CoverageFeedback:
    """The compiled ``sources[*].reallocate`` (engine/reallocation.py moves the coverage): which
    sources move, how, and what the engines' tables are made of where their coverage changes,
    so that ``with_coverage`` gives the tables compile would have given for that coverage."""

    sources: np.ndarray  # [F] int64: the reallocated sources
    every: np.ndarray  # [F] int64: days between moves (the window of records read)
    policy: tuple[str, ...]  # [F]: "proportional" or "greedy" (scenario/schema.py Reallocation)
    correction: np.ndarray  # [F] bool: Ensign et al. 2018's correction
    coverage: np.ndarray  # [S, R] float64: the coverage in force (0 where out of service)
    # [F, R] float64: where the moved sources' coverage is assigned, in service or not (the
    # scenario's at the start; what a move sets): it is in force where the source is in service
    given: np.ndarray
    detection: np.ndarray  # [S] float64 (0 where out of service)
    observes: np.ndarray  # [S, B] bool
    camera: np.ndarray  # [S] bool: people feel watched by it (Plan.chill_exposure)
    live: np.ndarray  # [S] bool: in service in this epoch
    error_at_full: np.ndarray  # [R*G, J] float64: each channel's rate at coverage 1


@dataclass(frozen=True)
class Plan:
    # labels
    name: str
    groups: tuple[str, ...]
    regions: tuple[str, ...]
    behaviours: tuple[str, ...]
    sources: tuple[str, ...]
    tiers: tuple[str, ...]
    lists: tuple[str, ...]
    consequences: tuple[str, ...]
    behaviour_domains: tuple[str, ...]
    consequence_domains: tuple[str, ...]

    # run
    people: int
    days: int
    seed: int

    # population
    cell_people: np.ndarray  # [R*G] int64, people per cell in layout order
    household_size: float
    trait_spread: float

    # acts
    base_rate: np.ndarray  # [G, B] float64 per person-day, as the groups' rates are given
    region_rate: np.ndarray  # [R, B] float64: each behaviour's multiplier per region (0..1)
    behaviour_class: np.ndarray  # [B] int8: NEUTRAL, FAVOURED, DISFAVOURED, DISFAVOURED_LEGITIMATE
    # A person's day has one act draw u; behaviour b owns the slot [b/B, (b + 1)/B) of it and
    # happens when u falls in the first rate_b x m of that slot, m the person's multiplier of
    # b's class (propensity, deterrence, chilling, gaming): with x = u B and b = floor(x), when
    # x - b < rate_b B m. So each behaviour keeps its probability rate_b m (at most 1/B: a
    # person's multiplier past that is capped), there is at most one act a day, and a change to
    # one behaviour's rate leaves every other behaviour's acts where they were (common random
    # numbers), as the error channels do below.
    # [cells, B] float64: the cell's rate (its group's base_rate x its region's region_rate)
    # x B, at most 1
    act_scaled: np.ndarray

    # observation
    observe_prob: np.ndarray  # [S, B, R] float64: coverage x detection, 0 if not observed
    misattribution: np.ndarray  # [S, G] float64: detected act booked on someone else

    # errors: J error channels, each one (kind, source, behaviour). A person's day has one error
    # draw u; channel j owns the slot [j/J, (j + 1)/J) of it and records an error when u falls in
    # its first rate_j of that slot: with x = u * J and j = floor(x), when x - j < rate_j * J.
    # Each channel keeps its probability rate_j, at most one error a day, and a change to one
    # channel's rate leaves every other channel's errors where they were (common random numbers).
    error_kind: np.ndarray  # [J] int8
    error_source: np.ndarray  # [J] int8
    error_behaviour: np.ndarray  # [J] int8
    error_scaled: np.ndarray  # [R*G, J] float64: each channel's rate per person-day x J (< 1)

    # scoring
    rule_points: np.ndarray  # [S, B] int32
    rule_scores: np.ndarray  # [S, B] bool: a record of (s, b) has a rule
    rule_list: np.ndarray  # [S, B] int8 list index or NO_LIST
    score_start: int
    score_min: int
    score_max: int
    drift_per_day: float  # recovery toward score_start
    expire_days: int  # 0: no expiry; else each record's points expire after this many days
    slots: int

    # standing
    tier_min: np.ndarray  # [T] int32, descending
    list_duration: np.ndarray  # [L] int32
    list_comply: np.ndarray  # [L] float64
    list_threshold: np.ndarray  # [L] int32 or NO_THRESHOLD
    list_reset: np.ndarray  # [L] bool

    # consequences
    consequence_kind: np.ndarray  # [C] int8 PERK / SANCTION
    consequence_tiers: np.ndarray  # [C, T] bool
    consequence_list: np.ndarray  # [C] int8 list index or NO_LIST
    consequence_magnitude: np.ndarray  # [C] float64
    consequence_on: np.ndarray  # [C] bool: in force in this epoch (from:/until:)
    # [C, B] bool: behaviours whose records can put a person under the consequence
    # (scenario/triggers.py); cross-context, the Art. 5 screen and the report read this
    consequence_triggers: np.ndarray
    cross_context: np.ndarray  # [C] bool: domain unrelated to every trigger's domain
    # [C] bool: the consequence declares encounters (a structure: the same in every epoch;
    # metrics have blocked__C columns for these only)
    has_encounters: np.ndarray
    # [C, R*G] float64: daily probability of an attempt to use what the consequence denies,
    # per cell; 0 where it declares none or is not in force in this epoch
    encounter_prob: np.ndarray

    # response
    deter_own_step: int  # added to the deterrence byte when one's own sanction starts
    deter_household_step: int
    deter_decay: int  # byte' = byte * deter_decay >> 8 each day
    chilling: float
    chill_exposure: np.ndarray  # [R] float64: camera coverage people feel watched by
    gaming: float
    awareness_days: float

    # appeals
    appeal_capacity_micro: int  # appeal decisions per million days, whole population (exact)
    appeal_delay: int
    appeal_file: np.ndarray  # [2] float64: index 1 wrongful, 0 rightful
    appeal_success: np.ndarray  # [2] float64

    # calendar (scenario/calendar.py): a run with dated parameters is split into epochs; each
    # has a Plan of its own with the same names, index sets and error channels, whose tables
    # hold the parameters of that stretch of days. This plan is the first epoch's.
    start: date | None = None  # calendar date of day 0
    # Warm start: the engines' day counter runs over ``warmup`` days before the reported day 0
    # and then the ``days`` reported (engine day t is reported day t - warmup). Everything an
    # engine dates (draws, list ends, expiry, drift, awareness, appeal slots, epochs) counts
    # engine days; the metrics of the warm-up days are kept but not reported.
    warmup: int = 0
    epoch_days: tuple[int, ...] = (0,)  # first day of each epoch, ascending
    epochs: tuple[Plan, ...] = ()  # one plan per epoch; empty: one epoch, this plan
    scorer: LearnedScorer | None = None  # None: the point rules score (today's regimes)
    feedback: CoverageFeedback | None = None  # None: every source's coverage is as given
    lending: Lending | None = None  # None: no lending rounds

    @property
    def simulated_days(self) -> int:
        """Days the engines run: the warm-up, then the reported days."""
        return self.warmup + self.days

    def on_day(self, day: int) -> Plan:
        """The plan of the epoch ``day`` falls in (this plan where nothing is dated)."""
        return self.epochs[self.epoch_of(day)] if self.epochs else self

    def epoch_of(self, day: int) -> int:
        """Index of the epoch ``day`` falls in (0 where nothing is dated)."""
        return bisect_right(self.epoch_days, day) - 1

    def new_epoch(self, day: int) -> bool:
        """Whether the tables change on engine day ``day`` (a new epoch begins after day 0)."""
        return day > 0 and day in self.epoch_days

    def date_of(self, day: int) -> date | None:
        """The calendar date of reported day ``day`` (day 0 is ``start``)."""
        return None if self.start is None else date.fromordinal(self.start.toordinal() + day)

    @property
    def cells(self) -> int:
        return len(self.regions) * len(self.groups)

    def drift_on(self, day: int) -> int:
        """Whole points of recovery on ``day``: fractional rates accumulate exactly."""
        r = self.drift_per_day
        return int(np.floor((day + 1) * r) - np.floor(day * r))

    def appeal_first_slot(self, day: int) -> int:
        """Index of the first appeal decision slot on ``day`` (slots are numbered from day 0)."""
        return day * self.appeal_capacity_micro // 1_000_000

    def appeal_slot_day(self, slot: np.ndarray) -> np.ndarray:
        """The day on which each decision slot falls (inverse of ``appeal_first_slot``)."""
        c = self.appeal_capacity_micro
        return ((slot + 1) * 1_000_000 + c - 1) // c - 1

    def awareness(self, day: int) -> float:
        return float(1.0 - np.exp(-day / self.awareness_days))


def with_coverage(plan: Plan, cover: np.ndarray) -> Plan:
    """``plan`` (every epoch of it) with the reallocated sources' coverage set to ``cover``
    ([F, R], in the order of ``plan.feedback.sources``): their observation and error tables
    recomputed as scenario/compile.py computes them, bit for bit, and the exposure that
    chills acts. A source out of service in an epoch stays at zero there."""

    def one(p: Plan) -> Plan:
        fb = p.feedback
        assert fb is not None
        R, G = len(p.regions), len(p.groups)
        coverage = fb.coverage.copy()
        observe = p.observe_prob.copy()
        table = p.error_scaled.copy()
        J = table.shape[1]
        for f, s in enumerate(fb.sources):
            if not fb.live[s]:  # out of service in this epoch: in force nowhere
                continue
            coverage[s] = cover[f]
            for b in np.flatnonzero(fb.observes[s]):
                observe[s, b] = coverage[s] * fb.detection[s]
            for j in np.flatnonzero(p.error_source == s):
                kind = ERROR_KINDS[p.error_kind[j]]
                if kind == "false_match":
                    rate = coverage[s][:, None] * fb.error_at_full[:, j].reshape(R, G)
                elif kind == "misattribution":
                    b = p.error_behaviour[j]
                    acts = (p.base_rate[None, :, b] * p.region_rate[:, None, b]).reshape(R, G)
                    rate = acts * observe[s, b][:, None] * p.misattribution[s]
                else:  # bookkeeping: clerks' errors do not depend on where the source looks
                    continue
                table[:, j] = rate.reshape(R * G) * J
        cameras = coverage[fb.camera]
        chill = cameras.max(axis=0) if len(cameras) else np.zeros(R)
        return replace(
            p, observe_prob=observe, error_scaled=table, chill_exposure=chill,
            feedback=replace(fb, coverage=coverage, given=cover.copy()),
        )  # fmt: skip

    return replace(one(plan), epochs=tuple(one(e) for e in plan.epochs))
