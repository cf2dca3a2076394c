"""Runs on a private local Ray cluster, inside a network namespace with only loopback (see
test_cluster.py, which starts it): each check compares a Ray run with a run in one process and
writes its findings to OUT/findings.json for the tests to assert on.

    unshare -n sh -c 'ip link set lo up && python tests/cluster/ray_checks.py OUT'
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for scenarios.py

from run_folders import same  # noqa: E402
from scenarios import stressed  # noqa: E402
from socialcredit.engine.ray_backend import connect  # noqa: E402
from socialcredit.errors import ResourceError  # noqa: E402
from socialcredit.runner import resume, run  # noqa: E402

ARGS = dict(people=6000, days=40, seed=7, checkpoint_every=5)


class Stop(Exception):
    pass


def learned_check(out: Path) -> dict[str, object]:
    """A learned scorer (boosted trees: the model's arrays cross to the workers each day) on
    2 Ray shards: the driver reads its samples through the workers; the same folder, models
    and audits as one process."""
    raw = stressed("china-national-score-2018")
    raw["regime"]["scorer"] = {"kind": "learned", "model": "gradient_boosting",
                               "retrain_every_days": 20, "horizon_days": 30,
                               "sample_people": 1500}  # fmt: skip
    scenario = out / "learned.yaml"
    scenario.write_text(yaml.safe_dump(raw))
    args = dict(people=6000, days=80, seed=7, checkpoint_every=0)  # models on days 50 and 70
    plain = run(scenario, out=out / "learned-plain", **args).folder
    folder = run(scenario, out=out / "learned-ray", cluster="local", shards=2, **args).folder

    def models(folder: Path) -> list[dict]:
        saved = json.loads((folder / "learned-models.json").read_text())["models"]
        return [{k: v for k, v in m.items() if k != "fit_seconds"} for m in saved]  # wall-clock

    def audits(folder: Path):  # pandas' equals: NaN (nothing to measure) in both is the same
        return pq.read_table(folder / "audit.parquet").to_pandas()

    return {
        "learned_models": len(models(plain)),
        "same_learned": same(plain, folder)
        and models(plain) == models(folder)
        and audits(plain).equals(audits(folder)),
    }


def lending_check(out: Path) -> dict[str, object]:
    """Lending on 2 Ray shards (3 regions): the driver's lender reads the census, chained from
    worker to worker, and the applicants, and has the workers move their borrowers; the same
    folder and lending tables as one process."""
    raw = stressed("us-credit-lending")
    del raw["extend"]  # merged already: the file stands alone, with regions of its own
    raw["lending"] = raw["lending"] | {"every_days": 20, "apply_share": 0.1}
    raw["population"]["regions"] = [
        {"name": f"r{i}", "share": share, "urban": True, "cameras_per_1000": 0, "source": "test"}
        for i, share in enumerate((0.5, 0.3, 0.2))
    ]
    scenario = out / "lending.yaml"
    scenario.write_text(yaml.safe_dump(raw))
    args = dict(people=6000, days=70, seed=7, checkpoint_every=0)  # rounds on days 0, 20, 40, 60
    plain = run(scenario, out=out / "lending-plain", **args).folder
    folder = run(scenario, out=out / "lending-ray", cluster="local", shards=2, **args).folder

    def table(folder: Path, name: str):  # pandas' equals: NaN (a rate of nobody) in both
        return pq.read_table(folder / name).to_pandas()

    names = ("lending.parquet", "lending-curves.parquet")
    return {
        "lending_rows": len(table(plain, "lending.parquet")),
        "same_lending": same(plain, folder)
        and all(table(plain, n).equals(table(folder, n)) for n in names),
    }


def kill_shard(ray, k: int) -> int:
    """SIGKILL the worker process that holds shard ``k`` of the running engine."""
    (name,) = [n for n in ray.util.list_named_actors() if n.endswith(f"-shard-{k}")]
    _, pid = ray.get(ray.get_actor(name).hello.remote())
    os.kill(pid, signal.SIGKILL)
    return pid


def main(out: Path) -> None:
    scenario = out / "stressed.yaml"
    scenario.write_text(yaml.safe_dump(stressed("china-national-score-2018")))
    ray, _ = connect("local")
    findings: dict[str, object] = {}

    plain = run(scenario, out=out / "plain", **ARGS).folder
    findings["appeals_won"] = int(pq.read_table(plain / "appeals.parquet")["won"].to_numpy().sum())
    for k in (1, 2, 3):
        folder = run(scenario, out=out / f"ray-{k}", cluster="local", shards=k, **ARGS).folder
        manifest = json.loads((folder / "manifest.json").read_text())
        findings[f"same_with_{k}_shards"] = same(plain, folder) and manifest["shards"] == k

    # A shard that no node has memory for is refused before any worker starts.
    try:
        run(scenario, people=10**11, days=2, cluster="local", shards=3, write=False)
        findings["too_big"] = "ran"
    except ResourceError as exc:
        findings["too_big"] = str(exc)
    findings |= learned_check(out)
    findings |= lending_check(out)
    findings["leftover_workers"] = len(ray.util.list_named_actors())

    # From the command line, with a cluster of its own (started and stopped by the command).
    cli = out / "cli"
    command = [sys.executable, "-m", "socialcredit", "run", str(scenario), "--cluster", "local",
               "--shards", "2", "--out", str(cli), "-q"]  # fmt: skip
    command += [f"--{k.replace('_', '-')}={v}" for k, v in ARGS.items()]
    done = subprocess.run(command, capture_output=True, text=True)
    findings["cli_exit"] = done.returncode
    findings["same_from_cli"] = done.returncode == 0 and same(plain, cli)

    # A worker killed after the checkpoint of day 9: replaced, days 10.. run again.
    killed: list[int] = []

    def kill_on_day_12(day: int) -> None:
        if day == 12 and not killed:
            killed.append(kill_shard(ray, 1))
            time.sleep(0.5)

    folder = run(scenario, out=out / "lost", cluster="local", shards=2, on_day=kill_on_day_12,
                 **ARGS).folder  # fmt: skip
    manifest = json.loads((folder / "manifest.json").read_text())
    findings["loss_killed"] = len(killed)
    findings["loss_recorded"] = manifest["worker_losses"]
    findings["same_after_loss"] = same(plain, folder)

    # Killed before any checkpoint: the run starts again from day 0.
    early: list[int] = []

    def kill_on_day_2(day: int) -> None:
        if day == 2 and not early:
            early.append(kill_shard(ray, 0))
            time.sleep(0.5)

    folder = run(scenario, out=out / "lost-early", cluster="local", shards=2,
                 on_day=kill_on_day_2, **ARGS).folder  # fmt: skip
    findings["early_loss_recorded"] = json.loads((folder / "manifest.json").read_text())[
        "worker_losses"
    ]
    findings["same_after_early_loss"] = same(plain, folder)

    # Interrupted (the driver stops), then resumed: shards reload their checkpoint files.
    def stop_on_day_23(day: int) -> None:
        if day == 23:
            raise Stop

    cut = out / "cut"
    with contextlib.suppress(Stop):
        run(scenario, out=cut, cluster="local", shards=2, on_day=stop_on_day_23, **ARGS)
    staged = out / ".cut.partial"
    findings["checkpoint_files"] = sorted(p.name for p in staged.glob("*.npz"))
    findings["interrupted_looks_finished"] = cut.exists()
    resume(cut)
    findings["same_after_resume"] = same(plain, cut)
    findings["resumed_from_day"] = json.loads((cut / "manifest.json").read_text())[
        "resumed_from_day"
    ]
    (out / "findings.json").write_text(json.dumps(findings))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
