"""Life stories: a household replayed alone lives exactly the life it had in the full run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from scenarios import stressed
from socialcredit.engine.reference import ReferenceEngine
from socialcredit.engine.replay import replay
from socialcredit.population.synthesis import synthesize
from socialcredit.runner import run
from socialcredit.scenario.compile import compile_plan
from socialcredit.scenario.loading import validate
from socialcredit.state import EVER_WRONGFUL


def stressed_plan():
    raw = stressed("china-national-score-2018")
    return compile_plan(validate(raw, "stressed"), people=4000, days=80, seed=5)


def test_replayed_households_match_the_full_run_day_by_day() -> None:
    plan = stressed_plan()
    engine = ReferenceEngine(plan, synthesize(plan))
    scores, listed = [], []
    for t in range(plan.days):
        engine.step(t)
        scores.append(engine.state.score.copy())
        listed.append(engine.state.list_until[0] > t)
    log = engine.queue.log_table()
    appealed = sorted(set(log[:, 2].tolist()))[:4]
    wrongly = np.flatnonzero(engine.state.flags & EVER_WRONGFUL)[:3].tolist()
    assert appealed and wrongly, "the stressed scenario must exercise appeals and errors"
    people = [*appealed, *wrongly, 0, plan.people - 1]
    days = replay(plan, people, log).to_pandas()
    for person in people:
        mine = days[days.person == person].sort_values("day")
        assert np.array_equal(mine.score.to_numpy(), np.array(scores)[:, person]), person
        assert np.array_equal(mine["lists"].notna().to_numpy(), np.array(listed)[:, person])
    assert days.appeal_filed.any() and days.wrongful_sanctions.notna().any()


def test_trace_command_tells_kept_and_replayed_stories(tmp_path: Path) -> None:
    out = run("china-national-score-2018", people=3000, days=30, out=tmp_path / "run").folder
    kept = sorted(set(pq.read_table(out / "traces.parquet")["person"].to_pylist()))
    assert len(kept) >= 3
    html = (out / "report.html").read_text()
    assert "Life stories" in html and any(f"person {p:,}</h3>" in html for p in kept)
    for person in (kept[0], 1234):  # one kept in traces.parquet, one replayed on demand
        done = subprocess.run(
            [sys.executable, "-m", "socialcredit", "trace", str(out), "--person", str(person)],
            capture_output=True, text=True,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert f"Person {person}, 30 days" in done.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "socialcredit", "trace", str(out), "--person", "3000"],
        capture_output=True, text=True,
    )  # fmt: skip
    assert bad.returncode == 2 and "does not exist" in bad.stderr
