"""The report tests' run cases: each preset small, and the default preset stressed."""

from __future__ import annotations

from pathlib import Path

import yaml

from scenarios import scaled
from socialcredit.scenario.loading import preset_names

PEOPLE, DAYS = 3000, 40
# The credit score's 50-year warm-up (the lending preset's too) costs minutes at any size (about
# 10 ms a day of fixed cost per day on the reference engine and more); its report is tested from
# a cold start. The demerit preset keeps its warm-up, so the report's warm-start sentences are
# tested.
WARMUP = {"us-credit-score": 0, "us-credit-lending": 0}
# A learned scorer's first model comes after 30 + 90 days: its preset runs long enough that two
# models score, with enough people that a sample is held out to audit them on
SIZE = {"china-national-score-learned": (25_000, 180)}
# The default preset at a stress where every section has something to show in a small run:
# lists, wrongful sanctions, appeals and chilling (its court judgments are too rare otherwise).
STRESSED = "stressed-china"
CASES = [*preset_names(), STRESSED]


def stressed_scenario(folder: Path) -> Path:
    raw = scaled("china-national-score-2018", rate_scale=1.0, rate_floor=5e-4, error_scale=10.0)
    raw["name"] = STRESSED
    raw["appeals"] = raw.get("appeals", {}) | {
        "capacity_per_100k_per_day": 100.0,
        "file_probability_wrongful": 0.9,
        "delay_days": 10,
        # so that some appeals are won in a run of this size, whatever the draws: with the
        # preset's 0.25 and 0.02, 14 decisions won none in one run (p about 1/3)
        "success_wrongful": 0.9,
        "success_rightful": 0.2,
    }
    path = folder / f"{STRESSED}.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path
