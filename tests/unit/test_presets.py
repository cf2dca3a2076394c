"""Presets: they load, compile, and every number in them says where it comes from."""

from __future__ import annotations

import re
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
    # 60 days: a lending preset's rounds (every 30 days) must come twice within the run
    plan = compile_plan(scenario, people=1000, days=60)
    assert plan.cell_people.sum() == 1000
    assert scenario.name == preset


# A file path in a source: a research-note file name, a relative or absolute folder path.
# (Folders are lower-case names of 3 or more characters, so "A/AA/AAA" and "0.23/30" are not.)
PATH = re.compile(
    r"\.\./|~/|\b[a-z_][\w.-]{2,}/[a-z_][\w.-]{2,}/|\b[\w-]+\.(md|ya?ml|csv|json|txt|py)\b"
)


def _sources(value: Any) -> list[str]:
    if isinstance(value, dict):
        own = [value["source"]] if isinstance(value.get("source"), str) else []
        return own + [s for k, v in value.items() if k != "source" for s in _sources(v)]
    if isinstance(value, list):
        return [s for v in value for s in _sources(v)]
    return []


# A preset's own targets file ships beside it, so a reader has it:
# "calibrated to NAME.targets.yaml" names a file, but one the reader holds.
SHIPPED = re.compile(r"\b[\w-]+\.targets\.yaml\b")


def test_no_source_names_a_file_path(preset: str) -> None:
    """Sources cite publications a reader can find, not notes at a path they do not have."""
    scenario, _ = load_scenario(preset)
    texts = _sources(scenario.model_dump()) + [scenario.description]
    assert len(texts) > 20
    assert [t for t in texts if PATH.search(SHIPPED.sub("", t))] == []


def test_the_path_check_can_fail() -> None:
    for text in ("via scs_facts.md 4a", "../shared/research/x", "see shared/research/notes"):
        assert PATH.search(SHIPPED.sub("", text)), text
    assert not PATH.search(SHIPPED.sub("", "calibrated to china-court-list-2013-2018.targets.yaml"))
    for text in ("NISTIR 8280 (2019)", "civilhelp.co.uk, 'Penalty points'", "5.2% of consumers"):
        assert not PATH.search(text), text
