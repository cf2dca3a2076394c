"""Replicates on a Ray cluster (`--replicates R --cluster ...`) give the same folder, file by file,
as in local worker processes, on any number of actors, after a resume and from the command line.
The checks run in a private Ray cluster in a loopback-only network namespace (ray_namespace.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from ray_namespace import loopback_only

import socialcredit
from socialcredit.ensemble.replicates import run
from socialcredit.errors import ConfigError

CHECKS = Path(__file__).with_name("ray_ensemble_checks.py")


@pytest.fixture(scope="module")
def findings(tmp_path_factory: pytest.TempPathFactory) -> dict:
    out = tmp_path_factory.mktemp("ray-ensemble")
    done = subprocess.run(
        [*loopback_only(), sys.executable, str(CHECKS), str(out)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads((out / "findings.json").read_text())


def test_replicates_on_ray_give_the_local_workers_files(findings: dict) -> None:
    assert {"metrics.parquet", "appeals.parquet", "summary.json"} <= set(findings["local"])
    assert findings["ray"] == findings["local"]
    assert findings["ray_one_worker"] == findings["local"]
    assert findings["ray_manifest_cluster"] == "local"


def test_the_actors_run_this_checkout_and_are_stopped_after(findings: dict) -> None:
    here = Path(socialcredit.__file__).resolve()
    assert [Path(p).resolve() for p in findings["actor_code"]] == [here]
    assert len(findings["actor_peak_kib"]) == 2  # --workers 2: two long-lived actors
    assert findings["leftover_workers"] == 0


def test_an_interrupted_ray_ensemble_resumes_to_the_same_files(findings: dict) -> None:
    assert findings["kept_before_resume"] == 2
    assert findings["resumed"] == findings["local"]


def test_the_command_line_runs_replicates_on_a_cluster(findings: dict) -> None:
    assert findings["cli_exit"] == 0, findings["cli_stderr"]
    assert findings["cli"] == findings["local"]


def test_sensitivity_and_calibration_run_their_members_on_ray(findings: dict) -> None:
    assert findings["sensitivity_ray"] == findings["sensitivity_local"]
    assert findings["calibration_ray"] == findings["calibration_local"]


@pytest.mark.parametrize("cluster", ["in-process", None])
def test_shards_or_the_in_process_backend_with_replicates_are_refused(cluster: str | None) -> None:
    shards = None if cluster else 2
    with pytest.raises(ConfigError, match="--cluster" if cluster else "--shards"):
        run("us-credit-score", replicates=2, people=100, days=2, cluster=cluster, shards=shards,
            write=False)  # fmt: skip
