"""A Morris screening of every assumption of the default preset: runs and wall time.

    .venv/bin/python benchmarks/sensitivity.py [--people 1e4] [--days 90] [--samples 4]
                                               [--workers 2]

Runs ``socialcredit sensitivity`` (Morris, ``--samples`` trajectories, so samples x (factors + 1)
runs, every run with the same seed) through the ensemble runner and prints the number of factors
and runs, the wall time, and the throughput over the whole analysis (person-days per second,
every overhead included: worker start, validating each run's scenario, synthesis, metrics,
writing). Then it extrapolates to the issue's measurement, 1e5 people x 365 days with 10
trajectories, twice: at that same throughput (per-run overheads weigh less on larger runs, so
this is an upper bound), and from one run at 1e5 x 365 timed through the same member code
(``--no-probe`` skips it), times the number of runs. Both hold for a machine as loaded as this
one was.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from socialcredit.ensemble.sensitivity.design import runs
from socialcredit.ensemble.sensitivity.run import sensitivity

PRESET = "china-national-score-2018"
GOAL_PEOPLE, GOAL_DAYS, GOAL_SAMPLES = 100_000, 365, 10


def probe() -> float:
    """Wall seconds of one member at the goal size (after a first one that loads the kernels)."""
    from socialcredit.ensemble.member import EnsembleJob, Simulator
    from socialcredit.ensemble.spec import MemberSpec
    from socialcredit.scenario.loading import load_scenario

    _, raw = load_scenario(PRESET)
    job = EnsembleJob(raw, PRESET, GOAL_PEOPLE, GOAL_DAYS, stories=False)
    simulator = Simulator(job)
    with tempfile.TemporaryDirectory() as tmp:
        simulator.run(MemberSpec(0, 1), Path(tmp))
        start = time.perf_counter()
        simulator.run(MemberSpec(1, 1, {"response.chilling": 0.31}), Path(tmp))
        return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=float, default=1e4)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--samples", type=int, default=4)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument("--no-probe", dest="probe", action="store_false",
                        help="skip timing one run at 1e5 x 365")  # fmt: skip
    args = parser.parse_args()
    people = int(args.people)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        result = sensitivity(PRESET, samples=args.samples, people=people, days=args.days,
                             workers=args.workers, out=Path(tmp) / "sens")  # fmt: skip
        wall = time.perf_counter() - start
    s = result.summary
    k, n = len(s["factors"]), s["runs"]
    rate = n * people * args.days / wall
    print(f"{PRESET}: {k} assumptions, Morris r={args.samples}: {n} runs of {people:,} people "
          f"x {args.days} days")  # fmt: skip
    print(f"  wall {wall:.1f} s ({s['members_seconds']:.1f} s in the runs), "
          f"{wall / n:.2f} s per run, {rate / 1e6:.1f} M person-days/s overall")  # fmt: skip
    goal_runs = runs("morris", GOAL_SAMPLES, k)
    goal = goal_runs * GOAL_PEOPLE * GOAL_DAYS / rate
    print(f"  extrapolated: r={GOAL_SAMPLES} at {GOAL_PEOPLE:,} x {GOAL_DAYS} = {goal_runs} runs, "
          f"at most {goal / 60:.0f} min at this throughput")  # fmt: skip
    if args.probe:
        member = probe()
        print(f"  one run at {GOAL_PEOPLE:,} x {GOAL_DAYS} through the same member code takes "
              f"{member:.1f} s on all cores: {goal_runs} of them one after another "
              f"~ {goal_runs * member / 60:.0f} min")  # fmt: skip
    print(
        f"  constant: {', '.join(s['constant_outputs']) or 'none'}; "
        f"not defined in every run: {', '.join(s['skipped_outputs']) or 'none'}"
    )
    for key in s["outputs"]:
        ranked = [r for r in result.indices.to_pylist() if r["index"] == s["ranked_by"]]
        top = [r for r in ranked if r["output"] == key and r["rank"] == 1]
        print(f"  {key}: first {top[0]['factor']} (mu* {top[0]['value']:.3g})")


if __name__ == "__main__":
    main()
