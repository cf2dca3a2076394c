"""The EU AI Act Article 5(1)(c) screen as a table a reader can check line by line."""

from __future__ import annotations

from dataclasses import dataclass

from socialcredit.report.data import RunData
from socialcredit.report.page import Page
from socialcredit.report.screen import ScreenRow, screen

TEMPLATE = "report/aiact.html.j2"


@dataclass(frozen=True)
class Screened:
    """One sanction's row: the screen's findings, and what the table shows beside them."""

    row: ScreenRow
    triggers: list[tuple[str, float]]  # (behaviour, its severity)
    domains: list[tuple[str, bool]]  # (the triggers' domain, unrelated to the sanction's own)
    heavy: bool  # weighs more than the lightest behaviour that can lead to it


@dataclass(frozen=True)
class AiActScreen:
    rows: list[Screened]  # empty: the scenario declares no sanctions
    cross: int  # sanctions in a domain unrelated to every record behind them
    heavy: int  # sanctions heavier than the lightest behaviour behind them
    cross_context_share: float | None  # of sanction person-days
    lawful: list[str]  # lawful acts that can lead to a sanction
    lawful_sanctions: int  # sanctions a lawful act can lead to


def build(data: RunData, page: Page) -> AiActScreen:
    rows = screen(data.scenario, data.summary)
    related = {frozenset(p) for p in data.scenario["regime"].get("related_domains") or []}
    severity = {b["name"]: float(b.get("severity", 0.0)) for b in data.scenario["behaviours"]}

    def unrelated(r: ScreenRow, d: str) -> bool:
        return not (d == r.domain or frozenset((d, r.domain)) in related)

    shown = [
        Screened(
            row=r,
            triggers=[(b, severity[b]) for b in r.triggers],
            domains=[(d, unrelated(r, d)) for d in r.trigger_domains],
            heavy=r.lightest is not None and r.magnitude > r.lightest,
        )
        for r in rows
    ]
    return AiActScreen(
        rows=shown,
        cross=sum(1 for r in rows if r.cross_context),
        heavy=sum(1 for r in shown if r.heavy),
        cross_context_share=data.summary["cross_context_share"],
        lawful=sorted({b for r in rows for b in r.legitimate}),
        lawful_sanctions=sum(1 for r in rows if r.legitimate),
    )
