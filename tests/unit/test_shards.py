"""Shards: any number of them gives the same bits, as does resuming a sharded run."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from scenarios import stressed
from socialcredit.engine.fast import FastEngine
from socialcredit.engine.shards import ShardedEngine, shard_bounds
from socialcredit.errors import ConfigError
from socialcredit.population.synthesis import synthesize
from socialcredit.runner import resume, run
from socialcredit.scenario.compile import compile_plan
from socialcredit.scenario.loading import load_scenario, preset_names, validate

FLOOR = {"driving-demerit-points": 0.03}  # enough offences that the 12-point ban happens


@pytest.mark.parametrize("preset", preset_names())
def test_any_number_of_shards_gives_the_same_bits(preset: str) -> None:
    plan = compile_plan(validate(stressed(preset, FLOOR.get(preset, 0.004)), preset),
                        people=5000, days=120, seed=5)  # fmt: skip
    whole = FastEngine(plan, synthesize(plan))
    whole.run()
    for k in (2, 3):
        sharded = ShardedEngine(plan, synthesize(plan), k)
        sharded.run()
        assert np.array_equal(whole.counts, sharded.counts), k
        assert np.array_equal(whole.stats, sharded.stats, equal_nan=True), k
        for name, array in vars(whole.state).items():
            assert np.array_equal(array, getattr(sharded.state, name)), (k, name)


@pytest.mark.parametrize("preset", preset_names())
@pytest.mark.parametrize("k", [1, 2, 3, 10])
def test_shards_are_whole_regions_covering_everyone(preset: str, k: int) -> None:
    # 60 days: a lending preset's monthly rounds must come twice (only the layout matters here)
    plan = compile_plan(load_scenario(preset)[0], people=10_000, days=60, warmup=0)
    cell_start = synthesize(plan).cell_start
    bounds = shard_bounds(plan, cell_start, k)
    assert len(bounds) == min(k, len(plan.regions))
    assert bounds[0][0] == 0 and bounds[-1][1] == plan.people
    region_starts = set(cell_start[:: len(plan.groups)].tolist())
    for (lo, hi), (next_lo, _) in zip(bounds, [*bounds[1:], (plan.people, 0)], strict=True):
        assert lo < hi == next_lo and lo in region_starts


def test_sharded_run_resumes_and_matches_an_unsharded_run(tmp_path: Path) -> None:
    args = dict(people=8000, days=40, seed=3, checkpoint_every=7)
    plain = run("driving-demerit-points", out=tmp_path / "plain", **args).folder

    class Stop(Exception):
        pass

    def stop(day: int) -> None:
        if day == 20:
            raise Stop

    out = tmp_path / "sharded"
    with pytest.raises(Stop):
        run("driving-demerit-points", out=out, shards=3, on_day=stop, **args)
    resume(out)
    assert pq.read_table(plain / "metrics.parquet").equals(pq.read_table(out / "metrics.parquet"))
    assert json.loads((out / "manifest.json").read_text())["shards"] == 3


def test_shards_need_the_fast_engine() -> None:
    with pytest.raises(ConfigError, match="--shards"):
        run(
            "us-credit-score",
            people=100,
            days=2,
            engine="reference",
            shards=2,
            write=False,
            warmup=0,
        )
