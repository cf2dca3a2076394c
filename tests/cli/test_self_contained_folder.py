"""A run folder's scenario.yaml is the resolved scenario, with no `extend:`: it validates, replays
(`trace`), resumes and re-runs to the run's own bits, even where the file it extended is gone.

Two cases from issue 14: a preset patched with `remove: true` (once, scenario.yaml was merged
again on load and the removed sanction came back), and a relative `extend: parent.yaml` deleted
after the run (once, trace, resume and re-running could not find it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
import yaml

from run_folders import same
from socialcredit.runner import resume, run
from socialcredit.stories import story

CLI = [sys.executable, "-m", "socialcredit"]
ARGS = dict(people=3000, days=40, seed=3, engine="reference", checkpoint_every=10)
REMOVED = "tenant-screening"  # a us-credit-score sanction at the common tiers poor and fair


class Stop(Exception):
    pass


def stop_on_day_25(day: int) -> None:
    if day == 25:
        raise Stop


def without_a_sanction(folder: Path) -> Path:
    path = folder / "fewer-sanctions.yaml"
    patch = {"name": "fewer-sanctions", "extend": "us-credit-score",
             "run": {"warmup_days": 0},  # the preset's 50-year warm-up: minutes, not the point
             "consequences": [{"name": REMOVED, "remove": True}]}  # fmt: skip
    path.write_text(yaml.safe_dump(patch))
    return path


def on_a_parent_file(folder: Path) -> Path:
    """A scenario that extends a file beside it; the parent itself extends a preset."""
    (folder / "parent.yaml").write_text(
        yaml.safe_dump(
            {"name": "parent", "extend": "us-credit-score", "run": {"seed": 9, "warmup_days": 0}}
        )  # fmt: skip
    )
    path = folder / "child.yaml"
    path.write_text(yaml.safe_dump({"name": "child", "extend": "parent.yaml"}))
    return path


@pytest.mark.parametrize("make", [without_a_sanction, on_a_parent_file])
def test_the_folder_stands_alone(tmp_path: Path, make) -> None:
    source = tmp_path / "src"
    source.mkdir()
    scenario = make(source)
    whole = run(scenario, out=tmp_path / "whole", **ARGS).folder
    cut = tmp_path / "cut"
    with pytest.raises(Stop):
        run(scenario, out=cut, on_day=stop_on_day_25, **ARGS)
    for path in source.iterdir():  # the files it extended are gone
        path.unlink()

    written = yaml.safe_load((whole / "scenario.yaml").read_text())
    assert "extend" not in written
    names = [c["name"] for c in written["consequences"]]
    assert (REMOVED in names) == (make is on_a_parent_file)
    done = subprocess.run([*CLI, "validate", str(whole / "scenario.yaml")], capture_output=True,
                          text=True)  # fmt: skip
    assert done.returncode == 0, done.stderr
    consequences = 6 if make is without_a_sanction else 7
    assert f"{consequences} consequences" in done.stdout

    # Replayed from scenario.yaml, each traced person's story is the one the run recorded.
    kept = pq.read_table(whole / "traces.parquet")
    (whole / "traces.parquet").rename(tmp_path / "traces.parquet")
    for person in sorted(set(kept["person"].to_pylist()))[:3]:
        recorded = kept.filter(pc.equal(kept["person"], person))
        assert story(whole, person).equals(recorded), person

    resume(cut)
    assert same(whole, cut)
    again = run(whole / "scenario.yaml", out=tmp_path / "again", **ARGS).folder
    assert same(whole, again)


def test_rerunning_scenario_yaml_alone_gives_the_same_bits(tmp_path: Path) -> None:
    """No options: the people, days and seed come from scenario.yaml itself."""
    first = run(without_a_sanction(tmp_path), out=tmp_path / "a", **ARGS).folder
    second = run(first / "scenario.yaml", out=tmp_path / "b", engine="reference").folder
    assert pq.read_table(first / "metrics.parquet").equals(
        pq.read_table(second / "metrics.parquet")
    )
    assert (first / "summary.json").read_bytes() == (second / "summary.json").read_bytes()
    assert (first / "scenario.yaml").read_text().split("\n", 2)[2] == (
        second / "scenario.yaml"
    ).read_text().split("\n", 2)[2]  # the same scenario, below the comment naming its origin
