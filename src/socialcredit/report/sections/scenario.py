"""The scenario behind the numbers, collapsible: every input with the source it cites."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from socialcredit.report.data import RunData
from socialcredit.report.fmt import h, table


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


def items_table(
    items: Sequence[dict[str, Any]], columns: Sequence[str], labels: dict[str, str] | None = None
) -> str:
    """One row per item, the named columns and then its source."""
    labels = labels or {}
    header = [labels.get(c, c.replace("_", " ")) for c in columns] + ["source"]
    rows = [[value(item.get(c)) for c in columns] + [item.get("source") or "-"] for item in items]
    return f'<div class="scroll">{table(header, rows)}</div>'


def settings_table(block: dict[str, Any]) -> str:
    """A block of single settings (response, appeals, score): setting, value; then its source."""
    rows = [[k.replace("_", " "), value(v)] for k, v in block.items() if k != "source"]
    src = f'<p class="note">Source: {h(block.get("source") or "-")}</p>'
    return table(["setting", "value"], rows) + src


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


def render(data: RunData) -> str:
    sc = data.scenario
    pop, regime = sc["population"], sc["regime"]
    run = sc.get("run", {})
    parts = [
        f"<p>{h(sc.get('description', ''))}</p>",
        f"<p>Simulated: {value(pop.get('people'))} people, {value(run.get('days'))} days, "
        f"seed {h(run.get('seed'))}.</p>",
        "<h3>Population</h3>",
        items_table(pop["groups"], ["name", "share"]),
        items_table(pop["regions"], ["name", "share", "urban", "cameras_per_1000"]),
        table(
            ["setting", "value"],
            [[k.replace("_", " "), value(pop.get(k))] for k in ("household_size", "trait_spread")],
        ),
        f'<p class="note">Source: {h(pop.get("source") or "-")}</p>',
        "<h3>Behaviours</h3>",
        items_table(
            sc["behaviours"],
            ["name", "domain", "rate", "stance", "legitimate", "severity"],
            {"rate": "rate per person-day", "legitimate": "lawful"},
        ),
        "<h3>Data sources</h3>",
        items_table(
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
        f"<h3>Regime: {h(regime.get('name', ''))}</h3>",
        settings_table(regime["score"]),
        items_table(regime["rules"], ["behaviour", "recorded_by", "points", "list"]),
        settings_table(regime.get("recovery", {})),
        items_table(regime["tiers"], ["name", "min_score"]),
    ]
    if regime.get("lists"):
        parts.append(
            items_table(
                regime["lists"],
                [
                    "name",
                    "duration_days",
                    "comply_per_day",
                    "enter_at_or_below",
                    "reset_score_on_entry",
                ],
            )
        )
    related = regime.get("related_domains") or []
    parts.append(
        "<p>Domains declared related: "
        + h("; ".join(" and ".join(pair) for pair in related) or "none")
        + f'.</p><p class="note">Regime source: {h(regime.get("source") or "-")}</p>'
    )
    parts += [
        "<h3>Consequences</h3>",
        items_table(
            sc.get("consequences", []), ["name", "kind", "domain", "magnitude", "tiers", "list"]
        ),
        "<h3>How people respond</h3>",
        settings_table(sc.get("response", {})),
        "<h3>Appeals</h3>",
        settings_table(sc.get("appeals", {})),
        "<details><summary>The scenario file (scenario.yaml)</summary><pre>"
        + h(data.scenario_text)
        + "</pre></details>",
    ]
    return (
        "<details><summary>Show every input of this run and its source</summary>"
        + "".join(parts)
        + "</details>"
    )
