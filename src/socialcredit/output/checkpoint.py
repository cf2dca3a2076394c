"""Checkpoints: a running simulation's complete state, saved atomically every N days.

Everything the next day depends on is saved: every per-person state array, the metrics so far,
and the appeal queue (its next free slot and its log of filings). The population and the plan
are not saved: they are rebuilt exactly from the resolved scenario and the seed. So a resumed
run gives the same bits as one that was never interrupted.

An engine whose state lives elsewhere (shards on a Ray cluster) saves it itself, one file per
shard and day, and lists those files in the checkpoint; they belong to the checkpoint that names
them, so older ones are deleted only once the new checkpoint is in place.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from socialcredit.errors import OutputError

CHECKPOINT = "checkpoint.npz"
SHARD_FILES = "shard-*.npz"  # state saved by shards that live in other processes


def save_atomically(path: Path, arrays: dict[str, np.ndarray]) -> None:
    """``np.savez`` to a hidden temporary name beside ``path``, synced, then renamed over it:
    ``path`` is always either the old file or the whole new one."""
    partial = path.with_name(f".{path.name}.tmp")
    with partial.open("wb") as f:
        np.savez(f, **arrays)  # type: ignore[arg-type]  # numpy's stub types **kwds as bool
        f.flush()
        os.fsync(f.fileno())
    os.replace(partial, path)


def remove_checkpoint(folder: Path) -> None:
    (folder / CHECKPOINT).unlink(missing_ok=True)
    for path in folder.glob(SHARD_FILES):
        path.unlink()


def save_checkpoint(folder: Path, day: int, sim: Any) -> None:
    """Save the state at the end of ``day``; the previous checkpoint stays until this one is
    complete (written to a temporary name, synced, then renamed over it)."""
    arrays = sim.save_state(folder, day)
    arrays |= {
        "counts": sim.counts,
        "stats": sim.stats,
        "day": np.array(day),
        "next_slot": np.array(sim.queue.next_slot),
        "appeal_log": sim.queue.log_table(),
    }
    partial = folder / f".{CHECKPOINT}.tmp"
    try:
        save_atomically(folder / CHECKPOINT, arrays)
        current = {str(name) for name in arrays.get("shard_files", [])}
        for stale in folder.glob(SHARD_FILES):
            if stale.name not in current:
                stale.unlink()
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise OutputError(
            f"{folder / CHECKPOINT}: the checkpoint could not be written ({exc.strerror}). "
            "Fix: free disk space, or pass --checkpoint-every 0 to run without checkpoints."
        ) from None


def load_checkpoint(folder: Path, sim: Any) -> int:
    """Restore ``sim`` from the folder's checkpoint; return the last day it had completed."""
    path = folder / CHECKPOINT
    try:
        with np.load(path) as saved:
            for name, target in {"counts": sim.counts, "stats": sim.stats}.items():
                if name not in saved or saved[name].shape != target.shape:
                    raise ValueError(name)
                target[...] = saved[name]
            sim.load_state(saved, folder)
            sim.queue.next_slot = int(saved["next_slot"])
            sim.queue.log = [saved["appeal_log"]]
            return int(saved["day"])
    except (OSError, ValueError, KeyError) as exc:
        raise OutputError(
            f"{path}: the checkpoint cannot be used ({exc.__class__.__name__}: {exc}). "
            "Fix: delete the folder and run again."
        ) from None
