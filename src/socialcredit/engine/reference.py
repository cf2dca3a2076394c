"""The reference engine: the daily loop of DESIGN.md as plain NumPy, one stage per method.

A reader can hold this file next to DESIGN.md: ``step`` calls the ten stages in the same order.
Everything is a whole-population array operation or an operation on the few people something
happened to today; there is no Python per person. A compiled engine must reproduce these results
exactly, so every random draw comes from ``rng.uniform`` with its own stream, and every float
expression is written in the order a compiled loop would evaluate it.

Model rules worth knowing when reading the numbers:
- A person performs at most one act per day (competing risks: the act is drawn from the day's
  total rate, then which act in proportion to each rate).
- An act recorded by several sources is scored once, by the first source (in scenario order) that
  recorded it and has a rule for it; every record still counts in the metrics.
- Error records (false match, misattribution, bookkeeping) reach the system's score only; the
  shadow score sees true records alone. A sanction is wrongful where the shadow standing would
  not carry it.
- Appeals contest new list entries; a won appeal ends the listing on the decision day.
- Under a learned scorer's model (learned.py), stage 4 first sets everybody's score from what the
  system held at the end of yesterday; the day's records then move no points on it (they reach
  it tomorrow), nor does recovery. The shadow score keeps the point rules on true records.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from socialcredit import rng
from socialcredit.carriers import carriers_of
from socialcredit.engine.appeals import AppealQueue
from socialcredit.engine.daily import DayLoop
from socialcredit.engine.learned import Learner, Model, features, scores
from socialcredit.engine.lending import Lender, People, remember
from socialcredit.engine.lending_book import StateBook
from socialcredit.engine.reallocation import Reallocator
from socialcredit.engine.standing import SanctionTables, metric_arrays, metric_rows
from socialcredit.metrics.collector import Tally, record_day
from socialcredit.metrics.layout import MetricLayout, layout_for
from socialcredit.plan import (
    ERROR_KINDS,
    NO_LIST,
    NO_THRESHOLD,
    TRAIT_SCALE,
    Plan,
)
from socialcredit.population.synthesis import Population
from socialcredit.state import (
    EVER_SANCTIONED,
    EVER_WRONGFUL,
    HAS_RECORD,
    SANCTIONED_YESTERDAY,
    State,
    cause_code,
    ever_bits,
    forget_ever,
)

STAGES = (
    "acts",
    "observation",
    "errors",
    "scoring",
    "recovery",
    "standing",
    "consequences",
    "response",
    "appeals",
    "measurement",
)


@dataclass
class Day:
    """What happened today, for the people it happened to (index arrays and their values)."""

    actors: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    acts: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    act_points: np.ndarray = field(default_factory=lambda: np.empty(0, np.int32))
    act_list: np.ndarray = field(default_factory=lambda: np.empty(0, np.int8))
    act_scored: np.ndarray = field(default_factory=lambda: np.empty(0, bool))
    true_records: list[np.ndarray] = field(default_factory=list)  # per source: actor mask
    errors: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    error_channel: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    entered: list[np.ndarray] = field(default_factory=list)  # per list: people newly listed
    complied: list[np.ndarray] = field(default_factory=list)  # per list: people who complied
    # encounters: per consequence with encounters, the people whose attempt was blocked today,
    # and which of those the shadow standing would not have put under it
    blocked: dict[int, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    # everybody's, set by stages 6-8
    tier: np.ndarray = field(default_factory=lambda: np.empty(0, np.uint8))
    shadow_tier: np.ndarray = field(default_factory=lambda: np.empty(0, np.uint8))
    listed: np.ndarray = field(default_factory=lambda: np.empty((0, 0), bool))  # [L, N]
    shadow_listed: np.ndarray = field(default_factory=lambda: np.empty((0, 0), bool))
    sanctioned: np.ndarray = field(default_factory=lambda: np.empty(0, bool))
    wrongful: np.ndarray = field(default_factory=lambda: np.empty(0, bool))
    starts: np.ndarray = field(default_factory=lambda: np.empty(0, bool))
    # per sanction carrier (carriers.py): under its sanctions today, wrongly, and for the first
    # time ever (set by stages 7-8)
    under: np.ndarray = field(default_factory=lambda: np.empty((0, 0), bool))  # [K, N]
    wrongly: np.ndarray = field(default_factory=lambda: np.empty((0, 0), bool))
    first_under: np.ndarray = field(default_factory=lambda: np.empty((0, 0), bool))
    first_wrongly: np.ndarray = field(default_factory=lambda: np.empty((0, 0), bool))
    first_sanctioned: np.ndarray = field(default_factory=lambda: np.empty(0, bool))
    first_wrongful: np.ndarray = field(default_factory=lambda: np.empty(0, bool))
    filed: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))


class ReferenceEngine(DayLoop):
    name = "reference"

    def __init__(
        self,
        plan: Plan,
        population: Population,
        people: np.ndarray | None = None,
        queue: AppealQueue | None = None,
    ) -> None:
        """Simulate the whole population, or only ``people`` (global indices of whole
        households, ascending; the population may be a window holding them) for replays. Every
        draw depends on the global index, so a household simulated alone lives the same life;
        only the appeal queue couples households, and a replay gets it from a recorded log."""
        self.plan = plan
        self.pop = population
        self.layout: MetricLayout = layout_for(plan)
        self.key = rng.seed_key(plan.seed)
        replaying = people is not None  # a few households, not the whole population
        if people is None:
            people = np.arange(population.offset, population.offset + population.people)
        self.ids = people.astype(np.int64)
        self.n = len(self.ids)
        self.counters = rng.person_counters(self.ids)
        G = len(plan.groups)
        self.cell = population.cell_of(self.ids).astype(np.int64)
        self.group = self.cell % G
        self.region = self.cell // G
        trait, flags = population.held(self.ids)
        self.trait = trait.astype(np.float64) / TRAIT_SCALE
        self.household = np.cumsum(flags & 1, dtype=np.int64) - 1
        self.households = int(self.household[-1]) + 1 if self.n else 0
        self.state = State.initial(plan, flags)
        self.timings = dict.fromkeys(STAGES, 0.0)

        self.tables = plan  # today's epoch's plan (Plan.on_day): the stages read its tables
        self._sanction_tables()
        self.queue = queue if queue is not None else AppealQueue(plan)
        self.counts, self.stats = metric_arrays(plan, self.layout)
        self.model: Model | None = None  # the learned model in force today (None: points)
        if plan.scorer is not None:
            self.learner = Learner(plan, lambda who: self.cell[who])
            if replaying:  # a few households cannot train: a replay is given its models
                self.learner.replaying([])
        if plan.feedback is not None:
            self.reallocator = Reallocator(plan)
            if replaying:  # nor weigh the whole records: a replay is given the moves
                self.reallocator.replaying({})
        if plan.lending is not None:
            everyone = People(self.group, ids=self.ids)
            self.lender = Lender(plan, StateBook(plan, self.state, everyone))
            if replaying:  # a few households cannot set thresholds: a replay is given them
                self.lender.replaying([])

    # --- driver ---

    def begin_day(self, t: int) -> None:
        """Take up the tables of day ``t``'s epoch (dated parameters: scenario/calendar.py);
        on the first reported day after a warm-up, forget who was ever sanctioned."""
        if t == self.plan.warmup > 0:
            forget_ever(self.state)
        tables = self.plan.on_day(t)
        if tables is not self.tables:
            self.tables = tables
            self._sanction_tables()

    def _sanction_tables(self) -> None:
        tables = SanctionTables.of(self.tables)
        self.tier_sanctioned = tables.tier_sanctioned
        self.wrong_tier = tables.wrong_tier
        self.list_sanctioned = tables.list_sanctioned
        self.carriers = carriers_of(self.tables)

    def step(self, t: int) -> None:
        self.look(t)
        self.model = self.learn(t)
        self.lend(t)  # a lending round, before stage 1 (lending.py)
        self.begin_day(t)
        d = Day()
        for stage in STAGES:
            start = time.perf_counter()
            getattr(self, stage)(t, d)
            self.timings[stage] += time.perf_counter() - start

    def draw(self, stream: int, who: np.ndarray | None, t: int) -> np.ndarray:
        counters = self.counters if who is None else self.counters[who]
        return rng.uniform(self.key, stream, counters, t)

    # --- 1. acts ---

    def _multipliers(self, t: int) -> list[np.ndarray]:
        """Per class (neutral, favoured, disfavoured, legitimate-disfavoured), each person's
        multiplier of the base rates: propensity, deterrence, chilling and gaming."""
        p, s = self.tables, self.state
        aware = p.awareness(t)
        disfavoured = self.trait * (1.0 - s.deterrence / 255.0)
        chill = 1.0 - p.chilling * p.chill_exposure[self.region] * aware
        ones = np.ones(self.n)
        return [ones, ones * (1.0 + p.gaming * aware), disfavoured, disfavoured * chill]

    def acts(self, t: int, d: Day) -> None:
        """One act draw per person: behaviour b owns the slot [b/B, (b + 1)/B) of it and
        happens in the first rate_b x m of the slot (Plan.act_scaled)."""
        p = self.tables
        mult = self._multipliers(t)
        B = p.act_scaled.shape[1]
        x = self.draw(rng.ACT, None, t) * B
        b = x.astype(np.int64)  # below B: u <= 1 - 2**-53 (kernels._first_draws)
        m = np.choose(p.behaviour_class[b], mult)
        acted = x - b < p.act_scaled[self.cell, b] * m
        d.actors = np.flatnonzero(acted)
        d.acts = b[acted]

    # --- 2. observation ---

    def observation(self, t: int, d: Day) -> None:
        p = self.tables
        who, acts = d.actors, d.acts
        group, region = self.group[who], self.region[who]
        d.act_points = np.zeros(len(who), dtype=np.int32)
        d.act_list = np.full(len(who), NO_LIST, dtype=np.int8)
        d.act_scored = np.zeros(len(who), dtype=bool)
        for s in range(len(p.sources)):
            prob = p.observe_prob[s, acts, region]
            seen = self.draw(rng.OBSERVE + s, who, t) < prob
            if p.misattribution[s].any():
                # booked on someone else: the actor escapes, an innocent look-alike is hit
                # (that record arrives through the error stage's misattribution channel)
                seen &= ~(self.draw(rng.MISATTRIBUTE + s, who, t) < p.misattribution[s, group])
            d.true_records.append(seen)
            take = seen & ~d.act_scored & p.rule_scores[s, acts]
            d.act_points[take] = p.rule_points[s, acts[take]]
            d.act_list[take] = p.rule_list[s, acts[take]]
            d.act_scored |= take

    # --- 3. errors ---

    def errors(self, t: int, d: Day) -> None:
        """One error draw per person: channel j owns the slot [j/J, (j + 1)/J) of it and
        records an error in the first rate_j of the slot (Plan.error_scaled)."""
        p = self.tables
        if not p.error_scaled.any():
            return
        J = p.error_scaled.shape[1]
        x = self.draw(rng.ERROR, None, t) * J
        slot = np.minimum(x.astype(np.int64), J - 1)
        hit = np.flatnonzero((x - slot) < p.error_scaled[self.cell, slot])
        d.errors = hit
        d.error_channel = slot[hit]

    # --- 4. scoring ---

    def scoring(self, t: int, d: Day) -> None:
        p, s = self.tables, self.state
        learned = self.model is not None
        if self.model is not None and p.scorer is not None:
            # from the records held at the end of yesterday: stages 1-3 changed none of them
            G, R = len(p.groups), len(p.regions)
            rows = features(p.scorer, s, self.cell, G, R, t, np.arange(self.n))
            s.score[:] = scores(self.model, rows, p.score_max)
        src = p.error_source[d.error_channel]
        beh = p.error_behaviour[d.error_channel]
        kind = p.error_kind[d.error_channel]
        err_points = np.where(p.rule_scores[src, beh], p.rule_points[src, beh], 0)
        err_list = np.where(p.rule_scores[src, beh], p.rule_list[src, beh], NO_LIST)
        harmful = (err_points < 0) | (err_list != NO_LIST)
        s.cause[d.errors[harmful]] = cause_code(src[harmful], kind[harmful])

        recorded = np.zeros(len(d.actors), dtype=bool)
        for seen in d.true_records:
            recorded |= seen
        s.flags[d.actors[recorded]] |= HAS_RECORD
        s.flags[d.errors] |= HAS_RECORD
        if p.scorer is not None:  # the learned scorer's features: the latest record by kind
            s.record_day[p.scorer.behaviour_kind[d.acts[recorded]], d.actors[recorded]] = t + 1
            s.record_day[p.scorer.behaviour_kind[beh], d.errors] = t + 1
            # the truth its audit labels with: every disfavoured act, recorded or not
            bad = p.scorer.kind_disfavoured[p.scorer.behaviour_kind[d.acts]]
            s.disfavoured_day[0, d.actors[bad]] = t + 1

        delta = np.zeros(self.n, dtype=np.int32)
        delta[d.actors] += d.act_points
        shadow_delta = delta.copy()
        delta[d.errors] += err_points
        if not learned:
            self._apply(t, s.score, delta, s.slot_until, s.slot_points)
        self._apply(t, s.shadow, shadow_delta, s.shadow_slot_until, s.shadow_slot_points)

        d.entered = []
        for x in range(len(p.lists)):
            until, shadow_until = s.list_until[x], s.shadow_until[x]
            was = until > t
            end = t + int(p.list_duration[x])
            by_act = d.actors[d.act_list == x]
            by_error = d.errors[err_list == x]
            for who in (by_act, by_error):
                until[who] = np.maximum(until[who], end)
            shadow_until[by_act] = np.maximum(shadow_until[by_act], end)
            if p.list_threshold[x] != NO_THRESHOLD:
                self._enter_below(t, x, s.score, until, s.slot_until, s.slot_points)
                self._enter_below(
                    t, x, s.shadow, shadow_until, s.shadow_slot_until, s.shadow_slot_points
                )
            d.entered.append(np.flatnonzero(~was & (until > t)))

    def _apply(
        self,
        t: int,
        score: np.ndarray,
        delta: np.ndarray,
        slot_until: np.ndarray,
        slot_points: np.ndarray,
    ) -> None:
        p = self.tables
        who = np.flatnonzero(delta)
        old = score[who].astype(np.int32)
        new = np.clip(old + delta[who], p.score_min, p.score_max)
        score[who] = new
        if p.expire_days:
            self._remember(t, who, new - old, slot_until, slot_points)

    def _remember(
        self,
        t: int,
        who: np.ndarray,
        change: np.ndarray,
        slot_until: np.ndarray,
        slot_points: np.ndarray,
    ) -> None:
        """Keep today's applied change so it can expire; if all slots are full, merge it into
        the slot that expires last (those points then live a little longer)."""
        remember(t, who, change, slot_until, slot_points, self.tables.expire_days)

    def _enter_below(
        self,
        t: int,
        x: int,
        score: np.ndarray,
        until: np.ndarray,
        slot_until: np.ndarray,
        slot_points: np.ndarray,
    ) -> None:
        p = self.tables
        who = np.flatnonzero((score <= p.list_threshold[x]) & (until <= t))
        until[who] = t + int(p.list_duration[x])
        if p.list_reset[x]:
            score[who] = p.score_start
            if p.expire_days:
                slot_until[:, who] = 0
                slot_points[:, who] = 0

    # --- 5. recovery ---

    def recovery(self, t: int, d: Day) -> None:
        p, s = self.tables, self.state
        drift = p.drift_on(t)
        learned = self.model is not None  # a learned score neither drifts nor expires
        if drift:
            for score in (s.shadow,) if learned else (s.score, s.shadow):
                v = score.astype(np.int32)
                v = np.where(v > p.score_start, np.maximum(v - drift, p.score_start), v)
                v = np.where(v < p.score_start, np.minimum(v + drift, p.score_start), v)
                score[:] = v
        if p.expire_days:
            for score, until, points in (
                (s.score, s.slot_until, s.slot_points),
                (s.shadow, s.shadow_slot_until, s.shadow_slot_points),
            )[learned:]:
                for k in range(until.shape[0]):
                    who = np.flatnonzero(until[k] == t)
                    if len(who):
                        v = score[who].astype(np.int32) - points[k, who]
                        score[who] = np.clip(v, p.score_min, p.score_max)
                        until[k, who] = 0
                        points[k, who] = 0
        d.complied = []
        for x in range(len(p.lists)):
            if p.list_comply[x] == 0.0:
                d.complied.append(np.empty(0, np.int64))
                continue
            # Only a rightly listed person has an obligation to fulfil.
            who = np.flatnonzero((s.list_until[x] > t) & (s.shadow_until[x] > t))
            done = who[self.draw(rng.COMPLY + x, who, t) < p.list_comply[x]]
            s.list_until[x, done] = t
            s.shadow_until[x, done] = t
            d.complied.append(done)

    # --- 6. standing ---

    def standing(self, t: int, d: Day) -> None:
        s = self.state
        d.tier = self._tier(s.score)
        d.shadow_tier = self._tier(s.shadow)
        d.listed = s.list_until > t
        d.shadow_listed = s.shadow_until > t

    def _tier(self, score: np.ndarray) -> np.ndarray:
        tier = np.zeros(score.shape, dtype=np.uint8)
        for threshold in self.tables.tier_min[:-1]:
            tier += score < threshold
        return tier

    # --- 7. consequences ---

    def consequences(self, t: int, d: Day) -> None:
        sanctioned = self.tier_sanctioned[d.tier]
        wrongful = self.wrong_tier[d.tier, d.shadow_tier]
        for x in range(len(self.tables.lists)):
            if self.list_sanctioned[x]:
                sanctioned |= d.listed[x]
                wrongful |= d.listed[x] & ~d.shadow_listed[x]
        d.sanctioned, d.wrongful = sanctioned, wrongful
        # the same, per carrier: a carrier's sanctions are in force (wrongly) together
        k = self.carriers
        under = np.zeros((len(k), self.n), dtype=bool)
        wrongly = np.zeros((len(k), self.n), dtype=bool)
        for c in range(len(k)):
            x = int(k.list_of[c])
            if x != NO_LIST:
                under[c] = d.listed[x]
                wrongly[c] = d.listed[x] & ~d.shadow_listed[x]
            else:
                under[c] = k.tiers_on[c][d.tier]
                wrongly[c] = under[c] & ~k.tiers_on[c][d.shadow_tier]
        d.under, d.wrongly = under, wrongly
        self._encounters(t, d)

    def _encounters(self, t: int, d: Day) -> None:
        """Attempts to use what a sanction denies, by the people under it today (on its list,
        or in one of its tiers): each is a blocked attempt, wrongful where the shadow standing
        would not put the person there. Each consequence draws from its own stream, so adding
        encounters moves no other draw."""
        p = self.tables
        for c in np.flatnonzero(p.has_encounters):
            x = int(p.consequence_list[c])
            prob = p.encounter_prob[c]
            if not prob.any():  # not in force, or nobody tries: no draw can fall below 0
                continue
            if x != NO_LIST:
                under, shadow_under = d.listed[x], d.shadow_listed[x]
            else:
                under = p.consequence_tiers[c][d.tier]
                shadow_under = p.consequence_tiers[c][d.shadow_tier]
            who = np.flatnonzero(under)
            hit = who[self.draw(rng.ENCOUNTER + int(c), who, t) < prob[self.cell[who]]]
            d.blocked[int(c)] = (hit, hit[~shadow_under[hit]])

    # --- 8. response ---

    def response(self, t: int, d: Day) -> None:
        p, s = self.tables, self.state
        starts = d.sanctioned & ((s.flags & SANCTIONED_YESTERDAY) == 0)
        d.starts = starts
        bump = starts.astype(np.int32) * p.deter_own_step
        if p.deter_household_step:
            household = self.household
            in_house = np.bincount(household[starts], minlength=self.households)[household]
            bump += (in_house - starts > 0) * p.deter_household_step
        deter = (s.deterrence.astype(np.int32) * p.deter_decay) >> 8
        s.deterrence[:] = np.minimum(255, deter + bump)
        d.first_sanctioned = d.sanctioned & ((s.flags & EVER_SANCTIONED) == 0)
        d.first_wrongful = d.wrongful & ((s.flags & EVER_WRONGFUL) == 0)
        d.first_under = np.zeros_like(d.under)
        d.first_wrongly = np.zeros_like(d.wrongly)
        for c in range(len(self.carriers)):
            byte, under, wrongly = ever_bits(c)
            ever = s.ever[byte]
            d.first_under[c] = d.under[c] & ((ever & under) == 0)
            d.first_wrongly[c] = d.wrongly[c] & ((ever & wrongly) == 0)
            ever |= (d.under[c] * under).astype(np.uint8)
            ever |= (d.wrongly[c] * wrongly).astype(np.uint8)
        s.flags &= ~SANCTIONED_YESTERDAY
        s.flags |= d.sanctioned * SANCTIONED_YESTERDAY
        s.flags |= d.sanctioned * EVER_SANCTIONED
        s.flags |= d.wrongful * EVER_WRONGFUL

    # --- 9. appeals ---

    def appeals(self, t: int, d: Day) -> None:
        s, L = self.state, self.layout
        d.filed = self.queue.hear(
            t,
            d.entered,
            s.list_until,
            s.shadow_until,
            lambda who: self.cell[who],
            self.counts[:, :, L.at("appeals_decided")],
            self.counts[:, :, L.at("appeals_won")],
            ids=self.ids,
        )

    # --- 10. measurement ---

    def measurement(self, t: int, d: Day) -> None:
        p, s = self.tables, self.state
        cells = p.cells

        def per_cell(who: np.ndarray) -> np.ndarray:
            return np.bincount(self.cell[who], minlength=cells)

        def per_cell_by(who: np.ndarray, key: np.ndarray, width: int) -> np.ndarray:
            flat = np.bincount(self.cell[who] * width + key, minlength=cells * width)
            return flat.reshape(cells, width)

        def per_list(masks: np.ndarray) -> np.ndarray:  # [L, N] bool -> [cells, L]
            columns = [per_cell(np.flatnonzero(m)) for m in masks]
            return np.stack(columns, axis=1) if columns else np.zeros((cells, 0), np.int64)

        B, S, K, T = len(p.behaviours), len(p.sources), len(ERROR_KINDS), len(p.tiers)
        W = len(self.carriers)

        def per_carrier(masks: np.ndarray) -> np.ndarray:  # [W, N] bool -> [cells, W]
            columns = [per_cell(np.flatnonzero(m)) for m in masks]
            return np.stack(columns, axis=1) if columns else np.zeros((cells, 0), np.int64)

        carrier_causes = np.zeros((cells, W, 1 + S * K), dtype=np.int64)
        for c in range(W):
            who = np.flatnonzero(d.wrongly[c])
            carrier_causes[:, c] = per_cell_by(who, s.cause[who].astype(np.int64), 1 + S * K)
        C = len(p.consequences)

        def per_consequence(which: int) -> np.ndarray:  # [cells, C]
            out = np.zeros((cells, C), np.int64)
            for c, pair in d.blocked.items():
                out[:, c] = per_cell(pair[which])
            return out

        def per_list_of(people: list[np.ndarray]) -> np.ndarray:  # [cells, L]
            columns = [per_cell(who) for who in people]
            return np.stack(columns, axis=1) if columns else np.zeros((cells, 0), np.int64)

        channel = d.error_channel
        error_code = p.error_kind[channel].astype(np.int64) * S + p.error_source[channel]
        wrong = np.flatnonzero(d.wrongful)
        width = p.score_max - p.score_min + 1
        tally = Tally(
            acts=per_cell_by(d.actors, d.acts, B),
            records_true=np.stack([per_cell(d.actors[seen]) for seen in d.true_records], axis=1),
            records_error=per_cell_by(d.errors, error_code, K * S).reshape(cells, K, S),
            tier_pairs=per_cell_by(
                np.arange(self.n), d.tier.astype(np.int64) * T + d.shadow_tier, T * T
            ).reshape(cells, T, T),
            listed=per_list(d.listed),
            listed_wrongful=per_list(d.listed & ~d.shadow_listed),
            entries=per_list_of(d.entered),
            complied=per_list_of(d.complied),
            blocked=per_consequence(0),
            blocked_wrongful=per_consequence(1),
            sanctioned=per_cell(np.flatnonzero(d.sanctioned)),
            wrongful=per_cell(wrong),
            starts=per_cell(np.flatnonzero(d.starts)),
            causes=per_cell_by(wrong, s.cause[wrong].astype(np.int64), 1 + S * K),
            carrier_causes=carrier_causes,
            first_sanctioned=per_cell(np.flatnonzero(d.first_sanctioned)),
            first_wrongful=per_cell(np.flatnonzero(d.first_wrongful)),
            first_under=per_carrier(d.first_under),
            first_wrongly_under=per_carrier(d.first_wrongly),
            filed=per_cell(d.filed),
            score_hist=per_cell_by(
                np.arange(self.n), s.score.astype(np.int64) - p.score_min, width
            ),
            shadow_sum=np.bincount(self.cell, weights=s.shadow, minlength=cells).astype(np.int64),
        )
        record_day(
            p, self.layout, tally, *metric_rows(self.plan, self.layout, self.counts, self.stats, t)
        )
        if self.reallocator is not None:
            self.reallocator.count(tally)
