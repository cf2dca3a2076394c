"""Parse a scenario's YAML with bounded time and memory.

The C parser (libyaml) is used where PyYAML has it. Before anything is built, a pass over the
parser's events (which does not recurse) refuses aliases (``*name``: a few of them nest into a
"billion laughs" expansion), nesting deeper than ``MAX_DEPTH`` and more than ``MAX_VALUES``
values. Mappings must have string keys written once. Tags other than YAML's own are refused by
the safe loader, so YAML never builds Python objects.
"""

from __future__ import annotations

from typing import Any

import yaml

from socialcredit.errors import ConfigError
from socialcredit.scenario.limits import MAX_DEPTH, MAX_VALUES
from socialcredit.scenario.shown import brief

_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_OPEN = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
_CLOSE = (yaml.SequenceEndEvent, yaml.MappingEndEvent)


class _ScenarioLoader(_BaseLoader):
    """Safe YAML that wants string keys, each written once."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[str] = set()
        for key_node, _ in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                kind = "list" if isinstance(key_node, yaml.SequenceNode) else "mapping"
                raise _KeyProblem(f"a {kind} is used as a key", key_node)
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, str):
                raise _KeyProblem(
                    f"the key {brief(key)} is read as a {type(key).__name__}, not a name",
                    key_node,
                )
            if key in seen:
                raise _KeyProblem(f"duplicate key '{brief(key)[1:-1]}'", key_node)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


class _KeyProblem(yaml.constructor.ConstructorError):
    def __init__(self, problem: str, node: yaml.Node) -> None:
        super().__init__(None, None, problem, node.start_mark)


def parse_scenario_yaml(text: str, label: str) -> Any:
    """The document in ``text`` (None where empty); a ConfigError naming ``label`` if it is not
    YAML or breaks a bound."""
    try:
        _check_shape(text, label)
        return yaml.load(text, Loader=_ScenarioLoader)  # noqa: S506 - a SafeLoader
    except ValueError as exc:  # a well-formed value YAML cannot build: a date 2015-13-31
        raise ConfigError(
            f"holds a value that is not what it looks like: {exc}",
            file=label,
            expected="valid dates written YYYY-MM-DD",
            fix="correct the date (months 1-12, days that exist in the month)",
        ) from None
    except yaml.YAMLError as exc:
        if isinstance(exc, _KeyProblem):
            fix = "write keys as plain names (quote one that reads as a number or true/false)"
        else:
            exc = _precise(text, exc)
            fix = "check indentation and quoting near that line"
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(
            f"is not valid YAML at {where}: {problem}",
            file=label,
            expected="a YAML mapping of scenario keys",
            fix=fix,
        ) from None


def _check_shape(text: str, label: str) -> None:
    depth = values = 0
    for event in yaml.parse(text, Loader=_BaseLoader):
        if isinstance(event, yaml.AliasEvent):
            raise _bound(
                label,
                event,
                f"uses the alias *{brief(event.anchor)[1:-1]}",
                "no YAML anchors and aliases (&name, *name)",
                "write the value out where it is needed, or share a base scenario with extend:",
            )
        if isinstance(event, yaml.ScalarEvent | yaml.SequenceStartEvent | yaml.MappingStartEvent):
            values += 1
            if values > MAX_VALUES:
                raise _bound(
                    label,
                    event,
                    f"holds more than {MAX_VALUES:,} values",
                    f"at most {MAX_VALUES:,} values (a preset has about 1,500)",
                    "check that this is the scenario you meant",
                )
        if isinstance(event, _OPEN):
            depth += 1
            if depth > MAX_DEPTH:
                raise _bound(
                    label,
                    event,
                    f"nests lists and mappings more than {MAX_DEPTH} deep",
                    f"at most {MAX_DEPTH} levels (a preset has 5)",
                    "check the brackets and indentation near that line",
                )
        elif isinstance(event, _CLOSE):
            depth -= 1


def _bound(label: str, event: yaml.Event, problem: str, expected: str, fix: str) -> ConfigError:
    mark = event.start_mark
    return ConfigError(
        f"{problem} at line {mark.line + 1}, column {mark.column + 1}",
        file=label,
        expected=expected,
        fix=fix,
    )


def _precise(text: str, exc: yaml.YAMLError) -> yaml.YAMLError:
    """libyaml's message for a character that starts no token omits the character, which
    PyYAML's own parser names (often a tab): put it back. (Re-parsing with PyYAML's parser
    instead is quadratic on deep flow nesting.)"""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None)
    if problem == "found character that cannot start any token" and mark is not None:
        index = getattr(mark, "index", -1)
        if 0 <= index < len(text):
            exc.problem = f"found character {text[index]!r} that cannot start any token"
    return exc
