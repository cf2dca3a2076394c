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
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

from socialcredit.errors import OutputError
from socialcredit.output.lock import LOCK, alive_error, holding_lock, is_locked, release_moved


def staging_path(out: Path) -> Path:
    """Where a run is written until it is complete: a hidden sibling of ``out``."""
    return out.parent / f".{out.name}.partial"


def nearest_existing(path: Path) -> Path:
    """The closest folder (or file) at or above ``path`` that exists; os.path.exists, unlike
    Path.exists, answers False for a name too long instead of raising."""
    probe = Path(os.path.abspath(path))
    while not os.path.exists(probe) and probe != probe.parent:
        probe = probe.parent
    return probe


def check_destination(out: Path) -> None:
    """Refuse up front (before any computing) if the folder exists or cannot be created."""
    if out.exists():
        raise OutputError(
            f"{out}: the output folder already exists; a run never overwrites results. "
            "Fix: pass another --out, or delete the old folder."
        )
    if staging_path(out).exists():
        if is_locked(staging_path(out)):
            raise alive_error(out, staging_path(out))
        raise OutputError(
            f"{out}: an interrupted run is waiting in {staging_path(out)}. "
            f"Fix: continue it with `socialcredit resume {out}`, or delete that folder."
        )
    probe = nearest_existing(out.resolve().parent)
    if not probe.is_dir():
        raise OutputError(
            f"{out}: cannot create the output folder ({probe} is a file, not a folder). "
            "Fix: pass an --out inside a folder."
        )
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
def staged_folder(out: Path, *, resume: bool = False, keep: str | None = None) -> Iterator[Path]:
    """Yield the staging folder, locked (lock.py) while it is written; on success rename it to
    ``out``. A resume passes ``resume=True`` and holds the lock already.

    On failure the staging folder is removed, unless it holds the file named ``keep`` (a
    checkpoint), in which case it stays for ``socialcredit resume``.
    """
    staging = staging_path(out)
    with ExitStack() as held:
        if not resume:
            check_destination(out)
            out.parent.mkdir(parents=True, exist_ok=True)
            try:
                staging.mkdir()
            except FileExistsError:  # another run took this --out since the check
                check_destination(out)
                raise
            held.enter_context(holding_lock(out, staging))
        try:
            yield staging
            try:
                os.rename(staging, out)
            except OSError as exc:
                raise OutputError(
                    f"{out}: could not move the finished run into place ({exc}). "
                    "Fix: check the folder is free and on the same disk."
                ) from None
            release_moved(out)
        except BaseException:
            if keep is None or not (staging / keep).exists():
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
    hashes = {
        p.name: sha256_of(p)
        for p in sorted(folder.iterdir())
        if p.name not in ("manifest.json", LOCK)  # the lock leaves with the process
    }
    write_json(folder / "manifest.json", fields | {"outputs": hashes})


def _plain_name(name: str) -> bool:
    """A file directly in the folder: no separator, no '..', nothing that leaves it."""
    if name in ("", ".", "..") or "\\" in name or "\x00" in name:
        return False
    return Path(name).name == name


def verify_folder(folder: Path) -> list[str]:
    """Problems found checking a run folder against its manifest (empty: intact).

    The manifest is read like any file a stranger may have written: only plain file names of
    this folder are hashed (never a path outside it, never through a link)."""
    manifest_path = folder / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        expected = manifest["outputs"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise OutputError(
            f"{manifest_path}: no readable manifest ({exc.__class__.__name__}). "
            "Fix: pass a folder written by `socialcredit run`."
        ) from None
    if not isinstance(expected, dict):
        raise OutputError(
            f"{manifest_path}: 'outputs' is a {type(expected).__name__}, not a mapping of file "
            "names to SHA-256 hashes; the manifest was changed or damaged. "
            "Fix: pass a folder written by `socialcredit run`."
        )
    problems = []
    for name, digest in sorted(expected.items()):
        path = folder / name
        shown = name if len(name) <= 80 else name[:77] + "..."
        if not _plain_name(name):
            problems.append(f"{shown!r} is not a file name of this folder (not checked)")
        elif path.is_symlink():
            problems.append(f"{name} is a link, not a file of the run (not followed)")
        elif not path.is_file():
            problems.append(f"{name} is missing")
        elif not isinstance(digest, str) or sha256_of(path) != digest:
            problems.append(f"{name} differs from the manifest (changed or damaged)")
    present = {p.name for p in folder.iterdir() if p.name != "manifest.json"}
    problems += [f"{name} is not in the manifest" for name in sorted(present - set(expected))]
    return problems
