"""Which values of a scenario differ from its base, recorded where the scenario is shown.

A patch (``extend:``) or an override (``--set``) changes some of its base's values. The run
records each one under ``changed:`` in its scenario.yaml (path, was, now, by), and the report's
scenario section marks them. A changed number whose item keeps the base's ``source:`` would go on
citing a publication for a value that publication never gave, so that source is rewritten to
say what changed which value, and that the rest of the item is from the base's source. A patch
that gives the item a ``source:`` of its own keeps it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from socialcredit.scenario.paths import child_model, is_model, item_key, item_step, join
from socialcredit.scenario.schema import Scenario

# Not compared: names and prose, the run's size (shown as such), and the record itself.
NOT_COMPARED: set[tuple[str | int, ...]] = {("name",), ("description",), ("extend",), ("run",)}
NOT_COMPARED |= {("changed",), ("population", "people")}
MISSING = object()  # a value the base or the variant does not have (an added or removed item)


@dataclass
class Owner:
    """The item (a mapping with a ``source:`` field) that a changed value belongs to."""

    path: str
    base: dict[str, Any]
    now: dict[str, Any]
    changes: list[Found] = field(default_factory=list)


@dataclass
class Found:
    path: str  # with list items by name
    loc: tuple[str | int, ...] | None  # where it is in the variant; None: it was removed
    was: Any
    now: Any
    owner: Owner | None = None  # None: an added or removed item, or nothing holds a source
    by: str = ""


def differences(base: dict[str, Any], now: dict[str, Any]) -> list[Found]:
    """Every value of ``now`` that differs from ``base`` (both dumps of a scenario), list items
    matched by name where they have one."""
    out: list[Found] = []
    _walk(base, now, "", (), Scenario, None, out)
    return out


def _walk(base: Any, now: Any, path: str, loc: tuple[str | int, ...], model: Any,
          owner: Owner | None, out: list[Found]) -> None:  # fmt: skip
    if isinstance(base, dict) and isinstance(now, dict):
        if is_model(model) and "source" in model.model_fields:
            owner = Owner(path, base, now)
        for key in [*now, *(k for k in base if k not in now)]:
            sub_loc = (*loc, key)
            if sub_loc in NOT_COMPARED or key == "source":
                continue
            sub = join(path, ("key", key))
            if key not in base or key not in now:
                was, is_now = base.get(key, MISSING), now.get(key, MISSING)
                out.append(_found(sub, sub_loc if key in now else None, was, is_now, owner))
            else:
                _walk(base[key], now[key], sub, sub_loc, child_model(model, key), owner, out)
        return
    key = item_key(base) if isinstance(base, list) else None
    if key is not None and item_key(now) == key and _unique(base, key) and _unique(now, key):
        before = {item[key]: item for item in base}
        after = {item[key]: i for i, item in enumerate(now)}
        for i, item in enumerate(now):
            sub = join(path, item_step(now, i))
            if item[key] in before:
                _walk(before[item[key]], item, sub, (*loc, i), model, owner, out)
            else:
                out.append(_found(sub, (*loc, i), MISSING, item, None))
        for name, item in before.items():
            if name not in after:
                out.append(_found(join(path, ("item", name)), None, item, MISSING, None))
        return
    if base != now:
        out.append(_found(path, loc, base, now, owner))


def _found(path: str, loc: Any, was: Any, now: Any, owner: Owner | None) -> Found:
    found = Found(path, loc, was, now, owner if was is not MISSING and now is not MISSING else None)
    if found.owner is not None:
        found.owner.changes.append(found)
    return found


def _unique(items: list[dict[str, Any]], key: str) -> bool:
    return len({item[key] for item in items}) == len(items)


def mark(now: dict[str, Any], found: list[Found], by: Callable[[Found], str],
         kept: list[dict[str, Any]]) -> dict[str, Any]:  # fmt: skip
    """``now`` (a scenario dump, changed in place and returned) with its ``changed:`` record
    (``kept``: earlier entries whose paths changed no further) and each changed item's source
    rewritten where it still cites the base's."""
    for f in found:
        f.by = by(f)
    owners: dict[int, Owner] = {id(f.owner): f.owner for f in found if f.owner is not None}
    for owner in owners.values():
        if owner.now.get("source") == owner.base.get("source"):
            owner.now["source"] = rewritten_source(owner)
    paths = {f.path for f in found}
    now["changed"] = [c for c in kept if c.get("path") not in paths] + [
        {"path": f.path}
        | ({"was": f.was} if f.was is not MISSING else {})
        | ({"now": f.now} if f.now is not MISSING else {})
        | {"by": f.by}
        for f in found
    ]
    return now


def rewritten_source(owner: Owner) -> str:
    """'changed by --set on the command line: duration_days 730 -> 365; the other values: ...'"""
    by_whom: dict[str, list[str]] = {}
    for f in owner.changes:
        leaf = f.path[len(owner.path) :].lstrip(".") or f.path
        by_whom.setdefault(f.by, []).append(f"{leaf} {shown(f.was)} -> {shown(f.now)}")
    text = "; ".join(f"changed by {who}: {', '.join(what)}" for who, what in by_whom.items())
    old = owner.base.get("source")
    return f"{text}; the other values: {old}" if old else text


def shown(value: Any) -> str:
    """A value as a short literal: 0.00043, 'text', [a, b], {x: 1}."""
    if value is MISSING or value is None:
        return "not set"
    if isinstance(value, float):
        return f"{value:.10g}"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
