"""What-ifs without a patch file: ``--set PATH=VALUE`` and ``socialcredit.run(overrides=...)``.

PATH is a key path as error messages print it (``scenario.paths``), where a named list item may
be written by its name: ``regime.lists[dishonest-debtors].duration_days=365``. VALUE is read as
YAML: a number, a string, a list ``[a, b]`` or a mapping ``{urban: 0.5, rural: 0.1}``. Overrides
are applied in order to the resolved scenario (every ``extend:`` merged) before it is validated,
so a bad value gets the usual message, naming ``--set`` and the path. A path may set a key the
scenario leaves at its default, but cannot add list items (a patch file does that).
"""

from __future__ import annotations

import copy
import difflib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from socialcredit.errors import ConfigError
from socialcredit.scenario.limits import SHOWN_CHARS
from socialcredit.scenario.paths import (
    Step,
    child_model,
    is_model,
    item_key,
    join,
    parse_path,
    positions,
)
from socialcredit.scenario.schema import Scenario
from socialcredit.scenario.shown import brief, brief_text
from socialcredit.scenario.yaml_safe import parse_scenario_yaml

SET_OPTION = "--set"  # how messages name an override given on the command line
ARGUMENT = "overrides"  # ... and one given to socialcredit.run()
WARMUP_OPTION = "--warmup"  # sets run.warmup_days, as an override of its own
WARMUP_ARGUMENT = "warmup="
WARMUP_PATH = "run.warmup_days"
BY = {
    SET_OPTION: "--set on the command line",
    ARGUMENT: "overrides= of socialcredit.run()",
    WARMUP_OPTION: "--warmup on the command line",
    WARMUP_ARGUMENT: "warmup= of socialcredit.run()",
}
EXAMPLE = "regime.lists[dishonest-debtors].duration_days=365"
NOT_SETTABLE = ("extend", "changed")  # merged already / written by the run itself
MAX_PATH_CHARS = 1000


@dataclass(frozen=True)
class Override:
    path: str  # as the user wrote it
    value: Any
    origin: str = SET_OPTION  # SET_OPTION or ARGUMENT

    @property
    def by(self) -> str:
        """What changed the value, in the words a run's scenario.yaml and report use."""
        return BY[self.origin]


def parse_set(text: str) -> Override:
    """One ``--set PATH=VALUE``; a ConfigError (exit 2) where it is not of that form."""
    path, eq, value = text.partition("=")
    path = path.strip()
    if not eq or not path:
        raise ConfigError(
            f"got {brief(text)}",
            file=SET_OPTION,
            expected=f"PATH=VALUE, e.g. --set {EXAMPLE}",
            fix="write the key path, an equals sign, then the value",
        )
    _check_path_text(path, SET_OPTION)
    if not value.strip():
        raise ConfigError(
            "the value after '=' is empty",
            file=SET_OPTION,
            path=brief_text(path),
            expected="a number, a word, a list [a, b] or a mapping {key: value}",
            fix="write the value after '=' (write null to clear an optional setting)",
        )
    try:
        parsed = parse_scenario_yaml(value, SET_OPTION)
    except ConfigError as exc:
        problem = exc.problem.replace("is not valid YAML at line 1, ", "is not valid YAML at ")
        raise ConfigError(
            f"the value {brief(value.strip())} {problem}",
            file=SET_OPTION,
            path=brief_text(path),
            expected="a YAML value: a number, a word, a list [a, b] or a mapping {key: value}",
            fix="close every bracket, and quote text that holds ':' or '#' ('...')",
        ) from None
    return Override(path, parsed, SET_OPTION)


Given = Mapping[str, Any] | Iterable[str | Override] | None


def overrides_from(given: Given) -> list[Override]:
    """The overrides of ``socialcredit.run(overrides=...)``: a mapping path -> value (values as
    Python objects), or strings ``PATH=VALUE`` as on the command line (or parsed ones)."""
    if given is None:
        return []
    if isinstance(given, Mapping):
        out = []
        for path, value in given.items():
            if not isinstance(path, str):
                raise ConfigError(
                    f"the key {brief(path)} is not a key path",
                    file=ARGUMENT,
                    expected=f"a mapping of key paths to values, e.g. {{'{EXAMPLE.split('=')[0]}'"
                    ": 365}",
                    fix="write each key as a string",
                )
            _check_path_text(path, ARGUMENT)
            out.append(Override(path, value, ARGUMENT))
        return out
    items = [given] if isinstance(given, str) else list(given)
    return [
        o if isinstance(o, Override) else Override((p := parse_set(o)).path, p.value, ARGUMENT)
        for o in items
    ]


def with_warmup(given: Given, warmup: int | None, origin: str = WARMUP_ARGUMENT) -> list[Override]:
    """``given`` and, last (so that it wins), ``run.warmup_days`` set to ``warmup`` where one
    is given: the warm-up travels as an override, so that the run's scenario.yaml, its report,
    `resume` and every replicate of an ensemble see it like any other value."""
    overrides = overrides_from(given)
    if warmup is None:
        return overrides
    return [*overrides, Override(WARMUP_PATH, warmup, origin)]


def _check_path_text(path: str, origin: str) -> None:
    if len(path) > MAX_PATH_CHARS or parse_path(path) is None:
        raise ConfigError(
            f"'{brief_text(path)}' is not a key path",
            file=origin,
            expected="keys joined by dots, with list items in brackets by position or name, "
            f"e.g. {EXAMPLE.split('=')[0]}",
            fix="write the path as an error message prints it, e.g. sources[0].detection",
        )


@dataclass(frozen=True)
class Applied:
    override: Override
    loc: tuple[str | int, ...]  # where it landed, with list positions (as validation reports)


def apply_overrides(
    raw: dict[str, Any], overrides: Iterable[Override]
) -> tuple[dict[str, Any], list[Applied]]:
    """A copy of ``raw`` with every override set, in order, and where each one landed."""
    out = copy.deepcopy(raw)
    applied = []
    for override in overrides:
        steps = parse_path(override.path)
        assert steps is not None  # checked when the override was made
        applied.append(Applied(override, _set(out, steps, override)))
    return out, applied


def _set(raw: dict[str, Any], steps: list[Step], override: Override) -> tuple[str | int, ...]:
    node: Any = raw
    model: Any = Scenario
    where = ""
    loc: list[str | int] = []
    for i, (kind, token) in enumerate(steps):
        last = i == len(steps) - 1
        if isinstance(node, list):
            index = _list_position(node, kind, token, where, override)
            loc.append(index)
            where = join(where, (kind, token))
            if last:
                node[index] = copy.deepcopy(override.value)
            else:
                node = node[index]
            continue
        if not isinstance(node, dict) or kind == "index":
            raise _not_there(override, where, node, (kind, token))
        key = str(token)
        if not where and key in NOT_SETTABLE:
            raise ConfigError(
                f"'{key}' cannot be set",
                file=override.origin,
                path=brief_text(override.path),
                expected="a key path to a value of the scenario",
                fix="to build on another scenario, write a patch file with extend:",
            )
        fields = list(model.model_fields) if is_model(model) else None
        if key not in node:
            if fields is None or key not in fields:
                raise _unknown_key(override, where, key, fields or list(node))
            node[key] = {} if not last else None  # a key left at its default
        loc.append(key)
        where = join(where, ("key", key))
        if last:
            node[key] = copy.deepcopy(override.value)
        else:
            model = child_model(model, key) if fields is not None else None
            node = node[key]
    return tuple(loc)


def _list_position(items: list[Any], kind: str, token: Any, where: str, o: Override) -> int:
    if kind == "index":
        if token < len(items):
            return int(token)
        raise ConfigError(
            f"{where} has {len(items)} item(s), so there is no [{token}]",
            file=o.origin,
            path=brief_text(o.path),
            expected=f"a position from 0 to {len(items) - 1}" if items else "an existing item",
            fix="add items with a patch file (extend:); --set changes existing values",
        )
    if kind == "key":
        raise _not_there(o, where, items, (kind, token))
    found = positions(items, str(token))
    names = [x[item_key(items) or "name"] for x in items] if item_key(items) else []
    if len(found) == 1:
        return found[0]
    if len(found) > 1:
        raise ConfigError(
            f"{where} has {len(found)} items named '{brief_text(str(token))}'",
            file=o.origin,
            path=brief_text(o.path),
            expected="a name that picks one item",
            fix=f"write the position instead: one of {', '.join(f'[{i}]' for i in found)}",
        )
    close = difflib.get_close_matches(str(token)[:100], names, n=1)
    raise ConfigError(
        f"{where} has no item named '{brief_text(str(token))}'",
        file=o.origin,
        path=brief_text(o.path),
        expected=f"one of: {_listed(names)}" if names else "a position in brackets, e.g. [0]",
        fix=f"did you mean '{close[0]}'?" if close else "check the name, or use a position",
    )


def _unknown_key(o: Override, where: str, key: str, allowed: list[str]) -> ConfigError:
    close = difflib.get_close_matches(key[:100], allowed, n=3)
    return ConfigError(
        f"unknown key '{brief_text(key)}'" + (f" under {where}" if where else ""),
        file=o.origin,
        path=brief_text(o.path),
        expected=f"one of: {_listed(allowed)}" if allowed else None,
        fix=f"did you mean {' or '.join(repr(c) for c in close)}?"
        if close
        else "check the spelling against `socialcredit presets --show NAME`",
    )


def _not_there(o: Override, where: str, node: Any, step: Step) -> ConfigError:
    """A step that does not fit what the path has reached: a position in a mapping, a key in a
    list, anything inside a number."""
    if isinstance(node, list):
        what, expected = "a list", "a position [0] or an item's name in brackets"
    elif isinstance(node, dict):
        what, expected = "a mapping", f"a key: one of {_listed(list(node))}"
    else:
        what = f"{type(node).__name__} {brief(node)}"
        expected = "the path to end here"
    return ConfigError(
        f"{where or 'the scenario'} is {what}, so '{join('', step).lstrip('.')}' cannot follow",
        file=o.origin,
        path=brief_text(o.path),
        expected=expected,
        fix=f"to replace the whole value, write --set {where}=VALUE"
        if where and not isinstance(node, list | dict)
        else "check the path against `socialcredit presets --show NAME`",
    )


def _listed(names: list[str]) -> str:
    text = ", ".join(str(n) for n in names)
    return text if len(text) <= 8 * SHOWN_CHARS else text[: 8 * SHOWN_CHARS - 3] + "..."
