"""One ensemble member, run in a long-lived worker: simulate, measure, keep the results on disk.

A ``Simulator`` lives as long as its worker process and runs member after member: the kernels are
compiled (or loaded from the disk cache) once per process, and the population is synthesised
again only when what synthesis reads changes (the seed, the cell sizes, the household size, the
trait spread): not for a member that changes only rules or rates under the same seed.

A finished member is a folder ``members/NNNNNN`` holding ``summary.json``, ``metrics.parquet``,
``appeals.parquet`` (and ``traces.parquet`` where asked) and, written last, ``member.json``
with the member's seed and overrides and the SHA-256 of every file. It is written under a hidden
name and renamed, so a member folder is either complete or absent; `resume` trusts a member only
where ``member.json`` matches its spec and its files their digests (``finished``).
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from socialcredit.ensemble.spec import MemberSpec
from socialcredit.errors import OutputError
from socialcredit.output.run_folder import sha256_of
from socialcredit.plan import Plan
from socialcredit.population.synthesis import Population, synthesize
from socialcredit.runner import advance, appeal_table, engine_class, outcome
from socialcredit.scenario.compile import compile_plan
from socialcredit.scenario.schema import Scenario
from socialcredit.scenario.variant import variant_of_raw

MEMBERS = "members"  # the folder of finished members, in the staging folder
MEMBER_FILE = "member.json"


@dataclass(frozen=True)
class EnsembleJob:
    """What every member shares: the resolved scenario, its size, the engine, the stories."""

    raw: dict[str, Any]  # the resolved scenario (no extend:), as scenario.yaml holds it
    label: str
    people: int | None
    days: int | None
    engine: str = "fast"
    trace: int = 0  # life stories kept from member 0 (replicate 0), as a plain run keeps them
    stories: bool = True  # member 0 keeps wrongful.parquet and stories (sensitivity needs none)


@dataclass(frozen=True)
class MemberDone:
    """A finished member: where its files are, its summary, and where its time went."""

    index: int
    folder: Path
    summary: dict[str, Any]
    timings: dict[str, float]


def member_folder(root: Path, index: int) -> Path:
    return root / MEMBERS / f"{index:06d}"


def _synthesis_key(plan: Plan) -> tuple[Any, ...]:
    """Everything population/synthesis.py reads from the plan."""
    return (plan.seed, plan.cell_people.tobytes(), plan.household_size, plan.trait_spread)


class Simulator:
    """Runs members of one job, one after another, in this process."""

    def __init__(self, job: EnsembleJob) -> None:
        self.job = job
        self._population: tuple[tuple[Any, ...], Population] | None = None
        self._baseline: Scenario | None = None  # the scenario without overrides, validated once

    def scenario(self, spec: MemberSpec) -> Scenario:
        if spec.overrides:
            return variant_of_raw(self.job.raw, self.job.label, spec.overrides)
        if self._baseline is None:
            self._baseline = variant_of_raw(self.job.raw, self.job.label)
        return self._baseline

    def population(self, plan: Plan) -> tuple[Population, float]:
        key = _synthesis_key(plan)
        if self._population is not None and self._population[0] == key:
            return self._population[1], 0.0
        start = time.perf_counter()
        self._population = None  # free the old people before making new ones
        population = synthesize(plan)
        self._population = (key, population)
        return population, time.perf_counter() - start

    def run(self, spec: MemberSpec, root: Path) -> MemberDone:
        job = self.job
        began = time.perf_counter()
        scenario = self.scenario(spec)
        plan = compile_plan(scenario, people=job.people, days=job.days, seed=spec.seed,
                            label=job.label)  # fmt: skip
        population, synthesis = self.population(plan)
        sim = engine_class(job.engine)(plan, population)
        timings: dict[str, float] = {"population": synthesis}
        advance(sim, 0, timings)
        start = time.perf_counter()
        result = outcome(plan, sim, timings, None)
        summary, table = result.summary, result.metrics
        timings["metrics"] = time.perf_counter() - start
        start = time.perf_counter()
        log = sim.queue.log_table()
        final = member_folder(root, spec.index)
        staging = final.parent / f".{final.name}.tmp-{os.getpid()}"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        try:
            pq.write_table(table, staging / "metrics.parquet", compression="zstd")
            pq.write_table(appeal_table(plan, log), staging / "appeals.parquet")
            if plan.scorer is not None:  # every replicate's audit: the report averages them
                from socialcredit.engine.learned import audits_of
                from socialcredit.metrics.audit_table import AUDIT_FILE, audit_table

                audits = audit_table(audits_of(sim), plan.groups, plan.warmup)
                pq.write_table(audits, staging / AUDIT_FILE)
            from socialcredit.engine.reallocation import coverage_moves
            from socialcredit.metrics.coverage_table import COVERAGE_FILE

            moved = coverage_moves(plan, sim)
            if moved is not None:  # every replicate's moves: the report reads replicate 0's
                pq.write_table(moved[0], staging / COVERAGE_FILE)
            if plan.lending is not None:  # every replicate's rounds and outcome curves
                from socialcredit.engine.lending import lending_rounds
                from socialcredit.runner import write_lending

                write_lending(staging, plan, lending_rounds(sim))
            if spec.index == 0 and job.stories:  # the wrongly sanctioned and stories: replicate 0's
                from socialcredit.engine.replay import replay
                from socialcredit.metrics.wrongful_people import (
                    WRONGFUL_FILE,
                    keep_share,
                    wrongful_table,
                )
                from socialcredit.stories import traced_people

                total = summary["people_ever_wrongfully_sanctioned"]
                wrongful = sim.wrongful_people(keep_share(total))
                pq.write_table(wrongful_table(plan, wrongful, total), staging / WRONGFUL_FILE)
                traced = traced_people(plan, job.trace, wrongful, summary["wrongful_causes"])
                from socialcredit.engine.learned import MODELS_FILE, models_json, models_of

                models = models_of(sim)
                if plan.scorer is not None:
                    _write_json(staging / MODELS_FILE, models_json(plan, models))
                from socialcredit.engine.lending import lending_rounds

                moves = moved[1] if moved is not None else None
                stories = replay(plan, traced, log, models, moves=moves,
                                 lending=lending_rounds(sim))  # fmt: skip
                pq.write_table(stories, staging / "traces.parquet")
            _write_json(staging / "summary.json", summary)
            timings["write"] = time.perf_counter() - start
            timings["member"] = time.perf_counter() - began
            files = {p.name: sha256_of(p) for p in sorted(staging.iterdir())}
            _write_json(staging / MEMBER_FILE, {"seed": spec.seed,
                                               "overrides": dict(spec.overrides),
                                               "timings": timings, "files": files})  # fmt: skip
            os.rename(staging, final)
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise OutputError(
                f"{final}: could not write the member's results ({exc.strerror}). "
                "Fix: free disk space or choose another --out."
            ) from None
        finally:
            sim.close()
        return MemberDone(spec.index, final, summary, timings)


def _write_json(path: Path, data: Any) -> None:
    """Without fsync (run_folder.write_json syncs): a member lost to a crash fails its digests
    and runs again, and a thousand syncs cost more than the small members themselves."""
    path.write_text(json.dumps(data, indent=1, allow_nan=False) + "\n", encoding="utf-8")


def finished(root: Path, spec: MemberSpec) -> MemberDone | None:
    """The member kept on disk, if it is complete and is the member ``spec`` asks for; a
    member folder that is not (damaged, or of other specs) is removed so it is run again."""
    folder = member_folder(root, spec.index)
    if not folder.is_dir() or folder.is_symlink():
        return None
    try:
        record = json.loads((folder / MEMBER_FILE).read_text(encoding="utf-8"))
        files = record["files"]
        intact = (
            record["seed"] == spec.seed
            and record["overrides"] == dict(spec.overrides)
            and isinstance(files, dict)
            and all(
                isinstance(name, str)
                and "/" not in name
                and (folder / name).is_file()
                and sha256_of(folder / name) == digest
                for name, digest in files.items()
            )
        )
        if intact:
            summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
            return MemberDone(spec.index, folder, summary, dict(record["timings"]))
    except (OSError, ValueError, KeyError, TypeError):
        pass
    shutil.rmtree(folder, ignore_errors=True)
    return None
