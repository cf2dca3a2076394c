"""The scenario behind the numbers, collapsible: every input with the source it cites.

Values that a patch (``extend:``) or ``--set`` changed from the base scenario are listed above
the tables and marked in them ("365 (was 730)"), from the ``changed:`` record of scenario.yaml
(scenario/changes.py); their sources say what changed them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from socialcredit.report.data import RunData

TEMPLATE = "report/scenario.html.j2"
LIST_COLUMNS = (
    "name",
    "duration_days",
    "comply_per_day",
    "enter_at_or_below",
    "reset_score_on_entry",
)


def value(v: Any) -> str:
    """One scenario value as text: per-group maps and lists on one line."""
    if v is None:
        return "-"
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return f"{v:,.6g}" if abs(v) >= 1 else f"{v:.6g}"
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, dict):
        return "; ".join(f"{k} {value(x)}" for k, x in v.items())
    if isinstance(v, list | tuple):
        return ", ".join(value(x) for x in v)
    return str(v)


@dataclass(frozen=True)
class Changed:
    """One value that differs from the base scenario."""

    path: str
    was: str
    now: str
    by: str


class Marks:
    """The changed values of a scenario, looked up by key path (list items by name)."""

    def __init__(self, changed: Sequence[dict[str, Any]]) -> None:
        self.changed = {str(c.get("path")): c for c in changed}

    def note(self, path: str) -> str:
        """' (was 730)' for a changed value, ' (changed)' for one changed inside, else ''."""
        if path in self.changed:
            c = self.changed[path]
            return f" (was {value(c['was'])})" if "was" in c else " (added)"
        inside = (f"{path}.", f"{path}[")
        return " (changed)" if any(p.startswith(inside) for p in self.changed) else ""


NO_MARKS = Marks([])


def item_path(base: str, item: dict[str, Any], index: int) -> str:
    """How the ``changed:`` record names an item: by its name (rules: behaviour), else index."""
    name = item.get("name") or item.get("behaviour")
    return f"{base}[{name}]" if isinstance(name, str) else f"{base}[{index}]"


@dataclass(frozen=True)
class Items:
    """Named items (groups, behaviours, rules...): one row each, the last column its source."""

    header: list[str]
    rows: list[list[str]]


@dataclass(frozen=True)
class Settings:
    """A block of single settings (score, response, appeals): (setting, value) rows."""

    rows: list[tuple[str, str]]
    source: str


@dataclass(frozen=True)
class ScenarioInputs:
    description: str
    people: str
    days: str
    seed: Any
    groups: Items
    regions: Items
    population: Settings
    behaviours: Items
    sources: Items
    regime: str  # the regime's name
    score: Settings
    rules: Items
    recovery: Settings
    tiers: Items
    lists: Items | None  # None: the regime keeps no lists
    related: str  # domains declared related, "a and b; c and d"
    regime_source: str
    consequences: Items
    response: Settings
    appeals: Settings
    changed: list[Changed]  # values that differ from the base scenario, in the order recorded
    text: str  # scenario.yaml as written


def items(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str],
    labels: dict[str, str] | None = None,
    *,
    path: str = "",
    marks: Marks = NO_MARKS,
) -> Items:
    """One row per item, the named columns and then its source; changed values marked."""
    labels = labels or {}
    header = [labels.get(c, c.replace("_", " ")) for c in columns] + ["source"]
    cells = [
        [value(item.get(c)) + marks.note(f"{item_path(path, item, i)}.{_key(c)}") for c in columns]
        + [item.get("source") or "-"]
        for i, item in enumerate(rows)
    ]
    return Items(header, cells)


def _key(column: str) -> str:
    """The key path of a column within its item ('error bookkeeping': errors.bookkeeping)."""
    return column.replace("error ", "errors.", 1) if column.startswith("error ") else column


def settings(
    block: dict[str, Any],
    keys: Sequence[str] | None = None,
    *,
    path: str = "",
    marks: Marks = NO_MARKS,
) -> Settings:
    """The block's settings (or only ``keys``), and the source it cites; changed ones marked."""
    shown = keys if keys is not None else [k for k in block if k != "source"]
    return Settings(
        [(k.replace("_", " "), value(block.get(k)) + marks.note(f"{path}.{k}")) for k in shown],
        block.get("source") or "-",
    )


def sources_rows(sources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Flatten each data source's error rates (and their own source) into its row."""
    out = []
    for s in sources:
        errors = s.get("errors", {})
        row = dict(s) | {f"error {k}": v for k, v in errors.items() if k != "source"}
        if errors.get("source"):
            row["source"] = f"{s.get('source') or '-'}; errors: {errors['source']}"
        out.append(row)
    return out


def build(data: RunData) -> ScenarioInputs:
    sc = data.scenario
    pop, regime = sc["population"], sc["regime"]
    run = sc.get("run", {})
    lists = regime.get("lists")
    recorded = sc.get("changed") or []
    m = Marks(recorded)
    return ScenarioInputs(
        description=sc.get("description", ""),
        people=value(pop.get("people")),
        days=value(run.get("days")),
        seed=run.get("seed"),
        groups=items(pop["groups"], ["name", "share"], path="population.groups", marks=m),
        regions=items(
            pop["regions"],
            ["name", "share", "urban", "cameras_per_1000"],
            path="population.regions",
            marks=m,
        ),
        population=settings(pop, ["household_size", "trait_spread"], path="population", marks=m),
        behaviours=items(
            sc["behaviours"],
            ["name", "domain", "rate", "stance", "legitimate", "severity"],
            {"rate": "rate per person-day", "legitimate": "lawful"},
            path="behaviours",
            marks=m,
        ),
        sources=items(
            sources_rows(sc["sources"]),
            [
                "name",
                "kind",
                "observes",
                "coverage",
                "coverage_per_camera_per_1000",
                "detection",
                "error false_match",
                "error misattribution",
                "error bookkeeping",
            ],
            {"coverage_per_camera_per_1000": "coverage per camera per 1,000"},
            path="sources",
            marks=m,
        ),
        regime=regime.get("name", ""),
        score=settings(regime["score"], path="regime.score", marks=m),
        rules=items(
            regime["rules"],
            ["behaviour", "recorded_by", "points", "list"],
            path="regime.rules",
            marks=m,
        ),
        recovery=settings(regime.get("recovery", {}), path="regime.recovery", marks=m),
        tiers=items(regime["tiers"], ["name", "min_score"], path="regime.tiers", marks=m),
        lists=items(lists, LIST_COLUMNS, path="regime.lists", marks=m) if lists else None,
        related="; ".join(" and ".join(pair) for pair in regime.get("related_domains") or []),
        regime_source=regime.get("source") or "-",
        consequences=items(
            sc.get("consequences", []),
            ["name", "kind", "domain", "magnitude", "tiers", "list"],
            path="consequences",
            marks=m,
        ),
        response=settings(sc.get("response", {}), path="response", marks=m),
        appeals=settings(sc.get("appeals", {}), path="appeals", marks=m),
        changed=[
            Changed(
                str(c.get("path")),
                value(c["was"]) if "was" in c else "not set",
                value(c["now"]) if "now" in c else "removed",
                str(c.get("by", "")),
            )
            for c in recorded
        ],
        text=data.scenario_text,
    )
