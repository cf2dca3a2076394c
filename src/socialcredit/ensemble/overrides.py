"""Parameter overrides of one ensemble member: scenario key paths to new values.

A path names keys with dots and items of a list by their ``name`` (or ``behaviour`` for rules) or
their index: ``behaviours.jaywalk.rate.b``, ``sources.cctv.errors.false_match``,
``appeals.delay_days``. The patched scenario is validated again, so a bad value gets the same
message a scenario file would. (The `--set` option parses the same paths from the command line.)
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from socialcredit.errors import ConfigError
from socialcredit.scenario.loading import validate
from socialcredit.scenario.schema import Scenario

ITEM_KEYS = ("name", "behaviour")  # how list items are named in a scenario


def _child(node: Any, part: str, path: str) -> tuple[Any, Any]:
    """(container, key) of ``part`` under ``node``."""
    if isinstance(node, dict):
        return node, part
    if isinstance(node, list):
        for i, item in enumerate(node):
            if isinstance(item, dict) and any(item.get(k) == part for k in ITEM_KEYS):
                return node, i
        if part.isdigit() and int(part) < len(node):
            return node, int(part)
    raise ConfigError(
        f"'{part}' was not found",
        path=path,
        expected="a key path of the scenario (list items by name or index)",
        fix="check the path against `socialcredit presets --show NAME`",
    )


def apply_overrides(raw: dict[str, Any], overrides: Mapping[str, Any], label: str) -> Scenario:
    """The scenario ``raw`` (a resolved scenario's dict) with ``overrides`` applied, validated."""
    if not overrides:
        return validate(copy.deepcopy(raw), label)
    patched = copy.deepcopy(raw)
    for path, value in overrides.items():
        parts = path.split(".")
        node: Any = patched
        for part in parts[:-1]:
            container, key = _child(node, part, path)
            if isinstance(container, dict) and key not in container:
                _child(None, part, path)  # raises: the path leaves the scenario
            node = container[key]
        container, key = _child(node, parts[-1], path)
        container[key] = value
    return validate(patched, f"{label} with overrides")
