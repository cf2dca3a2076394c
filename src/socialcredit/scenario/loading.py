"""Load a scenario: read YAML, resolve ``extend:``, validate, check cross-references.

A scenario may ``extend:`` a preset (by name) or another file (by path, relative to the file that
extends it) and patch it. Patching is a deep merge: mappings merge key by key, and lists of named
items (groups, behaviours, rules by behaviour, ...) merge item by item on their ``name``, so a
policy variant is a short diff. An item with ``remove: true`` is dropped from the list.
"""

from __future__ import annotations

import difflib
from importlib import resources
from pathlib import Path
from typing import Any, get_args, get_origin

import yaml
from pydantic import BaseModel, ValidationError

from socialcredit.errors import ConfigError
from socialcredit.scenario.references import check_references
from socialcredit.scenario.schema import Scenario

PRESET_PACKAGE = "socialcredit.scenario.presets"


def preset_names() -> list[str]:
    folder = resources.files(PRESET_PACKAGE)
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml"))


def preset_text(name: str) -> str:
    return resources.files(PRESET_PACKAGE).joinpath(f"{name}.yaml").read_text(encoding="utf-8")


def load_scenario(ref: str | Path) -> tuple[Scenario, dict[str, Any]]:
    """Load a preset name or a YAML file; return the validated scenario and its resolved dict."""
    raw, label = _read(ref, seen=())
    return validate(raw, label), raw


def validate(raw: dict[str, Any], label: str) -> Scenario:
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as exc:
        raise _config_error_from(exc, label) from None
    check_references(scenario, label)
    return scenario


# --- reading and extending ---------------------------------------------------------------------


def _read(ref: str | Path, seen: tuple[str, ...]) -> tuple[dict[str, Any], str]:
    text, label, base_dir = _text_of(ref, seen)
    if label in seen:
        chain = " -> ".join((*seen, label))
        raise ConfigError(
            f"extend: forms a cycle ({chain})",
            file=seen[0],
            path="extend",
            expected="a chain of extends that ends at a scenario without extend",
            fix="remove one of the extend: keys",
        )
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown position"
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(
            f"is not valid YAML at {where}: {problem}",
            file=label,
            expected="a YAML mapping of scenario keys",
            fix="check indentation and quoting near that line",
        ) from None
    if not isinstance(data, dict):
        raise ConfigError(
            f"holds a {type(data).__name__}, not a mapping",
            file=label,
            expected="a YAML mapping with keys such as name, population, behaviours, regime",
            fix="start from `socialcredit presets --show NAME` and edit it",
        )
    parent = data.get("extend")
    if parent is None:
        return data, label
    if not isinstance(parent, str):
        raise ConfigError(
            f"got {parent!r}",
            file=label,
            path="extend",
            expected="a preset name or a path to a scenario file",
            fix=f"use one of: {', '.join(preset_names())}",
        )
    parent_ref: str | Path = parent
    if parent not in preset_names() and base_dir is not None:
        parent_ref = base_dir / parent
    base, _ = _read(parent_ref, (*seen, label))
    merged = deep_merge(base, {k: v for k, v in data.items() if k != "extend"})
    merged["extend"] = parent
    return merged, label


def _text_of(ref: str | Path, seen: tuple[str, ...]) -> tuple[str, str, Path | None]:
    """Return (text, label for messages, folder for relative extends)."""
    name = str(ref)
    if isinstance(ref, str) and name in preset_names():
        return preset_text(name), f"preset {name}", None
    path = Path(ref)
    if path.is_file():
        try:
            return path.read_text(encoding="utf-8"), str(path), path.parent
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(
                f"cannot be read ({exc.__class__.__name__})",
                file=str(path),
                expected="a readable UTF-8 YAML file",
                fix="check the file's permissions and encoding",
            ) from None
    close = difflib.get_close_matches(path.name.removesuffix(".yaml"), preset_names(), n=1)
    hint = f"did you mean the preset '{close[0]}'?" if close else ""
    raise ConfigError(
        f"'{name}' is neither a file nor a preset",
        file=seen[-1] if seen else None,
        path="extend" if seen else None,
        expected=f"a path to a YAML file or one of the presets: {', '.join(preset_names())}",
        fix=hint or "check the path, or run `socialcredit presets` for the names",
    )


def deep_merge(base: Any, patch: Any) -> Any:
    if isinstance(base, dict) and isinstance(patch, dict):
        out = dict(base)
        for key, value in patch.items():
            out[key] = deep_merge(base[key], value) if key in base else value
        return out
    if isinstance(base, list) and isinstance(patch, list) and _named(base) and _named(patch):
        key = _item_key(base + patch)
        out_list = [dict(item) for item in base]
        index = {item[key]: i for i, item in enumerate(out_list)}
        for item in patch:
            if item[key] in index:
                i = index[item[key]]
                out_list[i] = deep_merge(out_list[i], item)
            else:
                index[item[key]] = len(out_list)
                out_list.append(dict(item))
        return [
            {k: v for k, v in item.items() if k != "remove"}
            for item in out_list
            if not item.get("remove")
        ]
    return patch


def _item_key(items: list[dict[str, Any]]) -> str:
    return "name" if all("name" in item for item in items) else "behaviour"


def _named(items: list[Any]) -> bool:
    return bool(items) and all(
        isinstance(item, dict) and ("name" in item or "behaviour" in item) for item in items
    )


# --- turning pydantic's errors into ours ---------------------------------------------------------


def key_path(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def _config_error_from(exc: ValidationError, label: str) -> ConfigError:
    errors = exc.errors(include_url=False)
    first = errors[0]
    loc = tuple(first["loc"])
    path = key_path(loc)
    kind = first["type"]
    more = f" ({len(errors) - 1} more problem(s) after this one)" if len(errors) > 1 else ""
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
        close = difflib.get_close_matches(str(loc[-1]), allowed, n=1)
        return ConfigError(
            f"unknown key '{loc[-1]}'{more}",
            file=label,
            path=path,
            expected=f"one of: {', '.join(allowed)}" if allowed else None,
            fix=f"did you mean '{close[0]}'?" if close else "remove the key or check its spelling",
        )
    message = first["msg"].removeprefix("Value error, ")
    expected = message.removeprefix("Input should be ").removeprefix("input should be ")
    described = _describe(loc)
    fix = f"set {path} to {described}" if described else f"correct {path}"
    got = first.get("input")
    got_text = f"got {got!r}" if not isinstance(got, dict | list) else f"got a {type(got).__name__}"
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
        model = _unwrap(field.annotation)
    return (holder if field_name else None), field_name


def _unwrap(annotation: Any) -> Any:
    while get_origin(annotation) is not None:
        args = [a for a in get_args(annotation) if a is not type(None)]
        models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
        if models:
            return models[0]
        if not args:
            return annotation
        annotation = args[0]
    return annotation


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    if not [p for p in loc if not isinstance(p, int)]:
        return list(Scenario.model_fields)
    holder, name = _model_at(loc)
    if holder is None or name is None:
        return []
    target = _unwrap(holder.model_fields[name].annotation)
    if isinstance(target, type) and issubclass(target, BaseModel):
        return list(target.model_fields)
    return []


def _describe(loc: tuple[Any, ...]) -> str | None:
    holder, name = _model_at(loc)
    if holder is None or name is None:
        return None
    return holder.model_fields[name].description
