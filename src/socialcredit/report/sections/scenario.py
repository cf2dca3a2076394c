"""The scenario behind the numbers, collapsible: every input with the source it cites."""

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
    text: str  # scenario.yaml as written


def items(
    rows: Sequence[dict[str, Any]], columns: Sequence[str], labels: dict[str, str] | None = None
) -> Items:
    """One row per item, the named columns and then its source."""
    labels = labels or {}
    header = [labels.get(c, c.replace("_", " ")) for c in columns] + ["source"]
    cells = [[value(item.get(c)) for c in columns] + [item.get("source") or "-"] for item in rows]
    return Items(header, cells)


def settings(block: dict[str, Any], keys: Sequence[str] | None = None) -> Settings:
    """The block's settings (or only ``keys``), and the source it cites."""
    shown = keys if keys is not None else [k for k in block if k != "source"]
    return Settings(
        [(k.replace("_", " "), value(block.get(k))) for k in shown], block.get("source") or "-"
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
    return ScenarioInputs(
        description=sc.get("description", ""),
        people=value(pop.get("people")),
        days=value(run.get("days")),
        seed=run.get("seed"),
        groups=items(pop["groups"], ["name", "share"]),
        regions=items(pop["regions"], ["name", "share", "urban", "cameras_per_1000"]),
        population=settings(pop, ["household_size", "trait_spread"]),
        behaviours=items(
            sc["behaviours"],
            ["name", "domain", "rate", "stance", "legitimate", "severity"],
            {"rate": "rate per person-day", "legitimate": "lawful"},
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
        ),
        regime=regime.get("name", ""),
        score=settings(regime["score"]),
        rules=items(regime["rules"], ["behaviour", "recorded_by", "points", "list"]),
        recovery=settings(regime.get("recovery", {})),
        tiers=items(regime["tiers"], ["name", "min_score"]),
        lists=items(lists, LIST_COLUMNS) if lists else None,
        related="; ".join(" and ".join(pair) for pair in regime.get("related_domains") or []),
        regime_source=regime.get("source") or "-",
        consequences=items(
            sc.get("consequences", []), ["name", "kind", "domain", "magnitude", "tiers", "list"]
        ),
        response=settings(sc.get("response", {})),
        appeals=settings(sc.get("appeals", {})),
        text=data.scenario_text,
    )
