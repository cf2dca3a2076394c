"""The calendar of a scenario: schedules and dated items, resolved to the epochs of a run.

A scenario with ``run.start`` has dates. A schedulable number may be a step function of dates
(``schema.Step``), and sources, rules, lists and consequences may be in force only from one date
until another (``schema.Dated``, both days included). The dates at which anything changes split
a run into *epochs*; compile.py compiles the numeric tables once per epoch from the scenario as
it stands on the epoch's first day (``on``), and the engines read the tables of today's epoch.

Before a schedule's first date a parameter has no value: a run that starts before it is refused
(``check_calendar``), so no value is ever guessed.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any, overload

from pydantic import BaseModel

from socialcredit.errors import ConfigError
from socialcredit.scenario.schema import (
    Dated,
    DaysStep,
    PerGroupStep,
    PerRegionStep,
    PointsStep,
    ProbabilityStep,
    Scenario,
    Step,
)


def is_schedule(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and isinstance(value[0], Step)


def value_on(value: Any, day: date) -> Any:
    """A schedulable value as it stands on ``day`` (a plain value stands every day)."""
    if not is_schedule(value):
        return value
    current = value[0]
    for step in value:
        if step.from_ <= day:
            current = step
    return current.value


PerCell = float | dict[str, float]  # a number per group or region, or one for all


@overload
def now(value: int | list[PointsStep] | list[DaysStep]) -> int: ...
@overload
def now(value: float | list[ProbabilityStep]) -> float: ...
@overload
def now(value: PerCell | list[PerGroupStep] | list[PerRegionStep]) -> PerCell: ...
def now(value: Any) -> Any:
    """A value of a scenario resolved to one day (``on``), which holds no schedule."""
    if is_schedule(value):
        raise TypeError("a schedule where a resolved value was expected: resolve with on()")
    return value


def values_of(value: Any) -> list[Any]:
    """Every value a schedulable parameter takes (one for a plain value)."""
    return [step.value for step in value] if is_schedule(value) else [value]


def in_force(item: Dated, day: date) -> bool:
    return (item.from_ is None or item.from_ <= day) and (item.until is None or day <= item.until)


def on(model: Any, day: date) -> Any:
    """``model`` (a Scenario or any part of it) with every schedule replaced by its value on
    ``day``; dated items stay, to be read with ``in_force``."""
    if not isinstance(model, BaseModel):
        return model
    changes: dict[str, Any] = {}
    for name in type(model).model_fields:
        value = getattr(model, name)
        if is_schedule(value):
            changes[name] = value_on(value, day)
        elif isinstance(value, BaseModel):
            changes[name] = on(value, day)
        elif isinstance(value, list) and value and isinstance(value[0], BaseModel):
            changes[name] = [on(item, day) for item in value]
    return model.model_copy(update=changes)


def dated_parts(model: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """Every schedule and every item with a from:/until: date, with its key path."""
    if isinstance(model, Dated) and (model.from_ is not None or model.until is not None):
        yield path, model
    if not isinstance(model, BaseModel):
        return
    for name in type(model).model_fields:
        value = getattr(model, name)
        sub = f"{path}.{name}" if path else name
        if is_schedule(value):
            yield sub, value
        elif isinstance(value, BaseModel):
            yield from dated_parts(value, sub)
        elif isinstance(value, list) and value and isinstance(value[0], BaseModel):
            for i, item in enumerate(value):  # items of a list are all models, or none
                yield from dated_parts(item, f"{sub}[{i}]")


def change_dates(sc: Scenario) -> set[date]:
    """The dates on which some parameter or some item's being in force changes."""
    dates: set[date] = set()
    for _, part in dated_parts(sc):
        if isinstance(part, Dated):
            if part.from_ is not None:
                dates.add(part.from_)
            if part.until is not None:
                dates.add(part.until + timedelta(days=1))
        else:
            dates.update(step.from_ for step in part)
    return dates


def epoch_days(sc: Scenario, days: int) -> list[int]:
    """First day of each epoch of a run of ``days`` days: 0, then every change inside the run."""
    start = sc.run.start
    if start is None:
        return [0]
    inside = {(d - start).days for d in change_dates(sc)}
    return [0, *sorted(t for t in inside if 0 < t < days)]


def check_calendar(sc: Scenario, label: str) -> None:
    """Dates need a start; every schedule must have a value from the start on."""
    start = sc.run.start
    for path, part in dated_parts(sc):
        if start is None:
            raise ConfigError(
                "dates are given (a schedule, or from:/until:) but the run has no start date",
                file=label,
                path=path,
                expected="run.start: DATE, the calendar date of day 0",
                fix="add `start: YYYY-MM-DD` under run:, or give a plain number without dates",
            )
        if not isinstance(part, Dated) and part[0].from_ > start:
            raise ConfigError(
                f"the schedule starts on {part[0].from_.isoformat()}, after the run's start "
                f"{start.isoformat()}, so it has no value on the first days",
                file=label,
                path=f"{path}[0].from",
                expected=f"a first entry from {start.isoformat()} or earlier",
                fix="move the first entry's from: to the run's start, or start the run later",
            )


def days_until(sc: Scenario, until: str | date, *, days_given: bool, label: str) -> int:
    """The days of a run from the scenario's start to ``until``, both days included."""
    if days_given:
        raise ConfigError(
            "both --days and --until are given",
            path="--until",
            expected="one of them: --days N counts days, --until DATE names the last day",
            fix="drop --days or --until",
        )
    if isinstance(until, str):
        text = until
        try:
            until = date.fromisoformat(text.strip())
        except ValueError:
            raise ConfigError(
                f"got {text[:40]!r}, not a date",
                path="--until",
                expected="a date written YYYY-MM-DD, e.g. 2018-12-31",
                fix="write the last day to simulate as YYYY-MM-DD",
            ) from None
    start = sc.run.start
    if start is None:
        raise ConfigError(
            f"--until {until.isoformat()} needs a start date, and the scenario has none",
            file=label,
            path="run.start",
            expected="run.start: DATE, the calendar date of day 0",
            fix="add `start: YYYY-MM-DD` under run: in the scenario, or pass --days N instead",
        )
    if until < start:
        raise ConfigError(
            f"--until {until.isoformat()} is before the run's start {start.isoformat()}",
            path="--until",
            expected=f"a last day on or after {start.isoformat()}",
            fix="pass a later --until, or move run.start",
        )
    return (until - start).days + 1
