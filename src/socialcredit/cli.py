"""The command line: ``socialcredit run | resume | verify | trace | report | compare | presets |
schema | validate | calibrate | reproduce``.

Every deliberate error (``SocialCreditError``) is shown as one paragraph on stderr with exit code
2, never as a traceback.
"""

from __future__ import annotations

import functools
import json
import math
import os
import shlex
import shutil
import sys
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from socialcredit.errors import ConfigError, OutputError, SocialCreditError
from socialcredit.fmt import amount, num, pct, ranged
from socialcredit.fmt import change as relative_change  # numbers read as on the pages
from socialcredit.version import __version__
from socialcredit.whole_numbers import parse_whole

app = typer.Typer(
    name="socialcredit",
    help="Simulate social credit systems on synthetic populations and measure what they do.",
    no_args_is_help=False,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out_console = Console()
err_console = Console(stderr=True)


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C during ``run`` or ``resume``, with the run's ``--out`` for the hint."""

    def __init__(self, out: Path) -> None:
        super().__init__(str(out))
        self.out = out


def friendly_errors(command: Callable[..., None]) -> Callable[..., None]:
    """Show deliberate errors as one paragraph and exit 2; never a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> None:
        try:
            command(*args, **kwargs)
        except SocialCreditError as exc:
            err_console.print(
                f"[bold red]error:[/bold red] {escape(str(exc))}", soft_wrap=True, highlight=False
            )
            raise typer.Exit(2) from None
        except KeyboardInterrupt as exc:
            out = exc.out if isinstance(exc, RunInterrupted) else None
            err_console.print(interrupted_hint(out), markup=False, soft_wrap=True, highlight=False)
            raise typer.Exit(130) from None

    return wrapper


def interrupted_hint(out: Path | None) -> str:
    """What Ctrl-C left behind, with the command that continues the run where it can."""
    from socialcredit.ensemble.member import MEMBERS
    from socialcredit.output.checkpoint import CHECKPOINT
    from socialcredit.output.run_folder import staging_path

    if out is None:
        return "interrupted."
    if (out / "calibration.json").is_file():
        return (
            f"interrupted: the study and its finished runs are kept in {out}. "
            f"`socialcredit calibrate --resume {shlex.quote(str(out))}` continues it."
        )
    if (staging_path(out) / MEMBERS).is_dir():
        return (
            f"interrupted: no finished run folder was written; the finished replicates are kept "
            f"in {staging_path(out)}. `socialcredit resume {shlex.quote(str(out))}` runs the "
            "rest."
        )
    if (staging_path(out) / CHECKPOINT).is_file():
        return (
            f"interrupted: no finished run folder was written; the last checkpoint is in "
            f"{staging_path(out)}. `socialcredit resume {shlex.quote(str(out))}` continues the run."
        )
    return (
        f"interrupted: no finished run folder was written and no checkpoint had been saved, "
        f"so nothing was kept. Fix: run it again (--out {shlex.quote(str(out))})."
    )


# Repeatable; parsed and applied by scenario/overrides.py, so every command that loads a
# scenario reads --set the same way.
SetOption = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        metavar="PATH=VALUE",
        help="Set one value of the scenario (repeatable), e.g. --set "
        "regime.lists[dishonest-debtors].duration_days=365; VALUE is YAML (a number, a word, "
        "[a, b], {key: value}). The run's scenario.yaml and report mark what it changed.",
    ),
]


def _count(value: str | None, option: str, low: int, high: int) -> int | None:
    """A whole-number option, parsed exactly (whole_numbers.py); None where it was not given."""
    return None if value is None else parse_whole(value, option, low, high)


@app.callback(invoke_without_command=True)
def _root(
    ctx: typer.Context,
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    if version:
        out_console.print(f"socialcredit {__version__}")
        raise typer.Exit()
    if ctx.invoked_subcommand is None:
        out_console.print(ctx.get_help())


@app.command()
@friendly_errors
def run(
    scenario: Annotated[
        str, typer.Argument(help="A preset name or a scenario YAML file.")
    ] = "china-national-score-2018",
    people: Annotated[
        str | None, typer.Option(help="Population size (default: the scenario's; 1e6 works).")
    ] = None,
    days: Annotated[
        str | None, typer.Option(help="Days to simulate (default: the scenario's).")
    ] = None,
    until: Annotated[
        str | None,
        typer.Option(
            help="Last day to simulate, YYYY-MM-DD (instead of --days; the scenario needs "
            "run.start)."
        ),
    ] = None,
    warmup: Annotated[
        str | None,
        typer.Option(
            help="Days to simulate before day 0 without reporting them, so that the run starts "
            "from the regime's long-run state (default: the scenario's run.warmup_days; 0: none)."
        ),
    ] = None,
    seed: Annotated[str | None, typer.Option(help="Random seed (default: the scenario's).")] = None,
    out: Annotated[
        Path | None, typer.Option(help="Run folder to create (default: runs/NAME-TIMESTAMP).")
    ] = None,
    engine: Annotated[
        str, typer.Option(help="fast (compiled, parallel) or reference (plain NumPy, readable).")
    ] = "fast",
    shards: Annotated[
        str | None,
        typer.Option(
            help="Split the population into up to K shards of whole regions "
            "(default: 1; with --cluster, one per node)."
        ),
    ] = None,
    cluster: Annotated[
        str | None,
        typer.Option(
            help="Run the shards (or the replicates) on Ray: 'local' (a private Ray here), "
            "'auto' (the cluster this machine belongs to) or ray://HOST:10001 (needs "
            "socialcredit[ray]); or "
            "'in-process' (the cluster driver with its workers in this process, for tests)."
        ),
    ] = None,
    checkpoint_every: Annotated[
        str, typer.Option(help="Save a checkpoint every N days for `resume` (0: never).")
    ] = "30",
    trace: Annotated[
        str,
        typer.Option(help="Life stories to keep: K sampled people, + a few wrongly sanctioned."),
    ] = "3",
    replicates: Annotated[
        str,
        typer.Option(
            help="Run R seeds (the run's seed first) as one ensemble: means and 90% intervals."
        ),
    ] = "1",
    workers: Annotated[
        str | None,
        typer.Option(
            help="Processes (or Ray actors, with --cluster) that run replicates side by side "
            "(default: one per core, or per CPU of the cluster)."
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or table.")] = False,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Print the estimated memory, wall time and checkpoint disk, check --out, and "
            "stop (nothing is written).",
        ),
    ] = False,
    set_values: SetOption = None,
) -> None:
    """Run a scenario and write its run folder (scenario, manifest, metrics, summary, report)."""
    from socialcredit.ensemble.replicates import run as run_scenario
    from socialcredit.scenario.overrides import WARMUP_OPTION, parse_set, with_warmup

    overrides = [parse_set(text) for text in set_values or []]
    overrides = with_warmup(overrides, _count(warmup, "--warmup", 0, 32_000), WARMUP_OPTION)

    n = _count(people, "--people", 1, 2**40 - 1)
    t = _count(days, "--days", 1, 32_000)
    if until is not None:
        from socialcredit.scenario.calendar import days_until
        from socialcredit.scenario.variant import load_variant

        sc = load_variant(scenario, overrides).scenario
        t = days_until(sc, until, days_given=t is not None, label=scenario)
    s = _count(seed, "--seed", 0, 2**63 - 1)
    k = _count(shards, "--shards", 1, 4096)
    every = _count(checkpoint_every, "--checkpoint-every", 0, 32_000) or 0
    stories = _count(trace, "--trace", 0, 10_000) or 0
    r = _count(replicates, "--replicates", 1, 1_000_000) or 1
    w = _count(workers, "--workers", 1, 1024)
    folder = _preflight(scenario, n, t, s, out, engine, cluster, every, quiet, dry_run, overrides)
    if r > 1 and (dry_run or not quiet):
        (out_console if dry_run else err_console).print(
            f"  replicates       {r}, each as estimated above, {w or 'one per core'} at a time "
            "(no checkpoints: each finished replicate is kept for `resume` instead)",
            markup=False, highlight=False, soft_wrap=True,
        )  # fmt: skip
    if dry_run:
        out_console.print(
            f"Dry run: the checks passed and nothing was written; without --dry-run the run "
            f"would write {escape(str(folder))}.",
            soft_wrap=True,
        )
        return
    try:
        with _progress(quiet) as (on_start, on_day, on_member):
            result = run_scenario(
                scenario,
                replicates=r,
                workers=w,
                on_member=on_member,
                keep_metrics=False,
                people=n,
                days=t,
                seed=s,
                out=folder,
                engine=engine,
                shards=k,
                cluster=cluster,
                checkpoint_every=every,
                trace=stories,
                overrides=overrides,
                on_start=on_start,
                on_day=on_day,
                argv=sys.argv,
            )
    except KeyboardInterrupt:
        raise RunInterrupted(folder) from None
    if not quiet:
        _print_summary(result.summary, result.folder, result.timings)


def _preflight(scenario: str, people: int | None, days: int | None, seed: int | None,
               out: Path | None, engine: str, cluster: str | None, every: int, quiet: bool,
               dry_run: bool, overrides: list[Any]) -> Path:  # fmt: skip
    """Before any work: compile the plan, check --out, print the estimate (to stdout for
    --dry-run, stderr otherwise, nothing with --quiet), and refuse a run that cannot fit in
    memory or whose checkpoints cannot fit on the disk. Returns the run folder."""
    from socialcredit.destination import check_out, check_room
    from socialcredit.estimates import describe, estimate_run
    from socialcredit.resources import check_memory
    from socialcredit.runner import ENGINES, default_out
    from socialcredit.scenario.compile import compile_plan
    from socialcredit.scenario.variant import load_variant

    if engine not in ENGINES:  # as the runner says it, but before the estimate needs a rate
        raise ConfigError(
            f"unknown engine '{engine}'",
            path="--engine",
            expected=f"one of: {', '.join(ENGINES)}",
            fix="use --engine fast (compiled) or --engine reference (plain NumPy)",
        )
    sc = load_variant(scenario, overrides).scenario
    plan = compile_plan(sc, people=people, days=days, seed=seed, label=scenario)
    folder = out if out is not None else default_out(sc.name)
    probe = check_out(folder)
    estimate = estimate_run(plan, engine, every, sc.name)
    if dry_run or not quiet:
        console = out_console if dry_run else err_console
        free = (str(probe), shutil.disk_usage(probe).free)
        for line in describe(estimate, cluster=cluster is not None, free=free):
            console.print(line, markup=False, highlight=False, soft_wrap=True)
    if cluster is None:
        check_memory(plan, engine)
    check_room(folder, probe, estimate)
    return folder


@contextmanager
def _progress(quiet: bool) -> Iterator[tuple[Callable[..., None], Callable[[int], None],
                                             Callable[..., None]]]:  # fmt: skip
    """A progress bar over days, or over replicates for an ensemble; yields the (on_start,
    on_day, on_member) callbacks the runner calls."""
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[unit]}"),
        TimeRemainingColumn(),
        console=err_console,
        disable=quiet,
        transient=True,
    )
    task: list[Any] = []

    def on_start(plan: Any, first_day: int) -> None:
        label = f"{escape(plan.name)}, {plan.people:,} people"  # the column renders markup
        task.append(
            progress.add_task(label, total=plan.simulated_days, completed=first_day, unit="days")
        )

    def on_day(day: int) -> None:
        progress.update(task[0], completed=day + 1)  # a recovered run repeats some days

    counting: list[Any] = []  # the bar over members, once the first one is done

    def on_member(plan: Any, done: int, total: int, unit: str = "replicates") -> None:
        if not counting:  # an ensemble counts members (replicates, runs), not days
            for t in task:
                progress.remove_task(t)
            label = f"{escape(plan.name)}, {total:,} {unit} of {plan.people:,} people"
            counting.append(progress.add_task(label, total=total, unit=unit))
        progress.update(counting[0], completed=done)

    with progress:
        yield on_start, on_day, on_member


@app.command()
@friendly_errors
def resume(
    out: Annotated[Path, typer.Argument(help="The --out folder of the interrupted run.")],
    cluster: Annotated[
        str | None,
        typer.Option(
            help="The cluster to continue a cluster run on (as for `run`); an address is never "
            "taken from the folder itself."
        ),
    ] = None,
    workers: Annotated[
        str | None,
        typer.Option(
            help="Processes (or Ray actors, with --cluster) for the replicates still to run "
            "(default: one per core)."
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or table.")] = False,
) -> None:
    """Continue an interrupted run from its last checkpoint (an ensemble from its finished
    replicates), to the same result."""
    from socialcredit.ensemble.replicates import resume as resume_run
    from socialcredit.ensemble.sensitivity import run as sensitivity_run

    w = _count(workers, "--workers", 1, 1024)
    if sensitivity_run.is_sensitivity(out):  # an interrupted `socialcredit sensitivity`
        try:
            with _progress(quiet) as (_, _, on_member):
                done = sensitivity_run.resume(
                    out, workers=w, cluster=cluster,
                    on_start=lambda plan, total: on_member(plan, 0, total, "runs"),
                    on_member=_members(on_member),
                )  # fmt: skip
        except KeyboardInterrupt:
            raise RunInterrupted(out) from None
        if not quiet:
            _print_sensitivity(done.summary, done.indices, done.folder)
        return
    try:
        with _progress(quiet) as (on_start, on_day, on_member):
            result = resume_run(out, cluster=cluster, workers=w, on_start=on_start,
                                on_day=on_day, on_member=on_member, keep_metrics=False)  # fmt: skip
    except KeyboardInterrupt:
        raise RunInterrupted(out) from None
    if not quiet:
        _print_summary(result.summary, result.folder, result.timings)


# --cluster of the commands whose runs are ensemble members (sensitivity, calibrate)
EnsembleClusterOption = Annotated[
    str | None,
    typer.Option(
        "--cluster",
        help="Run them as Ray actors: 'local' (a private Ray here), 'auto' (the cluster this "
        "machine belongs to) or ray://HOST:10001 (needs socialcredit[ray]); the same results as "
        "local processes.",
    ),
]


@app.command()
@friendly_errors
def sensitivity(
    scenario: Annotated[
        str, typer.Argument(help="A preset name or a scenario YAML file.")
    ] = "china-national-score-2018",
    vary: Annotated[
        Path | None,
        typer.Option(
            help="YAML file of the factors to vary instead of the scenario's assumptions: "
            "PATH: {low: X, high: Y, log: true}."
        ),
    ] = None,
    method: Annotated[
        str, typer.Option(help="morris (screen many factors) or sobol (S1 and ST, for a few).")
    ] = "morris",
    samples: Annotated[
        str | None,
        typer.Option(
            help="Morris trajectories (default 10; runs = N x (factors + 1)) or Sobol's N, a "
            "power of two (default 64; runs = N x (factors + 2))."
        ),
    ] = None,
    people: Annotated[
        str | None, typer.Option(help="Population of each run (default: the scenario's).")
    ] = None,
    days: Annotated[
        str | None, typer.Option(help="Days of each run (default: the scenario's).")
    ] = None,
    seed: Annotated[
        str | None, typer.Option(help="The one seed every run uses (default: the scenario's).")
    ] = None,
    workers: Annotated[
        str | None,
        typer.Option(
            help="Processes (or Ray actors, with --cluster) running side by side (default: one "
            "per core, or per CPU of the cluster)."
        ),
    ] = None,
    cluster: EnsembleClusterOption = None,
    out: Annotated[
        Path | None,
        typer.Option(help="Folder to create (default: runs/sensitivity-NAME-TIMESTAMP)."),
    ] = None,
    list_factors: Annotated[
        bool,
        typer.Option(
            "--list-factors",
            help="Print the factors that would be varied, as a --vary file, and stop.",
        ),
    ] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or table.")] = False,
    set_values: SetOption = None,
) -> None:
    """Which assumption drives each headline number: vary the scenario's assumptions (Morris
    or Sobol, with SALib) and write sensitivity.parquet and sensitivity.html."""
    from socialcredit.ensemble.sensitivity.run import sensitivity as analyse
    from socialcredit.scenario.overrides import parse_set

    overrides = [parse_set(text) for text in set_values or []]
    n = _count(samples, "--samples", 1, 1_000_000)
    if list_factors:
        _list_factors(scenario, overrides)
        return
    try:
        with _progress(quiet) as (on_start, _, on_member):
            result = analyse(
                scenario, vary=vary, method=method, samples=n,
                people=_count(people, "--people", 1, 2**40 - 1),
                days=_count(days, "--days", 1, 32_000), seed=_count(seed, "--seed", 0, 2**63 - 1),
                workers=_count(workers, "--workers", 1, 1024), cluster=cluster,
                overrides=overrides, out=out,
                on_start=lambda plan, total: on_member(plan, 0, total, "runs"),
                on_member=_members(on_member),
                argv=sys.argv,
            )  # fmt: skip
    except KeyboardInterrupt:
        raise RunInterrupted(out or Path("runs")) from None
    if not quiet:
        _print_sensitivity(result.summary, result.indices, result.folder)


def _members(on_member: Callable[..., None]) -> Callable[..., None]:
    return lambda plan, done, total: on_member(plan, done, total, "runs")


def _list_factors(scenario: str, overrides: list[Any]) -> None:
    import yaml

    from socialcredit.ensemble.sensitivity.factors import default_factors
    from socialcredit.scenario.variant import load_variant

    raw = load_variant(scenario, overrides).scenario.model_dump(
        mode="json", exclude_none=True, by_alias=True
    )
    factors = default_factors(raw)  # as the run reads them from its scenario.yaml
    out_console.print(
        f"# {len(factors)} numbers of {scenario} whose source says they are assumptions; "
        "low and high multiply the value as the scenario has it", markup=False, soft_wrap=True,
    )  # fmt: skip
    for f in factors:
        low, high = math.ceil(f.low * 1e4) / 1e4, math.floor(f.high * 1e4) / 1e4  # inside
        line = {f.path: {"low": low, "high": high, "log": f.log,
                         "scale": True}}  # fmt: skip
        text = yaml.safe_dump(line, default_flow_style=None, sort_keys=False, width=1000)
        out_console.print(text.rstrip(), markup=False, soft_wrap=True, highlight=False)


def _print_sensitivity(summary: dict[str, Any], indices: Any, folder: Path) -> None:
    """Per output, the factors that rank first, with their index and its 95% interval."""
    index = summary["ranked_by"]
    rows = indices.to_pylist()
    for key in summary["outputs"]:
        out_console.print(f"{key}:", markup=False, highlight=False)
        top = sorted((r for r in rows if r["output"] == key and r["index"] == index),
                     key=lambda r: r["rank"])[:3]  # fmt: skip
        for r in top:
            out_console.print(
                f"  {r['rank']}. {r['factor']}  {index} {r['value']:.3g} "
                f"({r['ci_low']:.3g} to {r['ci_high']:.3g})",
                markup=False, highlight=False, soft_wrap=True,
            )  # fmt: skip
    for key in summary["constant_outputs"]:
        out_console.print(f"{key}: the same in every run", markup=False, highlight=False)
    for key in summary["skipped_outputs"]:
        out_console.print(f"{key}: not defined in every run, left out", markup=False)
    out_console.print(
        f"{len(summary['factors'])} factors, {summary['runs']:,} runs of "
        f"{summary['people']:,} people x {summary['days']:,} days in "
        f"{summary['members_seconds']:.0f} s. Wrote {escape(str(folder))} "
        "(sensitivity.html, sensitivity.parquet).",
        soft_wrap=True,
    )


@app.command()
@friendly_errors
def verify(folder: Annotated[Path, typer.Argument(help="A run folder.")]) -> None:
    """Check every file of a run folder against the SHA-256 in its manifest."""
    from socialcredit.output.run_folder import verify_folder

    problems = verify_folder(folder)
    if problems:
        for line in problems:
            err_console.print(f"[bold red]mismatch:[/bold red] {escape(line)}", soft_wrap=True)
        err_console.print(
            f"{folder}: {len(problems)} problem(s); these results are not intact.",
            markup=False, soft_wrap=True,
        )  # fmt: skip
        raise typer.Exit(1)
    out_console.print(f"{folder}: every file matches its manifest.", markup=False, soft_wrap=True)


@app.command()
@friendly_errors
def trace(
    folder: Annotated[Path, typer.Argument(help="A run folder.")],
    person: Annotated[
        str | None, typer.Option(help="The person's index (0 .. people - 1).")
    ] = None,
    wrongful: Annotated[
        bool, typer.Option("--wrongful", help="List people who were wrongly sanctioned.")
    ] = False,
    sanction: Annotated[
        str | None, typer.Option(help="With --wrongful: only those wrongly under this sanction.")
    ] = None,
    cause: Annotated[
        str | None,
        typer.Option(
            help="With --wrongful: only those wrongly sanctioned through an error of "
            "this data source."
        ),
    ] = None,
    limit: Annotated[
        str, typer.Option(help="With --wrongful: list at most this many people.")
    ] = "10",
) -> None:
    """Tell one person's story (--person ID), or find wrongly sanctioned people (--wrongful)."""
    if wrongful and person is None:
        _print_wrongful(folder, sanction, cause, _count(limit, "--limit", 1, 1000) or 10)
        return
    if person is None or wrongful or sanction is not None or cause is not None:
        raise ConfigError(
            "trace needs --person ID, or --wrongful (with --sanction and --cause as filters)",
            path="--person" if person is None else "--wrongful",
            expected="one of the two",
            fix=f"list wrongly sanctioned people with `socialcredit trace {folder} --wrongful`, "
            f"then tell one's story with `socialcredit trace {folder} --person ID`",
        )
    who = _count(person, "--person", 0, 2**40)
    assert who is not None
    _print_story(folder, who)


def _print_story(folder: Path, who: int) -> None:
    from socialcredit.stories import story
    from socialcredit.traces import (
        appeals_sentence,
        eventful_days,
        harm_of,
        harm_sentence,
        sanction_lists,
        standing,
        what_happened,
    )

    days = story(folder, who)
    rows = days.to_pylist()
    last = rows[-1]
    harm = harm_of(days)
    # Names come from the scenario file: printed without markup, as rich reads '[...]' as markup.
    out_console.print(f"Person {who}, {len(rows)} days.", style="bold", markup=False)
    out_console.print(harm_sentence(harm), markup=False, highlight=False)
    if harm.appeals:
        out_console.print(appeals_sentence(harm), markup=False, highlight=False)
    out_console.print(
        f"Ends in tier {last['tier']} with {last['score']} points (from true records alone: "
        f"{last['shadow_score']}, tier {last['shadow_tier']}).",
        markup=False, highlight=False,
    )  # fmt: skip
    carried = sanction_lists(days)
    table = Table(show_header=True, title_justify="left")
    table.add_column("day", justify="right")
    table.add_column("what happened", overflow="fold", ratio=3)
    table.add_column("score", justify="right")
    table.add_column("standing (WRONGLY: not from true records)", overflow="fold", ratio=2)
    for row in eventful_days(days):
        change = f" ({row['score_change']:+d})" if row["score_change"] else ""
        table.add_row(
            str(row["day"]), escape(what_happened(row) or "-"), f"{row['score']}{change}",
            escape(standing(row, carried)),
        )  # fmt: skip
    out_console.print(table)


def _print_wrongful(folder: Path, sanction: str | None, cause: str | None, limit: int) -> None:
    from socialcredit.stories import listing_row, wrongly_sanctioned

    found = wrongly_sanctioned(folder, sanction=sanction, cause=cause, limit=limit)
    which = " ".join(
        part for part in (sanction and f"under {sanction}", cause and f"through {cause} errors")
        if part
    )  # fmt: skip
    kept = "" if found.kept == found.total else f" ({found.kept:,} kept in wrongful.parquet)"
    out_console.print(
        f"{found.total:,} people were wrongly sanctioned in this run{kept}. "
        f"Found {len(found.shown)}{' wrongly ' + which if which else ''} by replaying "
        f"{found.replayed} of them:",
        markup=False, highlight=False,
    )  # fmt: skip
    if not found.shown:
        out_console.print("nobody found.", markup=False)
        return
    table = Table(show_header=True)
    for name, ratio in (("person", None), ("days", None), ("wrongly under", 3),
                        ("error behind it", 2), ("appeals", 2)):  # fmt: skip
        table.add_column(name, overflow="fold", ratio=ratio)
    for w in found.shown:
        r = listing_row(w)
        table.add_row(str(r["person"]), f"{r['days']:,}", escape(r["under"]),
                      escape(r["cause"]), escape(r["appeals"]))  # fmt: skip
    out_console.print(table)
    out_console.print(
        f"`socialcredit trace {folder} --person ID` tells one person's story.",
        markup=False, highlight=False,
    )  # fmt: skip


def _print_summary(summary: dict[str, Any], folder: Path | None, timings: dict[str, float]) -> None:
    intervals = summary.get("intervals", {})

    def shown(show: Callable[[Any], str], *keys: str) -> str:
        """A headline number, with its 90% interval where the run had replicates."""
        value: Any = summary
        bounds: Any = intervals
        for key in keys:
            value = value[key]
            bounds = bounds.get(key) if isinstance(bounds, dict) else None
        return ranged(value, bounds if isinstance(bounds, list) else None, show)

    replicates = summary.get("replicates", 1)
    head = Table(
        title=f"{escape(summary['scenario'])}: {summary['people']:,} people, "
        f"{summary['days']} days"
        + (f" after a {summary['warmup_days']:,}-day warm-up" if summary.get("warmup_days") else "")
        + (f", {replicates} replicates (mean, 90% interval)" if replicates > 1 else ""),
        show_header=False,
        title_justify="left",
    )
    head.add_column(style="bold", no_wrap=True)  # labels whole; a long value wraps instead
    head.add_column(justify="right")
    head.add_row("people ever sanctioned", shown(num, "people_ever_sanctioned"))
    head.add_row(
        "  of them wrongfully at some point", shown(num, "people_ever_wrongfully_sanctioned")
    )
    head.add_row("sanctioned on the last day", shown(num, "sanctioned_last_day"))
    head.add_row("  wrongfully", shown(num, "wrongfully_sanctioned_last_day"))
    head.add_row("wrongful share of sanctioned person-days", shown(pct, "wrongful_share"))
    head.add_row("cross-context share of sanctions", shown(pct, "cross_context_share"))
    drifting = summary.get("drift", {}).get("still_drifting")
    if drifting is not None:  # metrics/drift.py: the trend over the last quarter
        head.add_row("still drifting at the end", "yes" if drifting else "no clear trend")
    chill = summary["chilling"]
    if chill.get("change") is not None:
        head.add_row(
            "chilling: legitimate disfavoured acts vs day 0",
            shown(relative_change, "chilling", "change"),
        )
    head.add_row(
        "appeals filed / won / pending",
        " / ".join(shown(num, "appeals", k) for k in ("filed", "won", "pending_at_end")),
    )
    head.add_row(
        "speed",
        f"{timings['person_days_per_second'] / 1e6:,.1f} M person-days/s "
        f"({timings['simulation']:.1f} s)",
    )
    out_console.print(head)

    out_console.print(sanctions_table(summary))
    out_console.print(
        "Sanctions carried by one list or set of tiers share a row: they fall on the same "
        "people.  % wrongly: of those under it on the last day.  * cross-context: the domain "
        "differs from that of every record that can trigger it.  DI: disparate impact, group "
        "rate / least-affected group's rate; ! = outside 0.8-1.25"
        + (
            ""
            if replicates == 1
            else " (its whole interval); ? = not distinguishable from parity at this size"
        )
    )
    _print_carriers(summary)
    _print_groups(summary)
    for name, s in summary["sanctions"].items():
        if "blocked" in s:  # encounters: each attempt by a person under the sanction is blocked
            out_console.print(
                f"{escape(name)}: {num(s['blocked'])} attempts blocked, "
                f"{num(s['blocked_wrongful'])} of them of people wrongly listed",
                soft_wrap=True,
            )
    causes = summary["wrongful_causes"][:3]
    if causes:
        text = "; ".join(
            f"{c['source']} {c['error_kind'].replace('_', ' ')} {pct(c['share'])}" for c in causes
        )
        out_console.print(
            f"Top causes of wrongful sanction person-days: {escape(text)}", soft_wrap=True
        )
    if folder is not None:
        out_console.print(f"Run folder: [bold]{escape(str(folder))}[/bold]", soft_wrap=True)


def sanctions_table(summary: dict[str, Any]) -> Table:
    """The last day's sanctions, one row per carrier (metrics/sanction_rows.py, as the report).
    Names wrap between names, never inside one, whatever the terminal's width."""
    from socialcredit.metrics.sanction_rows import sanction_rows

    rows = sanction_rows(summary["sanctions"])
    # No outer edge and one space between columns: six columns then fit 80 characters, the
    # name columns as wide as their longest name (+1 for the comma after it), so that rich,
    # which wraps at spaces, wraps between names and never inside one.
    table = Table(
        title="sanctions in force on the last day",
        title_justify="left",
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1, 0, 0),
    )
    longest = max((len(n) + 1 for r in rows for n in r.names), default=8)
    widest = max((len(d) + 1 for r in rows for d in r.domains), default=6)
    table.add_column("sanctions", width=longest, overflow="fold")
    table.add_column("domain", width=widest, overflow="fold")
    for name in ("in force", "wrongly", "% wrongly", "DI max"):
        table.add_column(name, justify="right", no_wrap=True)
    for r in rows:
        di = "-" if r.disparate_impact_max is None else f"{r.disparate_impact_max:.2f}"
        table.add_row(
            escape(r.label),
            escape(", ".join(r.domains)) + ("*" if r.cross_context else ""),
            num(r.in_force_last_day),
            num(r.wrongful_last_day),
            pct(r.last_day_wrongful_share),
            di + (" !" if r.flagged else " ?" if r.indistinct else ""),
        )
    return table


def _print_carriers(summary: dict[str, Any]) -> None:
    """People ever under each group of sanctions switched on together (one list, or one set of
    score tiers), how many of them wrongly, and the top cause of the group's wrongful days."""
    carriers = summary.get("carriers") or {}
    if not carriers:
        return
    # The text columns are wrapped here, between names and words and never inside one (rich
    # would fold a name that does not fit): the names column as wide as its longest name, the
    # cause column whatever the terminal leaves (4 + 7 for the counts, 13 for edges and padding).
    longest = max(len(n) + 1 for k in carriers.values() for n in [*k["sanctions"], k["name"]])
    names_width = max(longest, len("sanctions (carried by)"))
    cause_width = max(out_console.width - names_width - 4 - 7 - 13, 16)

    def wrapped(text: str, width: int) -> str:
        return "\n".join(textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False))

    table = Table(title="people ever under each sanction group", title_justify="left")
    table.add_column("sanctions (carried by)", width=names_width, no_wrap=True)
    table.add_column("ever", justify="right", no_wrap=True)
    table.add_column("wrongly", justify="right", no_wrap=True)
    table.add_column("top cause of wrongful days", width=cause_width, no_wrap=True)
    for k in carriers.values():
        top = k["wrongful_causes"][:1]
        cause = "-"
        if top:
            c = top[0]
            cause = f"{c['source'] or ''} {c['error_kind'].replace('_', ' ')} {pct(c['share'])}"
        names = ", ".join(k["sanctions"]) + f" ({k['kind']} {k['name']})"
        table.add_row(
            escape(wrapped(names, names_width)),
            num(k["people_ever_under"]),
            num(k["people_ever_wrongly_under"]),
            escape(wrapped(cause.strip(), cause_width)),
        )
    out_console.print(table)


def _print_groups(summary: dict[str, Any]) -> None:
    """Per group: sanctioned and wrongly sanctioned person-days per 100,000 lived, and the
    disparate impact of each rate (! outside the four-fifths band)."""
    groups = summary.get("groups") or {}
    if not groups or not summary["sanctioned_person_days"]:
        return
    flagged = summary["groups_flagged"]
    table = Table(title="by group, per 100,000 person-days", title_justify="left")
    for name in ("group", "sanctioned", "DI", "wrongly", "DI", "ever wrongly /100k people"):
        table.add_column(name, justify="left" if name == "group" else "right", overflow="fold")

    def di(x: float | None, flag: bool) -> str:
        return ("-" if x is None else f"{x:.2f}") + (" !" if flag else "")

    for g, x in groups.items():
        table.add_row(
            escape(g),
            amount(x["sanctioned_per_100k"]),
            di(x["sanction_disparate_impact"], g in flagged["sanctioned"]),
            amount(x["wrongfully_sanctioned_per_100k"]),
            di(x["wrongful_disparate_impact"], g in flagged["wrongful"]),
            amount(x["ever_wrongfully_sanctioned_per_100k"]),
        )
    out_console.print(table)


@app.command()
@friendly_errors
def presets(
    show: Annotated[str | None, typer.Option(help="Print this preset's YAML.")] = None,
) -> None:
    """List the built-in scenarios, one line each."""
    from socialcredit.scenario.loading import load_scenario, preset_names, preset_text

    if show is not None:
        if show not in preset_names():
            raise ConfigError(
                f"'{show}' is not a preset",
                path="--show",
                expected=f"one of: {', '.join(preset_names())}",
                fix="run `socialcredit presets` for the list",
            )
        # The file as it is, past rich: a console wraps at the terminal's width (80 columns
        # when piped) and reads ':name:' as an emoji, and the YAML, piped into a file as the
        # README suggests, would no longer parse.
        text = preset_text(show)
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        return
    table = Table(show_header=True, box=None)
    table.add_column("preset", style="bold", no_wrap=True)  # a name to type: never broken
    table.add_column("what it models")
    for name in preset_names():
        sc, _ = load_scenario(name)
        first = sc.description.split(". ")[0].rstrip(".") + "."
        table.add_row(escape(name), escape(first))
    out_console.print(table)


@app.command()
@friendly_errors
def schema(
    out: Annotated[Path | None, typer.Option(help="Write to this file instead of stdout.")] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite --out if it is an existing file.")
    ] = False,
) -> None:
    """Print the JSON Schema of scenario files (for editor completion and checks)."""
    from socialcredit.scenario.schema import json_schema

    text = json.dumps(json_schema(), indent=2)
    if out is None:
        sys.stdout.write(text + "\n")
    else:
        write_schema(out, text + "\n", force=force)


def write_schema(out: Path, text: str, *, force: bool) -> None:
    """Write ``schema --out``: into an existing folder, never onto a folder, and onto an
    existing file only with --force."""
    if os.path.isdir(out):
        raise OutputError(
            f"{out}: is a folder; --out names the schema file to write. "
            f"Fix: pass a file name, e.g. --out {shlex.quote(str(out / 'scenario.schema.json'))}."
        )
    if not os.path.isdir(out.parent or Path(".")):
        raise OutputError(
            f"{out}: the folder {out.parent} does not exist. "
            f"Fix: create it first (mkdir -p {shlex.quote(str(out.parent))}), or pass another "
            "--out."
        )
    if os.path.lexists(out) and not force:
        raise OutputError(
            f"{out}: already exists; schema does not overwrite files unless told to. "
            "Fix: pass --force to overwrite it, or pass another --out."
        )
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise OutputError(
            f"{out}: could not be written ({exc.strerror}). "
            "Fix: pass an --out in a folder you can write to."
        ) from None


@app.command()
@friendly_errors
def validate(
    scenario: Annotated[str, typer.Argument(help="A preset name or YAML file.")],
    set_values: SetOption = None,
) -> None:
    """Check a scenario file and compile it, without running it."""
    from socialcredit.scenario.compile import compile_plan
    from socialcredit.scenario.overrides import parse_set
    from socialcredit.scenario.variant import load_variant

    sc = load_variant(scenario, [parse_set(text) for text in set_values or []]).scenario
    plan = compile_plan(sc, label=scenario)
    out_console.print(
        f"{scenario}: valid ({len(plan.behaviours)} behaviours, "
        f"{len(plan.sources)} data sources, {len(plan.tiers)} tiers, "
        f"{len(plan.consequences)} consequences)",
        markup=False, soft_wrap=True,
    )  # fmt: skip


@app.command()
@friendly_errors
def report(
    folder: Annotated[Path, typer.Argument(help="A run folder written by `socialcredit run`.")],
    sensitivity: Annotated[
        Path | None,
        typer.Option(
            help="A folder written by `socialcredit sensitivity` for the same scenario: the "
            "report links it and says which assumption each headline number rests on."
        ),
    ] = None,
) -> None:
    """Rebuild a run folder's report.html from its files and update the manifest's hash."""
    import time

    from socialcredit.report import rebuild_report
    from socialcredit.report.sensitivity_link import link_sensitivity

    start = time.perf_counter()
    path = rebuild_report(folder) if sensitivity is None else link_sensitivity(folder, sensitivity)
    seconds = time.perf_counter() - start
    out_console.print(f"Report: [bold]{escape(str(path))}[/bold] ({seconds:.1f} s)", soft_wrap=True)


@app.command()
@friendly_errors
def compare(
    runs: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Two or more run folders written by `socialcredit run`.", metavar="RUN"
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            help="The page to write (default: compare-A-vs-B.html here); never overwritten."
        ),
    ] = None,
) -> None:
    """Put two or more runs side by side on one self-contained page (regimes on the same seed)."""
    import time

    from socialcredit.report.compare import write_compare

    start = time.perf_counter()
    path = write_compare(runs or [], out)
    seconds = time.perf_counter() - start
    out_console.print(
        f"Comparison: [bold]{escape(str(path))}[/bold] ({seconds:.1f} s)", soft_wrap=True
    )


@app.command()
@friendly_errors
def calibrate(
    scenario: Annotated[
        str | None, typer.Argument(help="A preset name or scenario YAML with a calibrate: block.")
    ] = None,
    targets: Annotated[
        Path | None, typer.Option(help="The targets file (published figures) to fit.")
    ] = None,
    trials: Annotated[str | None, typer.Option(help="Trials in the study (default 100).")] = None,
    people: Annotated[
        str | None, typer.Option(help="Population of each run (default: the scenario's).")
    ] = None,
    seeds: Annotated[str, typer.Option(help="Seeds per trial, the same for every trial.")] = "3",
    workers: Annotated[
        str | None,
        typer.Option(
            help="Processes (or Ray actors, with --cluster), and trials asked per batch "
            "(default: one per core)."
        ),
    ] = None,
    cluster: EnsembleClusterOption = None,
    sampler: Annotated[str, typer.Option(help="tpe (default) or cmaes.")] = "tpe",
    seed: Annotated[str, typer.Option(help="Seeds the runs and the sampler.")] = "0",
    out: Annotated[
        Path | None, typer.Option(help="Folder to create (default: runs/calibrate-NAME-TIME).")
    ] = None,
    resume_folder: Annotated[
        Path | None,
        typer.Option(
            "--resume",
            help="Continue the calibration in this folder (with --trials: to that many in all).",
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or table.")] = False,
) -> None:
    """Fit a scenario's free parameters to published targets (Optuna), and write the calibrated
    scenario, fit.parquet, fit.html and trials.parquet."""
    from socialcredit.ensemble.calibration import calibrate as run_calibration
    from socialcredit.ensemble.calibration import resume as resume_calibration
    from socialcredit.runner import default_out

    n = _count(trials, "--trials", 1, 1_000_000)
    w = _count(workers, "--workers", 1, 1024)
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("best loss {task.fields[best]}"),
        TimeRemainingColumn(),
        console=err_console,
        disable=quiet,
        transient=True,
    )
    task = progress.add_task("trials", total=None, best="-")

    def on_trial(done: int, total: int, best: float | None) -> None:
        shown = "-" if best is None else f"{best:.4g}"
        progress.update(task, completed=done, total=total, best=shown)

    if resume_folder is not None:
        if scenario is not None or targets is not None:
            raise ConfigError(
                "--resume with a scenario or --targets",
                path="--resume",
                expected="--resume DIR alone (the folder keeps its scenario and targets)",
                fix=f"run `socialcredit calibrate --resume {resume_folder}`",
            )
        folder = resume_folder
        try:
            with progress:
                result = resume_calibration(folder, trials=n, workers=w, cluster=cluster,
                                            on_trial=on_trial)  # fmt: skip
        except KeyboardInterrupt:
            raise RunInterrupted(folder) from None
    else:
        if scenario is None or targets is None:
            raise ConfigError(
                "a scenario and --targets are needed",
                path="--targets" if scenario is not None else "SCENARIO",
                expected="socialcredit calibrate SCENARIO --targets FILE, or --resume DIR",
                fix="name the scenario and its targets file (a preset's: NAME.targets.yaml)",
            )
        from socialcredit.scenario.loading import load_scenario

        folder = (
            out if out is not None else default_out(f"calibrate-{load_scenario(scenario)[0].name}")
        )
        try:
            with progress:
                result = run_calibration(
                    scenario, targets, out=folder, trials=n or 100,
                    people=_count(people, "--people", 1, 2**40 - 1),
                    seeds=_count(seeds, "--seeds", 1, 1000) or 1,
                    workers=w, cluster=cluster, sampler_kind=sampler,
                    seed=_count(seed, "--seed", 0, 2**63 - 1) or 0, on_trial=on_trial,
                )  # fmt: skip
        except KeyboardInterrupt:
            raise RunInterrupted(folder) from None
    if not quiet:
        _print_fit(result)


def _print_fit(result: Any) -> None:
    """The best trial's fit, every target, the missed ones named."""
    from socialcredit.ensemble.calibration.outputs import MISS

    best = result.best
    table = Table(box=box.SIMPLE, title=f"Fit of trial {result.best_number} "
                  f"(loss {best.loss:.4g}, {result.trials} trials)")  # fmt: skip
    for name in ("metric", "of", "date", "published", "simulated (90% interval)", "error", ""):
        table.add_column(name, justify="right" if name in ("published", "error") else "left")
    missed = []
    for i, r in enumerate(best.rows):
        published = f"{r.low:,.0f}" if r.low == r.high else f"{r.low:,.0f}-{r.high:,.0f}"
        interval = None if best.low[i] != best.low[i] else [best.low[i], best.high[i]]
        error = float(best.errors[i])
        flag = ("holdout " if r.holdout else "") + ("MISSED" if abs(error) > MISS else "")
        if abs(error) > MISS:
            missed.append(f"{r.metric} of {r.name} on {r.date} ({relative_change(error)})")
        table.add_row(r.metric, r.name, r.date.isoformat(), published,
                      ranged(float(best.mean[i]), interval, amount), relative_change(error),
                      flag.strip())  # fmt: skip
    out_console.print(table)
    for path, value in result.best_params.items():
        out_console.print(f"  {escape(path)} = {value:.4g}", soft_wrap=True)
    if missed:
        out_console.print(
            f"[bold]Not reached[/bold] (error beyond {MISS:.0%}): " + escape("; ".join(missed)),
            soft_wrap=True,
        )
    out_console.print(f"Calibration: [bold]{escape(str(result.folder))}[/bold] (scenario.yaml, "
                      "fit.parquet, fit.html, trials.parquet)", soft_wrap=True)  # fmt: skip


@app.command()
@friendly_errors
def reproduce(
    name: Annotated[
        str, typer.Argument(help="The paper to reproduce, e.g. ensign2018 or liu2018.")
    ],
    out: Annotated[
        Path | None, typer.Option(help="Folder to write into (default: runs/reproduce-NAME-TIME).")
    ] = None,
    seed: Annotated[str, typer.Option(help="Seeds every run of the reproduction.")] = "0",
    quick: Annotated[
        bool, typer.Option("--quick", help="Fewer runs: a smoke test, not the README's numbers.")
    ] = False,
) -> None:
    """Re-run a published result with our own code: its figure redrawn beside ours
    (reproduction.html), our curves (parquet), and the numbers compared."""
    from socialcredit.reproductions import find
    from socialcredit.runner import default_out

    reproduction = find(name)
    n = _count(seed, "--seed", 0, 2**63 - 1) or 0
    result = reproduction.run(out if out is not None else default_out(f"reproduce-{name}"), n,
                              quick)  # fmt: skip
    table = Table(box=box.SIMPLE, title=f"{name}: {reproduction.figure}")
    for column in ("quantity", "theirs", "ours (90% interval)"):
        table.add_column(column, justify="left" if column == "quantity" else "right")
    for r in result.rows:
        table.add_row(escape(r.quantity), escape(r.theirs_shown()), escape(r.ours_shown()))
    out_console.print(table)
    out_console.print(f"Page: [bold]{escape(str(result.page))}[/bold] (curves: "
                      f"{escape(result.data.name)})", soft_wrap=True)  # fmt: skip


def main() -> None:
    app()
