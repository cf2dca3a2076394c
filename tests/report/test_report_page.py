"""report.html for every preset: complete, self-contained, and saying what summary.json says."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

from report_cases import STRESSED

from socialcredit.output.run_folder import sha256_of
from socialcredit.report.build import SCENARIO_HEADING, SECTIONS
from socialcredit.report.fmt import num, pct
from socialcredit.report.sections.headline import cause_phrase
from socialcredit.report.sections.sanctions import shown_together

RunFolder = Callable[[str], Path]


def section(html: str, anchor: str) -> str:
    start = html.index(f'<section id="{anchor}">')
    return html[start : html.index("</section>", start)]


def test_every_run_writes_a_report_the_manifest_vouches_for(
    run_folder: RunFolder, case: str
) -> None:
    folder = run_folder(case)
    report = folder / "report.html"
    assert report.is_file()
    manifest = json.loads((folder / "manifest.json").read_text())
    assert manifest["outputs"]["report.html"] == sha256_of(report)


def test_report_is_self_contained(run_folder: RunFolder, case: str) -> None:
    html = (run_folder(case) / "report.html").read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]*\bsrc\s*=", html, re.I), "a script loads from elsewhere"
    assert not re.search(r"<link[^>]*href\s*=\s*[\"']?https?:", html, re.I)
    assert not re.search(r"@import|url\(\s*[\"']?https?:", html), "CSS fetches something"
    assert "plotly.js v" in html and "Plotly.newPlot" in html  # the library itself, inline
    assert html.count("plotly.js v") == 1, "plotly.js embedded more than once"


def test_report_has_every_section(run_folder: RunFolder, case: str) -> None:
    folder = run_folder(case)
    html = (folder / "report.html").read_text(encoding="utf-8")
    lends = "lending" in json.loads((folder / "summary.json").read_text())
    for anchor, heading, _ in SECTIONS:
        # the audit of a learned scorer: no preset has one (tests/report/test_report_audit.py)
        # nor a linked sensitivity analysis (tests/report/test_report_sensitivity_link.py),
        # nor a reallocated source (tests/report/test_report_looking.py); loans only where the
        # scenario lends (us-credit-lending)
        hidden = ("audit", "which-assumption", "looking")
        shown = anchor not in hidden and (anchor != "lending" or lends)
        assert (f'<section id="{anchor}"><h2>{heading}</h2>' in html) == shown, anchor
    assert f"<h2>{SCENARIO_HEADING}</h2><details>" in html


def test_headline_numbers_are_the_summary_numbers(run_folder: RunFolder, case: str) -> None:
    folder = run_folder(case)
    s = json.loads((folder / "summary.json").read_text())
    text = section((folder / "report.html").read_text(encoding="utf-8"), "headline")
    if not s["people_ever_sanctioned"]:
        assert "sanctioned none of its" in text
        return
    assert f"<b>{num(s['people_ever_sanctioned'])}</b> of {num(s['people'])} people" in text
    assert f"<b>{num(s['people_ever_wrongfully_sanctioned'])}</b> of" in text
    assert f"<b>{pct(s['wrongful_share'])}</b> of all sanctioned person-days" in text
    assert (
        f"({num(s['wrongfully_sanctioned_person_days'])} of {num(s['sanctioned_person_days'])})"
        in text
    )
    assert f"On the last day {num(s['sanctioned_last_day'])} people" in text
    causes = s["wrongful_causes"]
    if causes:
        top = causes[0]
        assert f"{pct(top['share'])} of wrongful sanction-days trace to {cause_phrase(top)}" in (
            text.replace("&#x27;", "'")
        )
    else:
        assert "No sanction-day was wrongful" in text


def test_disparate_impact_flags_exactly_the_flagged_ratios(
    run_folder: RunFolder, case: str
) -> None:
    folder = run_folder(case)
    s = json.loads((folder / "summary.json").read_text())
    html = section((folder / "report.html").read_text(encoding="utf-8"), "sanctions")
    table = html[html.index("<h3>Disparate impact</h3>") :]
    table = table[table.index("<table") : table.index("</table>")]
    # one row per carrier: sanctions of one list with equal numbers share a row
    rows = shown_together(s["sanctions"]).values()
    flagged = sum(len(x["disparate_impact_flagged"]) for x in rows)
    assert len(rows) < len(s["sanctions"]) or case != STRESSED
    assert table.count('class="flag"') == flagged


def test_stressed_run_fills_every_section(run_folder: RunFolder) -> None:
    """The browser test's screenshot case has something in each section to look at."""
    s = json.loads((run_folder(STRESSED) / "summary.json").read_text())
    assert s["wrongfully_sanctioned_person_days"] > 0 and s["appeals"]["won"] > 0
    assert s["chilling"]["behaviours"]


def test_chart_data_is_small(run_folder: RunFolder) -> None:
    """Charts carry one point per day or category, not per person: plotly.js plus a little."""
    html = (run_folder(STRESSED) / "report.html").read_text(encoding="utf-8")
    data = html[html.index('id="figures">') :]
    assert len(data) < 400_000


def test_lending_section_shows_rounds_curves_and_the_policy(run_folder: RunFolder) -> None:
    """The lending preset's section: its policy in words, one sentence on the first round's
    operating points, three charts (selection rates, score changes, outcome curves with the
    policy's rate marked) and a row per group whose counts are summary.json's."""
    folder = run_folder("us-credit-lending")
    s = json.loads((folder / "summary.json").read_text())
    text = section((folder / "report.html").read_text(encoding="utf-8"), "lending")
    assert "maximum profit" in text
    assert "At the first round" in text
    assert text.count('class="chart"') == 3
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert "the policy&#39;s rate" in html or "the policy's rate" in html  # the markers
    for group, totals in s["lending"].items():
        row = f"<td>{group.replace('-', ' ')}</td>"
        assert row in text
        after = text[text.index(row) :]
        assert f'<td class="num">{num(totals["applicants"])}</td>' in after
        assert f'<td class="num">{num(totals["approved"])}</td>' in after
