"""fit.py on a constructed run whose answer is known: each target's simulated value is the metric
summed over cells and days up to its date, scaled to the published population (and to natural
persons where people_share), and its error is relative, 0 inside a range."""

from __future__ import annotations

import math

import numpy as np
import pyarrow as pa
import pytest

from scenarios import ENCOUNTERS_SCENARIO as SCENARIO
from socialcredit.fit import fit_rows, fit_table, loss
from socialcredit.scenario.compile import compile_plan
from socialcredit.scenario.loading import validate
from socialcredit.scenario.targets import TargetsFile, check_targets

PEOPLE, DAYS, CELLS = 100, 10, 4


def constructed_run():
    sc = validate(SCENARIO, "fit")
    plan = compile_plan(sc, people=PEOPLE, days=DAYS)
    assert plan.cells == CELLS
    day = np.repeat(np.arange(DAYS, dtype=np.int32), CELLS)
    table = pa.table({
        "day": day,
        "list_entries__debtors": np.full(DAYS * CELLS, 3, np.int64),  # 12 a day
        "blocked__flight-ban": (day == 2).astype(np.int64) * 5,  # 20, all on day 2
    })  # fmt: skip
    return sc, plan, table


def targets(sc) -> TargetsFile:
    raw = {
        "population": 1000,
        "natural_person_share": 0.5,
        "targets": [
            # day 4 (2020-01-05): 12 x 5 = 60 simulated; / (100 / 1000 x 0.5) = 1,200
            {"metric": "list_entries", "list": "debtors", "date": "2020-01-05", "value": 1000,
             "people_share": True, "source": "constructed", "weight": 2},
            {"metric": "list_entries", "list": "debtors", "date": "2020-01-05",
             "range": [1100, 1300], "people_share": True, "source": "constructed"},
            # 20 blocked by day 2, / (100 / 1000) = 200, not scaled to natural persons
            {"metric": "blocked", "consequence": "flight-ban", "date": "2020-01-10",
             "range": [250, 400], "source": "constructed"},
        ],
        "holdout": [
            {"metric": "blocked", "consequence": "flight-ban", "date": "2020-01-02",
             "value": 10, "source": "constructed"},
        ],
    }  # fmt: skip
    parsed = TargetsFile.model_validate(raw)
    check_targets(parsed, sc, DAYS, "constructed")
    return parsed


def test_fit_of_a_constructed_run() -> None:
    sc, plan, table = constructed_run()
    rows = fit_rows(plan, table, targets(sc))
    assert [r.simulated for r in rows] == [60, 60, 20, 0]
    assert [r.national for r in rows] == pytest.approx([1200, 1200, 200, 0])
    assert rows[0].error == pytest.approx(0.2)
    assert rows[1].error == 0.0  # inside the range
    assert rows[2].error == pytest.approx((200 - 250) / 250)  # from the nearer bound
    assert rows[3].holdout and rows[3].error == pytest.approx(-1.0)
    # holdout never counts: (2 x 0.2^2 + 0 + 1 x 0.2^2) / 4
    assert loss(rows) == pytest.approx((2 * 0.04 + 0.04) / 4)
    assert math.isfinite(loss(rows))
    assert "holdout" in fit_table(rows).splitlines()[-1]
