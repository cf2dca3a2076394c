"""A lost shard worker, on the in-process backend (no Ray): it is replaced, the run recovers to
the bits of an uninterrupted run in one process, and manifest.json records the loss.

tests/cluster checks the same with real Ray actors killed by signal, where a private Ray cluster
can be started; these run the same driver and recovery everywhere, in seconds.
"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from run_folders import same
from scenarios import stressed
from socialcredit.engine.cluster import ClusterEngine
from socialcredit.engine.in_process_backend import InProcessBackend
from socialcredit.errors import BackendError, SocialCreditError, WorkerLostError
from socialcredit.runner import MAX_RECOVERIES, resume, run
from socialcredit.scenario.compile import compile_plan
from socialcredit.scenario.loading import validate
from socialcredit.state import EVER_SANCTIONED

PRESET = "china-national-score-2018"  # 3 regions: up to 3 shards
ARGS = dict(people=4000, days=24, seed=7, checkpoint_every=5)  # checkpoints after days 4, 9, 14, 19


@pytest.fixture(autouse=True)
def no_ray(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any import of Ray fails: the in-process backend must not need it."""
    monkeypatch.setitem(sys.modules, "ray", None)


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Busy appeals and lists, so won appeals travel back to the shards."""
    path = tmp_path_factory.mktemp("scenario") / "stressed.yaml"
    path.write_text(yaml.safe_dump(stressed(PRESET)))
    return path


@pytest.fixture(scope="module")
def plain(scenario: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The same scenario run in one process, never interrupted."""
    folder = run(scenario, out=tmp_path_factory.mktemp("plain") / "run", **ARGS).folder
    assert folder is not None
    assert pq.read_table(folder / "appeals.parquet")["won"].to_numpy().sum() > 0  # exercised
    return folder


def manifest(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text())


def test_in_process_shards_give_the_same_bits(scenario: Path, plain: Path, tmp_path: Path) -> None:
    folder = run(scenario, out=tmp_path / "run", cluster=InProcessBackend(), shards=3,
                 **ARGS).folder  # fmt: skip
    assert same(plain, folder)
    assert manifest(folder)["shards"] == 3
    assert manifest(folder)["worker_losses"] == 0


def test_a_worker_lost_after_a_checkpoint_is_replaced_and_the_run_recovers(
    scenario: Path, plain: Path, tmp_path: Path
) -> None:
    backend = InProcessBackend(lose=[(13, 1)])
    folder = run(scenario, out=tmp_path / "lost", cluster=backend, shards=2, **ARGS).folder
    assert backend.lost == [(13, 1)]
    # From the checkpoint of day 9: days 10-13 ran twice, the days before once.
    assert [backend.days_run.count(t) for t in (9, 10, 13, 14)] == [1, 2, 2, 1]
    assert manifest(folder)["worker_losses"] == 1
    assert manifest(folder)["cluster"] == "in-process"
    assert same(plain, folder)


def test_a_worker_lost_before_any_checkpoint_restarts_from_day_0(
    scenario: Path, plain: Path, tmp_path: Path
) -> None:
    backend = InProcessBackend(lose=[(2, 0)])
    folder = run(scenario, out=tmp_path / "early", cluster=backend, shards=2, **ARGS).folder
    assert backend.days_run[:6] == [0, 1, 2, 0, 1, 2]
    assert manifest(folder)["worker_losses"] == 1
    assert same(plain, folder)


def test_an_interrupted_in_process_cluster_run_resumes(
    scenario: Path, plain: Path, tmp_path: Path
) -> None:
    class Stop(Exception):
        pass

    def stop_on_day_17(day: int) -> None:
        if day == 17:
            raise Stop

    out = tmp_path / "cut"
    with contextlib.suppress(Stop):
        run(scenario, out=out, cluster=InProcessBackend(), shards=2, on_day=stop_on_day_17,
            **ARGS)  # fmt: skip
    assert not out.exists()
    resume(out)  # rebuilds the in-process backend from the run's request
    assert manifest(out)["resumed_from_day"] == 15
    assert same(plain, out)


def test_a_run_that_keeps_losing_workers_gives_up(scenario: Path) -> None:
    losses = [(day, 0) for day in range(1, MAX_RECOVERIES + 2)]  # no checkpoints: from day 0
    backend = InProcessBackend(lose=losses)
    with pytest.raises(BackendError) as raised:
        run(scenario, people=2000, days=10, cluster=backend, shards=2, write=False)
    message = str(raised.value)
    assert f"lost workers {MAX_RECOVERIES + 1} times" in message
    assert f"shard 0, day {MAX_RECOVERIES + 1}" in message
    assert "socialcredit resume OUT" in message
    assert not isinstance(raised.value, WorkerLostError)  # gave up: not one loss, but too many


def test_the_loss_names_its_shard_and_day(scenario: Path) -> None:
    plan = compile_plan(validate(yaml.safe_load(scenario.read_text()), "test"), people=2000,
                        days=3, seed=1)  # fmt: skip
    engine = ClusterEngine(plan, 2, InProcessBackend(lose=[(1, 1)]))
    engine.step(0)
    with pytest.raises(WorkerLostError) as raised:
        engine.step(1)
    lost = raised.value
    assert isinstance(lost, BackendError) and isinstance(lost, SocialCreditError)
    assert (lost.shard, lost.day) == (1, 1)
    assert str(lost).startswith("shard 1, day 1: the worker holding this shard was lost (")
    assert "Fix:" in str(lost)
    with pytest.raises(WorkerLostError, match=r"^shard 1: "):  # dead until replaced
        engine.count_flag(EVER_SANCTIONED)
    engine.replace_lost_workers()
    assert engine.worker_losses == 1
    assert engine.restart() == 0
    engine.run()
    assert engine.count_flag(EVER_SANCTIONED) >= 0
