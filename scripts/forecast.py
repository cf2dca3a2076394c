"""Print what a preset forecasts past its end: `python scripts/forecast.py [PRESET] [UNTIL]
[PEOPLE] [REPLICATES]` (defaults: china-court-list-2013-2018, 2019-12-31, 1e5, 5).

Runs the preset to UNTIL (schedules' last entries carry on) as R replicates, and prints, for the
last day, each published series' cumulative count at the national scale of the preset's targets
file (list entries and compliance scaled to natural persons as there), mean and 90% interval of
the mean over replicates (metrics/intervals.py).
"""

from __future__ import annotations

import sys
from importlib import resources

import numpy as np
import pyarrow.compute as pc

from socialcredit.ensemble.replicates import run
from socialcredit.fit import daily_totals
from socialcredit.metrics.intervals import mean_band
from socialcredit.scenario.loading import load_scenario
from socialcredit.scenario.targets import load_targets

name = sys.argv[1] if len(sys.argv) > 1 else "china-court-list-2013-2018"
until = sys.argv[2] if len(sys.argv) > 2 else "2019-12-31"
people = float(sys.argv[3]) if len(sys.argv) > 3 else 1e5
replicates = int(sys.argv[4]) if len(sys.argv) > 4 else 5
path = resources.files("socialcredit.scenario.presets").joinpath(f"{name}.targets.yaml")
targets = load_targets(str(path), load_scenario(name)[0])
result = run(name, people=people, until=until, replicates=replicates, write=False, trace=0,
             workers=1)  # fmt: skip
plan, table = result.plan, result.metrics
print(f"{name} to {until}: {plan.people:,} people, {replicates} replicates, national scale")
seen = dict.fromkeys((t.metric, t.column, t.people_share) for t in targets.targets)
for metric, column, share in seen:
    per = plan.people / targets.population * (targets.natural_person_share if share else 1.0)
    totals = np.array([
        daily_totals(table.filter(pc.equal(table.column("replicate"), r)), column, plan.days).sum()
        for r in range(replicates)
    ], dtype=float) / per  # fmt: skip
    lo, hi = mean_band(totals[:, None])
    print(f"  {metric:<13}{column.split('__')[1]:<20}{totals.mean():>14,.0f}"
          f"  ({lo[0]:,.0f}-{hi[0]:,.0f})")  # fmt: skip
