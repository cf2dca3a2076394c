"""The factors a sensitivity analysis varies: a key path and a range, and how a point of the
unit cube becomes a value.

By default every number the scenario marks as an assumption (scenario/assumptions.py) is one
factor, scaled as a whole (a per-group mapping or a schedule moves together, so its groups keep
their ratios) by a multiplier from x0.5 to x2, log-uniform (halving and doubling are equally
likely), the top end cut where the schema's bound would be crossed (a probability of 0.6 goes up
to 1, x1.67), or, for a behaviour's rate, its share of the act draw (1/B per person-day).
``--vary FILE`` replaces that list by the file's: ``PATH: {low, high, log}``, where low and high
are values of the number at PATH, or multipliers of the whole where PATH holds a mapping or a
schedule (or ``scale: true`` asks for that). Each range is checked by validating
the scenario at both ends, so a range outside the schema's bounds gets the scenario's own
message, naming the file and the path.
"""

from __future__ import annotations

import copy
import math
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any

from socialcredit.errors import ConfigError
from socialcredit.scenario.assumptions import Assumed, assumptions
from socialcredit.scenario.overrides import Override, apply_overrides
from socialcredit.scenario.paths import parse_path
from socialcredit.scenario.shown import brief, brief_text
from socialcredit.scenario.variant import variant_of_raw
from socialcredit.scenario.yaml_safe import parse_scenario_yaml

LOW, HIGH = 0.5, 2.0  # the default multipliers
VARY = "--vary"
EXAMPLE = "sources[court-records].errors.bookkeeping: {low: 1.0e-8, high: 1.0e-6, log: true}"


@dataclass(frozen=True)
class Factor:
    """One input varied: ``path`` set from ``low`` to ``high`` (log-uniform where ``log``).
    ``scale``: low and high multiply ``base`` (the value as the scenario has it); otherwise
    they are the value itself. ``whole``: the number is an integer (rounded)."""

    path: str
    low: float
    high: float
    log: bool
    scale: bool
    base: Any
    whole: bool = False
    source: str | None = None

    def at(self, u: float) -> float:
        """The factor's value (a multiplier where ``scale``) at ``u`` in 0..1."""
        if self.log:
            low, high = math.log(self.low), math.log(self.high)
            return float(math.exp(low + u * (high - low)))
        return float(self.low + u * (self.high - self.low))

    def value(self, u: float) -> Any:
        """What the scenario gets at ``u``: a number, or the base scaled as a whole."""
        x = self.at(u)
        if not self.scale:
            return self._number(x)
        return _scaled(self.base, x, self._number)

    def _number(self, x: float) -> float | int:
        if not self.whole:
            return x
        n = int(round(x))
        return n if n != 0 or x == 0 else (1 if x > 0 else -1)  # a rule's 1 point stays a point

    def shown_range(self) -> str:
        if self.scale:
            return f"x{self.low:.3g} to x{self.high:.3g}"
        return f"{self.low:.3g} to {self.high:.3g}"

    def record(self) -> dict[str, Any]:
        return asdict(self)


def _scaled(base: Any, x: float, number: Any) -> Any:
    if isinstance(base, dict):
        return {k: number(v * x) for k, v in base.items()}
    if isinstance(base, list):  # a schedule: every entry's value, dates kept (as text, for JSON)
        out = []
        for step in base:
            s = {k: (v.isoformat() if isinstance(v, date) else v) for k, v in step.items()}
            s["value"] = _scaled(step["value"], x, number)
            out.append(s)
        return out
    return number(base * x)


def default_factors(raw: dict[str, Any]) -> list[Factor]:
    """Every assumption of ``raw`` as a factor, x0.5 to x2 (cut at the schema's bounds, and a
    behaviour's rate at its slot of the act draw: 1/B per person-day, Plan.act_scaled)."""
    slot = 1.0 / max(1, len(raw.get("behaviours", [])))
    return [_default(a, slot if _is_behaviour_rate(a.path) else None) for a in assumptions(raw)]


def _is_behaviour_rate(path: str) -> bool:
    return path.startswith("behaviours[") and path.endswith("].rate")


def _magnitudes(value: Any) -> list[float]:
    if isinstance(value, dict):
        return [abs(float(v)) for v in value.values()]
    if isinstance(value, list):
        return [m for s in value for m in _magnitudes(s["value"])]
    return [abs(float(value))]


def _default(a: Assumed, ceiling: float | None) -> Factor:
    big = max(_magnitudes(a.value))
    small = min((m for m in _magnitudes(a.value) if m > 0), default=big)
    bound = max(abs(a.field.high), abs(a.field.low) if a.field.low < 0 else 0.0)
    if ceiling is not None:
        bound = min(bound, ceiling)
    high = min(HIGH, bound / big * (1 - 1e-12))  # so that base x high never rounds past it
    low = max(LOW, a.field.low / small) if a.field.low > 0 else LOW
    base = copy.deepcopy(a.value)
    if isinstance(base, list):
        base = _scaled(base, 1.0, lambda v: v)  # dates as text, as the members record them
    return Factor(a.path, low, high, True, True, base, a.field.whole, a.source)


# --- --vary FILE ----------------------------------------------------------------------------


def read_vary(file: Path, raw: dict[str, Any], label: str) -> list[Factor]:
    """The factors ``file`` declares, each checked against the scenario ``raw``."""
    where = str(file)
    try:
        text = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"cannot read it ({getattr(exc, 'strerror', None) or exc})",
            file=f"{VARY} {where}",
            expected="a readable YAML file of key paths and ranges",
            fix=f"check the path; a line reads: {EXAMPLE}",
        ) from None
    data = parse_scenario_yaml(text, where)
    if not isinstance(data, dict) or not data:
        raise ConfigError(
            f"holds {brief(data)}",
            file=f"{VARY} {where}",
            expected="a mapping of key paths to ranges {low, high, log}",
            fix=f"write one line per factor, e.g. {EXAMPLE}",
        )
    return [_declared(str(path), spec, raw, label, where) for path, spec in data.items()]


def _declared(path: str, spec: Any, raw: dict[str, Any], label: str, where: str) -> Factor:
    def bad(problem: str, expected: str, fix: str) -> ConfigError:
        return ConfigError(problem, file=f"{VARY} {where}", path=brief_text(path),
                           expected=expected, fix=fix)  # fmt: skip

    if parse_path(path) is None:
        raise bad("is not a key path", "keys joined by dots, list items in brackets by name",
                  f"write the path as --set does, e.g. {EXAMPLE.split(':')[0]}")  # fmt: skip
    if not isinstance(spec, dict) or not {"low", "high"} <= set(spec) or set(spec) - {
        "low", "high", "log", "scale"
    }:  # fmt: skip
        raise bad(f"got {brief(spec)}", "a mapping {low: NUMBER, high: NUMBER} with optional "
                  "log: true|false and scale: true|false", f"e.g. {EXAMPLE}")  # fmt: skip
    low, high = spec["low"], spec["high"]
    for name, x in (("low", low), ("high", high)):
        if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x):
            raise bad(f"{name} is {brief(x)}", f"a finite number for {name}",
                      "write low and high as numbers")  # fmt: skip
    if low >= high:
        raise bad(f"low {brief(low)} is not below high {brief(high)}", "low < high",
                  "swap them, or widen the range")  # fmt: skip
    base = _value_at(path, raw, where)
    whole = isinstance(base, int) and not isinstance(base, bool)
    scale = spec.get("scale", isinstance(base, dict | list))
    if not isinstance(scale, bool) or not isinstance(spec.get("log", True), bool):
        raise bad("log and scale must be true or false", "booleans", "write true or false")
    if isinstance(base, dict | list) and not scale:
        raise bad("holds a mapping or a schedule, so low and high cannot be its value",
                  "scale: true (low and high multiply the whole)",
                  "leave scale out, or name one entry (e.g. .rate.majority-men)")  # fmt: skip
    if scale and base is None:
        raise bad("is left at its default, so there is nothing to scale", "a number set in the "
                  "scenario", "give low and high as values (scale: false)")  # fmt: skip
    log = spec.get("log", low > 0)
    if log and low <= 0:
        raise bad(f"log: true with low {brief(low)}", "low above 0 for a log-uniform range",
                  "raise low, or write log: false")  # fmt: skip
    factor = Factor(path, float(low), float(high), bool(log), bool(scale), base, whole)
    for end in (0.0, 1.0):  # both ends must make a valid scenario
        try:
            variant_of_raw(raw, label, {path: factor.value(end)})
        except ConfigError as exc:
            raise bad(
                f"the range {factor.shown_range()} leaves what the scenario allows at its "
                f"{'low' if end == 0 else 'high'} end ({exc.problem}"
                + (f"; expected {exc.expected}" if exc.expected else "")
                + ")",
                "both ends within the schema's bounds (a probability within 0..1)",
                "narrow the range",
            ) from None
    return factor


def _value_at(path: str, raw: dict[str, Any], where: str) -> Any:
    """The value at ``path`` in ``raw`` (None where the key is left at its default); a path
    that does not exist gets --set's message (with the names near it), naming the file."""
    try:
        _, applied = apply_overrides(raw, [Override(path, 0)])
    except ConfigError as exc:
        raise ConfigError(exc.problem, file=f"{VARY} {where}", path=exc.path,
                          expected=exc.expected, fix=exc.fix) from None  # fmt: skip
    node: Any = raw
    for step in applied[0].loc:
        try:
            node = node[step]
        except (KeyError, IndexError, TypeError):
            return None
    return copy.deepcopy(node)
