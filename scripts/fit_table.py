"""Print how a preset's run fits its targets file: `python scripts/fit_table.py [PRESET] [PEOPLE]`.

The preset's targets sit beside it (NAME.targets.yaml); one run, seed 1, no run folder.
"""

from __future__ import annotations

import sys
from importlib import resources

from socialcredit.fit import fit_rows, fit_table, loss
from socialcredit.runner import run
from socialcredit.scenario.loading import load_scenario
from socialcredit.scenario.targets import load_targets

name = sys.argv[1] if len(sys.argv) > 1 else "china-court-list-2013-2018"
people = float(sys.argv[2]) if len(sys.argv) > 2 else 1e5
path = resources.files("socialcredit.scenario.presets").joinpath(f"{name}.targets.yaml")
targets = load_targets(str(path), load_scenario(name)[0])
result = run(name, people=people, write=False, trace=0)
rows = fit_rows(result.plan, result.metrics, targets)
print(fit_table(rows))
print(f"loss (weighted mean squared relative error, fitted targets): {loss(rows):.4f}")
