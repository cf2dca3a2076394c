"""Refine a preset's encounter rates by least squares at a large size: `python
scripts/refine_encounters.py [PRESET] [PEOPLE] [SEEDS]` (defaults: the court list, 1e6, 5).

Blocked attempts are drawn per person-day under a sanction from the consequence's own stream, so
they move no other draw, and their expectation is linear in each schedule entry's rate: a target
dated d counts `sum over entries k of f_k x window_k(d)`, where `window_k(d)` is what was blocked
while entry k was in force (up to d) and f_k the factor on its rate. For each consequence whose
entries are in the preset's calibrate: block this runs the preset SEEDS times at PEOPLE, takes the
mean counts, and solves for the factors that minimise its targets' weighted squared relative error
(the calibration's loss, restricted to them; a published range counts as its middle) by linear
least squares, and prints the rates they give, clipped to each entry's calibrate: range. A step
after the search, not a search: TPE over 16 parameters at 1e5 x 3 leaves the linear ones where
noise put them (a few dozen counts at 1e5).
"""

from __future__ import annotations

import re
import sys
from importlib import resources

import numpy as np

from socialcredit.fit import daily_totals, scale
from socialcredit.runner import run
from socialcredit.scenario.loading import load_scenario
from socialcredit.scenario.targets import load_targets

ENTRY = re.compile(r"consequences\[(.+)\]\.encounters\[(\d+)\]\.value")


def main(name: str, people: float, seeds: int) -> None:
    scenario, raw = load_scenario(name)
    path = resources.files("socialcredit.scenario.presets").joinpath(f"{name}.targets.yaml")
    targets = load_targets(str(path), scenario)
    runs = [run(name, people=people, seed=s, write=False, trace=0) for s in range(1, seeds + 1)]
    plan = runs[0].plan
    assert plan.start is not None
    free: dict[str, list[tuple[int, str, dict]]] = {}  # consequence -> its free entries
    for key, spec in (raw.get("calibrate") or {}).items():
        if m := ENTRY.fullmatch(key):
            free.setdefault(m[1], []).append((int(m[2]), key, spec))
    for consequence, entries in free.items():
        schedule = next(c for c in raw["consequences"] if c["name"] == consequence)["encounters"]
        starts = [(step["from"] - plan.start).days for step in schedule] + [plan.days]
        daily = np.mean(
            [daily_totals(r.metrics, f"blocked__{consequence}", plan.days) for r in runs], axis=0
        )
        rows, rhs = [], []
        for t in targets.targets:
            if t.consequence != consequence or t.metric != "blocked":
                continue
            published = t.value if t.value is not None else sum(t.range) / 2  # a range: its middle
            per = scale(targets, t, plan.people) * published
            upto = daily[: (t.date - plan.start).days + 1]
            windows = [upto[max(starts[k], 0) : starts[k + 1]].sum() / per for k, _, _ in entries]
            fixed = upto.sum() / per - sum(windows)  # what entries not set free counted
            w = np.sqrt(t.weight)
            rows.append([w * x for x in windows])
            rhs.append(w * (1 - fixed))
        factors = np.linalg.lstsq(np.array(rows), np.array(rhs), rcond=None)[0]
        for (k, key, spec), factor in zip(entries, factors, strict=True):
            old = schedule[k]["value"]
            new = float(np.clip(old * factor, spec["low"], spec["high"]))
            print(f"{key}: x{factor:.4f}, {old:.4g} -> {new:.4g}")


if __name__ == "__main__":
    args = sys.argv[1:]
    main(
        args[0] if args else "china-court-list-2013-2018",
        float(args[1]) if len(args) > 1 else 1e6,
        int(args[2]) if len(args) > 2 else 5,
    )
