"""The named records the fast engine's kernels take: today, the layout, the people, the rules
and the tallies. NamedTuples of arrays and numbers (Numba compiles them to structs, and caches
kernels that take them); an array passed to the wrong field fails by name, not silently.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

import numpy as np

if TYPE_CHECKING:  # the kernels' cache is keyed on what this module imports (kernel_cache.py)
    from socialcredit.carriers import Carriers
    from socialcredit.plan import Plan
    from socialcredit.population.synthesis import Population
    from socialcredit.state import State


def encounter_floor(p: Plan, encounter_tiers: np.ndarray) -> int:
    """The highest score of a tier whose people draw encounters (tier ``k`` runs from its
    ``tier_min`` up to the next tier's less one); below the lowest score where no tier does."""
    tops = np.append(p.score_max, p.tier_min[:-1].astype(np.int64) - 1)  # tiers descend
    drawing = encounter_tiers.any(axis=0)
    return int(tops[drawing].max()) if drawing.any() else p.score_min - 1


class Today(NamedTuple):
    t: int
    full: bool  # count everybody's standing from nothing (else carry yesterday's tallies)
    key: np.uint64  # the run's key, shifted to the window's first person (rng.offset_key)
    aware: float  # how far people know what is watched (Plan.awareness)
    drift: int  # whole points of recovery today (Plan.drift_on)
    lanes: int  # sets of chunks with tallies of their own, one per thread at most
    learned: bool  # a learned model set the system's score this morning: no points move it
    # the learned model scores everybody this morning (a new model, or a state it has not
    # scored: Scoring.due does not hold), else only the households with a member due
    score_all: bool


class Scorer(NamedTuple):
    """A learned model in fixed point (engine/learned.py ``Model``) and what its features need."""

    weights: np.ndarray  # [F] int64
    # [K, W + 1] int64: a kind's part of the logit by the first recency window its latest record
    # is in (W: none, or no record); the windows are nested, so it is the sum of that window's
    # weight and the wider ones' (the same integers the reference adds one by one)
    kind_tail: np.ndarray
    intercept: int
    cut: np.ndarray  # [score range] int64, ascending: the score is score_max - cuts <= logit
    smax: int
    regions: int
    use_group: bool


class Trees(NamedTuple):
    """A boosted tree ensemble, flattened (engine/boosting.py ``flatten``): the trees' nodes one
    tree after another, node indices counted from the ensemble's first node. Features are 0 or
    1, so a split's numeric threshold becomes the whole number ``left_at_most``: a person goes
    left where the feature is at most it, exactly as scikit-learn's ``x <= threshold``."""

    root: np.ndarray  # [T] int32: each tree's first node
    feature: np.ndarray  # [N] int32: the feature a node splits on; -1 at a leaf
    left_at_most: np.ndarray  # [N] int8: go left where the feature (0 or 1) is at most this
    left: np.ndarray  # [N] int32; a leaf's children are itself (a walk that stays put)
    right: np.ndarray  # [N] int32
    value: np.ndarray  # [N] int64: a leaf's value, round(v x LOGIT_SCALE); 0 at a split
    exact: np.ndarray  # [N] float64: scikit-learn's leaf values, for the record (not scored)


class Forest(NamedTuple):
    """A gradient-boosted model in fixed point (``Trees``) and what its features need, as
    ``Scorer``: the logit is the baseline plus one leaf per tree. A node's four numbers lie
    side by side (one load brings them), and a leaf reads a feature column past the last, always
    0, so a walk needs no test for leaves (their children are themselves)."""

    root: np.ndarray  # [T] int32
    # [N, 4] int32: feature (F at a leaf), left_at_most, left child, right child
    node: np.ndarray
    value: np.ndarray  # [N] int64
    depth: int  # the deepest leaf's level: every walk ends after this many steps
    intercept: int  # the baseline (log-odds of the training sample), in fixed point
    cut: np.ndarray  # [score range] int64, ascending: the score is score_max - cuts <= logit
    smax: int
    regions: int
    use_group: bool

    @classmethod
    def of(cls, trees: Trees, depth: int, features: int, intercept: int, cut: np.ndarray,
           smax: int, regions: int, use_group: bool) -> Forest:  # fmt: skip
        """``depth``: boosting.depth; ``features``: F, the feature columns of a row."""
        feature = np.where(trees.feature < 0, features, trees.feature)
        node = np.stack([feature, trees.left_at_most, trees.left, trees.right], axis=1)
        return cls(trees.root, node.astype(np.int32), trees.value, depth, intercept, cut, smax,
                   regions, use_group)  # fmt: skip


class Scoring(NamedTuple):
    """What sets the system's score today, for the day's kernel: the point rules (``kind`` 0,
    learned_kernels.POINTS), or a learned model this morning: logistic (1, ``Scorer``'s fields)
    or boosted trees (2, ``Forest``'s). One flat record for all three (a parallel kernel takes
    no record inside a record), with stubs for what a kind does not use, so the day's kernel
    compiles once."""

    kind: int
    weights: np.ndarray  # Scorer's
    kind_tail: np.ndarray  # Scorer's
    root: np.ndarray  # Forest's
    node: np.ndarray  # Forest's
    value: np.ndarray  # Forest's
    depth: int  # Forest's
    intercept: int  # both: the logistic intercept, or the trees' baseline
    cut: np.ndarray  # both
    smax: int
    regions: int
    use_group: bool
    # the cuts by bucket of logits (``cut_buckets``): the first bucket's start, its width as a
    # power of two, and per bucket how many cuts lie below its start
    bucket_lo: int
    bucket_shift: int
    bucket_base: np.ndarray
    # the trees' scores of the feature rows met so far under this model, by a key of the row, a
    # cache per lane (direct-mapped: learned_kernels._boosted_finish); key -1: empty
    memo_key: np.ndarray  # [lanes, slots] int64
    memo_score: np.ndarray  # [lanes, slots] int64
    # [people] int32: per person the first morning their features can have changed since the
    # model last scored them (learned_kernels.score_chunk; the day's busy pass sets tomorrow
    # for whoever it may record or list: kernels._due_tomorrow): on other mornings their score
    # stands. 0: due now.
    due: np.ndarray

    @classmethod
    def points(cls) -> Scoring:
        return cls._of(0, _STUB_SCORER, _STUB_FOREST, 0, 1)

    @classmethod
    def logistic(cls, scorer: Scorer, people: int) -> Scoring:
        """``people``: how many the kernels score (the engine's, or its shard's)."""
        return cls._of(1, scorer, _STUB_FOREST, 0, people)

    @classmethod
    def boosted(cls, forest: Forest, people: int, lanes: int = 1) -> Scoring:
        """``lanes``: the most lanes a day's kernel will run (one cache each)."""
        return cls._of(2, _STUB_SCORER, forest, lanes, people)

    @classmethod
    def _of(cls, kind: int, s: Scorer, f: Forest, lanes: int, people: int) -> Scoring:
        both = f if kind == 2 else s
        shape = (lanes, MEMO_SLOTS) if lanes else (1, 1)
        return cls(kind, s.weights, s.kind_tail, f.root, f.node, f.value, int(f.depth),
                   int(both.intercept), both.cut, int(both.smax), int(both.regions),
                   bool(both.use_group), *cut_buckets(both.cut), np.full(shape, -1, np.int64),
                   np.zeros(shape, np.int64), np.zeros(people, np.int32))  # fmt: skip


# slots of the trees' cache per lane (a power of two; 1 MiB a lane): the default preset's 1e5
# people had some 12,000 distinct feature rows on day 200
MEMO_SLOTS = 1 << 16


MAX_BUCKETS = 1 << 14


def cut_buckets(cut: np.ndarray) -> tuple[int, int, np.ndarray]:
    """Buckets of logits for counting the cuts at or below a logit without a binary search
    (learned_kernels._cuts_at_or_below): from the first cut on, buckets as wide as the largest
    power of two no wider than the narrowest gap between cuts (so a bucket holds at most one;
    wider where that would make more than MAX_BUCKETS), and per bucket the count of cuts below
    its start. Without cuts the first bucket starts past every logit."""
    if len(cut) == 0:
        return int(np.iinfo(np.int64).max), 0, np.zeros(1, np.int64)
    lo = int(cut[0])
    span = int(cut[-1]) - lo
    gaps = np.diff(cut)
    narrowest = int(gaps[gaps > 0].min()) if np.any(gaps > 0) else 1
    shift = narrowest.bit_length() - 1
    while (span >> shift) + 1 > MAX_BUCKETS:
        shift += 1
    starts = lo + (np.arange((span >> shift) + 1, dtype=np.int64) << shift)
    return lo, shift, np.searchsorted(cut, starts, side="left").astype(np.int64)


_STUB_SCORER = Scorer(np.zeros(1, np.int64), np.zeros((1, 1), np.int64), 0,
                      np.zeros(1, np.int64), 0, 0, False)  # fmt: skip
_STUB_FOREST = Forest(np.zeros(1, np.int32), np.zeros((1, 4), np.int32), np.zeros(1, np.int64),
                      0, 0, np.zeros(1, np.int64), 0, 0, False)  # fmt: skip


class ScoreBuffers(NamedTuple):
    """A lane's scratch arrays for the learned scorer (learned_kernels.score_chunk)."""

    row: np.ndarray  # [row_width] uint8: one person's features
    nodes: np.ndarray  # [trees] int32: one node per tree
    new: np.ndarray  # [max_chunk] int64: the chunk's new scores
    who: np.ndarray  # [max_chunk] int64: whom they are of, where not everybody was scored


class DayTables(NamedTuple):
    """What every lane reads today, made once per day inside the kernel (kernels._day_tables)."""

    fav: float  # the favoured acts' multiplier (gaming)
    act_a: np.ndarray  # [cells, B] act thresholds: neutral and favoured behaviours' (x 1, x fav)
    act_d: np.ndarray  # [cells, B] per unit of dis: disfavoured behaviours'
    act_dc: np.ndarray  # [cells, B] per unit of dis x chill: legitimate disfavoured behaviours'
    trait_factor: np.ndarray  # [256] trait byte -> trait / 64.0
    deter_factor: np.ndarray  # [256] deterrence byte -> 1.0 - deter / 255.0
    chill_region: np.ndarray  # [R] the legitimate disfavoured acts' multiplier
    tier_of: np.ndarray  # [score range] tier of each score
    floor: int  # the highest list threshold: quiet people score above it
    rest_tier: int  # the tier of the start score
    rest_quiet: bool  # people at the start are not sanctioned
    counted_on: int  # the day yesterday's standing tallies read lists on
    freeze_all: bool  # no drift and tallies carried over: every quiet person is frozen
    # a learned score (which does not drift) and tallies carried over: every quiet person whose
    # shadow is at the start is frozen (drift moves nothing of theirs; kernels._rescore marked
    # whoever's score the model moved)
    shadow_rest: bool
    max_chunk: int


class Layout(NamedTuple):
    chunk_start: np.ndarray  # [chunks + 1] int64, local indices at household starts
    cell_start: np.ndarray  # [cells + 1] int64, local indices
    groups: int  # G: cell = region * G + group


class People(NamedTuple):
    """The state (state.State) and the population's trait byte, as the kernels name them."""

    trait: np.ndarray
    flags: np.ndarray
    score: np.ndarray
    shadow: np.ndarray
    list_until: np.ndarray
    shadow_until: np.ndarray
    deter: np.ndarray
    cause: np.ndarray
    ever: np.ndarray
    slot_until: np.ndarray
    slot_points: np.ndarray
    shadow_slot_until: np.ndarray
    shadow_slot_points: np.ndarray
    record_day: np.ndarray
    disfavoured_day: np.ndarray

    @staticmethod
    def of(population: Population, s: State) -> People:
        return People(
            population.trait, s.flags, s.score, s.shadow, s.list_until, s.shadow_until,
            s.deterrence, s.cause, s.ever, s.slot_until, s.slot_points, s.shadow_slot_until,
            s.shadow_slot_points, s.record_day, s.disfavoured_day,
        )  # fmt: skip


class Rules(NamedTuple):
    """The plan's tables (plan.Plan, same names) and the sanction tables (standing.py)."""

    # 1. acts
    act_scaled: np.ndarray  # [cells, B]: a behaviour's rate in the cell x B (Plan.act_scaled)
    behaviour_class: np.ndarray
    # 2. observation
    observe_prob: np.ndarray
    misattribution: np.ndarray
    mis_any: np.ndarray  # [S] bool: the source books some acts on look-alikes
    # 3. errors
    any_errors: bool
    error_scaled: np.ndarray  # [cells, J]: a channel's rate x J (Plan.error_scaled)
    error_max: np.ndarray  # [cells]: the largest of a cell's, to pass over most draws at once
    error_kind: np.ndarray  # int64
    error_source: np.ndarray  # int64
    error_behaviour: np.ndarray  # int64
    # 4. scoring
    rule_points: np.ndarray
    rule_scores: np.ndarray
    rule_list: np.ndarray  # int64
    start: int
    smin: int
    smax: int
    expire: int
    list_duration: np.ndarray
    list_threshold: np.ndarray
    list_reset: np.ndarray
    behaviour_kind: np.ndarray  # [B] int64: record kind (plan.LearnedScorer); zeros without one
    kind_disfavoured: np.ndarray  # [kinds] bool (plan.LearnedScorer); [False] without one
    # 5. recovery
    list_comply: np.ndarray
    # 6. standing, 7. consequences
    tier_min: np.ndarray
    tier_sanctioned: np.ndarray
    wrong_tier: np.ndarray
    list_sanctioned: np.ndarray
    carrier_list: np.ndarray  # [K] int64: carriers.Carriers.list_of
    carrier_tiers: np.ndarray  # [K, T] bool: carriers.Carriers.tiers_on
    any_encounters: bool
    encounter_list: np.ndarray  # [C] int64: the list whose people draw encounters, or -1
    encounter_tiers: np.ndarray  # [C, T] bool: the tiers whose people draw them (tier sanctions)
    # the highest score in a tier whose people draw encounters (score_min - 1 if none): people
    # at or below it are visited every day (kernels._day_tables' floor)
    encounter_floor: int
    encounter_prob: np.ndarray  # [C, cells] (Plan.encounter_prob)
    # 8. response
    own_step: int
    hh_step: int
    decay: int
    chilling: float
    chill_exposure: np.ndarray
    gaming: float

    @staticmethod
    def of(p: Plan, tier_sanctioned: np.ndarray, wrong_tier: np.ndarray,
           list_sanctioned: np.ndarray, carriers: Carriers) -> Rules:  # fmt: skip
        drawn = p.has_encounters & p.encounter_prob.any(axis=1)  # encounters in force
        return Rules(
            act_scaled=p.act_scaled,
            behaviour_class=p.behaviour_class,
            observe_prob=p.observe_prob,
            misattribution=p.misattribution,
            mis_any=np.asarray(p.misattribution.any(axis=1)),
            any_errors=bool(p.error_scaled.any()),
            error_scaled=p.error_scaled,
            error_max=p.error_scaled.max(axis=1, initial=0.0),
            error_kind=p.error_kind.astype(np.int64),
            error_source=p.error_source.astype(np.int64),
            error_behaviour=p.error_behaviour.astype(np.int64),
            rule_points=p.rule_points,
            rule_scores=p.rule_scores,
            rule_list=p.rule_list.astype(np.int64),
            start=p.score_start,
            smin=p.score_min,
            smax=p.score_max,
            expire=p.expire_days,
            list_duration=p.list_duration,
            list_threshold=p.list_threshold,
            list_reset=p.list_reset,
            behaviour_kind=(
                p.scorer.behaviour_kind if p.scorer else np.zeros(len(p.behaviours), np.int64)
            ),
            kind_disfavoured=p.scorer.kind_disfavoured if p.scorer else np.zeros(1, bool),
            list_comply=p.list_comply,
            tier_min=p.tier_min,
            tier_sanctioned=tier_sanctioned,
            wrong_tier=wrong_tier,
            list_sanctioned=list_sanctioned,
            carrier_list=carriers.list_of,
            carrier_tiers=carriers.tiers_on,
            any_encounters=bool(p.encounter_prob.any()),
            encounter_list=np.where(drawn, p.consequence_list, -1).astype(np.int64),
            encounter_tiers=drawn[:, None] & p.consequence_tiers,
            encounter_floor=encounter_floor(p, drawn[:, None] & p.consequence_tiers),
            encounter_prob=p.encounter_prob,
            own_step=p.deter_own_step,
            hh_step=p.deter_household_step,
            decay=p.deter_decay,
            chilling=p.chilling,
            chill_exposure=p.chill_exposure,
            gaming=p.gaming,
        )


class Tallies(NamedTuple):
    """Integer tallies per lane (metrics/collector.py's Tally, with a lane axis first), and the
    new list entries per chunk."""

    acts: np.ndarray
    records_true: np.ndarray
    records_error: np.ndarray
    tier_pairs: np.ndarray
    listed: np.ndarray
    listed_wrongful: np.ndarray
    entries: np.ndarray
    complied: np.ndarray
    blocked: np.ndarray
    blocked_wrongful: np.ndarray
    sanctioned: np.ndarray
    wrongful: np.ndarray
    starts: np.ndarray
    causes: np.ndarray
    carrier_causes: np.ndarray
    first_sanctioned: np.ndarray
    first_wrongful: np.ndarray
    first_under: np.ndarray
    first_wrongly_under: np.ndarray
    score_hist: np.ndarray
    shadow_sum: np.ndarray
    entered_count: np.ndarray  # [chunks, L]
