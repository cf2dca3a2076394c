"""The EU AI Act Article 5(1)(c) screen as a table a reader can check line by line."""

from __future__ import annotations

from socialcredit.report.data import RunData
from socialcredit.report.fmt import dec, h, join_words, num, pct, table, words
from socialcredit.report.page import Page
from socialcredit.report.screen import ScreenRow, screen

INTRO = (
    "<p>Article 5(1)(c) of the EU AI Act (Regulation 2024/1689) prohibits AI systems that score "
    "people on their social behaviour where the score leads to (i) detrimental treatment in a "
    "social context unrelated to the one where the data came from, or (ii) detrimental treatment "
    "that is unjustified or disproportionate to the behaviour or its gravity. This screen asks "
    "both questions of every sanction in the scenario. <b>It is a heuristic over the scenario's "
    "own numbers, not a legal finding</b>: the domains, the magnitude of each sanction and the "
    "severity of each behaviour (both on a 0-10 scale) are the scenario author's judgements, "
    "listed with their sources at the end of this page.</p>"
)


def triggers_cell(row: ScreenRow, severity: dict[str, float]) -> str:
    if not row.triggers:
        return "none"
    return ", ".join(
        f'{h(words(b))}&nbsp;<span class="note">({dec(severity[b], 0)})</span>'
        for b in row.triggers
    )


def domains_cell(row: ScreenRow, related: set[frozenset[str]]) -> str:
    """The triggers' domains, those unrelated to the sanction's own domain in red."""
    if not row.trigger_domains:
        return "-"
    return ", ".join(
        h(d)
        if d == row.domain or frozenset((d, row.domain)) in related
        else f'<span class="flag">{h(d)}</span>'
        for d in row.trigger_domains
    )


def render(data: RunData, page: Page) -> str:
    rows = screen(data.scenario, data.summary)
    if not rows:
        return INTRO + "<p>This scenario declares no sanctions, so there is nothing to screen.</p>"
    related = {frozenset(p) for p in data.scenario["regime"].get("related_domains") or []}
    severity = {b["name"]: float(b.get("severity", 0.0)) for b in data.scenario["behaviours"]}
    cross = [r for r in rows if r.cross_context]
    heavy = [r for r in rows if r.lightest is not None and r.magnitude > r.lightest]
    lawful = sorted({b for r in rows for b in r.legitimate})
    text = [
        f"<p><b>{len(cross)} of {len(rows)}</b> sanctions land in a domain unrelated to every "
        f"record that can lead to them; they make up <b>{pct(data.summary['cross_context_share'])}"
        f"</b> of all sanction person-days. <b>{len(heavy)} of {len(rows)}</b> weigh more than "
        "the lightest behaviour that can lead to them."
    ]
    if lawful:
        text.append(
            f" Lawful acts can lead to {sum(1 for r in rows if r.legitimate)} of them: "
            f"{h(join_words([words(b) for b in lawful]))}."
        )
    text.append("</p>")
    table_rows = []
    for r in rows:
        spread = (
            "-"
            if r.lightest is None or r.heaviest is None
            else dec(r.lightest, 0)
            if r.lightest == r.heaviest
            else f"{dec(r.lightest, 0)}-{dec(r.heaviest, 0)}"
        )
        unrelated = (
            '<span class="flag">yes &#9873;</span>'
            if r.cross_context
            else '<span class="ok">no</span>'
        )
        verdict = h(r.verdict)
        if r.lightest is not None and r.magnitude > r.lightest:
            verdict = f'<span class="flag">{verdict} &#9873;</span>'
        table_rows.append(
            [
                f'<b>{h(words(r.name))}</b><br><span class="note">{h(r.carried_by)}</span>',
                h(r.domain),
                triggers_cell(r, severity),
                domains_cell(r, related),
                unrelated,
                dec(r.magnitude, 0),
                spread,
                verdict,
                num(r.person_days),
            ]
        )
    header = [
        "sanction (carried by)",
        "its domain",
        "records that can lead to it (severity)",
        "their domains",
        "unrelated context?",
        "magnitude",
        "severity range",
        "proportionality",
        "person-days",
    ]
    body = table(header, table_rows, numeric=(5, 6, 8), raw=True, cls="screen")
    note = (
        '<p class="note">Records that can lead to a sanction: for a list, the behaviours whose '
        "rules put people on it (and every score-lowering behaviour where the list also takes "
        "anyone below a score); for a tier, every behaviour that lowers the score. A domain is "
        "unrelated unless it is the same or the scenario declares the pair related "
        "(regime.related_domains); unrelated domains are shown in red. The simulator's flag is "
        "the lenient reading: a sanction counts as cross-context only when none of the records "
        "behind it is from a related domain. A severity range of '-': nothing leads to it."
        "</p>"
    )
    return INTRO + "".join(text) + f'<div class="scroll">{body}</div>' + note
