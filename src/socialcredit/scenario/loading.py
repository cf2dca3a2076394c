"""Load a scenario: read YAML, resolve ``extend:``, validate, check cross-references.

A scenario may ``extend:`` a preset (by name) or another file (by path, relative to the file that
extends it) and patch it. Patching is a deep merge: mappings merge key by key, and lists of named
items (groups, behaviours, rules by behaviour, ...) merge item by item on their ``name``, so a
policy variant is a short diff. An item with ``remove: true`` is dropped from the list.
"""

from __future__ import annotations

import difflib
import re
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from socialcredit.errors import ConfigError
from socialcredit.scenario.calendar import check_calendar
from socialcredit.scenario.files import check_extend_name, read_scenario_text, real_path
from socialcredit.scenario.free_parameters import check_free_parameters
from socialcredit.scenario.limits import MAX_EXTEND_CHAIN
from socialcredit.scenario.paths import element_model
from socialcredit.scenario.references import check_references
from socialcredit.scenario.schema import SCHEDULE_TAGS, Scenario
from socialcredit.scenario.shown import brief, brief_text
from socialcredit.scenario.text import check_text
from socialcredit.scenario.yaml_safe import parse_scenario_yaml

PRESET_PACKAGE = "socialcredit.scenario.presets"


TARGETS_SUFFIX = ".targets.yaml"  # a preset's calibration targets sit beside it (targets.py)


def preset_names() -> list[str]:
    folder = resources.files(PRESET_PACKAGE)
    return sorted(
        p.name[:-5]
        for p in folder.iterdir()
        if p.name.endswith(".yaml") and not p.name.endswith(TARGETS_SUFFIX)
    )


def preset_text(name: str) -> str:
    return resources.files(PRESET_PACKAGE).joinpath(f"{name}.yaml").read_text(encoding="utf-8")


def load_scenario(ref: str | Path) -> tuple[Scenario, dict[str, Any]]:
    """Load a preset name or a YAML file; return the validated scenario and its resolved dict."""
    raw, label, _ = _read(ref, chain=())
    return validate(raw, label), raw


def read_chain(ref: str | Path) -> tuple[dict[str, Any], str, dict[str, Any]]:
    """Read ``ref`` with every ``extend:`` merged, unvalidated: (the merged dict, the label
    messages name it by, the dict of the base at the end of its chain). Without ``extend:``
    the base is the merged dict itself."""
    return _read(ref, chain=())


def validate(raw: dict[str, Any], label: str) -> Scenario:
    check_text(raw, label)
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        raise _config_error_from(exc, label) from None
    check_references(scenario, label)
    check_calendar(scenario, label)
    if scenario.calibrate:
        check_free_parameters(raw, scenario, label, validate)
    return scenario


# --- reading and extending ---------------------------------------------------------------------


def _read(
    ref: str | Path, chain: tuple[tuple[str, str], ...], written: str | None = None
) -> tuple[dict[str, Any], str, dict[str, Any]]:
    """Read ``ref`` and what it extends. ``chain`` holds (label, real path) of the files that
    extend this one, outermost first: cycles are found on real paths, messages use labels."""
    seen = tuple(label for label, _ in chain)
    if len(chain) > MAX_EXTEND_CHAIN:
        raise ConfigError(
            f"extends through more than {MAX_EXTEND_CHAIN} files ({' -> '.join(seen[:4])} ...)",
            file=seen[0],
            path="extend",
            expected=f"a chain of at most {MAX_EXTEND_CHAIN} extends",
            fix="extend a preset or a file nearer the base",
        )
    text, label, base_dir, real = _text_of(ref, chain, written)
    if real in (key for _, key in chain):
        cycle = " -> ".join((*seen, label))
        raise ConfigError(
            f"forms a cycle ({cycle})",
            file=seen[0],
            path="extend",
            expected="a chain of extends that ends at a scenario without extend",
            fix="remove one of the extend: keys",
        )
    where = _where(label, seen)
    data = parse_scenario_yaml(text, where)
    if data is None:
        raise ConfigError(
            "is empty",
            file=where,
            expected="a YAML mapping with keys such as name, population, behaviours, regime",
            fix="start from `socialcredit presets --show NAME` and edit it",
        )
    if not isinstance(data, dict):
        raise ConfigError(
            f"holds a {type(data).__name__}, not a mapping",
            file=where,
            expected="a YAML mapping with keys such as name, population, behaviours, regime",
            fix="start from `socialcredit presets --show NAME` and edit it",
        )
    parent = data.get("extend")
    if parent is None:
        return data, label, data
    if not isinstance(parent, str):
        raise ConfigError(
            f"got {brief(parent)}",
            file=where,
            path="extend",
            expected="a preset name or a path to a scenario file",
            fix=f"use one of: {', '.join(preset_names())}",
        )
    parent_ref: str | Path = parent
    if parent not in preset_names() and base_dir is not None:
        parent_ref = base_dir / parent
    base, _, root = _read(parent_ref, (*chain, (label, real)), written=parent)
    merged = deep_merge(base, {k: v for k, v in data.items() if k != "extend"}, label=where)
    merged["extend"] = parent
    return merged, label, root


def _where(label: str, seen: tuple[str, ...]) -> str:
    """How messages name a file: with the scenarios that extend it, nearest first."""
    return "".join((label, *(f" (extended by {x}" for x in reversed(seen)), ")" * len(seen)))


def _text_of(
    ref: str | Path, chain: tuple[tuple[str, str], ...], written: str | None = None
) -> tuple[str, str, Path | None, str]:
    """Return (text, label for messages, folder for relative extends, real path or preset key)."""
    seen = tuple(label for label, _ in chain)
    name = str(ref)
    if isinstance(ref, str) and name in preset_names():
        return preset_text(name), f"preset {name}", None, f"preset {name}"
    path = Path(ref)
    real = real_path(path)
    if real is not None:
        if seen:
            check_extend_name(written or name, file=_where(seen[-1], seen[:-1]))
        return read_scenario_text(real, _where(str(path), seen)), str(path), path.parent, str(real)
    shown = brief_text(written or name)
    close = difflib.get_close_matches(path.name.removesuffix(".yaml")[:100], preset_names(), n=1)
    hint = f"did you mean the preset '{close[0]}'?" if close else ""
    raise ConfigError(
        f"'{shown}' is neither a file nor a preset",
        file=_where(seen[-1], seen[:-1]) if seen else None,
        path="extend" if seen else None,
        expected=f"a path to a YAML file or one of the presets: {', '.join(preset_names())}",
        fix=hint or "check the path, or run `socialcredit presets` for the names",
    )


def deep_merge(base: Any, patch: Any, *, label: str = "scenario", path: str = "") -> Any:
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for key, value in patch.items():
            sub = f"{path}.{key}" if path else str(key)
            out[key] = deep_merge(base[key], value, label=label, path=sub) if key in base else value
        return out
    if isinstance(base, list) and isinstance(patch, list) and _named(base) and _named(patch):
        key = "name" if "name" in base[0] else "behaviour"
        for i, item in enumerate(patch):
            if key not in item:
                other = "behaviour" if key == "name" else "name"
                raise ConfigError(
                    f"this patch item has no '{key}' to say which item it changes",
                    file=label,
                    path=f"{path}[{i}]",
                    expected=f"items of {path} matched by '{key}'"
                    + (f", not '{other}'" if other in item else ""),
                    fix=f"write `{key}: ...` to name the item to patch or add",
                )
        if not all(isinstance(item[key], str) for item in base + patch):
            return patch  # validation reports the malformed name with its key path
        out_list = [dict(item) for item in base]
        index = {item[key]: i for i, item in enumerate(out_list)}
        for item in patch:
            if item[key] in index:
                i = index[item[key]]
                out_list[i] = deep_merge(out_list[i], item, label=label, path=f"{path}[{i}]")
            else:
                index[item[key]] = len(out_list)
                out_list.append(dict(item))
        return [
            {k: v for k, v in item.items() if k != "remove"}
            for item in out_list
            if not item.get("remove")
        ]
    return patch


def _named(items: list[Any]) -> bool:
    return bool(items) and all(
        isinstance(item, dict) and ("name" in item or "behaviour" in item) for item in items
    )


# --- turning pydantic's errors into ours ---------------------------------------------------------


PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")


def key_path(loc: tuple[Any, ...]) -> str:
    """``regime.tiers[2].min_score``; a key that is not a plain name is quoted, so that a
    stray space or dot shows: ``behaviours[4]['rate ']``."""
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        elif PLAIN_KEY.fullmatch(str(part)):
            text += f".{part}" if text else str(part)
        else:
            text += f"[{brief_text(str(part))!r}]"
    return text


def _config_error_from(exc: ValidationError, label: str) -> ConfigError:
    errors = exc.errors(include_url=False)
    first = errors[0]
    # a schedulable number is a union tagged 'value' or 'schedule': not keys of the file
    loc = tuple(p for p in first["loc"] if p not in SCHEDULE_TAGS and p != "function-after")
    path = key_path(loc)
    kind = first["type"]
    more = f" ({len(errors) - 1} more problem(s) after this one)" if len(errors) > 1 else ""
    if kind == "schedule":  # schema.py says what is wrong, what was expected and the fix
        ctx = first.get("ctx", {})
        return ConfigError(
            f"{ctx['problem']}{more}",
            file=label,
            path=path,
            expected=ctx["expected"],
            fix=ctx["fix"],
        )
    if kind.startswith("date_"):
        return ConfigError(
            f"got {brief(first.get('input'))}, not a date{more}",
            file=label,
            path=path,
            expected="a date written YYYY-MM-DD, e.g. 2013-10-01",
            fix=f"write {path} as YYYY-MM-DD",
        )
    if kind == "missing":
        parent, field = key_path(loc[:-1]) or "the top level", loc[-1]
        return ConfigError(
            f"required key '{field}' is missing{more}",
            file=label,
            path=path,
            expected=_describe(loc) or f"a value for '{field}'",
            fix=f"add `{field}:` under {parent}",
        )
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc[:-1])
        close = difflib.get_close_matches(str(loc[-1])[:100], allowed, n=1)
        return ConfigError(
            f"unknown key '{brief_text(str(loc[-1]))}'{more}",
            file=label,
            path=path,
            expected=f"one of: {', '.join(allowed)}" if allowed else None,
            fix=f"did you mean '{close[0]}'?" if close else "remove the key or check its spelling",
        )
    if kind == "literal_error":
        choices = [str(c).strip("'") for c in first.get("ctx", {}).get("expected", "").split(", ")]
        choices = [c for part in choices for c in part.replace("' or '", "|").split("|")]
        got = first.get("input")
        close = difflib.get_close_matches(brief(got), [c.strip("'") for c in choices], n=1)
        return ConfigError(
            f"got {brief(got)}{more}",
            file=label,
            path=path,
            expected=first["msg"].removeprefix("Input should be "),
            fix=f"did you mean '{close[0]}'?"
            if close
            else f"use one of the values listed for {path}",
        )
    if kind == "string_pattern_mismatch":
        return ConfigError(
            f"got {brief(first.get('input'))}{more}",
            file=label,
            path=path,
            expected=_describe(loc) or "an identifier",
            fix="use lower-case letters, digits, '-' or '_', starting with a letter",
        )
    message = first["msg"].removeprefix("Value error, ")
    expected = message.removeprefix("Input should be ").removeprefix("input should be ")
    described = _describe(loc)
    fix = f"set {path} to {described}" if described else f"give {path} {_article(expected)}"
    got = first.get("input")
    shown = brief(got)
    got_text = f"got {shown}" if "..." not in shown else f"got a {type(got).__name__}"
    if message.startswith("got ") and "; expected " in message:
        problem, wanted = message.split("; expected ", 1)
        fix = f"set {path} to {described}" if described else f"give {path} {_article(wanted)}"
        return ConfigError(f"{problem}{more}", file=label, path=path, expected=wanted, fix=fix)
    if message.startswith("expected") or " is " in message or message.startswith("got"):
        return ConfigError(f"{message}{more}", file=label, path=path, fix=fix)
    return ConfigError(f"{got_text}{more}", file=label, path=path, expected=expected, fix=fix)


def _model_at(loc: tuple[Any, ...]) -> tuple[type[BaseModel] | None, str | None]:
    """Follow a location through the schema; return (model holding the last key, that key)."""
    model: Any = Scenario
    field_name: str | None = None
    for part in loc:
        if isinstance(part, int):
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)):
            return None, None
        field = model.model_fields.get(str(part))
        if field is None:
            return None, None
        field_name = str(part)
        holder = model
        model = element_model(field.annotation)
    return (holder if field_name else None), field_name


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    if not [p for p in loc if not isinstance(p, int)]:
        return list(Scenario.model_fields)
    holder, name = _model_at(loc)
    if holder is None or name is None:
        return []
    target = element_model(holder.model_fields[name].annotation)
    if isinstance(target, type) and issubclass(target, BaseModel):
        return list(target.model_fields)
    return []


def _describe(loc: tuple[Any, ...]) -> str | None:
    holder, name = _model_at(loc)
    if holder is None or name is None:
        return None
    return holder.model_fields[name].description


def _article(expected: str) -> str:
    return expected if expected.startswith(("a ", "an ", "one ")) else f"a value that is {expected}"
