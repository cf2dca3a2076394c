"""A learned scorer on the cluster driver (--cluster), on the in-process backend (no Ray).

The driver samples, labels and fits for the whole population, reading the sampled people
through the shards' workers (cluster.ShardedReader), and sends the model in force with every
day's call. These prove that this gives one process's bits (metrics, the state as the cluster
shows it, every model and its audit) with 2 and 3 shards, for the logistic model and boosted
trees; also after a lost worker (reloaded from a checkpoint while snapshots wait for their
labels, or restarted from day 0 after a model) and after a resume; and that a worker keeps the
model object it scores with while the driver's is a copy of it (the fast engine rescores
everybody for a new object).
"""

from __future__ import annotations

import contextlib
import copy
import json
import sys
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
import yaml

from run_folders import same
from scenarios import stressed
from socialcredit.engine.cluster import ClusterEngine, ShardedReader
from socialcredit.engine.fast import FastEngine
from socialcredit.engine.in_process_backend import InProcessBackend
from socialcredit.engine.learned import MODELS_FILE, Model, StateReader
from socialcredit.engine.shard_worker import ShardWorker
from socialcredit.metrics.audit_table import AUDIT_FILE
from socialcredit.population.synthesis import synthesize
from socialcredit.runner import resume, run
from socialcredit.scenario.compile import compile_plan
from socialcredit.scenario.loading import validate
from socialcredit.state import EVER_SANCTIONED, EVER_WRONGFUL

BOOSTED = {"model": "gradient_boosting"}
MODELS = [pytest.param({}, id="logistic"), pytest.param(BOOSTED, id="gradient_boosting")]
# Snapshots on days 20, 40, 60, 80; models on days 50, 70, 90 (of 110)
SCORER = {"kind": "learned", "retrain_every_days": 20, "horizon_days": 30, "sample_people": 1500}
PRESET = "china-national-score-2018"  # 3 regions: up to 3 shards


@pytest.fixture(autouse=True)
def no_ray(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any import of Ray fails: the in-process backend must not need it."""
    monkeypatch.setitem(sys.modules, "ray", None)


def learned_raw(**scorer: object) -> dict:
    raw = stressed(PRESET)
    raw["regime"]["scorer"] = SCORER | scorer
    return raw


def learned_plan(people: int = 4000, days: int = 110, **scorer: object):
    return compile_plan(validate(learned_raw(**scorer), "learned"), people=people, days=days,
                        seed=5)  # fmt: skip


def same_models(a: list[Model], b: list[Model]) -> None:
    assert [m.day for m in a] == [m.day for m in b]
    for x, y in zip(a, b, strict=True):
        assert x.intercept == y.intercept and np.array_equal(x.weights, y.weights)
        assert np.array_equal(x.cut, y.cut) and (x.sample, x.positives) == (y.sample, y.positives)
        assert (x.trees is None) == (y.trees is None)
        if x.trees is not None and y.trees is not None:
            for u, v in zip(x.trees, y.trees, strict=True):
                assert np.array_equal(u, v)


def assert_same_run(one: FastEngine, cluster: ClusterEngine) -> None:
    """Metrics, models and audits, and the state as the cluster shows it."""
    assert np.array_equal(one.counts, cluster.counts)
    assert np.array_equal(one.stats, cluster.stats, equal_nan=True)
    assert one.learner is not None and cluster.learner is not None
    same_models(one.learner.models, cluster.learner.models)
    audits = [one.learner.audit.audits, cluster.learner.audit.audits]
    assert len(audits[0]) == len(audits[1]) == len(one.learner.models)
    for x, y in zip(*audits, strict=True):
        assert x.day == y.day and np.array_equal(x.counts, y.counts)
        assert np.array_equal(x.predicted, y.predicted)
    for bit in (EVER_SANCTIONED, EVER_WRONGFUL):
        assert one.count_flag(bit) == cluster.count_flag(bit)
        assert one.first_flagged(bit, 200)[:200] == cluster.first_flagged(bit, 200)[:200]


@pytest.mark.parametrize("shards", [2, 3])
@pytest.mark.parametrize("model", MODELS)
def test_the_cluster_driver_learns_as_one_process(model: dict, shards: int) -> None:
    plan = learned_plan(**model)
    one = FastEngine(plan, synthesize(plan))
    one.run()
    cluster = ClusterEngine(plan, shards, InProcessBackend())
    cluster.run()
    assert cluster.shard_count == shards
    assert one.learner is not None and len(one.learner.models) == 3  # days 50, 70, 90
    assert len(one.learner.audit.audits) == 3  # held-out people were audited
    assert_same_run(one, cluster)


def test_the_sharded_reader_answers_as_the_whole_state() -> None:
    """Feature rows and labels of people in every shard (and none in one), in their order."""
    plan = learned_plan(days=60)
    one = FastEngine(plan, synthesize(plan))
    cluster = ClusterEngine(plan, 3, InProcessBackend())
    for t in range(45):
        one.step(t)
        cluster.step(t)
    whole = StateReader(plan, one.state, one.pop.cell_of)
    sharded = cluster.sample_reader()
    assert isinstance(sharded, ShardedReader) and sharded.size == plan.people == whole.size
    lo, hi = cluster.bounds[1]
    for who in (np.arange(0, plan.people, 7), np.arange(lo + 3, hi, 5), np.arange(0)):
        assert np.array_equal(whole.rows(45, who), sharded.rows(45, who))
        assert np.array_equal(whole.system_labels(20, who), sharded.system_labels(20, who))
        assert np.array_equal(whole.true_labels(20, who), sharded.true_labels(20, who))
    everyone = np.arange(plan.people)
    assert whole.rows(45, everyone).any() and whole.system_labels(20, everyone).any()


def test_a_worker_keeps_its_model_while_the_drivers_is_a_copy() -> None:
    """Over Ray each day's call brings a fresh copy of the model: the worker keeps the one it
    has, so its fast engine rescores everybody only when the model changes."""
    plan = learned_plan(days=110)
    one = FastEngine(plan, synthesize(plan))
    one.run()
    assert one.learner is not None
    first, second = one.learner.models[:2]
    worker = ShardWorker(plan, 0, plan.people)
    worker.day(0, [], None, copy.deepcopy(first))
    scored_by = worker.engine.scored_by
    assert scored_by is not None and scored_by is not first
    worker.day(1, [], None, copy.deepcopy(first))
    assert worker.engine.scored_by is scored_by  # the same object: no full rescoring
    worker.day(2, [], None, copy.deepcopy(second))
    assert worker.engine.scored_by is not scored_by and worker.engine.scored_by.day == second.day


# --- run folders: a lost worker, a restart, a resume (runner.py) ---

ARGS = dict(people=4000, days=110, seed=5)


@pytest.fixture(scope="module", params=MODELS)
def case(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """A scenario file with a learned scorer and its run in one process, never interrupted."""
    folder = tmp_path_factory.mktemp("learned")
    scenario = folder / "learned.yaml"
    scenario.write_text(yaml.safe_dump(learned_raw(**request.param)))
    plain = run(scenario, out=folder / "plain", checkpoint_every=0, **ARGS).folder
    assert plain is not None
    return scenario, plain


def models_file(folder: Path) -> dict:
    """learned-models.json without the fit times (wall-clock: never the same twice)."""
    saved = json.loads((folder / MODELS_FILE).read_text())
    for m in saved["models"]:
        del m["fit_seconds"]
    return saved


def same_learning(a: Path, b: Path) -> bool:
    """The same run folder (run_folders.same), models and audits (pandas' equals: a measure
    with nothing to measure is NaN in both, which Arrow's equals calls different)."""
    audits = (
        pq.read_table(a / AUDIT_FILE).to_pandas().equals(pq.read_table(b / AUDIT_FILE).to_pandas())
    )
    return same(a, b) and models_file(a) == models_file(b) and audits


def test_the_run_folder_is_one_processes(case, tmp_path: Path) -> None:
    scenario, plain = case
    folder = run(scenario, out=tmp_path / "run", cluster=InProcessBackend(), shards=3,
                 checkpoint_every=0, **ARGS).folder  # fmt: skip
    assert [m["day"] for m in models_file(plain)["models"]] == [50, 70, 90]
    assert pq.read_table(plain / AUDIT_FILE).num_rows > 0
    assert same_learning(plain, folder)


def test_a_worker_lost_while_snapshots_wait_recovers(case, tmp_path: Path) -> None:
    """Checkpoints after days 24, 49, 74, 99: the one of day 49 holds the snapshots of days 20
    and 40 and no model; the loss on day 58 reruns days 50-58, the first model's fit included."""
    scenario, plain = case
    backend = InProcessBackend(lose=[(58, 1)])
    folder = run(scenario, out=tmp_path / "lost", cluster=backend, shards=2,
                 checkpoint_every=25, **ARGS).folder  # fmt: skip
    assert backend.lost == [(58, 1)] and backend.days_run.count(50) == 2
    assert same_learning(plain, folder)


def test_a_worker_lost_after_a_model_without_checkpoints_restarts(case, tmp_path: Path) -> None:
    """No checkpoint: the driver starts again from day 0 with a fresh learner (else the model
    of day 50 would be kept twice)."""
    scenario, plain = case
    backend = InProcessBackend(lose=[(55, 0)])
    folder = run(scenario, out=tmp_path / "early", cluster=backend, shards=2,
                 checkpoint_every=0, **ARGS).folder  # fmt: skip
    assert backend.lost == [(55, 0)] and backend.days_run.count(0) == 2
    assert same_learning(plain, folder)


def test_an_interrupted_cluster_run_with_a_learned_scorer_resumes(case, tmp_path: Path) -> None:
    """Stopped on day 67: resumed from the checkpoint after day 59, which holds the model of
    day 50 and the snapshot of day 40, waiting for its labels."""
    scenario, plain = case

    class Stop(Exception):
        pass

    def stop_on_day_67(day: int) -> None:
        if day == 67:
            raise Stop

    out = tmp_path / "cut"
    with contextlib.suppress(Stop):
        run(scenario, out=out, cluster=InProcessBackend(), shards=2, checkpoint_every=30,
            on_day=stop_on_day_67, **ARGS)  # fmt: skip
    assert not out.exists()
    resume(out)
    assert json.loads((out / "manifest.json").read_text())["resumed_from_day"] == 60
    assert same_learning(plain, out)
