"""--out is checked before any work: what the run could not create or finish in is refused with
the path and the fix."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import pytest

from socialcredit.destination import check_out, check_room, nearest_existing
from socialcredit.errors import OutputError, ResourceError
from socialcredit.estimates import estimate_run
from socialcredit.scenario.compile import compile_plan
from socialcredit.scenario.loading import load_scenario


def test_a_new_folder_is_measured_on_its_nearest_existing_parent(tmp_path: Path) -> None:
    out = tmp_path / "a" / "b" / "run"
    assert check_out(out) == tmp_path == nearest_existing(out)
    assert list(tmp_path.iterdir()) == [], "the write probe leaves nothing behind"


def test_a_dangling_symlink_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "link"
    out.symlink_to(tmp_path / "gone")
    with pytest.raises(OutputError) as caught:
        check_out(out)
    assert str(out) in str(caught.value) and "does not exist" in str(caught.value)
    assert "Fix: remove the link" in str(caught.value)


@pytest.mark.parametrize("length", [247, 300])
def test_a_name_too_long_for_the_staging_folder_is_refused(tmp_path: Path, length: int) -> None:
    with pytest.raises(OutputError) as caught:
        check_out(tmp_path / ("r" * length))
    message = str(caught.value)
    assert f"{length} bytes" in message and "at most 246 bytes" in message


def test_a_long_folder_name_above_the_run_is_refused(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="300 bytes long; this file system allows 255"):
        check_out(tmp_path / ("d" * 300) / "run")


def test_the_longest_name_that_fits_is_accepted(tmp_path: Path) -> None:
    check_out(tmp_path / ("r" * 246))


@pytest.mark.skipif(not Path("/proc/self").exists(), reason="no /proc here")
def test_proc_is_refused_although_access_says_writable() -> None:
    with pytest.raises(OutputError) as caught:
        check_out(Path("/proc/socialcredit-test/run"))
    assert "/proc" in str(caught.value) and "Fix: pass an --out" in str(caught.value)


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_a_read_only_folder_is_refused(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    with pytest.raises(OutputError, match="not writable|failed"):
        check_out(locked / "run")


def test_checkpoints_that_cannot_fit_on_the_disk_are_refused(tmp_path: Path) -> None:
    plan = compile_plan(load_scenario("china-national-score-2018")[0], people=1000, days=365)
    est = estimate_run(plan, "fast", 30, "china-national-score-2018")
    check_room(tmp_path / "run", tmp_path, est)  # a few hundred kB fit
    huge = dataclasses.replace(est, checkpoint=1 << 62)
    with pytest.raises(ResourceError) as caught:
        check_room(tmp_path / "run", tmp_path, huge)
    message = str(caught.value)
    assert str(tmp_path) in message and "free" in message
    for fix in ("fewer people or days", "--checkpoint-every 0", "an --out on a disk"):
        assert fix in message
    no_checkpoints = dataclasses.replace(huge, checkpoints_held=0)
    check_room(tmp_path / "run", tmp_path, no_checkpoints)
