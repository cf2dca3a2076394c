"""Output failures give a clear error and leave nothing that looks like a finished run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

CLI = [sys.executable, "-m", "socialcredit"]


def test_out_under_a_file_is_refused_before_any_work(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    done = subprocess.run([*CLI, "run", "--people", "1000", "--days", "2", "--out",
                           str(blocker / "run")], capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "is a file, not a folder" in done.stderr


def test_full_disk_during_the_run_leaves_no_folder(tiny_disk: Path) -> None:
    out = tiny_disk / "run"
    done = subprocess.run([*CLI, "run", "--people", "20000", "--days", "20", "--out", str(out)],
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "No space left on device" in done.stderr and "Fix:" in done.stderr
    assert list(tiny_disk.iterdir()) == [], "nothing may be left that looks like a run"
