"""Replicates on a private local Ray cluster, inside a loopback-only network namespace (see
test_ensemble_cluster.py, which starts it): the same ensemble in local worker processes and in
Ray actors, its files' digests, and the peak memory of the driver and the actors, written to
OUT/findings.json for the tests to assert on.

    unshare -n sh -c 'ip link set lo up && python tests/cluster/ray_ensemble_checks.py OUT'
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/, for scenarios.py

from scenarios import stressed  # noqa: E402
from socialcredit.engine.ray_backend import connect  # noqa: E402
from socialcredit.ensemble.replicates import resume, run  # noqa: E402

ARGS = dict(people=3000, days=30, seed=11, replicates=4)


class Stop(Exception):
    pass


def digests(folder: Path) -> dict[str, str]:
    """SHA-256 of every file of a run folder but the manifest (which holds timings)."""
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.iterdir())
        if p.is_file() and p.name != "manifest.json"
    }


def kib(pid: int, field: str) -> int:
    """A /proc/PID/status field in KiB: VmHWM is the process's peak resident memory so far."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


class Watch:
    """At each finished member (while the actors live), their pids, code and peak memory."""

    def __init__(self, ray: Any) -> None:
        self.ray = ray
        self.actors: dict[int, str] = {}  # pid -> where the actor imported socialcredit from
        self.peaks: dict[int, int] = {}
        self.ray_peak = 0  # Ray's own processes (GCS, raylet, ...) and idle workers, summed now

    def __call__(self, plan: Any, done: int, total: int) -> None:
        ray = self.ray
        for name in ray.util.list_named_actors():
            if "-member-worker-" in name:
                _, pid, where = ray.get(ray.get_actor(name).hello.remote())
                self.actors[pid] = where
        for pid in self.actors:
            with contextlib.suppress(OSError):
                self.peaks[pid] = max(self.peaks.get(pid, 0), kib(pid, "VmHWM"))
        others = [p for p in descendants(os.getpid()) if p not in self.actors]
        now = 0
        for pid in others:
            with contextlib.suppress(OSError):
                now += kib(pid, "VmRSS")
        self.ray_peak = max(self.ray_peak, now)


def main(out: Path) -> None:
    scenario = out / "stressed.yaml"
    scenario.write_text(yaml.safe_dump(stressed("china-national-score-2018")))
    ray, _ = connect("local")
    findings: dict[str, object] = {"cluster_cpus": ray.cluster_resources().get("CPU")}

    local = run(scenario, out=out / "local", workers=2, **ARGS).folder
    findings["local"] = digests(local)

    watch = Watch(ray)
    folder = run(scenario, out=out / "ray", cluster="local", workers=2, on_member=watch,
                 **ARGS).folder  # fmt: skip
    findings["ray"] = digests(folder)
    findings["ray_manifest_cluster"] = json.loads((folder / "manifest.json").read_text())["cluster"]
    findings["actor_code"] = sorted(set(watch.actors.values()))
    findings["actor_peak_kib"] = sorted(watch.peaks.values())
    findings["driver_peak_kib"] = kib(os.getpid(), "VmHWM")
    findings["ray_processes_peak_kib"] = watch.ray_peak
    findings["leftover_workers"] = len(ray.util.list_named_actors())

    # One worker gives the same bits as two.
    one = run(scenario, out=out / "ray-1", cluster="local", workers=1, **ARGS).folder
    findings["ray_one_worker"] = digests(one)

    # Interrupted after two members, then resumed on the cluster: the same folder.
    def stop_after_two(plan: Any, done: int, total: int) -> None:
        if done == 2:
            raise Stop

    cut = out / "cut"
    with contextlib.suppress(Stop):
        run(scenario, out=cut, cluster="local", workers=2, on_member=stop_after_two, **ARGS)
    findings["kept_before_resume"] = len(list((out / ".cut.partial" / "members").iterdir()))
    resume(cut, cluster="local", workers=2)
    findings["resumed"] = digests(cut)

    # From the command line, with a Ray of its own (started and stopped by the command).
    cli = out / "cli"
    command = [sys.executable, "-m", "socialcredit", "run", str(scenario), "--cluster", "local",
               "--workers", "2", "--out", str(cli), "-q"]  # fmt: skip
    command += [f"--{k}={v}" for k, v in ARGS.items()]
    done = subprocess.run(command, capture_output=True, text=True)
    findings["cli_exit"] = done.returncode
    findings["cli_stderr"] = done.stderr[-2000:]
    findings["cli"] = digests(cli) if done.returncode == 0 else {}
    findings |= sensitivity_and_calibration(out)
    (out / "findings.json").write_text(json.dumps(findings, indent=1))


def sensitivity_and_calibration(out: Path) -> dict[str, object]:
    """A sensitivity analysis and a calibration whose members run in Ray actors, and the same
    in local processes: their results (indices, samples; the trials' losses and parameters)."""
    from socialcredit.ensemble.calibration import calibrate
    from socialcredit.ensemble.sensitivity.run import sensitivity

    tests = Path(__file__).resolve().parents[1]
    known, size = tests / "sensitivity" / "known.yaml", {"people": 1500, "days": 45}
    found: dict[str, object] = {}
    for where, cluster in (("local", None), ("ray", "local")):
        folder = sensitivity(known, samples=2, workers=2, cluster=cluster,
                             out=out / f"sensitivity-{where}", **size).folder  # fmt: skip
        found[f"sensitivity_{where}"] = {
            name: hashlib.sha256((folder / name).read_bytes()).hexdigest()
            for name in ("sensitivity.parquet", "samples.parquet")
        }
    targets = out / "targets.yaml"
    targets.write_text(yaml.safe_dump({"population": 4000, "targets": [
        {"metric": "list_entries", "list": "debtors", "date": "2020-08-27", "value": 60.0,
         "source": "a round number"}]}))  # fmt: skip
    for where, cluster in (("local", None), ("ray", "local")):
        study = calibrate(tests / "calibration" / "tiny.yaml", targets, trials=3, people=1000,
                          seeds=1, workers=2, cluster=cluster, seed=5,
                          out=out / f"calibrate-{where}")  # fmt: skip
        found[f"calibration_{where}"] = [study.best.loss, study.best_params]
    return found


if __name__ == "__main__":
    main(Path(sys.argv[1]))
