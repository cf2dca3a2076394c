"""Read a run folder's files and reduce the metrics to the few small series the report plots.

The report is built from the folder alone (summary.json, metrics.parquet, scenario.yaml), so a
folder copied elsewhere rebuilds to the same page. The Parquet has one row per day x cell, so
aggregating it here keeps every chart at days-many points whatever the population size. A run
with replicates (``--replicates R``) has R rows per day x cell, told apart by a ``replicate``
column; every series here is then the mean over replicates.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import yaml

from socialcredit.errors import OutputError

INPUTS = ("summary.json", "metrics.parquet", "scenario.yaml")


@dataclass
class RunData:
    folder: Path
    summary: dict[str, Any]
    scenario: dict[str, Any]
    scenario_text: str  # scenario.yaml as written, shown verbatim at the end of the report
    metrics: pa.Table
    day: np.ndarray  # day of each metrics row
    group: np.ndarray  # index into ``groups`` of each row
    region: np.ndarray  # index into ``regions`` of each row
    groups: list[str]
    regions: list[str]
    replicate: np.ndarray | None = None  # replicate of each row (None: one run)

    @property
    def replicates(self) -> int:
        return int(self.summary.get("replicates", 1))

    @property
    def days(self) -> int:
        return int(self.summary["days"])

    def timeline(self) -> np.ndarray:
        """The x values of the charts over time: calendar dates (ISO text) where the run has a
        start date, else day numbers."""
        if "start" not in self.summary:
            return np.arange(self.days)
        first = np.datetime64(self.summary["start"], "D")
        return np.datetime_as_string(first + np.arange(self.days), unit="D")

    def column(self, name: str) -> np.ndarray:
        return self.metrics.column(name).to_numpy().astype(np.float64, copy=False)

    def has(self, name: str) -> bool:
        return name in self.metrics.column_names

    def per_day(self, name: str) -> np.ndarray:
        """Sum of a count column over all cells, per day (mean over replicates)."""
        total = np.bincount(self.day, weights=self.column(name), minlength=self.days)
        return total / self.replicates

    def per_day_by_replicate(self, name: str) -> np.ndarray:
        """Sum of a count column over all cells: [replicate, day]."""
        if self.replicate is None:
            return self.per_day(name)[np.newaxis, :]
        index = self.replicate * self.days + self.day
        flat = np.bincount(index, weights=self.column(name), minlength=self.replicates * self.days)
        return flat.reshape(self.replicates, self.days)

    def per(self, key: str, name: str) -> np.ndarray:
        """Sum of a count column over days, per group or per region (``key``); mean over
        replicates."""
        index, size = (
            (self.group, len(self.groups)) if key == "group" else (self.region, len(self.regions))
        )
        return np.bincount(index, weights=self.column(name), minlength=size) / self.replicates

    def weighted_per_day(self, name: str) -> np.ndarray:
        """People-weighted mean over cells of a per-cell statistic (a score mean or percentile)."""
        people = self.column("people")
        value = np.nan_to_num(self.column(name))
        total = np.bincount(self.day, weights=people, minlength=self.days)
        weighted = np.bincount(self.day, weights=people * value, minlength=self.days)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(total > 0, weighted / np.maximum(total, 1), np.nan)


def _unusable(folder: Path, name: str, why: str) -> OutputError:
    return OutputError(
        f"{folder / name}: {why}; the report is built from summary.json, metrics.parquet and "
        "scenario.yaml of a finished run folder. Fix: pass the folder that `socialcredit run` "
        "wrote (its --out), or re-run the scenario to recreate it."
    )


def _read(folder: Path, name: str, reader: Any) -> Any:
    path = folder / name
    if not path.is_file():
        raise _unusable(folder, name, "is missing")
    try:
        return reader(path)
    except (OSError, ValueError, yaml.YAMLError, pa.ArrowException) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise _unusable(folder, name, f"could not be read ({reason})") from None


def read_table(path: Path) -> pa.Table:
    """A Parquet file of the run folder that a section reads beside the three every report
    reads (audit.parquet, coverage.parquet, lending.parquet): an OutputError if unreadable."""
    try:
        return pq.read_table(path)
    except (OSError, pa.ArrowException) as exc:
        raise OutputError(
            f"{path}: could not be read ({exc}). Fix: re-run the scenario to recreate it."
        ) from None


def load_run(folder: Path) -> RunData:
    if not folder.is_dir():
        raise OutputError(
            f"{folder}: no such run folder. Fix: pass the folder that `socialcredit run` wrote "
            "(its --out)."
        )
    summary = _read(folder, "summary.json", lambda p: json.loads(p.read_text(encoding="utf-8")))
    scenario_text = _read(folder, "scenario.yaml", lambda p: p.read_text(encoding="utf-8"))
    scenario = _read(folder, "scenario.yaml", lambda p: yaml.safe_load(scenario_text))
    table = _read(folder, "metrics.parquet", pq.read_table)
    for name, value in (("summary.json", summary), ("scenario.yaml", scenario)):
        if not isinstance(value, dict):
            raise _unusable(folder, name, "does not hold what a run writes")
    needed = ("days", "people", "sanctions", "wrongful_causes", "appeals", "chilling")
    absent = [k for k in needed if k not in summary]
    if absent:
        raise _unusable(folder, "summary.json", f"lacks {', '.join(absent)}")
    absent = [k for k in ("population", "behaviours", "regime") if k not in scenario]
    if absent:
        raise _unusable(folder, "scenario.yaml", f"lacks {', '.join(absent)}")
    for col in ("day", "group", "region", "people"):
        if col not in table.column_names:
            raise _unusable(folder, "metrics.parquet", f"has no '{col}' column")
    table = table.unify_dictionaries().combine_chunks()
    group_col = table.column("group").chunk(0) if table.num_rows else None
    region_col = table.column("region").chunk(0) if table.num_rows else None
    if group_col is None or region_col is None:
        raise _unusable(folder, "metrics.parquet", "has no rows")
    # Show groups and regions in the scenario's order, not the dictionary's.
    groups = [g["name"] for g in scenario["population"]["groups"]]
    regions = [r["name"] for r in scenario["population"]["regions"]]
    return RunData(
        folder=folder,
        summary=summary,
        scenario=scenario,
        scenario_text=scenario_text,
        metrics=table,
        day=table.column("day").to_numpy().astype(np.int64),
        group=_codes(group_col, groups),
        region=_codes(region_col, regions),
        groups=groups,
        regions=regions,
        replicate=(
            table.column("replicate").to_numpy().astype(np.int64)
            if "replicate" in table.column_names
            else None
        ),
    )


def _codes(column: pa.Array, order: list[str]) -> np.ndarray:
    """Row codes into ``order`` from a dictionary (or plain string) column."""
    if pa.types.is_dictionary(column.type):
        names = column.dictionary.to_pylist()
        remap = np.array([order.index(n) if n in order else 0 for n in names], dtype=np.int64)
        return remap[column.indices.to_numpy(zero_copy_only=False)]
    lookup = {n: i for i, n in enumerate(order)}
    return np.array([lookup.get(v, 0) for v in column.to_pylist()], dtype=np.int64)
