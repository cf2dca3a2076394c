"""The lock that says a run (or a resume) is alive: ``fcntl.flock`` on a file in its staging folder.

The process that writes a staging folder holds an exclusive advisory lock on ``.lock`` in it, with
its process id and host written inside, until the run is in place or the process ends (the kernel
releases the lock of a process that dies, however it dies). A second `run` or `resume` of the
same ``--out`` finds the lock held and says who holds it, touching nothing; one that finds it free
knows the run is interrupted, not alive. ``flock`` works on local disks and, as Linux emulates it
with byte-range locks there, on NFS, where cluster runs keep their folders.
"""

from __future__ import annotations

import fcntl
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from socialcredit.errors import OutputError

LOCK = ".lock"


def _holder(file: Path) -> str:
    try:
        words = file.read_text(encoding="utf-8", errors="replace").split()
    except OSError:
        words = []
    if len(words) >= 2 and words[0].isdigit():
        return f"process {words[0]} on {words[1][:64]}"
    return "another process"


def alive_error(out: Path, staging: Path) -> OutputError:
    holder = _holder(staging / LOCK)
    return OutputError(
        f"{out}: this run is alive: {holder} is writing it ({staging} is locked). Fix: wait for "
        "it to finish, or stop that process and then continue with "
        f"`socialcredit resume {out}`; or pass another --out."
    )


def is_locked(staging: Path) -> bool:
    """Whether a live process holds the staging folder's lock (it is not taken here)."""
    try:
        fd = os.open(staging / LOCK, os.O_RDWR)  # never created by a mere look
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing releases a lock taken just now
    return False


@contextmanager
def holding_lock(out: Path, staging: Path) -> Iterator[None]:
    """Hold the staging folder's lock while the block runs; OutputError, naming the process that
    holds it, where another one does. Where the run is moved into place, the lock file goes
    with it and is removed there (``release_moved``)."""
    try:
        fd = os.open(staging / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise OutputError(
            f"{out}: cannot lock {staging} ({exc.strerror}). Fix: check that the folder is "
            "yours and writable, or pass another --out."
        ) from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise alive_error(out, staging) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()} {socket.gethostname()}\n".encode())
        yield
    finally:
        os.close(fd)


def release_moved(out: Path) -> None:
    """Remove the lock file that came along when the staging folder became ``out`` (called while
    the lock is still held, so no one can take it in between)."""
    (out / LOCK).unlink(missing_ok=True)
