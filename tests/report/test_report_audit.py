"""The report's audit section (report/sections/audit.py) says what audit.parquet says.

The section is built from the folder's audit.parquet alone: a folder whose audit is rewritten
with known gaps rebuilds to sentences that carry those numbers and the right verdict (the
model looks fairer, less fair, or as fair on its own records as against the truth); an audit
with no model in it says why; a run without a learned scorer has no such section
(tests/unit/test_learned_audit.py); its charts are drawn in a real browser.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from test_report_browser import CHROMIUM, assert_every_chart_drawn, chart_slots

from socialcredit.metrics.audit_table import ALL, AUDIT_FILE
from socialcredit.report import build_report
from socialcredit.runner import run

EXAMPLE = Path(__file__).parents[2] / "examples" / "national-score-learned.yaml"


@pytest.fixture(scope="module")
def learned(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small run of the learned example: one model (day 120) with a held-out sample."""
    out = tmp_path_factory.mktemp("learned") / "run"
    folder = run(EXAMPLE, people=3000, days=130, out=out, engine="reference",
                 overrides={"regime.scorer.sample_people": 1000}).folder  # fmt: skip
    assert folder is not None
    return folder


def section(html: str) -> str:
    start = html.index('<section id="audit">')
    return html[start : html.index("</section>", start)]


def with_gaps(folder: Path, to: Path, records: float, truth: float) -> Path:
    """A copy of ``folder`` whose latest model's equalised-odds gaps (decision ``predicted``)
    are ``records`` and ``truth``."""
    copy = Path(shutil.copytree(folder, to))
    table = pq.read_table(copy / AUDIT_FILE)
    value = table.column("value").to_pylist()
    for i, row in enumerate(table.select(["decision", "group", "basis", "metric"]).to_pylist()):
        if (row["decision"], row["group"], row["metric"]) == (
            "predicted", ALL, "equalised_odds_gap"
        ):  # fmt: skip
            value[i] = records if row["basis"] == "records" else truth
    table = table.set_column(table.schema.get_field_index("value"), "value",
                             pa.array(value, pa.float64()))  # fmt: skip
    pq.write_table(table, copy / AUDIT_FILE)
    return copy


@pytest.mark.parametrize(
    ("records", "truth", "words"),
    [
        (0.02, 0.11, "looks fairer than it is: equalised-odds gap <b>0.02</b>; against the truth "
                     "the gap is <b>0.11</b>"),
        (0.11, 0.02, "looks less fair than it is: equalised-odds gap <b>0.11</b>; against the "
                     "truth the gap is <b>0.02</b>"),
        (0.05, 0.052, "looks as fair as it is: equalised-odds gap <b>0.05</b> on its records and "
                      "<b>0.05</b> against the truth"),
    ],
)  # fmt: skip
def test_the_sentence_carries_the_gaps_and_their_verdict(
    learned: Path, tmp_path: Path, records: float, truth: float, words: str
) -> None:
    text = section(build_report(with_gaps(learned, tmp_path / "run", records, truth)))
    assert "On its own records the model " + words in text, text[:3000]
    assert "what the system's own data cannot show" in text


def test_section_shows_both_bases_per_group(learned: Path) -> None:
    text = section((learned / "report.html").read_text(encoding="utf-8"))
    assert "The learned scorer, audited against the truth" in text
    assert 'FPR, records</th><th class="num">FPR, truth' in text
    for group in ("majority men", "majority women", "minority men", "minority women"):
        assert f"<td>{group}</td>" in text
    assert text.count('class="chart"') == 2  # the gaps over time, the error rates by group


def test_an_audit_without_models_says_why(learned: Path, tmp_path: Path) -> None:
    copy = Path(shutil.copytree(learned, tmp_path / "run"))
    table = pq.read_table(copy / AUDIT_FILE)
    pq.write_table(table.filter(pc.equal(table.column("day"), -1)), copy / AUDIT_FILE)
    text = section(build_report(copy))
    assert "no model was audited" in text and "sample_people" in text


@pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (apt-get install -y chromium)"
)
def test_every_chart_of_a_learned_run_is_drawn(learned: Path, tmp_path: Path) -> None:
    page = learned / "report.html"
    slots = chart_slots(page.read_text(encoding="utf-8"))
    assert_every_chart_drawn(page, slots, tmp_path / "profile")


def test_replicates_keep_every_audit_and_the_page_their_mean(tmp_path: Path) -> None:
    import socialcredit

    folder = socialcredit.run(EXAMPLE, people=3000, days=130, replicates=2, workers=1,
                              engine="reference", out=tmp_path / "reps",
                              overrides={"regime.scorer.sample_people": 1000}).folder  # fmt: skip
    assert folder is not None
    table = pq.read_table(folder / AUDIT_FILE)
    assert set(table.column("replicate").to_pylist()) == {0, 1}
    people = [
        r["value"] for r in table.to_pylist()
        if (r["decision"], r["group"], r["basis"], r["metric"])
        == ("predicted", ALL, "records", "people")
    ]  # fmt: skip
    assert len(people) == 2
    text = section((folder / "report.html").read_text(encoding="utf-8"))
    assert f"({sum(people) / 2:,.0f} people for the latest model" in text
    assert "the mean over 2 replicates" in text
