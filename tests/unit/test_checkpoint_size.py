"""A checkpoint holds the metrics of the days run so far, not of every day the run will have:
its size does not grow with the days asked for (issue 14: at 2,000 people x 32,000 days each
checkpoint was 285 MB, the whole preallocated counts array). Resuming from it gives the same
bits (tests/cli/test_resume.py, tests/unit/test_worker_loss.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from socialcredit.output.checkpoint import CHECKPOINT
from socialcredit.output.run_folder import staging_path
from socialcredit.runner import run


class Stop(Exception):
    pass


def checkpoint_after_day_9(out: Path, days: int) -> Path:
    def stop(day: int) -> None:
        if day == 11:
            raise Stop

    with pytest.raises(Stop):
        run("us-credit-score", people=1000, days=days, seed=2, engine="reference", warmup=0,
            checkpoint_every=10, out=out, on_day=stop)  # fmt: skip
    return staging_path(out) / CHECKPOINT


def test_a_checkpoint_does_not_grow_with_the_days_still_to_run(tmp_path: Path) -> None:
    short = checkpoint_after_day_9(tmp_path / "short", 30)
    long = checkpoint_after_day_9(tmp_path / "long", 3000)
    with np.load(long) as saved:
        assert saved["counts"].shape[0] == 10  # days 0..9
        ahead = len(saved["counts_ahead_days"])  # appeal decisions already due later
        row = saved["counts"][0].nbytes
    # The same state; only decisions due after day 29 of the short run can add rows.
    assert long.stat().st_size <= short.stat().st_size + (ahead + 1) * row
    assert long.stat().st_size < 100_000
