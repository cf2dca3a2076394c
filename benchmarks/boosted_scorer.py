"""The learned scorer's two models side by side: logistic regression against boosted trees.

    .venv/bin/python benchmarks/boosted_scorer.py [--people 1e5] [--days 365] [--rounds 3]

Runs examples/national-score-learned.yaml (logistic) and examples/national-score-boosted.yaml
(the same scenario with ``model: gradient_boosting``) on the fast engine, alternately, ``rounds``
times each, after a small run of each that compiles the kernels and imports scikit-learn. Per run
it times learning (snapshots, labels, fits) apart from the rest of the day; on the days a model
scores, the day's kernel scores each chunk as it passes over it (kernels._rescore), so scoring
is timed with the kernel. It prints per round the
ratio of boosted to logistic, so a busy machine slows both sides of a ratio alike, and the
median over the rounds:

- the fit per retraining (scikit-learn's fit, and for the trees their flattening);
- the day's throughput on days a model scores (people per second through stages 1-10,
  learning not included);
- whole-run throughput (person-days per second), and from the first model on.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np

from socialcredit.engine.daily import close_day
from socialcredit.engine.fast import SERIAL_BELOW, FastEngine
from socialcredit.population.synthesis import synthesize
from socialcredit.scenario.compile import compile_plan
from socialcredit.scenario.loading import load_scenario

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = {
    "logistic": ROOT / "examples" / "national-score-learned.yaml",
    "boosted": ROOT / "examples" / "national-score-boosted.yaml",
}


class Run(NamedTuple):
    fit: float  # mean seconds per fit
    scored: float  # people per second through a day a model scores (learning not included)
    whole: float  # person-days per second, the whole run
    after: float  # person-days per second from the first model on
    models: int
    nodes: int  # tree nodes per model (0: logistic)


def timed(scenario: Path, people: int, days: int) -> Run:
    plan = compile_plan(load_scenario(scenario)[0], people=people, days=days, seed=1)
    engine = FastEngine(plan, synthesize(plan))
    day = np.zeros(plan.simulated_days)
    rescoring = []
    for t in range(plan.simulated_days):  # FastEngine.step, its parts timed apart
        start = time.perf_counter()
        model = engine.learn(t)
        scored = time.perf_counter()
        close_day(engine, t, *engine.kernel_day(t, model))
        if model is not None:
            rescoring.append(time.perf_counter() - scored)
        day[t] = time.perf_counter() - start
    assert engine.learner is not None and engine.learner.models
    models = engine.learner.models
    first = models[0].day
    nodes = [len(m.trees.feature) for m in models if m.trees is not None]
    return Run(
        fit=float(np.mean([m.seconds for m in models])),
        scored=people * len(rescoring) / sum(rescoring),
        whole=people * len(day) / day.sum(),
        after=people * len(day[first:]) / day[first:].sum(),
        models=len(models),
        nodes=int(np.mean(nodes)) if nodes else 0,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=float, default=1e5)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    n = int(args.people)
    for path in EXAMPLES.values():  # compile every kernel (and import scikit-learn) first:
        for people in (2_000, 2 * SERIAL_BELOW):  # the serial kernels and the parallel ones
            timed(path, people, 130)
    print(f"{n:,} people x {args.days} days, fast engine; boosted / logistic per round")
    ratios = []
    for r in range(args.rounds):
        runs = {name: timed(path, n, args.days) for name, path in EXAMPLES.items()}
        lo, bo = runs["logistic"], runs["boosted"]
        ratio = [bo.fit / lo.fit, bo.scored / lo.scored, bo.whole / lo.whole,
                 bo.after / lo.after]  # fmt: skip
        ratios.append(ratio)
        print(f"  round {r + 1}: fit {lo.fit:.3f} s -> {bo.fit:.3f} s (x{ratio[0]:.1f}); "
              f"days under a model {lo.scored / 1e6:.1f} -> {bo.scored / 1e6:.1f} M people/s "
              f"(x{ratio[1]:.2f}); whole run {lo.whole / 1e6:.2f} -> {bo.whole / 1e6:.2f} M "
              f"person-days/s (x{ratio[2]:.2f}); from the first model on {lo.after / 1e6:.2f} "
              f"-> {bo.after / 1e6:.2f} (x{ratio[3]:.2f}); {bo.models} models of "
              f"{bo.nodes} nodes")  # fmt: skip
    med = np.median(np.array(ratios), axis=0)
    print(f"  median ratio boosted / logistic: fit x{med[0]:.1f}, days under a model "
          f"x{med[1]:.2f}, whole run x{med[2]:.2f}, from the first model on "
          f"x{med[3]:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
