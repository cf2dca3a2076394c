"""Shards on a Ray cluster give the same bits as one process, survive a killed worker and resume.

Ray's processes listen on every interface, so the Ray checks run in a child process inside a
network namespace of its own with only loopback up (``unshare -n``; root or user namespaces
needed): nothing of the test cluster is reachable from outside this machine.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from ray_namespace import loopback_only

from socialcredit.errors import BackendError, ConfigError
from socialcredit.runner import run

CHECKS = Path(__file__).with_name("ray_checks.py")


@pytest.fixture(scope="module")
def findings(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("ray")
    done = subprocess.run(
        [*loopback_only(), sys.executable, str(CHECKS), str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads((out / "findings.json").read_text())


def test_any_number_of_ray_shards_gives_the_same_bits(findings: dict) -> None:
    assert findings["appeals_won"] > 0  # won appeals travel back to the shards: exercised
    for k in (1, 2, 3):
        assert findings[f"same_with_{k}_shards"], k


def test_a_learned_scorer_on_ray_shards_learns_as_one_process(findings: dict) -> None:
    assert findings["learned_models"] == 2
    assert findings["same_learned"]


def test_lending_on_ray_shards_lends_as_one_process(findings: dict) -> None:
    assert findings["lending_rows"] == 4 * 3  # rounds x groups
    assert findings["same_lending"]


def test_a_shard_too_big_for_any_node_is_refused_up_front(findings: dict) -> None:
    assert "largest shard needs" in findings["too_big"]
    assert "Fix:" in findings["too_big"]
    assert findings["leftover_workers"] == 0  # finished runs leave no actors behind


def test_the_command_line_runs_on_a_cluster(findings: dict) -> None:
    assert findings["cli_exit"] == 0
    assert findings["same_from_cli"]


def test_a_killed_worker_is_replaced_from_the_last_checkpoint(findings: dict) -> None:
    assert findings["loss_killed"] == 1
    assert findings["loss_recorded"] == 1
    assert findings["same_after_loss"]


def test_a_worker_killed_before_any_checkpoint_restarts_the_run(findings: dict) -> None:
    assert findings["early_loss_recorded"] == 1
    assert findings["same_after_early_loss"]


def test_an_interrupted_cluster_run_resumes_from_its_shards_checkpoints(findings: dict) -> None:
    assert findings["checkpoint_files"] == [
        "checkpoint.npz", "shard-0-of-2-day-19.npz", "shard-1-of-2-day-19.npz",
    ]  # fmt: skip
    assert not findings["interrupted_looks_finished"]
    assert findings["resumed_from_day"] == 20
    assert findings["same_after_resume"]


def test_cluster_needs_the_fast_engine() -> None:
    with pytest.raises(ConfigError, match="--cluster"):
        run("us-credit-score", people=100, days=2, engine="reference", cluster="local",
            write=False)  # fmt: skip


def test_cluster_without_ray_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray raises ImportError
    with pytest.raises(BackendError, match=r"socialcredit\[ray\]"):
        run("us-credit-score", people=100, days=2, cluster="local", write=False)
