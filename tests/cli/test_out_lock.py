"""While a run is alive, its --out is locked: a second `run` or a `resume` of it is told which
process holds it, exits 2 and touches nothing (issue 14: once, it was told to resume, and the
resume raced the live run)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

from socialcredit.output.lock import LOCK
from socialcredit.output.run_folder import staging_path

CLI = [sys.executable, "-m", "socialcredit"]

# A run that waits on day 2 until it is told to go on: alive, with a checkpoint, for as long
# as the test needs.
PAUSED_RUN = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from socialcredit.runner import run

    out, ready, go = (Path(a) for a in sys.argv[1:4])

    def wait_on_day_2(day):
        if day == 2:
            ready.touch()
            deadline = time.monotonic() + 120
            while not go.exists() and time.monotonic() < deadline:
                time.sleep(0.02)

    run("us-credit-score", people=500, days=5, engine="reference", checkpoint_every=1, warmup=0,
        out=out, on_day=wait_on_day_2)
    """
)


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir()}


def test_a_live_run_is_locked_against_a_second_run_and_a_resume(tmp_path: Path) -> None:
    out, ready, go = tmp_path / "run", tmp_path / "ready", tmp_path / "go"
    live = subprocess.Popen([sys.executable, "-c", PAUSED_RUN, str(out), str(ready), str(go)])
    try:
        deadline = time.monotonic() + 120
        while not ready.exists() and live.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ready.exists(), "the run did not reach day 2"
        before = snapshot(staging_path(out))
        assert LOCK in before

        for args in (["run", "us-credit-score", "--people", "500", "--days", "5", "--warmup",
                      "0", "--out", str(out)], ["resume", str(out)]):  # fmt: skip
            done = subprocess.run([*CLI, *args, "-q"], capture_output=True, text=True,
                                  timeout=120)  # fmt: skip
            message = " ".join(done.stderr.split())
            assert done.returncode == 2, message
            assert "this run is alive" in message and f"process {live.pid} on" in message
            assert "Traceback" not in message and "Fix:" in message
            assert snapshot(staging_path(out)) == before, f"{args[0]} touched the live run"

        go.touch()
        assert live.wait(timeout=120) == 0
    finally:
        live.kill()
        live.wait()
    assert (out / "manifest.json").is_file() and not (out / LOCK).exists()
    assert subprocess.run([*CLI, "verify", str(out)], capture_output=True).returncode == 0
