"""Write a run folder atomically: everything goes to a hidden sibling, then one rename.

A run that dies (an exception, a full disk, Ctrl-C) leaves no folder under the requested name, so
nothing that looks complete can be half-written. ``manifest.json`` is written last and holds a
SHA-256 of every other file.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from socialcredit.errors import OutputError


def check_destination(out: Path) -> None:
    """Refuse up front (before any computing) if the folder exists or cannot be created."""
    if out.exists():
        raise OutputError(
            f"{out}: the output folder already exists; a run never overwrites results. "
            "Fix: pass another --out, or delete the old folder."
        )
    parent = out.resolve().parent
    probe = parent
    while not probe.exists():
        probe = probe.parent
    if not os.access(probe, os.W_OK | os.X_OK):
        raise OutputError(
            f"{out}: cannot create the output folder ({probe} is not writable). "
            "Fix: pass an --out in a folder you can write to."
        )


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextmanager
def staged_folder(out: Path) -> Iterator[Path]:
    """Yield a private staging folder; on success rename it to ``out``, on failure remove it."""
    check_destination(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = out.parent / f".{out.name}.partial-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        yield staging
        try:
            os.rename(staging, out)
        except OSError as exc:
            raise OutputError(
                f"{out}: could not move the finished run into place ({exc}). "
                "Fix: check the folder is free and on the same disk."
            ) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def write_json(path: Path, data: Any) -> None:
    try:
        with path.open("w", encoding="utf-8") as f:
            json.dump(data, f, indent=2, allow_nan=False)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
    except OSError as exc:
        raise OutputError(
            f"{path.name}: could not be written ({exc.strerror}). "
            "Fix: free disk space or choose another --out."
        ) from None


def write_manifest(folder: Path, fields: dict[str, Any]) -> None:
    hashes = {p.name: sha256_of(p) for p in sorted(folder.iterdir()) if p.name != "manifest.json"}
    write_json(folder / "manifest.json", fields | {"outputs": hashes})
