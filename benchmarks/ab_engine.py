"""The fast engine of this working tree against another revision, in one sitting.

    .venv/bin/python benchmarks/ab_engine.py --base HEAD~1 [--people 1e7] [--days 60] [--pairs 3]

Checks ``--base`` out into a temporary git worktree, compiles both (not timed), then alternates
base and this tree ``--pairs`` times, each run in a fresh process on the default preset. Prints
person-days per second for the first and the second half of the days (day 0 is left out: it
faults in the state's pages) and the ratio of the medians. Alternating spreads whatever else the
machine does over both sides; nothing else should run meanwhile.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

SAMPLE = """
import sys, time
from socialcredit.engine.fast import FastEngine
from socialcredit.population.synthesis import synthesize
from socialcredit.scenario.compile import compile_plan
from socialcredit.scenario.loading import load_scenario
n, days = int(float(sys.argv[1])), int(sys.argv[2])
half = days // 2
plan = compile_plan(load_scenario("china-national-score-2018")[0], people=n, days=days, seed=1)
engine = FastEngine(plan, synthesize(plan))
engine.step(0)
t0 = time.perf_counter()
for t in range(1, half):
    engine.step(t)
t1 = time.perf_counter()
for t in range(half, days):
    engine.step(t)
t2 = time.perf_counter()
print((half - 1) * n / (t1 - t0) / 1e6, (days - half) * n / (t2 - t1) / 1e6)
"""


def sample(tree: Path, people: float, days: int) -> tuple[float, float]:
    env = os.environ | {"PYTHONPATH": str(tree / "src")}
    out = subprocess.run(
        [sys.executable, "-c", SAMPLE, str(people), str(days)],
        env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    first, second = out.stdout.split()
    return float(first), float(second)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base", required=True, help="git revision to compare against")
    parser.add_argument("--people", type=float, default=1e7)
    parser.add_argument("--days", type=int, default=60)
    parser.add_argument("--pairs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(base),
                        args.base], check=True)  # fmt: skip
        try:
            trees = {"base": base, "this": ROOT}
            for tree in trees.values():  # compile and cache both, untimed
                sample(tree, 1e5, 4)
            got: dict[str, list[tuple[float, float]]] = {k: [] for k in trees}
            h = args.days // 2
            print(f"M person-days/s, {args.people:.0e} people: days 1-{h - 1}, {h}-{args.days - 1}")
            for pair in range(args.pairs):
                for name, tree in trees.items():
                    got[name].append(sample(tree, args.people, args.days))
                    a, b = got[name][-1]
                    print(f"pair {pair + 1} {name:4}  {a:7.1f}  {b:7.1f}", flush=True)
            for half in (0, 1):
                old = statistics.median(x[half] for x in got["base"])
                new = statistics.median(x[half] for x in got["this"])
                print(f"half {half + 1}: median base {old:.1f}, this {new:.1f}, "
                      f"this / base = {new / old:.3f}")  # fmt: skip
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)],
                           check=False)  # fmt: skip


if __name__ == "__main__":
    main()
