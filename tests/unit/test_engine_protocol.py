"""Every engine offers what the runner needs (engine/protocol.py), and every shard backend what
the cluster driver needs (engine/backends.py). mypy checks the same where the runner and
``backend_for`` use them; these checks need no type checker, and no Ray."""

from __future__ import annotations

import sys

import pytest

from socialcredit.engine.backends import ShardBackend, ShardWorkerHandle
from socialcredit.engine.cluster import ClusterEngine
from socialcredit.engine.fast import FastEngine
from socialcredit.engine.in_process_backend import InProcessBackend
from socialcredit.engine.protocol import Engine, RecoveringEngine
from socialcredit.engine.ray_backend import RayBackend
from socialcredit.engine.reference import ReferenceEngine
from socialcredit.engine.shard_worker import ShardWorker
from socialcredit.engine.shards import ShardedEngine
from socialcredit.plan import Plan
from socialcredit.population.synthesis import synthesize
from socialcredit.scenario.compile import compile_plan
from socialcredit.scenario.loading import load_scenario


@pytest.fixture(scope="module")
def plan() -> Plan:
    return compile_plan(load_scenario("china-national-score-2018")[0], people=3000, days=2)


def test_every_engine_is_an_engine(plan: Plan) -> None:
    local: list[Engine] = [
        ReferenceEngine(plan, synthesize(plan)),
        FastEngine(plan, synthesize(plan)),
        ShardedEngine(plan, synthesize(plan), 3),
    ]
    cluster: RecoveringEngine = ClusterEngine(plan, 3, InProcessBackend())
    for engine in [*local, cluster]:
        assert isinstance(engine, Engine), type(engine).__name__
    assert [engine.shard_count for engine in [*local, cluster]] == [1, 1, 3, 3]
    # Only an engine whose shards live in workers recovers from losing one.
    assert isinstance(cluster, RecoveringEngine)
    assert not any(isinstance(engine, RecoveringEngine) for engine in local)
    cluster.close()


def test_every_backend_is_a_shard_backend(plan: Plan, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # neither check needs Ray
    assert isinstance(InProcessBackend(), ShardBackend)
    # A RayBackend connects when made; an unconnected one is enough to check its methods.
    ray_backend = RayBackend.__new__(RayBackend)
    ray_backend.name = "local"
    assert isinstance(ray_backend, ShardBackend)
    assert isinstance(ShardWorker(plan, 0, 1000), ShardWorkerHandle)
