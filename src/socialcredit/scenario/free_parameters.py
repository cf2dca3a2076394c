"""The scenario's ``calibrate:`` block: which numbers `socialcredit calibrate` may vary, checked.

Each key is a key path as ``--set`` writes it (``behaviours[ignore-court-judgment].rate[2].value``,
``regime.lists[dishonest-debtors].comply_per_day``), and it must end at one number that the
scenario has: not a mapping or a whole schedule (a schedule entry's ``value`` is addressable), not
a path that does not exist. Both ends of the range must be values the number may take, so that
no trial of a calibration fails validation half-way through a search: the scenario is validated
once with every low set and once with every high set (2 validations, not 2 per parameter).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from socialcredit.errors import ConfigError
from socialcredit.scenario.overrides import ARGUMENT, Override, apply_overrides
from socialcredit.scenario.paths import PLAIN_KEY, parse_path, positions
from socialcredit.scenario.schema import Scenario
from socialcredit.scenario.shown import brief, brief_text

BLOCK = "calibrate"


def where(path: str, key: str | None = None) -> str:
    """How a message names an entry: ``calibrate['regime.lists[x].comply_per_day']``."""
    head = f"{BLOCK}.{path}" if PLAIN_KEY.fullmatch(path) else f"{BLOCK}[{brief_text(path)!r}]"
    return f"{head}.{key}" if key else head


def value_at(raw: Any, path: str) -> Any:
    """The value ``path`` reaches in ``raw`` (a resolved scenario dict); KeyError where it
    reaches nothing (a key left at its default reaches nothing either)."""
    steps = parse_path(path)
    if steps is None:
        raise KeyError(path)
    node = raw
    for kind, token in steps:
        if isinstance(node, list):
            if kind == "index" and token < len(node):
                node = node[token]
                continue
            found = positions(node, str(token)) if kind == "item" else []
            if len(found) != 1:
                raise KeyError(path)
            node = node[found[0]]
        elif isinstance(node, dict) and kind != "index" and token in node:
            node = node[token]
        else:
            raise KeyError(path)
    return node


def check_free_parameters(
    raw: dict[str, Any], scenario: Scenario, label: str, validate: Callable[..., Scenario]
) -> None:
    """Every path of ``scenario.calibrate`` reaches a number of ``raw``, and the scenario with
    every low (every high) set still validates; ``validate`` is loading.validate (passed in, as
    loading imports this module)."""
    block = scenario.calibrate
    if not block:
        return
    for path in block:
        try:
            found = value_at(raw, path)
        except KeyError:
            found = _missing(raw, path, label)
        if isinstance(found, bool) or not isinstance(found, int | float):
            shape = "a schedule" if isinstance(found, list) else brief(found)
            raise ConfigError(
                f"the path reaches {shape}, not one number",
                file=label,
                path=where(path),
                expected="a key path ending at a number, e.g. behaviours[NAME].rate[2].value "
                "for one entry of a schedule",
                fix="point the path at one number (a schedule entry's .value)",
            )
    bare = {k: v for k, v in raw.items() if k != BLOCK}  # the block itself is checked here
    for end in ("low", "high"):
        if _fails(bare, {p: getattr(f, end) for p, f in block.items()}, label, validate):
            # which one: each alone (only on this error path, so the usual cost stays 2)
            for path, free in block.items():
                exc = _fails(bare, {path: getattr(free, end)}, label, validate)
                if exc is not None:
                    raise ConfigError(
                        f"{end} {getattr(free, end):g} is outside what the parameter may take "
                        f"({exc.problem})",
                        file=label,
                        path=where(path, end),
                        expected=exc.expected,
                        fix=f"bring {end} inside the parameter's bounds",
                    ) from None
            exc = _fails(bare, {p: getattr(f, end) for p, f in block.items()}, label, validate)
            assert exc is not None
            raise ConfigError(
                f"every {end} set together fails validation ({exc.problem})",
                file=label,
                path=BLOCK,
                expected=exc.expected,
                fix="narrow the ranges so that they fit together",
            )


def _fails(
    bare: dict[str, Any], values: dict[str, float], label: str, validate: Callable[..., Scenario]
) -> ConfigError | None:
    patched, _ = apply_overrides(bare, [Override(p, v, ARGUMENT) for p, v in values.items()])
    try:
        validate(patched, label)
    except ConfigError as exc:
        return exc
    return None


def _missing(raw: dict[str, Any], path: str, label: str) -> Any:
    """The error for a path that reaches nothing, with what --set would say about it."""
    try:
        apply_overrides(raw, [Override(path, 0.0, ARGUMENT)])
    except ConfigError as exc:
        problem, expected, fix = exc.problem, exc.expected, exc.fix
    else:  # --set may set a key left at its default; a free parameter needs a value to start
        problem = "the path names a key the scenario leaves at its default"
        expected, fix = "a key the scenario sets", "write the key with its starting value first"
    raise ConfigError(
        f"no such parameter: {problem}",
        file=label,
        path=where(path),
        expected=expected or "a key path to a number of the scenario",
        fix=fix or "check the path against `socialcredit presets --show NAME`",
    )
