"""Calibration targets: published figures a scenario's run is compared with.

A targets file (YAML) names, for each published figure, the metric it counts, the list or
consequence, the date it refers to, the value (or a range where sources disagree), whether it is
scaled to natural persons, a weight and its source. Counts are cumulative from the run's start.
``holdout:`` targets (figures published after the fitting window) are checked, never fitted.

``load_targets`` validates a file against the scenario it is for: an unknown metric, list or
consequence, or a date outside the run, is a ``ConfigError`` naming the file and key path.
fit.py computes the simulated value of each target from a run's metrics.
"""

from __future__ import annotations

import datetime as dt
import difflib
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from socialcredit.errors import ConfigError
from socialcredit.scenario.files import read_scenario_text, real_path
from socialcredit.scenario.loading import key_path
from socialcredit.scenario.schema import Name, Scenario
from socialcredit.scenario.shown import brief, brief_text
from socialcredit.scenario.yaml_safe import parse_scenario_yaml

# metric -> (the key naming what it counts, the metric column's prefix: COLUMN__name)
METRICS: dict[str, tuple[str, str]] = {
    "list_entries": ("list", "list_entries"),  # people-times put on the list
    "complied": ("list", "list_complied"),  # exits from the list by complying
    "blocked": ("consequence", "blocked"),  # attempts refused by the sanction (encounters)
}
Count = Annotated[float, Field(gt=0.0, le=1e13)]


class Strict(BaseModel):
    # as the scenario's models: unknown keys are errors, no inf or nan (a range is a list here)
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False, strict=False)


class Target(Strict):
    metric: Literal["list_entries", "complied", "blocked"] = Field(
        description="what the figure counts, cumulative from the run's start"
    )
    list: Name | None = Field(None, description="the list (list_entries, complied)")
    consequence: Name | None = Field(None, description="the sanction with encounters (blocked)")
    date: dt.date = Field(description="the day the figure refers to")
    value: Count | None = Field(None, description="the published figure")
    range: tuple[Count, Count] | None = Field(
        None, description="where sources disagree: [low, high]; inside it the error is 0"
    )
    people_share: bool = Field(
        False, description="scale by the file's natural_person_share (the list holds firms too)"
    )
    weight: float = Field(1.0, gt=0.0, le=100.0, description="weight in the calibration's loss")
    source: str = Field(min_length=1, description="the publication: title, outlet, date")

    @model_validator(mode="after")
    def _one_figure(self) -> Target:
        if (self.value is None) == (self.range is None):
            raise ValueError("needs exactly one of value: or range:")
        if self.range is not None and not self.range[0] < self.range[1]:
            raise ValueError(f"range {list(self.range)} is not [low, high] with low < high")
        return self

    @property
    def column(self) -> str:
        kind, prefix = METRICS[self.metric]
        return f"{prefix}__{getattr(self, kind)}"


class TargetsFile(Strict):
    population: int = Field(ge=1, description="the population the published counts refer to")
    natural_person_share: float = Field(
        1.0, gt=0.0, le=1.0, description="share of natural persons among the list's entries"
    )
    targets: list[Target] = Field(min_length=1)
    holdout: list[Target] = Field(default_factory=list)


def load_targets(path: str | Path, scenario: Scenario, days: int | None = None) -> TargetsFile:
    """The targets file at ``path``, checked against ``scenario`` run for ``days`` days (the
    scenario's own by default)."""
    label = str(path)
    real = real_path(Path(path))
    if real is None:
        raise ConfigError(
            "no such file",
            file=label,
            expected="a targets YAML file",
            fix="check the path (a preset's targets sit beside it: NAME.targets.yaml)",
        )
    raw = parse_scenario_yaml(read_scenario_text(real, label), label)
    if not isinstance(raw, dict):
        raise ConfigError(
            f"got {brief(raw)}",
            file=label,
            expected="a mapping with population:, natural_person_share: and targets:",
            fix="see the README's section on targets files",
        )
    try:
        parsed = TargetsFile.model_validate(raw)
    except ValidationError as exc:
        raise _config_error(exc, label) from None
    check_targets(parsed, scenario, days if days is not None else scenario.run.days, label)
    return parsed


FIELDS = "metric, list or consequence, date, value or range, weight, people_share, source"


def _config_error(exc: ValidationError, label: str) -> ConfigError:
    first = exc.errors(include_url=False)[0]
    loc = tuple(first["loc"])
    where = key_path(loc) or None
    kind, got = first["type"], first.get("input")
    if kind == "missing":
        problem, fix = f"required key '{loc[-1]}' is missing", f"add `{loc[-1]}:`"
    elif kind == "extra_forbidden":
        close = difflib.get_close_matches(str(loc[-1]), [*Target.model_fields], n=1)
        problem = f"unknown key '{brief_text(str(loc[-1]))}'"
        fix = f"did you mean '{close[0]}'?" if close else "remove the key"
    elif kind == "literal_error":
        close = difflib.get_close_matches(str(got), [*METRICS], n=1)
        problem = f"got {brief(got)}, not a metric targets can name"
        fix = f"did you mean '{close[0]}'?" if close else f"use one of: {', '.join(METRICS)}"
    elif kind.startswith("date"):
        problem, fix = f"got {brief(got)}, not a date", "write the date as YYYY-MM-DD"
    else:
        message = first["msg"].removeprefix("Value error, ")
        problem = message if isinstance(got, dict) else f"{message}, got {brief(got)}"
        fix = f"correct {where or 'the file'}"
    return ConfigError(
        problem, file=label, path=where, expected=f"a target with the keys {FIELDS}", fix=fix
    )


def check_targets(targets: TargetsFile, sc: Scenario, days: int, label: str) -> None:
    lists = [x.name for x in sc.regime.lists]
    encountered = [c.name for c in sc.consequences if c.encounters is not None]
    start = sc.run.start
    for part in ("targets", "holdout"):
        for i, t in enumerate(getattr(targets, part)):
            path = f"{part}[{i}]"
            kind, _ = METRICS[t.metric]
            names = lists if kind == "list" else encountered
            what = "list" if kind == "list" else "consequence with encounters"
            other = "consequence" if kind == "list" else "list"
            name = getattr(t, kind)
            if name is None or getattr(t, other) is not None:
                raise ConfigError(
                    f"the metric '{t.metric}' counts per {kind}, and "
                    + (f"no {kind}: is given" if name is None else f"{other}: is given too"),
                    file=label,
                    path=path,
                    expected=f"{kind}: one of: {', '.join(names) or '(none in the scenario)'}",
                    fix=f"name the {kind} with `{kind}: NAME`"
                    + (f" and remove `{other}:`" if name is not None else ""),
                )
            if name not in names:
                close = difflib.get_close_matches(name, names, n=1)
                raise ConfigError(
                    f"'{name}' is not a {what} of the scenario '{sc.name}'",
                    file=label,
                    path=f"{path}.{kind}",
                    expected=f"one of: {', '.join(names) or '(none)'}",
                    fix=f"did you mean '{close[0]}'?"
                    if close
                    else f"name a {what}, or give the consequence encounters:",
                )
            _check_date(t, start, days, label, f"{path}.date")


def _check_date(t: Target, start: dt.date | None, days: int, label: str, path: str) -> None:
    if start is None:
        raise ConfigError(
            "targets are dated, and the scenario has no start date",
            file=label,
            path=path,
            expected="a scenario with run.start",
            fix="add `start: YYYY-MM-DD` under run: in the scenario",
        )
    last = start + timedelta(days=days - 1)
    if not start <= t.date <= last:
        raise ConfigError(
            f"{t.date.isoformat()} is outside the run, {start.isoformat()} to {last.isoformat()}",
            file=label,
            path=path,
            expected=f"a date from {start.isoformat()} to {last.isoformat()}",
            fix="run the scenario longer (--until), or drop the target",
        )


def day_of(t: Target, start: dt.date) -> int:
    return (t.date - start).days
