"""Comparing run folders in tests: two runs agree when their metrics, appeals, summary and index
of wrongly sanctioned people do."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow.parquet as pq


def same(a: Path, b: Path) -> bool:
    """The same metrics.parquet, appeals.parquet, summary.json and wrongful.parquet (with its
    metadata: the run's count) in both run folders."""
    metrics = pq.read_table(a / "metrics.parquet").equals(pq.read_table(b / "metrics.parquet"))
    appeals = pq.read_table(a / "appeals.parquet").equals(pq.read_table(b / "appeals.parquet"))
    summary = json.loads((a / "summary.json").read_text()) == json.loads(
        (b / "summary.json").read_text()
    )
    wrongful = pq.read_table(a / "wrongful.parquet").equals(
        pq.read_table(b / "wrongful.parquet"), check_metadata=True
    )
    return metrics and appeals and summary and wrongful
