"""Any number of days the compiler accepts is one a scenario file may say: a run folder's
scenario.yaml records the days run, and must validate again to replay, resume or re-run."""

from __future__ import annotations

from socialcredit.scenario.compile import compile_plan
from socialcredit.scenario.loading import load_scenario, validate
from socialcredit.state import LAST_DAY


def test_the_longest_run_the_compiler_accepts_validates_as_a_file() -> None:
    sc, raw = load_scenario("driving-demerit-points")
    longest = max(
        [x.duration_days for x in sc.regime.lists] + [sc.regime.recovery.expire_after_days or 0]
    )
    days = LAST_DAY - 1 - longest
    compile_plan(sc, people=10, days=days, warmup=0)  # accepted by the compiler, cold
    raw.pop("extend", None)
    raw["run"] = raw.get("run", {}) | {"days": days, "warmup_days": 0}
    assert validate(raw, "test").run.days == days > 20_000
