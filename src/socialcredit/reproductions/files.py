"""Where a reproduction's curves go: one parquet file in ``--out``, made with its folder."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from socialcredit.errors import OutputError


def write_curves(path: Path, table: pa.Table) -> Path:
    """Write ``table`` to ``path`` (creating its folder); an OutputError that names the path
    and the fix where the disk refuses."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, path)
    except OSError as exc:
        raise OutputError(
            f"{path}: could not be written ({exc.strerror}). Fix: choose another --out."
        ) from None
    return path
