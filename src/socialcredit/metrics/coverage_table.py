"""Where the system looked (coverage.parquet): the moves of reallocated sources, and whether
the allocation ran away from where the acts were.

One row per reallocation of a source and region (engine/reallocation.py):

    day              reported day of the move (metrics.parquet's; negative within a warm-up)
    engine_day       the same in engine days (a replay's key)
    source, region   names
    people           the region's residents
    coverage_before  the coverage in force during the window that ended (share of acts in view)
    coverage_after   the coverage set that morning
    share_before     the region's share of the people in view (coverage x people / the total)
    share_after      the same, after the move
    acts             acts of the behaviours the source observes in the window (what happened)
    discovered       the source's true records in the window (what it found)
    records          all its records in the window, errors included (what it weighed)
    act_share        the region's share of the window's acts

*Runaway* (``runaway``): the allocation set at the last move is farther from where the acts of
the last window were than the scenario's starting allocation was from the first window's acts,
by at least RUNAWAY_GROWTH in total variation distance (half the sum over regions of the
difference between a region's share of the coverage and its share of the acts). Ensign et al.
2018 call a feedback loop runaway when the allocation converges to one region whatever the true
rates; the distance measures that drift without assuming where it ends.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pyarrow as pa

COVERAGE_FILE = "coverage.parquet"
# assumption: a tenth of the budget moved away from the acts is a drift a reader should see
RUNAWAY_GROWTH = 0.1


def coverage_table(history: np.ndarray, sources: tuple[str, ...], regions: tuple[str, ...],
                   region_people: np.ndarray, warmup: int) -> pa.Table:  # fmt: skip
    """The moves (reallocation.HISTORY_COLUMNS rows) as coverage.parquet's table."""
    h = np.asarray(history, dtype=np.float64).reshape(-1, 8)
    day = h[:, 0].astype(np.int64)
    source = h[:, 1].astype(np.int64)
    region = h[:, 2].astype(np.int64)
    people = np.asarray(region_people, dtype=np.float64)[region]
    before, after, acts = h[:, 3], h[:, 4], h[:, 5]
    # per (day, source): totals over its regions, for the shares
    key = day * (len(sources) + 1) + source
    _, move = np.unique(key, return_inverse=True)

    def share(x: np.ndarray) -> np.ndarray:
        total = np.bincount(move, weights=x)[move]
        return np.divide(x, total, out=np.full(len(x), np.nan), where=total > 0)

    return pa.table(
        {
            "day": pa.array(day - warmup, pa.int32()),
            "engine_day": pa.array(day, pa.int32()),
            "source": pa.array([sources[s] for s in source], pa.string()),
            "region": pa.array([regions[r] for r in region], pa.string()),
            "people": pa.array(people.astype(np.int64), pa.int64()),
            "coverage_before": pa.array(before, pa.float64()),
            "coverage_after": pa.array(after, pa.float64()),
            "share_before": pa.array(share(before * people), pa.float64()),
            "share_after": pa.array(share(after * people), pa.float64()),
            "acts": pa.array(acts.astype(np.int64), pa.int64()),
            "discovered": pa.array(h[:, 6].astype(np.int64), pa.int64()),
            "records": pa.array(h[:, 7].astype(np.int64), pa.int64()),
            "act_share": pa.array(share(acts), pa.float64()),
        }
    )


def moves_from(table: pa.Table, sources: tuple[str, ...], regions: tuple[str, ...],
               moved: list[int], first: np.ndarray) -> dict[int, np.ndarray]:  # fmt: skip
    """Engine day: the coverage [F, R] set that morning (a replay's moves). ``moved``: the
    reallocated sources' indices, in order; ``first``: [F, R] the coverage the run began with."""
    cover = first.copy()
    out: dict[int, np.ndarray] = {}
    for row in table.select(["engine_day", "source", "region", "coverage_after"]).to_pylist():
        d = int(row["engine_day"])
        if d not in out:
            out[d] = cover.copy()
        f, r = moved.index(sources.index(row["source"])), regions.index(row["region"])
        out[d][f, r] = row["coverage_after"]
        cover = out[d]
    return out


class Drift(NamedTuple):
    """How far one source's allocation was from where the acts were, at the start (the first
    window) and after the last move."""

    source: str
    first_day: int
    last_day: int
    first_distance: float  # total variation distance: the start's shares vs the first acts'
    last_distance: float  # the same: the last move's shares vs the last window's acts
    top_region: str  # the region with the largest share after the last move
    top_share: float
    top_act_share: float  # its share of the last window's acts

    @property
    def runaway(self) -> bool:
        return self.last_distance - self.first_distance >= RUNAWAY_GROWTH


def drifts(table: pa.Table) -> list[Drift]:
    """Per reallocated source: the allocation's distance from the acts at the start and after
    its last move (the module's docstring)."""
    data = table.to_pydict()
    out: list[Drift] = []
    for source in dict.fromkeys(data["source"]):
        rows = [i for i, s in enumerate(data["source"]) if s == source]
        days = sorted({data["day"][i] for i in rows})

        def distance(day: int, shares: str, rows: list[int] = rows) -> float:
            at = [i for i in rows if data["day"][i] == day]
            gaps = [abs(data[shares][i] - data["act_share"][i]) for i in at]
            return 0.5 * float(np.nansum(gaps))

        last = [i for i in rows if data["day"][i] == days[-1]]
        top = max(last, key=lambda i: data["share_after"][i])
        out.append(Drift(source, days[0], days[-1], distance(days[0], "share_before"),
                         distance(days[-1], "share_after"),
                         data["region"][top], data["share_after"][top],
                         data["act_share"][top]))  # fmt: skip
    return out
