"""Output failures give a clear error and leave nothing that looks like a finished run."""

from __future__ import annotations

import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

CLI = [sys.executable, "-m", "socialcredit"]


def test_out_under_a_file_is_refused_before_any_work(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    done = subprocess.run([*CLI, "run", "--people", "1000", "--days", "2", "--out",
                           str(blocker / "run")], capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "is a file, not a folder" in done.stderr


@pytest.fixture
def tiny_disk(tmp_path: Path) -> Iterator[Path]:
    """A 300 KiB tmpfs: far too small for a run's outputs (needs root; skipped otherwise)."""
    mount = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=300k", "tmpfs", str(mount)],
                          capture_output=True)  # fmt: skip
    if made.returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def test_full_disk_during_the_run_leaves_no_folder(tiny_disk: Path) -> None:
    out = tiny_disk / "run"
    done = subprocess.run([*CLI, "run", "--people", "20000", "--days", "20", "--out", str(out)],
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "No space left on device" in done.stderr and "Fix:" in done.stderr
    assert list(tiny_disk.iterdir()) == [], "nothing may be left that looks like a run"
