"""Kept life stories (traces.parquet): which of a person's days are worth telling.

Read from the table alone, so the report and ``socialcredit trace`` tell a story the same way
without reaching the engine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pyarrow as pa


def eventful_days(days: pa.Table) -> list[dict[str, Any]]:
    """The days worth telling: something happened, or the standing changed."""
    rows = days.to_pylist()
    told = []
    previous: dict[str, Any] = {}
    for row in rows:
        changed = any(row[c] != previous.get(c) for c in ("tier", "lists", "sanctions"))
        if row["recorded_by"] or row["error"] or row["appeal_filed"] or changed:
            told.append(row)
        previous = row
    return told
