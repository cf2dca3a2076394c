"""Where the system looks: sources whose coverage moved among regions by their own records.

Read from coverage.parquet (metrics/coverage_table.py), which a run with a reallocated source
writes: per move and region, the coverage before and after, and the window's acts (what
happened), true records (what the source found) and all its records (what it weighed). A run
without one has no such section (``build`` returns None). With replicates, replicate 0's moves
are shown (each replicate moves its own way).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from socialcredit.errors import OutputError
from socialcredit.metrics.coverage_table import COVERAGE_FILE, RUNAWAY_GROWTH, Drift, drifts
from socialcredit.report import charts
from socialcredit.report.data import RunData
from socialcredit.report.page import Chart, Page

TEMPLATE = "report/looking.html.j2"


@dataclass(frozen=True)
class RegionRow:
    name: str
    people: int
    coverage_first: float  # in force during the first window
    coverage_last: float  # set at the last move
    acts: int  # over every window
    discovered: int
    records: int

    @property
    def found_share(self) -> float | None:
        """Acts found per act that happened."""
        return self.discovered / self.acts if self.acts else None

    @property
    def records_per_1000(self) -> float:
        return 1000 * self.records / self.people if self.people else 0.0


@dataclass(frozen=True)
class Source:
    name: str
    every_days: int
    policy: str
    correction: bool
    drift: Drift
    moves: int
    rows: list[RegionRow]
    chart: Chart | None

    @property
    def spread(self) -> float | None:
        """How many times more records per resident the most recorded region had than the
        least, over the run (None where a region had none)."""
        rates = [r.records_per_1000 for r in self.rows]
        return max(rates) / min(rates) if min(rates) > 0 else None


@dataclass(frozen=True)
class Looking:
    sources: list[Source]
    replicates: int = 1
    growth: float = RUNAWAY_GROWTH


def _read(data: RunData) -> pa.Table | None:
    path = data.folder / COVERAGE_FILE
    moved = [s for s in data.scenario.get("sources", []) if s.get("reallocate")]
    if not moved or not path.is_file():
        return None
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowException) as exc:
        raise OutputError(
            f"{path}: could not be read ({exc}). Fix: re-run the scenario to recreate it."
        ) from None
    if "replicate" in table.column_names:
        table = table.filter(pc.equal(table["replicate"], 0))
    return table


def build(data: RunData, page: Page) -> Looking | None:
    table = _read(data)
    if table is None:
        return None
    specs = {s["name"]: s["reallocate"] for s in data.scenario["sources"] if s.get("reallocate")}
    found = {d.source: d for d in drifts(table)} if table.num_rows else {}
    out = []
    for name, spec in specs.items():
        if name not in found:
            continue
        mine = table.filter(pc.equal(table["source"], name)).to_pydict()
        days = sorted(set(mine["day"]))
        regions = list(dict.fromkeys(mine["region"]))

        def at(region: str, key: str, m: dict = mine) -> list:
            return [v for r, v in zip(m["region"], m[key], strict=True) if r == region]

        rows = [
            RegionRow(
                r,
                at(r, "people")[0],
                at(r, "coverage_before")[0],
                at(r, "coverage_after")[-1],
                sum(at(r, "acts")),
                sum(at(r, "discovered")),
                sum(at(r, "records")),
            )  # fmt: skip
            for r in regions
        ]
        traces: dict[str, Sequence[float]] = {}
        for r in regions:
            traces[f"{r}, share of coverage"] = [100 * v for v in at(r, "share_after")]
        for r in regions:
            traces[f"{r}, share of acts"] = [100 * v for v in at(r, "act_share")]
        chart = page.chart(
            charts.lines(f"{name}: where it looked and where the acts were", days, traces, "%",
                         x_title="day of the move",
                         dashed=[k for k in traces if k.endswith("acts")],
                         colours=list(charts.PALETTE[: len(regions)]) * 2, fmt=".1f")
        )  # fmt: skip
        out.append(Source(name, int(spec["every_days"]), spec.get("policy", "proportional"),
                          bool(spec.get("correction", False)), found[name], len(days), rows,
                          chart))  # fmt: skip
    return Looking(out, data.replicates)
