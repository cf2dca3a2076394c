"""Checkpoints: a running simulation's complete state, saved atomically every N days.

Everything the next day depends on is saved: every per-person state array, the metrics so far,
and the appeal queue (its next free slot and its log of filings). The population and the plan
are not saved: they are rebuilt exactly from the resolved scenario and the seed. So a resumed
run gives the same bits as one that was never interrupted.

The metrics are preallocated for every reported day of the run; a checkpoint keeps the days done
so far and, of the days to come, only the rows already written (appeal decisions are counted on
the day they fall due), so its size grows with the days run, not with the days asked for. Days
are engine days; after a warm-up, engine day t is the metrics' row t - warmup, so a checkpoint
taken during the warm-up holds no rows done yet.

A checkpoint is read back only after it proves itself: it holds a SHA-256 of its arrays (and of
the shard files it names), and every field is checked against the run before anything is used,
since the file lies in a folder anyone may have changed.

An engine whose state lives elsewhere (shards on a Ray cluster) saves it itself, one file per
shard and day, and lists those files in the checkpoint; they belong to the checkpoint that names
them, so older ones are deleted only once the new checkpoint is in place.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Any

import numpy as np

from socialcredit.errors import OutputError
from socialcredit.output.run_folder import sha256_of

CHECKPOINT = "checkpoint.npz"
SHARD_FILES = "shard-*.npz"  # state saved by shards that live in other processes
SHARD_FILE = re.compile(r"shard-(\d+)-of-(\d+)-day-(\d+)\.npz")  # a plain name: nothing outside
DIGEST = "sha256"  # the array holding the digest of all the others
BLOCK_DAYS = 256  # days compared at a time when looking for written rows ahead (bounded memory)


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


def _feed(digest: Any, name: str, a: np.ndarray) -> None:
    """Add one array (its name, type, shape and bytes) to a digest."""
    digest.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
    digest.update(np.ascontiguousarray(a).reshape(-1).view(np.uint8).data)


def digest_of(arrays: dict[str, np.ndarray]) -> str:
    """SHA-256 over every array, in name order."""
    digest = hashlib.sha256()
    for name in sorted(arrays):
        _feed(digest, name, np.asarray(arrays[name]))
    return digest.hexdigest()


def _metrics(sim: Any) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(name, the per-day array, one day's row as a new run holds it before the day runs)."""
    return [
        ("counts", sim.counts, sim.fresh_counts_row()),
        ("stats", sim.stats, np.zeros(sim.stats.shape[1:], sim.stats.dtype)),
    ]


def _rows_done(sim: Any, day: int) -> int:
    """Metric rows complete at the end of engine day ``day`` (none during a warm-up)."""
    return max(day + 1 - sim.plan.warmup, 0)


def _written_ahead(metric: np.ndarray, done: int, fresh: np.ndarray) -> np.ndarray:
    """The rows from ``done`` on that differ from ``fresh`` (already written)."""
    found = []
    for lo in range(done, metric.shape[0], BLOCK_DAYS):
        block = metric[lo : lo + BLOCK_DAYS]
        changed = (block != fresh).reshape(len(block), -1).any(axis=1)
        found.append(lo + np.flatnonzero(changed))
    return np.concatenate(found) if found else np.zeros(0, np.int64)


def save_checkpoint(folder: Path, day: int, sim: Any) -> None:
    """Save the state at the end of ``day``; the previous checkpoint stays until this one is
    complete (written to a temporary name, synced, then renamed over it)."""
    arrays = sim.save_state(folder, day)
    if "shard_files" in arrays:  # written by the workers; their hashes travel in this file
        names = [str(name) for name in arrays["shard_files"]]
        arrays["shard_sha256"] = np.array([sha256_of(folder / name) for name in names])
    done = _rows_done(sim, day)
    for name, metric, fresh in _metrics(sim):
        ahead = _written_ahead(metric, done, fresh)
        arrays |= {name: metric[:done], f"{name}_ahead_days": ahead,
                   f"{name}_ahead": metric[ahead]}  # fmt: skip
    arrays |= {
        "day": np.array(day),
        "next_slot": np.array(sim.queue.next_slot),
        "appeal_log": sim.queue.log_table(),
    }
    arrays[DIGEST] = np.array(digest_of(arrays))
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


class Unusable(Exception):
    """What is wrong with a checkpoint, in words (turned into an OutputError naming the file)."""


def load_checkpoint(folder: Path, sim: Any) -> int:
    """Restore ``sim`` from the folder's checkpoint; return the last day it had completed.

    The file is read twice: once to check its digest and every field, and only then into the
    engine, so a damaged or forged checkpoint is refused before anything uses it."""
    path = folder / CHECKPOINT
    try:
        day = _check(path, folder, sim)
        done = _rows_done(sim, day)
        with np.load(path, allow_pickle=False) as saved:
            for name, metric, fresh in _metrics(sim):
                metric[:done] = saved[name]
                metric[done:] = fresh  # rows a recovered run had written after the checkpoint
                metric[saved[f"{name}_ahead_days"]] = saved[f"{name}_ahead"]
            sim.load_state(saved, folder)
            sim.queue.next_slot = int(saved["next_slot"])
            sim.queue.log = [saved["appeal_log"]]
            return day
    except Unusable as exc:
        problem = str(exc)
    except (OSError, ValueError, KeyError) as exc:
        problem = f"{exc.__class__.__name__}: {exc}"
    raise OutputError(
        f"{path}: the checkpoint cannot be used ({problem}). Fix: delete {path} to resume from "
        "day 0, or delete the run and start it again."
    ) from None


def _check(path: Path, folder: Path, sim: Any) -> int:
    """Check the checkpoint's digest and fields against ``sim``'s run; return its day."""
    try:
        with np.load(path, allow_pickle=False) as saved:
            names = set(saved.files)
            if DIGEST not in names:
                raise Unusable("it holds no digest; it was written by an older version or forged")
            stored = str(saved[DIGEST])
            # Everything but the per-person state is kept for the checks below; the state is
            # hashed one array at a time, never all held at once.
            arrays: dict[str, np.ndarray] = {}
            digest = hashlib.sha256()
            for name in sorted(names - {DIGEST}):
                a = saved[name]
                _feed(digest, name, a)
                if not name.startswith("state."):
                    arrays[name] = a
    except Unusable:
        raise
    except Exception as exc:  # noqa: BLE001 - any failure to read the file makes it unusable
        raise Unusable(f"it cannot be read: {exc.__class__.__name__}") from None
    if digest.hexdigest() != stored:
        raise Unusable("its digest does not match its contents: it is damaged or was changed")
    return _check_fields(arrays, folder, sim)


def _integer(arrays: dict[str, np.ndarray], name: str, low: int, high: int) -> int:
    if name not in arrays:
        raise Unusable(f"'{name}' is missing")
    a = arrays[name]
    if a.shape != () or a.dtype.kind not in "iu":
        raise Unusable(f"'{name}' is not a whole number (shape {a.shape}, type {a.dtype})")
    if not low <= int(a) <= high:
        raise Unusable(f"'{name}' is {int(a)}, outside {low} .. {high} for this run")
    return int(a)


def _check_fields(arrays: dict[str, np.ndarray], folder: Path, sim: Any) -> int:
    days = sim.counts.shape[0]
    day = _integer(arrays, "day", 0, sim.plan.simulated_days - 1)
    done = _rows_done(sim, day)
    _integer(arrays, "next_slot", 0, 2**62)
    for name, metric in (("counts", sim.counts), ("stats", sim.stats)):
        want = (done, *metric.shape[1:])
        got = arrays.get(name)
        if got is None or got.shape != want or got.dtype != metric.dtype:
            raise Unusable(f"'{name}' does not fit a run of {days} days at day {day}")
        ahead, rows = arrays.get(f"{name}_ahead_days"), arrays.get(f"{name}_ahead")
        if (
            ahead is None or rows is None or ahead.ndim != 1 or ahead.dtype.kind not in "iu"
            or rows.shape != (len(ahead), *metric.shape[1:]) or rows.dtype != metric.dtype
            or (len(ahead) and (ahead.min() < done or ahead.max() >= days))
            or np.any(np.diff(ahead) <= 0)
        ):  # fmt: skip
            raise Unusable(f"'{name}_ahead' does not fit a run of {days} days at day {day}")
    log = arrays.get("appeal_log")
    if log is None or log.ndim != 2 or log.shape[1] != 6 or log.dtype != np.int64:
        raise Unusable("'appeal_log' is not a table of 6 whole-number columns")
    if len(log) and (log[:, 0].min() < 0 or log[:, 0].max() > day):
        raise Unusable(f"'appeal_log' holds appeals filed after day {day}")
    if "shard_files" in arrays:
        _check_shard_files(arrays, folder, day)
    return day


def _check_shard_files(arrays: dict[str, np.ndarray], folder: Path, day: int) -> None:
    """The shard files must be plain names in this folder, of this day, with their hashes."""
    names, hashes = arrays["shard_files"], arrays.get("shard_sha256")
    if names.ndim != 1 or hashes is None or hashes.shape != names.shape:
        raise Unusable("'shard_files' and 'shard_sha256' do not match")
    for name, digest in zip(names.tolist(), hashes.tolist(), strict=True):
        match = SHARD_FILE.fullmatch(str(name))
        if match is None or int(match.group(3)) != day:
            raise Unusable(f"'shard_files' names {str(name)[:80]!r}, not a shard file of day {day}")
        path = folder / str(name)
        if not path.is_file() or path.is_symlink():
            raise Unusable(f"the shard file {name} is missing")
        if sha256_of(path) != digest:
            raise Unusable(f"the shard file {name} is damaged or was changed")
