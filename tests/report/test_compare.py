"""`socialcredit compare`: regimes side by side on one self-contained page.

The runs: the three presets at 5,000 people x 120 days with seed 1, beside the stressed default
preset the report tests already make at that size (so every section has something to compare).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from report_cases import STRESSED, WARMUP, stressed_scenario
from test_report_browser import CHROMIUM, chart_slots, chromium

from scenarios import scaled
from socialcredit.report.compare import NONE, PER, write_compare
from socialcredit.report.fmt import amount, num, pct, words
from socialcredit.report.sections.headline import cause_phrase
from socialcredit.runner import run

RunFolder = Callable[[str], Path]
PRESETS = ["china-national-score-2018", "driving-demerit-points", "us-credit-score"]
PEOPLE, DAYS = 5000, 120  # the stressed case's size (tests/report/conftest.py)
CLI = [sys.executable, "-m", "socialcredit"]


@pytest.fixture(scope="module")
def runs(run_folder: RunFolder, tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The stressed default preset and the three presets, same people, days and seed."""
    base = tmp_path_factory.mktemp("compare-runs")
    folders = [run_folder(STRESSED)]
    for preset in PRESETS:
        run(preset, people=PEOPLE, days=DAYS, seed=1, out=base / preset, engine="reference",
            warmup=WARMUP.get(preset))  # fmt: skip
        folders.append(base / preset)
    return folders


@pytest.fixture(scope="module")
def page(runs: list[Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_compare(runs, tmp_path_factory.mktemp("compare") / "compare.html")


def summary(folder: Path) -> dict:
    return json.loads((folder / "summary.json").read_text(encoding="utf-8"))


def section(html: str, anchor: str) -> str:
    start = html.index(f'<section id="{anchor}">')
    return html[start : html.index("</section>", start)]


def side_row(html: str, label: str) -> list[str]:
    """The cells of one row of a side-by-side table (one cell per run)."""
    row = re.search(rf'<tr data-row="{re.escape(label)}">(.*?)</tr>', html)
    assert row, f"no row {label!r}"
    return re.findall(r'<td class="num">(.*?)</td>', row.group(1))


def test_page_is_one_self_contained_file(page: Path) -> None:
    html = page.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]*\bsrc\s*=", html, re.I), "a script loads from elsewhere"
    assert not re.search(r"<link[^>]*href\s*=\s*[\"']?https?:", html, re.I)
    assert not re.search(r"@import|url\(\s*[\"']?https?:", html), "CSS fetches something"
    assert html.count("plotly.js v") == 1, "plotly.js embedded more than once (or not at all)"
    assert sorted(p.name for p in page.parent.iterdir()) == ["compare.html"], "temp file left"


def test_headline_numbers_are_each_runs_summary(page: Path, runs: list[Path]) -> None:
    html = section(page.read_text(encoding="utf-8"), "headline")
    sums = [summary(f) for f in runs]
    for s in sums:
        assert f"{words(s['scenario'])}</th>" in html
    assert side_row(html, "people sanctioned at least once") == [
        num(s["people_ever_sanctioned"]) for s in sums
    ]
    assert side_row(html, f"per {num(PER)} people") == [
        amount(PER * s["people_ever_sanctioned"] / s["people"]) for s in sums
    ]
    assert side_row(html, "of them wrongly at some point") == [
        num(s["people_ever_wrongfully_sanctioned"]) for s in sums
    ]
    assert side_row(html, f"wrongly, per {num(PER)} people") == [
        amount(PER * s["people_ever_wrongfully_sanctioned"] / s["people"]) for s in sums
    ]
    assert side_row(html, "wrongful share of sanctioned person-days") == [
        NONE if s["wrongful_share"] is None else pct(s["wrongful_share"]) for s in sums
    ]
    causes = side_row(html, "top cause of wrongful sanctions")
    for cell, s in zip(causes, sums, strict=True):
        if s["wrongful_causes"]:
            top = s["wrongful_causes"][0]
            assert cell == f"{cause_phrase(top, explain=False)} ({pct(top['share'])})"
        else:
            assert cell in ("none", NONE)
    assert side_row(html, "cross-context share of sanction-days") == [
        NONE if s["cross_context_share"] is None else pct(s["cross_context_share"]) for s in sums
    ]
    assert any(s["wrongfully_sanctioned_person_days"] for s in sums), "nothing wrongful to compare"


def test_disparate_impact_flags_match_each_summary(page: Path, runs: list[Path]) -> None:
    html = section(page.read_text(encoding="utf-8"), "impact")
    blocks = html.split("<h3>")[1:]
    assert len(blocks) == len(runs)
    for block, folder in zip(blocks, runs, strict=True):
        s = summary(folder)
        assert words(s["scenario"]) in block[: block.index("</h3>")]
        flagged = sum(len(x["disparate_impact_flagged"]) for x in s["sanctions"].values())
        tables = "".join(re.findall(r"<table.*?</table>", block))
        assert tables.count('class="flag"') == flagged, s["scenario"]
        if flagged:
            assert "0.8-1.25" in html


def test_in_short_names_the_leaders_and_the_differences_in_kind(
    page: Path, runs: list[Path]
) -> None:
    html = section(page.read_text(encoding="utf-8"), "in-short")
    sums = [summary(f) for f in runs]
    most = max(sums, key=lambda s: s["people_ever_sanctioned"] / s["people"])
    assert f"The <b>{words(most['scenario'])}</b> regime sanctions the most people" in html
    wrong = max(sums, key=lambda s: s["wrongful_share"] or 0)
    top = wrong["wrongful_causes"][0]
    assert f"The <b>{words(wrong['scenario'])}</b> regime has the highest wrongful share" in html
    assert f"{pct(wrong['wrongful_share'])} of its sanctioned person-days" in html
    assert cause_phrase(top, explain=False) in html
    # Kind, not extent: the Chinese presets punish lawful political acts, the others do not;
    # the US score punishes another lawful act (a hard inquiry), the others do not.
    assert "They differ in kind, not only in extent" in html
    assert (
        "lawful political acts can lead to a sanction; in <b>driving demerit points</b> and "
        "<b>us credit score</b>, they cannot" in html
    )
    assert "In <b>us credit score</b>, other lawful acts can lead to a sanction" in html
    # Where sanctions bite is a criterion of the verdict too (the domains section says so).
    assert "sanctions bite in education and reputation; in <b>driving demerit points</b>" in html
    # Extent weighted by magnitude, beside the count of people.
    heavy = max(
        sums,
        key=lambda s: sum(
            x["magnitude"] * x["person_days"] / s["person_days"] for x in s["sanctions"].values()
        ),
    )
    assert f"magnitude (0-10) and by how long it lasts, <b>{words(heavy['scenario'])}</b>" in html


def test_the_verdict_names_what_never_acted(page: Path, runs: list[Path]) -> None:
    html = page.read_text(encoding="utf-8")
    start = html.index('id="quiet-mechanisms"')
    warn = html[start : html.index("</div>", start)]
    for folder in runs:
        s = summary(folder)
        idle = [n for n, x in s["sanctions"].items() if not x["person_days"]]
        for name in idle:
            assert words(name) in warn, (s["scenario"], name)
    # The US preset cites FCRA disputes, but appeals contest list entries and it has no list.
    assert "a way to appeal exists but no one appealed (appeals contest list entries" in warn


def test_a_regime_punishing_lawful_political_acts_differs_in_kind(
    run_folder: RunFolder, tmp_path: Path
) -> None:
    # The stressed default preset without the rules that score political acts.
    raw = yaml.safe_load(stressed_scenario(tmp_path).read_text(encoding="utf-8"))
    political = {b["name"] for b in raw["behaviours"] if b["domain"] == "political"}
    assert political, "the default preset scores political acts"
    raw["regime"]["rules"] = [r for r in raw["regime"]["rules"] if r["behaviour"] not in political]
    raw["name"] = "stressed-china-no-politics"
    path = tmp_path / "no-politics.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    run(path, people=PEOPLE, days=DAYS, out=tmp_path / "np", engine="reference")
    out = write_compare([run_folder(STRESSED), tmp_path / "np"], tmp_path / "c.html")
    html = section(out.read_text(encoding="utf-8"), "in-short")
    assert (
        "In <b>stressed china</b>, lawful political acts can lead to a sanction; in "
        "<b>stressed china no politics</b>, they cannot." in html
    )


def test_runs_alike_in_kind_differ_only_in_extent(run_folder: RunFolder, tmp_path: Path) -> None:
    # The stressed default preset with twice the data errors: more of the same, nothing new.
    raw = yaml.safe_load(stressed_scenario(tmp_path).read_text(encoding="utf-8"))
    more = scaled("china-national-score-2018", rate_scale=1.0, rate_floor=5e-4, error_scale=20.0)
    raw |= {"name": "stressed-china-more-errors", "sources": more["sources"]}
    path = tmp_path / "more-errors.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    other = run(path, people=PEOPLE, days=DAYS, out=tmp_path / "more", engine="reference")
    assert other.summary["wrongfully_sanctioned_person_days"] > 0
    out = write_compare([run_folder(STRESSED), tmp_path / "more"], tmp_path / "c.html")
    html = section(out.read_text(encoding="utf-8"), "in-short")
    assert "differ in kind" not in html
    assert "what differs between them is only the extent" in html
    assert 'id="warning"' not in out.read_text(encoding="utf-8")


def test_warning_when_seeds_or_sizes_differ(
    run_folder: RunFolder, runs: list[Path], page: Path, tmp_path: Path
) -> None:
    assert 'id="warning"' not in page.read_text(encoding="utf-8"), "same seed: no warning"
    us = runs[PRESETS.index("us-credit-score") + 1]
    run("us-credit-score", people=PEOPLE, days=DAYS, seed=2, out=tmp_path / "us-2", warmup=0)
    html = write_compare([us, tmp_path / "us-2"], tmp_path / "seeds.html").read_text()
    warn = html[html.index('id="warning"') : html.index("</div>", html.index('id="warning"'))]
    assert "seed" in warn and "Common random numbers only hold with the same seed" in warn
    # Two runs of one scenario are told apart by their folders' names.
    assert "seed (1 in <b>us credit score</b>; 2 in <b>us 2</b>)" in warn
    html = write_compare(
        [run_folder(STRESSED), run_folder("us-credit-score")], tmp_path / "sizes.html"
    ).read_text()
    warn = html[html.index('id="warning"') :]
    assert "They differ in number of people (5,000 in <b>stressed china</b>; 3,000 in" in warn
    assert "and days (120 in" in warn and "Common random numbers only hold" not in warn


def sc(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def refused(done: subprocess.CompletedProcess[str], *words_: str) -> None:
    """Exit 2 and one paragraph on stderr that contains each of ``words_``."""
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("error: ") and done.stderr.strip().count("\n") == 0
    assert "Fix:" in done.stderr
    for w in words_:
        assert w in done.stderr, (w, done.stderr)


def test_cli_writes_the_default_page_and_refuses_to_overwrite(
    runs: list[Path], tmp_path: Path
) -> None:
    done = sc("compare", str(runs[0]), str(runs[3]), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    made = tmp_path / "compare-stressed-china-vs-us-credit-score.html"
    assert made.is_file() and made.name in done.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == [made.name], "temp file left"
    before = made.read_bytes()
    done = sc("compare", str(runs[0]), str(runs[3]), cwd=tmp_path)
    refused(done, made.name, "already exists")
    assert made.read_bytes() == before
    done = sc("compare", *map(str, runs), "--out", str(tmp_path / "no" / "c.html"), cwd=tmp_path)
    refused(done, str(tmp_path / "no"))


def test_cli_refuses_too_few_or_unusable_folders(runs: list[Path], tmp_path: Path) -> None:
    refused(sc("compare", cwd=tmp_path), "two or more")
    refused(sc("compare", str(runs[0]), cwd=tmp_path), str(runs[0]), "two or more")
    empty = tmp_path / "empty"
    empty.mkdir()
    refused(sc("compare", str(runs[0]), str(empty), cwd=tmp_path), str(empty), "not a run folder")
    nowhere = tmp_path / "nowhere"
    refused(sc("compare", str(runs[0]), str(nowhere), cwd=tmp_path), str(nowhere))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["empty"], "a page was written"


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (.ci/run installs it)")
def test_every_chart_renders_in_a_browser(page: Path, tmp_path: Path) -> None:
    slots = chart_slots(page.read_text(encoding="utf-8"))
    assert slots >= 5
    done = chromium(page, tmp_path / "profile", "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    drawn = re.findall(r'<div class="chart js-plotly-plot" id="chart-\d+"', done.stdout)
    assert len(drawn) == slots, f"{len(drawn)} of {slots} charts drawn"
    assert done.stdout.count('class="main-svg"') >= 2 * slots
    assert not re.search(r'id="chart-\d+"[^>]*>This chart could not be drawn', done.stdout)
    assert "Uncaught" not in done.stderr, done.stderr[-2000:]
    shot = tmp_path / "compare.png"
    done = chromium(page, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1280,3000")
    assert done.returncode == 0 and "Uncaught" not in done.stderr, done.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 50_000
    print(f"screenshot: {shot}")
