"""Which numbers of a scenario are assumptions: what ``socialcredit sensitivity`` varies by default.

A scenario says where its numbers come from in free-text ``source:`` strings, one per item (a
behaviour, a data source and its error rates, a list, the response, the appeals). A source may
speak of several fields at once ("detection: NPL 2023 ...; coverage per camera is an
assumption"), so it is read clause by clause (clauses split at ';'): a clause that names a field
decides for that field; a field no clause names is an assumption where a clause that names no
field says "assum..." or "no published". A source that opens with "assumption" makes every
number of its item one. A number with no source at all is an assumption too: nothing published
backs it.

Only numbers that are present in the resolved scenario (a run's scenario.yaml has the defaults
too) and non-zero are listed: a zero switches a mechanism off and scaling it changes nothing; so
does the time scale of a mechanism that is off, and every appeals number where appeals have no
capacity. Structural numbers (score bounds, tier
thresholds, shares, run settings, consequence weights) are never listed: they are the regime's
design or the population's make-up, not uncertain rates; ``--vary`` can still name any number.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from socialcredit.scenario.limits import MAX_APPEALS_PER_100K_PER_DAY
from socialcredit.scenario.paths import item_step, join

INF = float("inf")


@dataclass(frozen=True)
class Field:
    """A kind of number that may be varied: its key, the words a source uses for it, and the
    schema's bounds (the value must stay within ``low..high``; ``whole`` for integers)."""

    key: str
    words: tuple[str, ...]
    low: float
    high: float
    whole: bool = False


def _f(key: str, *words: str, low: float = 0.0, high: float = 1.0, whole: bool = False) -> Field:
    return Field(key, (key.replace("_", " "), key, *words), low, high, whole)


# (where the items are, their fields, where their source is: None = the item's own source)
BEHAVIOUR = (_f("rate"),)
SOURCE = (
    _f("coverage"),
    _f("coverage_per_camera_per_1000", "coverage per camera", high=INF),
    _f("detection"),
)
ERRORS = (_f("false_match", "false match"), _f("misattribution"), _f("bookkeeping"))
RULE = (_f("points", low=-5000, high=5000, whole=True),)
LIST = (_f("duration_days", "duration", low=1, high=20000, whole=True), _f("comply_per_day"))
REGION = (_f("cameras_per_1000", "cameras", high=1000.0),)
POPULATION = (
    _f("household_size", "household", low=1.0, high=20.0),
    _f("trait_spread", low=0.0, high=1.5),
)
RECOVERY = (_f("points_per_day", "recovery", high=1000.0),)
RESPONSE = (
    _f("deterrence_own", "deterrence"),
    _f("deterrence_household", "deterrence", "household"),
    _f("deterrence_half_life_days", "half-life", "half life", high=36500.0),
    _f("chilling"),
    _f("gaming"),
    _f("awareness_days", "awareness", high=INF),
)
APPEALS = (
    _f("capacity_per_100k_per_day", "capacity", high=MAX_APPEALS_PER_100K_PER_DAY),
    _f("delay_days", "delay", high=3650, whole=True),
    _f("file_probability_wrongful", "file"),
    _f("file_probability_rightful", "file"),
    _f("success_wrongful", "success"),
    _f("success_rightful", "success"),
)


@dataclass(frozen=True)
class Assumed:
    """A number the scenario marks as an assumption: its key path (items by name, as --set
    writes it), its value as written (a number, a mapping per group or region, a schedule),
    the field's bounds, and the source that says so."""

    path: str
    value: Any
    field: Field
    source: str | None


def assumptions(raw: dict[str, Any]) -> list[Assumed]:
    """Every set, non-zero number of the resolved scenario ``raw`` that is an assumption."""
    return [a for a in numbers(raw) if is_assumption(a.field, a.source, _fields_of(a))]


def numbers(raw: dict[str, Any]) -> Iterator[Assumed]:
    """Every set, non-zero number of a kind ``assumptions`` considers, with its source."""
    population = raw.get("population", {})
    yield from _item(population, "population", POPULATION, population.get("source"))
    yield from _items(population, "population", "regions", REGION)
    yield from _items(raw, "", "behaviours", BEHAVIOUR)
    for i, src in enumerate(raw.get("sources", [])):
        where = join("sources", item_step(raw["sources"], i))
        fields: tuple[Field, ...] = SOURCE  # coverage per camera, if set, replaces coverage
        if src.get("coverage_per_camera_per_1000") is not None:
            fields = tuple(f for f in SOURCE if f.key != "coverage")
        yield from _item(src, where, fields, src.get("source"))
        errors = src.get("errors") or {}
        source = errors.get("source") or src.get("source")
        yield from _item(errors, join(where, ("key", "errors")), ERRORS, source)
    regime = raw.get("regime", {})
    yield from _items(regime, "regime", "rules", RULE)
    yield from _items(regime, "regime", "lists", LIST)
    recovery = regime.get("recovery") or {}
    yield from _item(recovery, "regime.recovery", RECOVERY, recovery.get("source"))
    response = raw.get("response") or {}
    yield from _item(response, "response", _live(response, RESPONSE), response.get("source"))
    appeals = raw.get("appeals") or {}
    if _nonzero(appeals.get("capacity_per_100k_per_day", 0)):  # no appeals: nothing to vary
        yield from _item(appeals, "appeals", APPEALS, appeals.get("source"))


def _live(response: dict[str, Any], fields: tuple[Field, ...]) -> tuple[Field, ...]:
    """The response's fields that can matter: a time scale of a mechanism switched off (the
    half-life of deterrence that is zero) changes nothing, so varying it would waste runs."""

    def on(*keys: str) -> bool:
        return any(_nonzero(response.get(k, 0)) for k in keys)

    dead = set()
    if not on("deterrence_own", "deterrence_household"):
        dead.add("deterrence_half_life_days")
    if not on("chilling", "gaming"):
        dead.add("awareness_days")
    return tuple(f for f in fields if f.key not in dead)


def _items(
    parent: dict[str, Any], where: str, key: str, fields: tuple[Field, ...]
) -> Iterator[Assumed]:
    items = parent.get(key) or []
    for i, item in enumerate(items):
        path = join(join(where, ("key", key)), item_step(items, i))
        yield from _item(item, path, fields, item.get("source"))


def _item(
    item: dict[str, Any], where: str, fields: tuple[Field, ...], source: Any
) -> Iterator[Assumed]:
    for field in fields:
        value = item.get(field.key)
        if value is None or not _nonzero(value):
            continue
        text = source if isinstance(source, str) else None
        if isinstance(value, list):  # a schedule: an entry's own source speaks for it
            own = [s.get("source") or text for s in value if isinstance(s, dict)]
            if any(o is None or _says_assumption(o) for o in own):
                text = "assumption: an entry of the schedule has no source or says so"
            else:
                text = "; ".join(str(o) for o in own)
        yield Assumed(join(where, ("key", field.key)), value, field, text)


def _fields_of(a: Assumed) -> tuple[Field, ...]:
    for group in (BEHAVIOUR, SOURCE, ERRORS, RULE, LIST, REGION, POPULATION, RECOVERY, RESPONSE,
                  APPEALS):  # fmt: skip
        if a.field in group:
            return group
    return (a.field,)


def _nonzero(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, dict):
        return any(_nonzero(v) for v in value.values())
    if isinstance(value, list):
        return any(isinstance(s, dict) and _nonzero(s.get("value")) for s in value)
    return False


MARKERS = ("assum", "no published")  # how sources say a number is a guess


def _says_assumption(text: str) -> bool:
    return any(m in text.lower() for m in MARKERS)


def is_assumption(field: Field, source: str | None, siblings: tuple[Field, ...] = ()) -> bool:
    """Whether ``source`` leaves ``field`` an assumption (module docstring has the reading)."""
    if source is None or not source.strip():
        return True
    if source.strip().lower().startswith("assum"):  # the author leads with it: all of it
        return True
    clauses = [c.lower() for c in source.split(";")]

    def names(clause: str, f: Field) -> bool:
        return any(word in clause for word in f.words)

    own = [c for c in clauses if names(c, field)]
    if own:
        return any(_says_assumption(c) for c in own)
    general = [c for c in clauses if not any(names(c, f) for f in siblings)]
    return any(_says_assumption(c) for c in general)
