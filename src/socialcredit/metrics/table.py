"""Metric arrays (day x cell x column) to an Arrow table: one row per day, region and group."""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa

from socialcredit.metrics.layout import MetricLayout
from socialcredit.plan import Plan


def metrics_table(
    plan: Plan, layout: MetricLayout, counts: np.ndarray, stats: np.ndarray
) -> pa.Table:
    days, cells = counts.shape[:2]
    G = len(plan.groups)
    cell = np.tile(np.arange(cells), days)
    columns: dict[str, pa.Array] = {
        "day": pa.array(np.repeat(np.arange(days, dtype=np.int32), cells)),
    }
    if plan.start is not None:  # a calendar date per day: date32 counts days from 1970-01-01
        epoch = (plan.start - date(1970, 1, 1)).days
        since_1970 = np.arange(epoch, epoch + days, dtype=np.int32)
        columns["date"] = pa.array(np.repeat(since_1970, cells), type=pa.date32())
    columns |= {
        "region": pa.DictionaryArray.from_arrays(
            pa.array(cell // G, type=pa.int16()), pa.array(plan.regions)
        ),
        "group": pa.DictionaryArray.from_arrays(
            pa.array(cell % G, type=pa.int16()), pa.array(plan.groups)
        ),
    }
    flat_counts = counts.reshape(days * cells, -1)
    for i, name in enumerate(layout.counts):
        columns[name] = pa.array(flat_counts[:, i])
    flat_stats = stats.reshape(days * cells, -1)
    for i, name in enumerate(layout.stats):
        columns[name] = pa.array(flat_stats[:, i])
    return pa.table(columns)
