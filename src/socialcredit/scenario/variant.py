"""Load a scenario as a run uses it: patches merged, overrides set, changed values recorded.

``load_variant`` is ``load_scenario`` plus ``--set`` overrides (``scenario.overrides``) and the
record of what differs from the base (``scenario.changes``). The file is validated first, so its
own mistakes are reported against the file; then the overrides, so a bad value is reported
against ``--set`` and the path the user wrote.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from socialcredit.errors import ConfigError
from socialcredit.scenario.changes import Found, differences, mark
from socialcredit.scenario.loading import key_path, read_chain, validate
from socialcredit.scenario.overrides import (
    Applied,
    Given,
    Override,
    apply_overrides,
    overrides_from,
)
from socialcredit.scenario.schema import Scenario


@dataclass(frozen=True)
class Variant:
    scenario: Scenario  # validated, with ``changed`` and the rewritten sources
    raw: dict[str, Any]  # the merged scenario with the overrides set, as validated
    label: str  # how messages name it


def load_variant(ref: str | Path, overrides: Sequence[Override] = ()) -> Variant:
    merged, label, base = read_chain(ref)
    scenario = validate(merged, label)
    raw = merged
    applied: list[Applied] = []
    if overrides:
        raw, applied = apply_overrides(merged, overrides)
        scenario = _validate_overridden(raw, label, applied)
    if base is merged and not applied:
        return Variant(scenario, raw, label)  # nothing to compare with
    try:
        before = validate(base, label).model_dump(mode="json", exclude_none=True)
    except ConfigError:  # a base that is valid only once patched: compare as written
        before = base
    now = scenario.model_dump(mode="json", exclude_none=True)
    found = differences(before, now)
    if not found:
        return Variant(scenario, raw, label)
    patch = f"the patch {label}"

    def by(f: Found) -> str:
        for a in reversed(applied):  # the last override that reached this value
            if f.loc is not None and _overlap(a.loc, f.loc):
                return a.override.by
        return patch

    marked = mark(now, found, by, kept=list(before.get("changed", [])))
    return Variant(validate(marked, label), raw, label)


def variant_of_raw(raw: dict[str, Any], label: str, overrides: Given = None) -> Scenario:
    """A resolved scenario's dict (no ``extend:`` left) with ``overrides`` set, validated: what
    an ensemble member runs (calibration and sensitivity vary parameters this way). A bad value
    names the override's path, as with ``--set``."""
    given = overrides_from(overrides)
    if not given:
        return validate(raw, label)
    patched, applied = apply_overrides(raw, given)
    return _validate_overridden(patched, label, applied)


def _overlap(a: tuple[Any, ...], b: tuple[Any, ...]) -> bool:
    n = min(len(a), len(b))
    return a[:n] == b[:n]


def _validate_overridden(raw: dict[str, Any], label: str, applied: list[Applied]) -> Scenario:
    """Validate with the overrides set; a problem they cause names them, not the file."""
    try:
        return validate(raw, label)
    except ConfigError as exc:
        if exc.path is not None:
            for a in reversed(applied):
                written = key_path(a.loc)
                if exc.path == written or exc.path.startswith((f"{written}.", f"{written}[")):
                    rest = exc.path[len(written) :]
                    fix = exc.fix.replace(written, a.override.path) if exc.fix else None
                    raise ConfigError(
                        exc.problem,
                        file=a.override.origin,
                        path=a.override.path + rest,
                        expected=exc.expected,
                        fix=fix,
                    ) from None
        origins = sorted({a.override.origin for a in applied})
        paths = ", ".join(a.override.path for a in applied)
        raise ConfigError(
            exc.problem,
            file=f"{exc.file} with {' and '.join(origins)} {paths}",
            path=exc.path,
            expected=exc.expected,
            fix=exc.fix,
        ) from None
