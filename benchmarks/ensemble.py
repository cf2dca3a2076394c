"""Ensemble throughput: members of the default preset at 1e5 people x 365 days, against one run.

    .venv/bin/python benchmarks/ensemble.py [--members 30] [--workers 2] [--people 1e5]
                                            [--days 365] [--single-people 1e7] [--single-days 10]

Runs ``--members`` replicates through the ensemble runner (ensemble/members.py: long-lived worker
processes, every member's results written to disk) and prints, over the whole ensemble with every
overhead included (worker start, synthesis, metrics, writing): members/s, person-days/s, the
extrapolated wall time of 1,000 members, and peak memory (this process and its workers, from
getrusage: the largest resident set of any one of them). The members' own timings say where a
member's time goes (kernel, the day's measurement outside it, synthesis, metrics table and summary,
writing). Then it measures the fast engine's kernel throughput on one run of ``--single-people``
(the first day, which loads the kernels, excluded), in the same process, and prints the ratio.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from socialcredit.ensemble.member import EnsembleJob
from socialcredit.ensemble.members import run_members
from socialcredit.ensemble.spec import replicate_specs
from socialcredit.scenario.compile import compile_plan
from socialcredit.scenario.loading import load_scenario

PRESET = "china-national-score-2018"
GOAL_MEMBERS, GOAL_SECONDS = 1_000, 600  # issue 12: 1,000 members in at most 10 minutes


def peak_gib() -> tuple[float, float]:
    """Largest resident set of this process and of any finished child (GiB; Linux: KiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20
    return own, children


def ray_peaks_gib() -> tuple[float, float]:
    """Largest peak resident set (VmHWM) of a Ray member actor, and the sum over every Ray
    process alive now (GCS, raylet, workers), in GiB (Linux /proc)."""
    largest = total = 0.0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            cmdline = (status.parent / "cmdline").read_bytes().replace(b"\0", b" ")
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines())
        except (OSError, ValueError):
            continue
        if b"ray" not in cmdline or "VmHWM" not in fields:
            continue
        gib = int(fields["VmHWM"].split()[0]) / 2**20
        total += gib
        if b"MemberActor" in cmdline:
            largest = max(largest, gib)
    return largest, total


def single_run_speed(people: int, days: int) -> float:
    """Person-days per second of one fast-engine run, the first day excluded."""
    from socialcredit.engine.fast import FastEngine
    from socialcredit.population.synthesis import synthesize

    scenario, _ = load_scenario(PRESET)
    plan = compile_plan(scenario, people=people, days=days)
    engine = FastEngine(plan, synthesize(plan))
    engine.step(0)
    start = time.perf_counter()
    for t in range(1, plan.days):
        engine.step(t)
    return plan.people * (plan.days - 1) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=30)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--cluster", default=None, help="local: members as Ray actors")
    parser.add_argument("--people", type=float, default=1e5)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--single-people", type=float, default=1e7)
    parser.add_argument("--single-days", type=int, default=10)
    args = parser.parse_args()

    _, raw = load_scenario(PRESET)
    people, days = int(args.people), args.days
    job = EnsembleJob(raw, PRESET, people, days, "fast", trace=0)
    specs = replicate_specs(1, args.members)
    spent: dict[str, float] = {}
    ray_peak = (0.0, 0.0)  # sampled as members finish: the actors are gone at the end
    with tempfile.TemporaryDirectory(prefix="ensemble-bench-") as tmp:
        start = time.perf_counter()
        first = None
        for done in run_members(job, specs, Path(tmp), workers=args.workers, cluster=args.cluster):
            first = first or time.perf_counter() - start
            if args.cluster:
                ray_peak = tuple(map(max, ray_peak, ray_peaks_gib()))  # type: ignore[assignment]
            for key, seconds in done.timings.items():
                if key != "person_days_per_second":
                    spent[key] = spent.get(key, 0.0) + seconds
        wall = time.perf_counter() - start
    n = args.members
    person_days = n * people * days
    rate = person_days / wall
    own, children = peak_gib()
    print(f"{n} members of {PRESET}, {people:,} people x {days} days, "
          f"workers {args.workers or 'one per core'}")  # fmt: skip
    print(f"  wall {wall:.1f} s (first member done after {first:.1f} s: worker start, kernels)")
    print(f"  {n / wall:.3f} members/s, {rate / 1e6:.1f} M person-days/s over the ensemble")
    goal = GOAL_MEMBERS * wall / n
    print(f"  1,000 members extrapolated: {goal / 60:.1f} min (goal {GOAL_SECONDS / 60:.0f} min)")
    print(f"  peak memory: driver {own:.2f} GiB, largest worker {children:.2f} GiB")
    if args.cluster:
        actor, ray_total = ray_peak
        print(f"  Ray: largest member actor {actor:.2f} GiB, all Ray processes {ray_total:.2f} GiB")
    member = spent.get("member", 0.0)
    print(f"  per member, summed over workers ({member / n:.2f} s a member):")
    parts = [
        ("kernel (stages 1-8, compiled)", "stage.kernel"),
        ("measurement outside the kernel (daily tallies)", "stage.measurement"),
        ("appeals", "stage.appeals"),
        ("synthesis", "population"),
        ("metrics table and summary", "metrics"),
        ("writing the member's files", "write"),
    ]
    for label, key in parts:
        seconds = spent.get(key, 0.0)
        print(f"    {label:48s} {seconds / n:7.3f} s  {100 * seconds / max(member, 1e-9):5.1f}%")

    single = single_run_speed(int(args.single_people), args.single_days)
    print(f"single run, {int(args.single_people):,} people x {args.single_days} days (day 0 "
          f"excluded): {single / 1e6:.1f} M person-days/s")  # fmt: skip
    print(f"ratio ensemble / single-run kernel throughput: {rate / single:.2f}")


if __name__ == "__main__":
    main()
