"""Checks on a run's ``--out`` before any work: a path the run can create, on a disk with room
for its checkpoints.

``output/run_folder.check_destination`` refuses a folder that exists or sits under a file; these
checks add what was found to fail only after a whole run (a name too long for the staging
folder, a dangling symbolic link, a place such as /proc that looks writable but is not, a disk
too small for the checkpoints), so that each is refused up front, with the path and the fix.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from socialcredit.errors import OutputError, ResourceError
from socialcredit.estimates import RunEstimate, size
from socialcredit.output.run_folder import check_destination, nearest_existing, staging_path

DEFAULT_NAME_MAX = 255  # bytes per name on Linux file systems, where pathconf cannot tell
DEFAULT_PATH_MAX = 4096


def check_out(out: Path) -> Path:
    """Refuse an ``--out`` the run could not create or finish in; return the nearest existing
    folder above it (where its disk is measured)."""
    if os.path.islink(out) and not os.path.exists(out):
        raise OutputError(
            f"{out}: is a symbolic link to {os.readlink(out)}, which does not exist; a run "
            "folder is created under a new name, never through a link. "
            "Fix: remove the link, or pass another --out."
        )
    probe = nearest_existing(out)
    _check_name_lengths(out, probe)
    check_destination(out)
    _check_writable(out, probe)
    return probe


def _check_name_lengths(out: Path, probe: Path) -> None:
    folder = probe if probe.is_dir() else probe.parent
    name_max = _pathconf(folder, "PC_NAME_MAX", DEFAULT_NAME_MAX)
    path_max = _pathconf(folder, "PC_PATH_MAX", DEFAULT_PATH_MAX)
    staging = staging_path(Path(os.path.abspath(out)))
    extra = len(os.fsencode(staging.name)) - len(os.fsencode(out.name))
    to_create = Path(os.path.abspath(out)).relative_to(probe).parts
    for part in to_create[:-1]:
        if len(os.fsencode(part)) > name_max:
            raise OutputError(
                f"{out}: the folder name '{part[:40]}...' is {len(os.fsencode(part))} bytes "
                f"long; this file system allows {name_max} per name. "
                "Fix: pass an --out with shorter folder names."
            )
    last = len(os.fsencode(out.name))
    if last + extra > name_max:
        raise OutputError(
            f"{out}: the run folder's name is {last} bytes long; this file system allows "
            f"{name_max} per name and the run first writes to a hidden sibling with {extra} "
            f"more ({staging_path(Path('NAME')).name}). Fix: pass an --out whose last part "
            f"is at most {name_max - extra} bytes."
        )
    if len(os.fsencode(staging)) + 64 > path_max:  # + the longest file name inside the folder
        raise OutputError(
            f"{out}: the path is {len(os.fsencode(os.path.abspath(out)))} bytes long; files "
            f"in the run folder would pass this file system's limit of {path_max}. "
            "Fix: pass a shorter --out."
        )


def _check_writable(out: Path, probe: Path) -> None:
    """Create and remove an empty folder where the run will create its own: the one test that
    holds for read-only mounts, /proc and /sys, where access() says yes to root."""
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".socialcredit-probe-", dir=probe))
    except OSError as exc:
        raise OutputError(
            f"{out}: cannot create the output folder: creating a folder in {probe} failed "
            f"({exc.strerror}). Fix: pass an --out in a folder you can write to, on a disk "
            "(not under /proc or /sys)."
        ) from None


def check_room(out: Path, probe: Path, est: RunEstimate) -> None:
    """Refuse a run whose checkpoints cannot fit on the disk of ``--out``."""
    if est.checkpoints_held == 0:
        return
    free = shutil.disk_usage(probe).free
    if est.checkpoint_peak > free:
        raise ResourceError(
            f"{out}: the run's checkpoints need about {size(est.checkpoint_peak)} at the peak "
            f"({est.checkpoints_held} x {size(est.checkpoint)} for {est.people:,} people x "
            f"{est.days:,} days: the last checkpoint is kept until the next is complete) but "
            f"{probe} has {size(free)} free. Fix: simulate fewer people or days, pass "
            "--checkpoint-every 0 (no checkpoints, so no resume), or pass an --out on a disk "
            "with more room."
        )


def _pathconf(folder: Path, name: str, default: int) -> int:
    try:
        return os.pathconf(folder, name)
    except (OSError, ValueError):
        return default
