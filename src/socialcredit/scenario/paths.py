"""Key paths into a scenario, written as error messages write them.

``regime.lists[0].duration_days``: keys joined by dots, list positions in brackets, a key that is
not a plain name quoted (``behaviours[4]['rate ']``). A named list item (groups, sources, lists,
consequences by ``name``; rules by ``behaviour``) may also be written by its name,
``regime.lists[dishonest-debtors].duration_days``, which ``--set`` accepts and the record of
changed values in a run's ``scenario.yaml`` uses, because a name survives a patch that adds or
removes items and an index does not.
"""

from __future__ import annotations

import ast
import re
from typing import Any, get_args, get_origin

from pydantic import BaseModel

PLAIN_KEY = re.compile(r"[A-Za-z_][A-Za-z0-9_-]*")
ITEM_KEYS = ("name", "behaviour")  # what names an item of a list, in the order tried

# A step: ("key", "regime"), ("index", 0) or ("item", "dishonest-debtors"): a name in brackets,
# which on a mapping is a key and on a list the item of that name.
Step = tuple[str, Any]

_STEP = re.compile(
    r"""\.(?P<key>[A-Za-z_][A-Za-z0-9_-]*)
      | \[(?P<index>[0-9]+)\]
      | \[(?P<quoted>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")\]
      | \[(?P<item>[^\[\]'"]+)\]""",
    re.VERBOSE,
)


def parse_path(text: str) -> list[Step] | None:
    """The steps of a key path; None where ``text`` is not one."""
    first = PLAIN_KEY.match(text)
    if first is None:
        return None
    steps: list[Step] = [("key", first.group())]
    at = first.end()
    while at < len(text):
        match = _STEP.match(text, at)
        if match is None:
            return None
        if match["key"] is not None:
            steps.append(("key", match["key"]))
        elif match["index"] is not None:
            steps.append(("index", int(match["index"])))
        elif match["quoted"] is not None:
            steps.append(("item", ast.literal_eval(match["quoted"])))
        else:
            steps.append(("item", match["item"].strip()))
        at = match.end()
    return steps


def item_key(items: Any) -> str | None:
    """The key that names the items of ``items`` ('name' or 'behaviour'); None if unnamed."""
    if not isinstance(items, list) or not items or not all(isinstance(x, dict) for x in items):
        return None
    for key in ITEM_KEYS:
        if all(isinstance(x.get(key), str) for x in items):
            return key
    return None


def positions(items: list[Any], name: str) -> list[int]:
    """Where the item(s) named ``name`` are in ``items`` (several where a name repeats)."""
    key = item_key(items)
    return [i for i, x in enumerate(items) if key and x.get(key) == name]


def key_text(key: str) -> str:
    return key if PLAIN_KEY.fullmatch(key) else repr(key)


def join(path: str, step: Step) -> str:
    """``path`` one step deeper, as a message prints it."""
    kind, value = step
    if kind == "index":
        return f"{path}[{value}]"
    if kind == "item":
        return f"{path}[{value}]" if PLAIN_KEY.fullmatch(value) else f"{path}[{value!r}]"
    text = key_text(value)
    if not PLAIN_KEY.fullmatch(value):
        return f"{path}[{text}]"
    return f"{path}.{text}" if path else text


def item_step(items: list[Any], index: int) -> Step:
    """How a path names ``items[index]``: by its name where that name is unique, else by index."""
    key = item_key(items)
    if key is not None:
        name = items[index][key]
        if len(positions(items, name)) == 1:
            return ("item", name)
    return ("index", index)


# --- following a path through the schema ---------------------------------------------------------


def element_model(annotation: Any) -> Any:
    """The model a field holds (for ``list[Rule]`` and ``Recovery | None``: the model), else the
    plain type of its value."""
    while get_origin(annotation) is not None:
        args = [a for a in get_args(annotation) if a is not type(None)]
        models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
        if models:
            return models[0]
        if not args:
            return annotation
        annotation = args[0]
    return annotation


def is_model(thing: Any) -> bool:
    return isinstance(thing, type) and issubclass(thing, BaseModel)


def child_model(model: Any, key: str) -> Any:
    """What ``model``'s field ``key`` holds (see ``element_model``); None where no such field."""
    if not is_model(model):
        return None
    field = model.model_fields.get(key)
    return None if field is None else element_model(field.annotation)
