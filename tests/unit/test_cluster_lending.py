"""Lending on the cluster driver (--cluster), on the in-process backend (no Ray).

The driver holds the lender (engine/lending.py) and reads and moves people through its shards'
workers (cluster.ShardedBook): the workers count the census, each continuing the open block of
the shard before it, and draw who applies; the driver ranks, decides and draws repayment, and
the workers move their borrowers. These prove that this gives one process's bits (metrics, the
rounds, every worker's state) with 2 and 3 shards, also where the census's blocks are small
enough that they straddle the shards' bounds; that a lost worker (reloaded from a checkpoint
that holds rounds, or restarted from day 0 after one) and a resume give the same run folder;
and that the runner no longer refuses --cluster with lending.
"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import yaml

from run_folders import same
from scenarios import stressed
from socialcredit.engine import lending
from socialcredit.engine.cluster import ClusterEngine, ShardedBook
from socialcredit.engine.fast import FastEngine
from socialcredit.engine.in_process_backend import InProcessBackend
from socialcredit.engine.lending_book import StateBook
from socialcredit.population.synthesis import synthesize
from socialcredit.runner import resume, run
from socialcredit.scenario.compile import compile_plan
from socialcredit.scenario.loading import validate
from socialcredit.state import EVER_SANCTIONED, EVER_WRONGFUL, HAS_RECORD

# Rounds on days 0, 20, 40 and 60 of 70
LENDING = {"every_days": 20, "apply_share": 0.1}
# A census block that straddles the shards' bounds, and several blocks in a shard
SMALL_BLOCK = 777


@pytest.fixture(autouse=True)
def no_ray(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any import of Ray fails: the in-process backend must not need it."""
    monkeypatch.setitem(sys.modules, "ray", None)


def credit_raw(**change: object) -> dict:
    """us-credit-lending, stressed (record errors: the shadow score differs), in 3 regions."""
    raw = stressed("us-credit-lending")
    raw["lending"] = raw["lending"] | LENDING | change
    raw["population"]["regions"] = [
        {"name": f"r{i}", "share": share, "urban": True, "cameras_per_1000": 0, "source": "test"}
        for i, share in enumerate((0.5, 0.3, 0.2))
    ]
    return raw


def demerit_raw() -> dict:
    """Demerit points in 3 regions (lists, expiring points, appeals) with lending moving the
    points: a default can put a borrower on the ban list (test_lending.py)."""
    raw = stressed("driving-demerit-points", rate_floor=0.03)
    raw["lending"] = LENDING | {
        "policy": "equal_opportunity", "repay_change": 1, "default_change": -3, "truth": "score",
        "repay_curve": {"scores": [0, 12], "probability": [0.3, 0.95], "source": "test"},
    }  # fmt: skip
    return raw


SCENARIOS = {
    "max_profit": lambda: credit_raw(),
    "equal_opportunity": lambda: credit_raw(policy="equal_opportunity"),
    "demerit": demerit_raw,
}


def plan_of(raw: dict, people: int = 6000, days: int = 70):
    return compile_plan(validate(raw, "lending"), people=people, days=days, seed=3)


def shard_state(cluster: ClusterEngine, name: str) -> np.ndarray:
    """One state array of the whole population, from the in-process workers' states."""
    backend = cluster.backend
    assert isinstance(backend, InProcessBackend)
    parts = [getattr(w.engine.state, name) for w in backend.workers]  # type: ignore[union-attr]
    return np.concatenate(parts, axis=-1)


def assert_same_run(one: FastEngine, cluster: ClusterEngine) -> None:
    """Metrics, the rounds, the state of every worker, and the state as the cluster shows it."""
    assert np.array_equal(one.counts, cluster.counts)
    assert np.array_equal(one.stats, cluster.stats, equal_nan=True)
    assert one.lender is not None and cluster.lender is not None
    assert len(one.lender.rounds) == len(cluster.lender.rounds) == 4
    for a, b in zip(one.lender.rounds, cluster.lender.rounds, strict=True):
        for k in a._fields:
            x, y = np.asarray(getattr(a, k)), np.asarray(getattr(b, k))
            assert np.array_equal(x, y, equal_nan=True), k
    for name, array in vars(one.state).items():
        assert np.array_equal(array, shard_state(cluster, name)), name
    for bit in (EVER_SANCTIONED, EVER_WRONGFUL, HAS_RECORD):
        assert one.count_flag(bit) == cluster.count_flag(bit)
        assert one.first_flagged(bit, 200)[:200] == cluster.first_flagged(bit, 200)[:200]


@pytest.mark.parametrize("shards", [2, 3])
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_the_cluster_driver_lends_as_one_process(scenario: str, shards: int) -> None:
    plan = plan_of(SCENARIOS[scenario]())
    one = FastEngine(plan, synthesize(plan))
    one.run()
    cluster = ClusterEngine(plan, shards, InProcessBackend())
    cluster.run()
    assert cluster.shard_count == shards
    assert one.lender is not None
    assert sum(int(r.approved.sum()) for r in one.lender.rounds) > 100  # loans were made
    assert sum(int(r.defaulted.sum()) for r in one.lender.rounds) > 0
    assert_same_run(one, cluster)


def test_census_blocks_that_straddle_the_shards_bounds(monkeypatch: pytest.MonkeyPatch) -> None:
    """Census sums in blocks of 777 people: a block the shards split is summed on from one
    worker to the next, so the beliefs and curves are one process's bits."""
    monkeypatch.setattr(lending, "BLOCK", SMALL_BLOCK)
    plan = plan_of(credit_raw())
    one = FastEngine(plan, synthesize(plan))
    one.run()
    cluster = ClusterEngine(plan, 3, InProcessBackend())
    cluster.run()
    assert all(lo % SMALL_BLOCK for lo, _ in cluster.bounds[1:])  # the bounds split blocks
    assert_same_run(one, cluster)


@pytest.mark.parametrize("block", [lending.BLOCK, SMALL_BLOCK])
def test_the_sharded_book_answers_as_the_whole_state(
    monkeypatch: pytest.MonkeyPatch, block: int
) -> None:
    """The census (exact beliefs), the applicants and a move, after rounds have spread the
    scores: the same arrays from the shards' workers as from the whole state."""
    monkeypatch.setattr(lending, "BLOCK", block)
    plan = plan_of(credit_raw(), days=70)
    one = FastEngine(plan, synthesize(plan))
    cluster = ClusterEngine(plan, 3, InProcessBackend())
    for t in range(45):
        one.step(t)
        cluster.step(t)
    assert one.lender is not None and cluster.lender is not None
    whole, sharded = one.lender.book, cluster.lender.book
    assert isinstance(whole, StateBook) and isinstance(sharded, ShardedBook)
    a, b = whole.census(45), sharded.census(45)
    assert np.array_equal(a.people, b.people) and np.array_equal(a.belief, b.belief)
    assert len(np.unique(one.state.score)) > 3  # rounds have moved scores
    x, y = whole.applicants(45), sharded.applicants(45)
    for k in x._fields:
        assert np.array_equal(getattr(x, k), getattr(y, k)), k
    who = x.who[::-3]  # descending: the book puts the moves back in this order
    change = np.where(np.arange(len(who)) % 2, 75, -150)
    assert np.array_equal(whole.move(45, who, change), sharded.move(45, who, change))
    for name in ("score", "shadow", "flags", "slot_points"):
        assert np.array_equal(getattr(one.state, name), shard_state(cluster, name)), name


# --- run folders: a lost worker, a restart, a resume (runner.py) ---

ARGS = dict(people=6000, days=70, seed=3)
LENDING_FILES = ("lending.parquet", "lending-curves.parquet")


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory):
    """A scenario file with lending in 3 regions and its run in one process, never
    interrupted."""
    folder = tmp_path_factory.mktemp("lending")
    scenario = folder / "lending.yaml"
    raw = credit_raw()
    del raw["extend"]  # merged already: the file stands alone, with regions of its own
    scenario.write_text(yaml.safe_dump(raw))
    plain = run(scenario, out=folder / "plain", checkpoint_every=0, **ARGS).folder
    assert plain is not None
    return scenario, plain


def same_lending(a: Path, b: Path) -> bool:
    """The same run folder (run_folders.same) and lending tables (as data frames: a rate of
    nobody is NaN in both, which Arrow's equals calls different)."""
    tables = all(
        pq.read_table(a / name).to_pandas().equals(pq.read_table(b / name).to_pandas())
        for name in LENDING_FILES
    )
    return same(a, b) and tables


def test_the_run_folder_is_one_processes(case, tmp_path: Path) -> None:
    scenario, plain = case
    folder = run(scenario, out=tmp_path / "run", cluster=InProcessBackend(), shards=3,
                 checkpoint_every=0, **ARGS).folder  # fmt: skip
    assert pq.read_table(plain / "lending.parquet").num_rows == 4 * 3  # rounds x groups
    assert "lending" in json.loads((plain / "summary.json").read_text())
    assert same_lending(plain, folder)


def test_a_worker_lost_after_a_round_recovers_from_the_checkpoint(case, tmp_path: Path) -> None:
    """Checkpoints after days 24 and 49: the loss on day 45 reloads the one of day 24, which
    holds the rounds of days 0 and 20, and runs the round of day 40 again."""
    scenario, plain = case
    backend = InProcessBackend(lose=[(45, 1)])
    folder = run(scenario, out=tmp_path / "lost", cluster=backend, shards=2,
                 checkpoint_every=25, **ARGS).folder  # fmt: skip
    assert backend.lost == [(45, 1)] and backend.days_run.count(40) == 2
    assert same_lending(plain, folder)


def test_a_worker_lost_after_a_round_without_checkpoints_restarts(case, tmp_path: Path) -> None:
    """No checkpoint: the driver starts again from day 0 with a fresh lender (else the rounds
    of days 0 and 20 would be kept twice)."""
    scenario, plain = case
    backend = InProcessBackend(lose=[(30, 0)])
    folder = run(scenario, out=tmp_path / "early", cluster=backend, shards=2,
                 checkpoint_every=0, **ARGS).folder  # fmt: skip
    assert backend.lost == [(30, 0)] and backend.days_run.count(0) == 2
    assert same_lending(plain, folder)


def test_an_interrupted_cluster_run_with_lending_resumes(case, tmp_path: Path) -> None:
    """Stopped on day 50: resumed from the checkpoint after day 29, which holds the rounds of
    days 0 and 20; the round of day 40 is run again."""
    scenario, plain = case

    class Stop(Exception):
        pass

    def stop_on_day_50(day: int) -> None:
        if day == 50:
            raise Stop

    out = tmp_path / "cut"
    with contextlib.suppress(Stop):
        run(scenario, out=out, cluster=InProcessBackend(), shards=2, checkpoint_every=30,
            on_day=stop_on_day_50, **ARGS)  # fmt: skip
    assert not out.exists()
    resume(out)
    assert json.loads((out / "manifest.json").read_text())["resumed_from_day"] == 30
    assert same_lending(plain, out)
