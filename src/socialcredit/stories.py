"""People's stories from a run folder: kept in traces.parquet, or replayed on demand; which
people a run keeps; and the wrongly sanctioned people ``socialcredit trace --wrongful`` finds.

Any person of any run can be replayed (engine/replay.py needs only the resolved scenario and the
run's appeal log), so `socialcredit trace RUN --person ID` works for everyone, not only for the
people whose stories the run kept.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from socialcredit.engine.learned import MODELS_FILE, Model, models_from_json
from socialcredit.engine.lending import LendingRound, replay_round
from socialcredit.engine.reallocation import replay_moves
from socialcredit.engine.replay import replay
from socialcredit.errors import ConfigError, OutputError
from socialcredit.metrics.coverage_table import COVERAGE_FILE
from socialcredit.metrics.lending_table import LENDING_FILE
from socialcredit.metrics.wrongful_people import WRONGFUL_FILE, WrongfulPeople
from socialcredit.plan import ERROR_KINDS, NO_LIST, SANCTION, Plan
from socialcredit.scenario.compile import compile_plan
from socialcredit.scenario.loading import load_scenario
from socialcredit.state import cause_code
from socialcredit.traces import Harm, harm_of

EVENT_COLUMNS = ("act", "error", "lists", "sanctions", "wrongful_sanctions")
TOP_CAUSES = 3  # the report tells one story per top cause of wrongful sanction-days
PER_CAUSE = 2  # people kept per top cause: the cause on record at the end of the run may have
# moved on from the one behind the wrongful sanction, and the replay shows which it was
REPLAYS_PER_SHOWN = 3  # trace --wrongful replays at most this many candidates per line shown


def traced_people(plan: Plan, k: int, wrongful: WrongfulPeople, causes: list[dict]) -> list[int]:
    """The people whose stories a run keeps: ``k`` drawn with the run's seed (ordinary lives),
    and for each of the top causes of wrongful sanction-days (summary.json's
    ``wrongful_causes``, largest first) a few people wrongly sanctioned with that cause on
    record, so that the report can show every main path to a wrongful sanction."""
    chooser = np.random.default_rng(plan.seed)
    chosen = chooser.choice(plan.people, size=min(k, plan.people), replace=False).tolist()
    for cause in causes[:TOP_CAUSES]:
        if cause["source"] not in plan.sources or cause["error_kind"] not in ERROR_KINDS:
            continue  # "none": no error on record
        source, kind = plan.sources.index(cause["source"]), ERROR_KINDS.index(cause["error_kind"])
        code = cause_code(source, kind)
        pool = wrongful.person[wrongful.cause == code]
        if len(pool):
            picked = chooser.choice(len(pool), size=min(PER_CAUSE, len(pool)), replace=False)
            chosen += pool[np.sort(picked)].tolist()
    return sorted(set(chosen))


def _read(path: Path, folder: Path) -> pa.Table:
    """A run folder's Parquet file, or a clear error where it is truncated or damaged."""
    try:
        return pq.read_table(path)
    except (OSError, pa.ArrowException) as exc:
        raise OutputError(
            f"{path}: cannot be read ({exc.__class__.__name__}: {str(exc)[:200]}); the file is "
            f"truncated or damaged. Fix: check the folder with `socialcredit verify {folder}`, "
            "and copy the run folder again or run the scenario again."
        ) from None


class RunStories:
    """The stories of one run folder's people (the scenario is compiled once, when needed)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @cached_property
    def kept(self) -> pa.Table | None:
        traces = self.folder / "traces.parquet"
        return _read(traces, self.folder) if traces.is_file() else None

    @cached_property
    def plan(self) -> Plan:
        self._need("scenario.yaml", "its people cannot be replayed")
        scenario, _ = load_scenario(self.folder / "scenario.yaml")
        return compile_plan(scenario, label=str(self.folder / "scenario.yaml"))

    @cached_property
    def appeal_log(self) -> np.ndarray:
        self._need("appeals.parquet", "its people cannot be replayed")
        log = _read(self.folder / "appeals.parquet", self.folder)
        if "replicate" in log.column_names:  # an ensemble: scenario.yaml's seed is replicate 0's
            log = log.filter(pc.equal(log["replicate"], 0))
        if not log.num_rows:
            return np.zeros((0, 6), np.int64)
        lists = {name: i for i, name in enumerate(self.plan.lists)}
        # back to engine days (runner.appeal_table): -1 without a win is "not decided"
        warmup = self.plan.warmup
        decided = log["decided_day"].to_numpy().astype(np.int64)
        won = log["won"].to_numpy().astype(np.int64)
        decided = np.where((decided == -1) & (won == 0), -1, decided + warmup)
        return np.stack(
            [
                log["day"].to_numpy().astype(np.int64) + warmup,
                np.array([lists[x] for x in log["list"].to_pylist()], dtype=np.int64),
                log["person"].to_numpy(),
                log["wrongful_entry"].to_numpy().astype(np.int64),
                decided,
                won,
            ],
            axis=1,
        ).astype(np.int64)

    def _need(self, name: str, why: str) -> None:
        if not (self.folder / name).is_file():
            raise OutputError(
                f"{self.folder / name}: missing, so {why}. "
                "Fix: pass a run folder written by `socialcredit run`."
            )

    def story(self, person: int) -> pa.Table:
        """Every day of ``person`` in the run."""
        if self.kept is not None:
            mine = self.kept.filter(pc.equal(self.kept["person"], person))
            # kept by an earlier version without the appeal outcomes: replay instead
            if mine.num_rows and "appeal_decision" in mine.column_names:
                return mine
        return replay(self.plan, [person], self.appeal_log, self.models, moves=self.moves,
                      lending=self.lending)  # fmt: skip

    @cached_property
    def lending(self) -> list[LendingRound]:
        """The run's lending rounds as far as a replay needs them: each group's cut-off
        (lending.parquet's threshold and cut_lottery)."""
        p = self.plan
        if p.lending is None:
            return []
        self._need(LENDING_FILE, "its people cannot be replayed with their loans")
        table = _read(self.folder / LENDING_FILE, self.folder)
        if "replicate" in table.column_names:  # an ensemble: the stories are replicate 0's
            table = table.filter(pc.equal(table["replicate"], 0))
        G = len(p.groups)
        index = {name: g for g, name in enumerate(p.groups)}
        days = table["day"].to_numpy().astype(np.int64) + p.warmup
        group = np.array([index[x] for x in table["group"].to_pylist()], dtype=np.int64)
        listed = table["threshold"].to_pylist()
        thresholds = np.array([p.score_max + 1 if x is None else x for x in listed], np.int64)
        cut = table["cut_lottery"].to_numpy().astype(np.float64)
        rounds = []
        for day in np.unique(days):
            threshold = np.full(G, p.score_max + 1, np.int64)
            lottery = np.zeros(G)
            mine = days == day
            threshold[group[mine]] = thresholds[mine]
            lottery[group[mine]] = cut[mine]
            rounds.append(replay_round(int(day), threshold, lottery))
        return rounds

    @cached_property
    def models(self) -> list[Model]:
        """The learned scorer's models, where the regime has one (learned.MODELS_FILE)."""
        if self.plan.scorer is None:
            return []
        self._need(MODELS_FILE, "its people cannot be replayed under the learned scorer")
        path = self.folder / MODELS_FILE
        try:
            return models_from_json(self.plan, json.loads(path.read_text("utf-8")))
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise OutputError(
                f"{path}: cannot be read ({exc.__class__.__name__}), so its people cannot be "
                "replayed. Fix: run the scenario again."
            ) from None

    @cached_property
    def moves(self) -> dict[int, np.ndarray] | None:
        """The reallocated coverage's moves, where a source has them (COVERAGE_FILE; an
        ensemble's from replicate 0, whose people the stories tell)."""
        if self.plan.feedback is None:
            return None
        self._need(COVERAGE_FILE, "its people cannot be replayed under the moved coverage")
        path = self.folder / COVERAGE_FILE
        try:
            table = pq.read_table(path)
            if "replicate" in table.column_names:
                table = table.filter(pc.equal(table["replicate"], 0))
            return replay_moves(self.plan, table)
        except (OSError, ValueError, KeyError, pa.ArrowException) as exc:
            raise OutputError(
                f"{path}: cannot be read ({exc.__class__.__name__}), so its people cannot be "
                "replayed. Fix: run the scenario again."
            ) from None


def story(folder: Path, person: int) -> pa.Table:
    """Every day of ``person`` in the run at ``folder``."""
    return RunStories(folder).story(person)


@dataclass(frozen=True)
class Wronged:
    person: int
    harm: Harm


@dataclass(frozen=True)
class WrongfulListing:
    total: int  # people wrongly sanctioned in the run
    kept: int  # of them in wrongful.parquet
    candidates: int  # kept people matching the filters by what was on record at the end
    shown: list[Wronged]  # replayed and confirmed
    replayed: int


def sanction_names(plan: Plan) -> list[str]:
    return [c for i, c in enumerate(plan.consequences) if plan.consequence_kind[i] == SANCTION]


def _check_names(plan: Plan, sanction: str | None, cause: str | None) -> None:
    if sanction is not None and sanction not in sanction_names(plan):
        raise ConfigError(
            f"'{sanction}' is not a sanction of this run's scenario",
            path="--sanction",
            expected=f"one of: {', '.join(sanction_names(plan))}",
            fix="pass one of those names, or leave --sanction out",
        )
    if cause is not None and cause not in plan.sources:
        raise ConfigError(
            f"'{cause}' is not a data source of this run's scenario",
            path="--cause",
            expected=f"one of: {', '.join(plan.sources)}",
            fix="pass one of those names, or leave --cause out",
        )


def _confirmed(harm: Harm, sanction: str | None, carrier: str | None, cause: str | None) -> bool:
    """The replayed story shows a wrongful sanction of the kind asked for."""
    if not harm.wrongful_days:
        return False
    if cause is not None and not any(c.startswith(f"{cause} ") for c, _ in harm.causes):
        return False
    if sanction is None:
        return True
    if carrier is not None:
        return any(name == carrier for name, *_ in harm.wrongly_listed)
    return any(sanction in names and wrong for names, wrong, _ in harm.tier_sanctions)


def wrongly_sanctioned(
    folder: Path, *, sanction: str | None = None, cause: str | None = None, limit: int = 10
) -> WrongfulListing:
    """Up to ``limit`` people wrongly sanctioned in the run (under ``sanction``, with an error
    of the data source ``cause`` behind it), each replayed to say how long and under what."""
    run = RunStories(folder)
    plan = run.plan
    _check_names(plan, sanction, cause)
    run._need(WRONGFUL_FILE, "the wrongly sanctioned people cannot be listed (a run made "
              "before this file existed)")  # fmt: skip
    index = _read(folder / WRONGFUL_FILE, folder)
    meta = index.schema.metadata or {}
    total = int(meta.get(b"wrongly_sanctioned", index.num_rows))
    carrier = None
    if sanction is not None:
        x = int(plan.consequence_list[plan.consequences.index(sanction)])
        carrier = None if x == NO_LIST else plan.lists[x]
    people = index["person"].to_numpy()
    # the likeliest first: by what was on record at the end; the rest in a seeded order, so a
    # listing samples every region rather than the lowest indices
    likely = np.ones(len(people), bool)
    if cause is not None:
        same = pc.fill_null(pc.equal(index["cause_source"], cause), False)
        likely &= same.to_numpy(zero_copy_only=False)
    listed = index["wrongly_listed"]
    if carrier is not None:
        on = pc.match_substring_regex(listed, f"(^|, ){re.escape(carrier)}(,|$)")
        likely &= pc.fill_null(on, False).to_numpy(zero_copy_only=False)
    elif sanction is not None:  # a tier's sanction: likeliest where no list explains it
        likely &= pc.is_null(listed).to_numpy(zero_copy_only=False)
    order = np.random.default_rng(plan.seed).permutation(len(people))
    order = np.concatenate([order[likely[order]], order[~likely[order]]])
    shown: list[Wronged] = []
    replayed = 0
    for i in order[: max(limit, 1) * REPLAYS_PER_SHOWN]:
        if len(shown) >= limit:
            break
        harm = harm_of(run.story(int(people[i])))
        replayed += 1
        if _confirmed(harm, sanction, carrier, cause):
            shown.append(Wronged(int(people[i]), harm))
    shown.sort(key=lambda w: w.person)
    return WrongfulListing(total, len(people), int(likely.sum()), shown, replayed)


def listing_row(w: Wronged) -> dict[str, Any]:
    """One line of ``trace --wrongful``: how long, under what, why, and the appeals."""
    h = w.harm
    under = [f"{name} list" for name, *_ in h.wrongly_listed]
    under += [", ".join(names) for names, wrong, _ in h.tier_sanctions if wrong]
    appeals = "; ".join(f"day {a.filed}: " + (a.outcome or "pending") for a in h.appeals)
    return {
        "person": w.person,
        "days": h.wrongful_days,
        "under": "; ".join(under),
        "cause": ", ".join(c for c, _ in h.causes) or "-",
        "appeals": appeals or "none",
    }
