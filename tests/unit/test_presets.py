"""Presets: they load, compile, and every number in them says where it comes from."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from socialcredit.scenario.compile import compile_plan
from socialcredit.scenario.loading import load_scenario, preset_names


def _unsourced(model: BaseModel, path: str) -> list[str]:
    """Paths of objects that set numbers but carry no `source:`."""
    missing = []
    fields = type(model).model_fields
    numbers = [
        name
        for name in model.model_fields_set
        if isinstance(getattr(model, name), int | float | dict) and name != "source"
    ]
    if "source" in fields and numbers and not (model.source or "").strip():
        missing.append(path)
    for name in fields:
        value: Any = getattr(model, name)
        items = value if isinstance(value, list) else [value]
        for i, item in enumerate(items):
            if isinstance(item, BaseModel):
                sub = f"{path}.{name}[{i}]" if isinstance(value, list) else f"{path}.{name}"
                missing += _unsourced(item, sub)
    return missing


def test_the_three_required_presets_exist() -> None:
    assert {"china-national-score-2018", "driving-demerit-points", "us-credit-score"} <= set(
        preset_names()
    )


def test_every_preset_number_has_a_source(preset: str) -> None:
    scenario, _ = load_scenario(preset)
    assert _unsourced(scenario, preset) == []


def test_every_preset_compiles(preset: str) -> None:
    scenario, _ = load_scenario(preset)
    plan = compile_plan(scenario, people=1000, days=5)
    assert plan.cell_people.sum() == 1000
    assert scenario.name == preset
