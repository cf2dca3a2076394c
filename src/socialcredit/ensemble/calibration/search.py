"""The study: trials asked in batches, each run as K seeded members over the worker processes.

A batch is ``batch`` trials (the --workers of the first start): the sampler is asked for each of
them in turn, from the trials finished before the batch (a running trial counts for nothing in
TPE, and every trial of a batch is asked before any of them runs), then their K members each run
side by side through the ensemble runner (ensemble/members.py), and each trial is told its loss
as its last member finishes. The study lives in ``DIR/study.db`` (Optuna's RDB storage on
SQLite) and the finished members in ``DIR/members``, so an interrupted calibration loses at most
the members that were running: ``resume`` finishes the batch that was under way, then goes on.

What is deterministic: the trials' parameters and losses, given the scenario, targets, --seed,
--seeds, --people, --sampler and the batch size; an interrupted and resumed study equals an
uninterrupted one (tests/unit/test_calibration.py), because each trial's sampler is seeded by its
number (space.py) and each member's results depend only on its seed and parameters. What is
not: the order in which trials of a batch finish, their timestamps, and so anything that reads them;
and a different batch size asks from a different set of finished trials, so it gives another
(equally valid) study.

Trial 0 is the scenario's own values (where they lie inside their ranges, enqueued), so the best
trial is never worse than where the search started.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from socialcredit.ensemble.calibration.outputs import write_outputs
from socialcredit.ensemble.calibration.request import (
    INPUT,
    STUDY,
    TARGETS,
    Request,
    check_sampler,
    read_request,
    write_request,
)
from socialcredit.ensemble.calibration.scoring import Scored, score
from socialcredit.ensemble.calibration.space import distributions, sampler, startup_trials
from socialcredit.ensemble.member import EnsembleJob, MemberDone, member_folder
from socialcredit.ensemble.members import check_workers, ray_address, run_members
from socialcredit.ensemble.spec import MemberSpec, replicate_seed
from socialcredit.errors import ConfigError, OutputError
from socialcredit.plan import Plan
from socialcredit.scenario.compile import compile_plan
from socialcredit.scenario.free_parameters import BLOCK, value_at
from socialcredit.scenario.loading import load_scenario, validate
from socialcredit.scenario.schema import Scenario
from socialcredit.scenario.targets import TargetsFile, load_targets

STUDY_NAME = "calibration"
OnTrial = Callable[[int, int, float | None], None]  # (trials finished, trials in all, best loss)
OnMember = Callable[[MemberDone], None]


@dataclass(frozen=True)
class Calibration:
    folder: Path
    request: Request
    best_number: int
    best_params: dict[str, float]
    best: Scored  # the best trial's targets, mean and interval over seeds, errors, loss
    trials: int  # finished trials


def calibrate(
    scenario: str | Path,
    targets: str | Path,
    *,
    out: str | Path,
    trials: int = 100,
    people: int | None = None,
    seeds: int = 3,
    workers: int | None = None,
    cluster: str | None = None,
    batch: int | None = None,
    sampler_kind: str = "tpe",
    seed: int = 0,
    on_trial: OnTrial | None = None,
    on_member: OnMember | None = None,
) -> Calibration:
    """Fit ``scenario``'s free parameters (its calibrate: block) to ``targets``; the study and
    its results go to ``out``, which must not hold anything yet. ``batch`` trials are asked
    together (default: ``workers``, one per core)."""
    check_sampler(sampler_kind)
    address = ray_address(cluster, "trials")
    for option, value in (("--trials", trials), ("--seeds", seeds)):
        if value < 1:
            raise ConfigError(
                f"got {value}", path=option, expected="1 or more", fix=f"pass {option} 1 or more"
            )
    label = str(scenario)
    sc, raw = load_scenario(scenario)
    if not sc.calibrate:
        raise ConfigError(
            "the scenario declares no free parameters",
            file=label,
            path=BLOCK,
            expected="a calibrate: block, key path -> {low: L, high: H, log: true|false}",
            fix="add e.g. calibrate: {'behaviours[NAME].rate[0].value': {low: 1e-6, high: 1e-4, "
            "log: true}}",
        )
    load_targets(targets, sc)  # checked before anything is written
    folder = Path(out)
    _check_empty(folder)
    request = Request(
        scenario=label,
        targets=str(targets),
        trials=trials,
        people=people,
        seeds=seeds,
        seed=seed,
        sampler=sampler_kind,
        batch=check_workers(workers) if batch is None else check_workers(batch),
        startup=startup_trials(trials),
        started=date.today().isoformat(),
    )
    try:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / INPUT).write_text(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True))
        shutil.copyfile(targets, folder / TARGETS)
    except OSError as exc:
        raise OutputError(
            f"{folder}: could not write the calibration's inputs ({exc.strerror}). "
            "Fix: free disk space or choose another --out."
        ) from None
    write_request(folder, request)
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        storage=_storage(folder), study_name=STUDY_NAME, direction="minimize"
    )
    # trial 0 is the scenario as written, so a calibration never ends worse than its start
    start = {p: float(value_at(raw, p)) for p, f in sc.calibrate.items()
             if f.low <= float(value_at(raw, p)) <= f.high}  # fmt: skip
    if start:
        study.enqueue_trial(start)
    return _search(folder, request, workers, address, on_trial, on_member)


def resume(
    out: str | Path,
    *,
    trials: int | None = None,
    workers: int | None = None,
    cluster: str | None = None,
    on_trial: OnTrial | None = None,
    on_member: OnMember | None = None,
) -> Calibration:
    """Continue the calibration in ``out`` (to ``trials`` in all, if given; on ``cluster``, if
    given) to the same study an uninterrupted calibration gives."""
    address = ray_address(cluster, "trials")
    folder = Path(out)
    request = read_request(folder)
    if trials is not None and trials != request.trials:
        request = replace(request, trials=trials)
        write_request(folder, request)
    return _search(folder, request, workers, address, on_trial, on_member)


def _check_empty(folder: Path) -> None:
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        held = (folder / "calibration.json").is_file()
        raise ConfigError(
            f"{folder} already holds " + ("a calibration" if held else "files"),
            path="--out",
            expected="a folder that does not exist yet, or an empty one",
            fix=f"continue it with `socialcredit calibrate --resume {folder}`"
            if held
            else "choose another --out",
        )


def _storage(folder: Path) -> str:
    return f"sqlite:///{(folder / STUDY).resolve()}"


@dataclass(frozen=True)
class _Setup:
    scenario: Scenario
    raw: dict[str, Any]
    targets: TargetsFile
    plan: Plan  # the size, dates and people every member shares (for scaling the targets)
    job: EnsembleJob
    seeds: list[int]


def _setup(folder: Path, request: Request) -> _Setup:
    raw = yaml.safe_load((folder / INPUT).read_text("utf-8"))
    sc = validate(raw, request.scenario)
    targets = load_targets(folder / TARGETS, sc)
    plan = compile_plan(sc, people=request.people, seed=request.seed, label=request.scenario)
    # the members need no calibrate: block (it would be checked again in every member)
    bare = {k: v for k, v in raw.items() if k != BLOCK}
    job = EnsembleJob(bare, request.scenario, request.people, None, stories=False)
    seeds = [replicate_seed(request.seed, k) for k in range(request.seeds)]
    return _Setup(sc, raw, targets, plan, job, seeds)


def _search(
    folder: Path,
    request: Request,
    workers: int | None,
    cluster: str | None,
    on_trial: OnTrial | None,
    on_member: OnMember | None,
) -> Calibration:
    import optuna
    from optuna.trial import TrialState

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    setup = _setup(folder, request)
    study = optuna.load_study(study_name=STUDY_NAME, storage=_storage(folder))
    space = distributions(setup.scenario.calibrate)
    k = request.seeds

    def finished() -> int:
        return len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))

    def best() -> float | None:
        return study.best_value if finished() else None

    if on_trial is not None:
        on_trial(finished(), request.trials, best())
    while True:
        # a WAITING trial (the scenario's own values, enqueued) is asked like any other
        trials = study.get_trials(deepcopy=False)
        asked = [t for t in trials if t.state != TrialState.WAITING]
        running = [t for t in asked if t.state == TrialState.RUNNING]
        first = running[0].number // request.batch * request.batch if running else len(asked)
        batch: dict[int, dict[str, float]] = {t.number: dict(t.params) for t in running}
        for number in range(len(asked), min(first + request.batch, request.trials)):
            study.sampler = sampler(request.sampler, request.seed, number, request.startup)
            trial = study.ask(space)
            assert trial.number == number, "another process is adding trials to this study"
            batch[number] = dict(trial.params)
        if not batch:
            break
        specs = [
            MemberSpec(number * k + i, setup.seeds[i], {p: float(v) for p, v in params.items()})
            for number, params in sorted(batch.items())
            for i in range(k)
        ]
        done: dict[int, int] = {}
        for member in run_members(setup.job, specs, folder, workers, on_member, cluster):
            number = member.index // k
            done[number] = done.get(number, 0) + 1
            if done[number] == k:
                folders = [member_folder(folder, number * k + i) for i in range(k)]
                study.tell(number, score(setup.plan, setup.targets, folders).loss)
                if on_trial is not None:
                    on_trial(finished(), request.trials, best())
    if finished() == 0:
        raise ConfigError(
            "the study has no finished trial",
            path="--trials",
            expected="1 or more trials",
            fix="resume with --trials 1 or more",
        )
    top = study.best_trial
    folders = [member_folder(folder, top.number * k + i) for i in range(k)]
    scored = score(setup.plan, setup.targets, folders)
    params = {p: float(v) for p, v in top.params.items()}
    write_outputs(folder, request, setup.raw, setup.targets, setup.plan, study, params, scored,
                  folders)  # fmt: skip
    return Calibration(folder, request, top.number, params, scored, finished())
