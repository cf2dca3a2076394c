"""Who was wrongly sanctioned: the run's index of those people (wrongful.parquet), kept compactly.

At the end of a run every engine reads three things per person with ``EVER_WRONGFUL`` set, in
whole-array passes: the person's index, the cause byte (the last harmful error record, the byte
the daily ``wrongful_cause__*`` columns read) and which lists the person ended up on for longer
than the truth warrants (``list_until > shadow_until``: a wrongful entry, or one kept past its
true end). That is enough to find stories of each path to a wrongful sanction; the story itself
(how long, under what, the appeal) comes from replaying the person (engine/replay.py).

Above ``MAX_KEPT`` people the index is a sample: each person is kept with the same probability,
decided by a counter-based draw on the person's global index, so the sample is the same however
the population is split into shards.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pyarrow as pa

from socialcredit import rng
from socialcredit.plan import ERROR_KINDS, Plan
from socialcredit.state import CAUSES_PER_SOURCE, EVER_WRONGFUL, State

# People kept in wrongful.parquet: about 10 bytes each before compression (assumption: enough
# to find any path to a wrongful sanction in a national run; a larger run keeps a fair sample).
MAX_KEPT = 1_000_000
WRONGFUL_FILE = "wrongful.parquet"
BLOCK = 1 << 24  # people read at a time: no temporary the size of a national population


class WrongfulPeople(NamedTuple):
    """Wrongly sanctioned people, ascending: global index, cause byte, lists bitmask (bit x:
    on list x beyond its true end)."""

    person: np.ndarray  # int64
    cause: np.ndarray  # uint8, state.cause_code(source, kind); 0 for none
    lists: np.ndarray  # uint8

    @staticmethod
    def merge(parts: list[WrongfulPeople]) -> WrongfulPeople:
        """Shards' parts, given in the order of their people, as one."""
        if not parts:
            none = np.zeros(0, np.uint8)
            return WrongfulPeople(np.zeros(0, np.int64), none, none)
        return WrongfulPeople(*(np.concatenate(column) for column in zip(*parts, strict=True)))


def keep_share(total: int) -> float:
    """The share of wrongly sanctioned people the index keeps, for ``total`` of them."""
    return 1.0 if total <= MAX_KEPT else MAX_KEPT / total


def collect(plan: Plan, state: State, keep: float, offset: int = 0) -> WrongfulPeople:
    """The wrongly sanctioned people of ``state`` (its people are ``offset`` onwards), each
    kept with probability ``keep``."""
    key = rng.seed_key(plan.seed)
    parts = []
    n = len(state.flags)
    for lo in range(0, n, BLOCK):
        local = lo + np.flatnonzero(state.flags[lo : lo + BLOCK] & EVER_WRONGFUL)
        if keep < 1.0:
            draw = rng.uniform(key, rng.KEEP_WRONGFUL, rng.person_counters(offset + local), 0)
            local = local[draw < keep]
        lists = np.zeros(len(local), np.uint8)
        for x in range(state.list_until.shape[0]):
            beyond = state.list_until[x, local] > state.shadow_until[x, local]
            lists |= beyond.astype(np.uint8) << np.uint8(x)
        parts.append(WrongfulPeople(offset + local.astype(np.int64), state.cause[local], lists))
    return WrongfulPeople.merge(parts)


def wrongful_table(plan: Plan, people: WrongfulPeople, total: int) -> pa.Table:
    """wrongful.parquet: one row per kept person, with the run's total in the metadata."""
    sources = [None] + [s for s in plan.sources for _ in ERROR_KINDS]
    kinds = [None] + [k.replace("_", " ") for _ in plan.sources for k in ERROR_KINDS]
    assert len(sources) == 1 + len(plan.sources) * CAUSES_PER_SOURCE
    combos = [
        ", ".join(name for x, name in enumerate(plan.lists) if mask >> x & 1) or None
        for mask in range(1 << len(plan.lists))
    ]

    def labelled(codes: np.ndarray, labels: list[str | None]) -> pa.Array:
        # decoded by one take, not per person: a national run keeps up to MAX_KEPT rows
        return pa.array(labels, pa.string()).take(pa.array(codes.astype(np.int32)))

    table = pa.table(
        {
            "person": pa.array(people.person, pa.int64()),
            "cause_source": labelled(people.cause, sources),
            "cause_kind": labelled(people.cause, kinds),
            "wrongly_listed": labelled(people.lists, combos),
        }
    )
    meta = {"wrongly_sanctioned": str(total), "kept_share": repr(keep_share(total))}
    return table.replace_schema_metadata({k.encode(): v.encode() for k, v in meta.items()})
