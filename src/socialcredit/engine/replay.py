"""Life stories: replay one person's household, day by day, exactly as the run lived it.

Every draw is a function of (seed, stream, person, day), and people interact only within their
household (guilt by association) and through the appeal queue. So a household simulated alone by
the reference engine, with the appeal outcomes taken from the run's log, lives the same life as
in the full run, and the replay can record everything that happened to a person: acts, which
sources recorded them, errors, score and shadow score, tier, lists, sanctions, appeals.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from socialcredit.engine.appeals import ReplayQueue
from socialcredit.engine.learned import Model
from socialcredit.engine.lending import LendingRound
from socialcredit.engine.reference import STAGES, Day, ReferenceEngine
from socialcredit.errors import ConfigError
from socialcredit.plan import ERROR_KINDS, NO_LIST, SANCTION, Plan
from socialcredit.population.synthesis import Population, synthesize
from socialcredit.state import CAUSES_PER_SOURCE


def household_of(plan: Plan, person: int) -> tuple[Population, int, int]:
    """A population window holding ``person``'s whole household, and the household's range."""
    if not 0 <= person < plan.people:
        raise ConfigError(
            f"person {person} does not exist",
            path="--person",
            expected=f"an index from 0 to {plan.people - 1:,}",
            fix="pass a person index shown in the run's traces",
        )
    reach = 64
    while True:
        window = synthesize(plan, max(0, person - reach), min(plan.people, person + reach))
        try:
            first, end = window.household_around(person)
            return window, first, end
        except LookupError:
            reach *= 4


# A replay lives every stage but the measurement: it changes no state (it counts the day into
# the run's metric rows, which a replay does not keep) and was a third of a replay's time.
LIVED = tuple(stage for stage in STAGES if stage != "measurement")


@dataclass
class Households(Population):
    """Whole households gathered from windows of the population, to be replayed side by side:
    one engine day for all of them, not one per traced person (a replay's day is Python, about a
    millisecond, whatever its size). ``ids``: the global indices held, ascending."""

    ids: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    @classmethod
    def around(cls, plan: Plan, people: list[int]) -> Households:
        """The households of ``people``."""
        ranges: dict[int, tuple[Population, int, int]] = {}
        for person in people:
            if not any(first <= person < end for _, first, end in ranges.values()):
                window, first, end = household_of(plan, person)
                ranges[first] = (window, first, end)
        parts = [ranges[k] for k in sorted(ranges)]
        ids = [np.arange(first, end, dtype=np.int64) for _, first, end in parts]
        held = [window.held(i) for (window, _, _), i in zip(parts, ids, strict=True)]
        return cls(
            trait=np.concatenate([t for t, _ in held]) if held else np.zeros(0, np.uint8),
            flags=np.concatenate([f for _, f in held]) if held else np.zeros(0, np.uint8),
            cell_start=parts[0][0].cell_start if parts else np.zeros(1, np.int64),
            ids=np.concatenate(ids) if ids else np.zeros(0, np.int64),
        )

    def held(self, people: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        at = np.searchsorted(self.ids, people)
        return self.trait[at], self.flags[at]


class TracingEngine(ReferenceEngine):
    """The reference engine over one household, recording each day of the people it traces."""

    def __init__(self, plan: Plan, window: Population, people: np.ndarray,
                 appeal_log: np.ndarray, traced: list[int],
                 models: list[Model] | None = None,
                 moves: Mapping[int, np.ndarray] | None = None,
                 lending: list[LendingRound] | None = None) -> None:  # fmt: skip
        super().__init__(plan, window, people=people, queue=ReplayQueue(plan, appeal_log))
        if self.learner is not None:  # the run's models: a household alone cannot train them
            self.learner.replaying(models or [])
        if self.reallocator is not None:  # and the run's moves of coverage (reallocation.py)
            self.reallocator.replaying(moves or {})
        if self.lender is not None:  # the run's cut-offs: a household alone cannot set them
            self.lender.replaying(lending or [])
        self.traced = {int(np.searchsorted(self.ids, p)): p for p in traced}
        # (person, decision day) -> won, for the days an appeal of a traced person is decided
        mine = appeal_log[np.isin(appeal_log[:, 2], traced) & (appeal_log[:, 4] >= 0)]
        self.decided = {(int(r[2]), int(r[4])): bool(r[5]) for r in mine}
        self.rows: list[dict[str, Any]] = []
        sanction = plan.consequence_kind == SANCTION
        self.sanctions = [c for c in range(len(plan.consequences)) if sanction[c]]

    def step(self, t: int) -> None:
        self.look(t)
        self.model = self.learn(t)
        before = {j: int(self.state.score[j]) for j in self.traced}
        self.lend(t)  # a loan's repayment or default is part of the day's score change
        self.begin_day(t)
        d = Day()
        for stage in LIVED:
            getattr(self, stage)(t, d)
        if t < self.plan.warmup:  # lived, as in the run, but not reported
            return
        for j, person in self.traced.items():
            self.rows.append(self._row(t, d, j, person, before[j]))

    def _row(self, t: int, d: Day, j: int, person: int, score_before: int) -> dict[str, Any]:
        p, s = self.plan, self.state
        act = recorded = error = None
        hit = np.flatnonzero(d.actors == j)
        if len(hit):
            k = hit[0]
            act = p.behaviours[d.acts[k]]
            seen = [p.sources[i] for i, mask in enumerate(d.true_records) if mask[k]]
            recorded = ", ".join(seen) or None
        hit = np.flatnonzero(d.errors == j)
        if len(hit):
            ch = d.error_channel[hit[0]]
            error = f"{cause_label(p, p.error_source[ch], p.error_kind[ch])}: "
            error += p.behaviours[p.error_behaviour[ch]]
        tier, shadow_tier = int(d.tier[j]), int(d.shadow_tier[j])
        lists = [p.lists[x] for x in range(len(p.lists)) if d.listed[x, j]]
        shadow_lists = {p.lists[x] for x in range(len(p.lists)) if d.shadow_listed[x, j]}

        def applies(c: int, tier_index: int, listed: set[str] | list[str]) -> bool:
            if not self.tables.consequence_on[c]:  # not in force today (from:/until:)
                return False
            x = int(p.consequence_list[c])
            if x != NO_LIST:
                return p.lists[x] in listed
            return bool(p.consequence_tiers[c, tier_index])

        sanctions = [p.consequences[c] for c in self.sanctions if applies(c, tier, lists)]
        wrongful = [
            p.consequences[c]
            for c in self.sanctions
            if applies(c, tier, lists) and not applies(c, shadow_tier, shadow_lists)
        ]
        wrongful_lists = [x for x in lists if x not in shadow_lists]
        cause = None
        if wrongful and s.cause[j]:  # the byte the run's wrongful_cause__* columns read
            source, kind = divmod(int(s.cause[j]) - 1, CAUSES_PER_SOURCE)
            cause = cause_label(p, source, kind)
        decided = self.decided.get((person, t))
        return {
            "person": person,
            "day": t - p.warmup,  # the reported day, as in the run's metrics
            "act": act,
            "recorded_by": recorded,
            "error": error,
            "score_change": int(s.score[j]) - score_before,
            "score": int(s.score[j]),
            "shadow_score": int(s.shadow[j]),
            "tier": p.tiers[tier],
            "shadow_tier": p.tiers[shadow_tier],
            "lists": ", ".join(lists) or None,
            "sanctions": ", ".join(sanctions) or None,
            "wrongful_sanctions": ", ".join(wrongful) or None,
            "wrongful_lists": ", ".join(wrongful_lists) or None,
            "wrongful_cause": cause,
            "deterrence": int(s.deterrence[j]),
            "appeal_filed": bool(np.any(d.filed == j)),
            "appeal_decision": None if decided is None else ("won" if decided else "lost"),
        }


def cause_label(plan: Plan, source: int, kind: int) -> str:
    """How a story names an error's source and kind: "court-records bookkeeping"."""
    return f"{plan.sources[source]} {ERROR_KINDS[kind].replace('_', ' ')}"


def replay(
    plan: Plan,
    people: list[int],
    appeal_log: np.ndarray,
    models: list[Model] | None = None,
    moves: Mapping[int, np.ndarray] | None = None,
    lending: list[LendingRound] | None = None,
) -> pa.Table:
    """Day-by-day histories of ``people`` (one row per person and reported day; the warm-up's
    days are lived, not reported). ``appeal_log`` is the queue's, in engine days; ``models``
    the learned scorer's, where the regime has one (learned.MODELS_FILE); ``moves`` the
    reallocated coverage's, where a source has one (reallocation.coverage_moves); ``lending``
    the run's lending rounds, where it has them (their cut-offs: lending.parquet).

    The table's metadata ``sanction_lists`` maps each sanction to the list that carries it
    (null: a tier carries it), so a story can say what a wrongful listing brought with it."""
    traced = sorted(set(people))
    rows: list[dict[str, Any]] = []
    if traced:
        households = Households.around(plan, traced)
        engine = TracingEngine(plan, households, households.ids, appeal_log, traced, models,
                               moves, lending)  # fmt: skip
        engine.run()
        rows = sorted(engine.rows, key=lambda r: r["person"])  # stable: days stay in order
    carried = {
        plan.consequences[c]: None if x == NO_LIST else plan.lists[x]
        for c, x in enumerate(plan.consequence_list.tolist())
        if plan.consequence_kind[c] == SANCTION
    }
    schema = TRACE_SCHEMA.with_metadata({SANCTION_LISTS: json.dumps(carried)})
    return pa.Table.from_pylist(rows, schema=schema)


SANCTION_LISTS = "sanction_lists"


TRACE_SCHEMA = pa.schema(
    [
        ("person", pa.int64()),
        ("day", pa.int32()),
        ("act", pa.string()),
        ("recorded_by", pa.string()),
        ("error", pa.string()),
        ("score_change", pa.int32()),
        ("score", pa.int32()),
        ("shadow_score", pa.int32()),
        ("tier", pa.string()),
        ("shadow_tier", pa.string()),
        ("lists", pa.string()),
        ("sanctions", pa.string()),
        ("wrongful_sanctions", pa.string()),
        ("wrongful_lists", pa.string()),  # lists the person is on but would not be from truth
        ("wrongful_cause", pa.string()),  # on wrongful days: the last harmful error's "SOURCE KIND"
        ("deterrence", pa.int32()),
        ("appeal_filed", pa.bool_()),
        ("appeal_decision", pa.string()),  # "won" or "lost" on the day an appeal is decided
    ]
)
