"""Shared test helpers: small runs of presets without touching the disk."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from socialcredit.engine.reference import ReferenceEngine
from socialcredit.population.synthesis import synthesize
from socialcredit.scenario.compile import compile_plan
from socialcredit.scenario.loading import load_scenario, preset_names, validate

PRESETS = preset_names()


def preset_raw(name: str) -> dict[str, Any]:
    return copy.deepcopy(load_scenario(name)[1])


def run_engine(raw_or_name: dict[str, Any] | str, people: int, days: int, seed: int = 1):
    if isinstance(raw_or_name, str):
        scenario = load_scenario(raw_or_name)[0]
    else:
        scenario = validate(raw_or_name, "test scenario")
    # cold: a preset's warm-up (50 years for the credit score) is not what these runs test
    plan = compile_plan(scenario, people=people, days=days, seed=seed, warmup=0)
    engine = ReferenceEngine(plan, synthesize(plan))
    engine.run()
    return engine


@pytest.fixture(params=PRESETS)
def preset(request: pytest.FixtureRequest) -> str:
    return request.param
