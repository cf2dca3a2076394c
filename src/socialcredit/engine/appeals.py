"""Stage 9, appeals: one global first-come, first-served queue, shared by every engine.

New list entries are contested with a probability that depends on whether the entry is wrongful
(the person knows whether they did it). Decisions come no sooner than ``delay`` days after filing,
in filing order, at the scenario's capacity; slots are numbered from engine day 0 (a warm-up's
first day) in exact integer arithmetic (``Plan.appeal_first_slot``). A won appeal ends the
listing on the decision day. Filings of one day are ordered by list, then by person index, so
the queue is the same however the population was split.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from socialcredit import rng
from socialcredit.plan import Plan

LOG_FIELDS = ("day", "list", "person", "wrongful", "decided", "won")


class AppealQueue:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.key = rng.seed_key(plan.seed)
        self.next_slot = 0
        # Every filing, for appeals.parquet and for replaying one household's life exactly.
        self.log: list[np.ndarray] = []  # [rows, 6] int64 blocks, columns LOG_FIELDS

    def log_table(self) -> np.ndarray:
        return np.concatenate(self.log) if self.log else np.zeros((0, len(LOG_FIELDS)), np.int64)

    def hear(
        self,
        t: int,
        entered: list[np.ndarray],
        list_until: np.ndarray,
        shadow_until: np.ndarray,
        cell_of: Callable[[np.ndarray], np.ndarray],
        decided_counts: np.ndarray,
        won_counts: np.ndarray,
        ids: np.ndarray | None = None,
    ) -> np.ndarray:
        """File today's appeals and end the listings they will win; return the people who filed
        (for the day's tally).

        ``entered[x]`` holds, in index order, the people newly put on list ``x`` today;
        ``cell_of`` maps person indices to their cells; decisions on reported days are
        counted into ``decided_counts`` / ``won_counts`` [reported day, cell]. ``ids`` maps
        array positions to people's indices in the whole population (identity when omitted).
        """
        wrongful = [shadow_until[x, who] <= t for x, who in enumerate(entered)]
        filed, wins = self.decide(t, entered, wrongful, cell_of, decided_counts, won_counts, ids)
        apply_wins(list_until, wins)
        return filed

    def decide(
        self,
        t: int,
        entered: list[np.ndarray],
        wrongful_entry: list[np.ndarray],
        cell_of: Callable[[np.ndarray], np.ndarray],
        decided_counts: np.ndarray,
        won_counts: np.ndarray,
        ids: np.ndarray | None = None,
    ) -> tuple[np.ndarray, list[tuple[int, np.ndarray, np.ndarray]]]:
        """``hear`` without the people's state: ``wrongful_entry[x]`` says which of
        ``entered[x]`` are not on the list by their true records. Returns the people who filed
        and the wins, ``(list, people, decision day)``, for whoever holds the state to apply
        (``apply_wins``) before the next day: a cluster's shards."""
        p = self.plan
        filed = []
        wins = []
        for x, who in enumerate(entered):
            if not len(who):
                continue
            counters = rng.person_counters(who if ids is None else ids[who])
            wrongful = wrongful_entry[x].astype(np.int64)
            files = (
                rng.uniform(self.key, rng.APPEAL_FILE + x, counters, t) < p.appeal_file[wrongful]
            )
            who, wrongful, counters = who[files], wrongful[files], counters[files]
            filed.append(who)
            if not len(who):
                continue
            if p.appeal_capacity_micro == 0:  # filed, never decided
                self._record(t, x, who, ids, wrongful, np.full(len(who), -1), np.zeros(len(who)))
                continue
            first = max(self.next_slot, p.appeal_first_slot(t + p.appeal_delay))
            slots = first + np.arange(len(who), dtype=np.int64)
            self.next_slot = int(slots[-1]) + 1
            decided = p.appeal_slot_day(slots)
            won = (
                rng.uniform(self.key, rng.APPEAL_WIN + x, counters, t) < p.appeal_success[wrongful]
            )
            wins.append((x, who[won], decided[won]))
            self._record(t, x, who, ids, wrongful, decided, won)
            row = decided - p.warmup  # the metrics hold the reported days only
            inside = (row >= 0) & (row < p.days)
            np.add.at(decided_counts, (row[inside], cell_of(who[inside])), 1)
            np.add.at(won_counts, (row[inside & won], cell_of(who[inside & won])), 1)
        return (np.concatenate(filed) if filed else np.zeros(0, np.int64)), wins

    def _record(
        self,
        t: int,
        x: int,
        who: np.ndarray,
        ids: np.ndarray | None,
        wrongful: np.ndarray,
        decided: np.ndarray,
        won: np.ndarray,
    ) -> None:
        people = who if ids is None else ids[who]
        columns = (np.full(len(who), t), np.full(len(who), x), people, wrongful, decided, won)
        self.log.append(np.stack([np.asarray(c, dtype=np.int64) for c in columns], axis=1))


def apply_wins(list_until: np.ndarray, wins: list[tuple[int, np.ndarray, np.ndarray]]) -> None:
    """A won appeal ends the listing on its decision day (or keeps an earlier end)."""
    for x, who, decided in wins:
        list_until[x, who] = np.minimum(list_until[x, who], decided)


class ReplayQueue(AppealQueue):
    """The appeal queue of a replay: outcomes come from the run's log, not from a queue of
    everybody (the only thing that couples one household's life to the rest)."""

    def __init__(self, plan: Plan, log: np.ndarray) -> None:
        super().__init__(plan)
        self.recorded = {(int(r[0]), int(r[1]), int(r[2])): r for r in log}

    def hear(self, t, entered, list_until, shadow_until, cell_of, decided_counts, won_counts,
             ids=None):  # fmt: skip
        filed = []
        for x, who in enumerate(entered):
            for local in who:
                row = self.recorded.get((t, x, int(ids[local] if ids is not None else local)))
                if row is None:
                    continue
                filed.append(local)
                self.log.append(row[None, :])
                if row[5]:
                    list_until[x, local] = min(int(list_until[x, local]), int(row[4]))
        return np.array(filed, dtype=np.int64)
