"""One person's story from a run folder: kept in traces.parquet, or replayed on demand.

Any person of any run can be replayed (engine/replay.py needs only the resolved scenario and the
run's appeal log), so `socialcredit trace RUN --person ID` works for everyone, not only for the
people whose stories the run kept.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from socialcredit.engine.replay import replay
from socialcredit.errors import OutputError
from socialcredit.scenario.compile import compile_plan
from socialcredit.scenario.loading import load_scenario

EVENT_COLUMNS = ("act", "error", "lists", "sanctions", "wrongful_sanctions")


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


def story(folder: Path, person: int) -> pa.Table:
    """Every day of ``person`` in the run at ``folder``."""
    traces = folder / "traces.parquet"
    if traces.is_file():
        kept = _read(traces, folder)
        mine = kept.filter(pc.equal(kept["person"], person))
        if mine.num_rows:
            return mine
    needed = [folder / "scenario.yaml", folder / "appeals.parquet"]
    missing = [p for p in needed if not p.is_file()]
    if missing:
        raise OutputError(
            f"{missing[0]}: missing, so person {person} cannot be replayed. "
            "Fix: pass a run folder written by `socialcredit run`."
        )
    scenario, _ = load_scenario(folder / "scenario.yaml")
    plan = compile_plan(scenario, label=str(folder / "scenario.yaml"))
    log = _read(folder / "appeals.parquet", folder)
    if "replicate" in log.column_names:  # an ensemble: scenario.yaml's seed is replicate 0's
        log = log.filter(pc.equal(log["replicate"], 0))
    lists = {name: i for i, name in enumerate(plan.lists)}

    rows = (
        np.stack(
            [
                log["day"].to_numpy(),
                np.array([lists[x] for x in log["list"].to_pylist()], dtype=np.int64),
                log["person"].to_numpy(),
                log["wrongful_entry"].to_numpy().astype(np.int64),
                log["decided_day"].to_numpy(),
                log["won"].to_numpy().astype(np.int64),
            ],
            axis=1,
        ).astype(np.int64)
        if log.num_rows
        else np.zeros((0, 6), np.int64)
    )
    return replay(plan, [person], rows)
