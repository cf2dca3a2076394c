"""`compare` with replicates: each figure with its 90% interval, and whether two regimes differ
on it beyond the noise of the seeds (compare/figures.py); single runs make no such claim.

The runs: two presets at 2,000 people x 20 days, three replicates each and one replicate each.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

import socialcredit
from socialcredit.metrics.intervals import t_quantile
from socialcredit.report.compare import Run, write_compare
from socialcredit.report.compare.figures import DIFFER, INDISTINCT, SAME, SINGLE, verdict

PRESETS = ["china-national-score-2018", "driving-demerit-points"]
SIZE = {"people": 2000, "days": 20, "seed": 1}


def fake_run(label: str, summary: dict, replicates: int) -> Run:
    """A compared run from a summary alone: the verdicts read nothing else."""
    return Run(label, "#000", SimpleNamespace(summary=summary, replicates=replicates))  # type: ignore[arg-type]


def replicated_summary(mean: float, half: float, replicates: int) -> dict:
    return {
        "people": 1000,
        "person_days": 10_000,
        "wrongful_share": mean,
        "replicates": replicates,
        "intervals": {"wrongful_share": [mean - half, mean + half]},
    }


def test_the_same_regime_twice_is_not_distinguishable() -> None:
    # Two runs of one regime: different seeds, overlapping intervals.
    a = fake_run("a", replicated_summary(0.030, 0.004, 5), 5)
    b = fake_run("b", replicated_summary(0.032, 0.005, 5), 5)
    assert verdict(a, b, "wrongful_share").kind == INDISTINCT


def test_clearly_different_regimes_differ() -> None:
    a = fake_run("a", replicated_summary(0.030, 0.004, 5), 5)
    b = fake_run("b", replicated_summary(0.060, 0.004, 5), 5)
    v = verdict(b, a, "wrongful_share")
    assert v.kind == DIFFER and v.interval is not None and v.interval[0] > 0
    assert v.difference == pytest.approx(0.030)
    assert v.text.startswith("+3.0 points; 90% interval +")


def test_a_run_of_one_replicate_gives_no_verdict() -> None:
    a = fake_run("a", {"people": 1000, "person_days": 10_000, "wrongful_share": 0.03}, 1)
    b = fake_run("b", replicated_summary(0.9, 0.001, 5), 5)
    v = verdict(b, a, "wrongful_share")
    assert v.kind == SINGLE and v.interval is None


def test_rates_scale_the_interval_with_the_run() -> None:
    s = replicated_summary(0.03, 0.004, 3) | {"people_ever_sanctioned": 10.0}
    s["intervals"]["people_ever_sanctioned"] = [8.0, 12.0]
    run = fake_run("a", s, 3)
    assert run.bounds("ever_rate") == pytest.approx([800.0, 1200.0])  # per 100,000 of 1,000


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Path]]:
    base = tmp_path_factory.mktemp("compare-intervals")
    out: dict[str, list[Path]] = {"replicated": [], "single": []}
    for preset in PRESETS:
        for kind, r in (("replicated", 3), ("single", 1)):
            folder = base / f"{preset}-{r}"
            socialcredit.run(preset, replicates=r, workers=1, out=folder, **SIZE)
            out[kind].append(folder)
    return out


def section(html: str, anchor: str) -> str:
    start = html.index(f'<section id="{anchor}">')
    return html[start : html.index("</section>", start)]


def verdicts(html: str) -> dict[str, str]:
    """Row label -> the verdict of the second run against the first."""
    rows = re.findall(r'<tr data-row="([^"]+)">.*?data-verdict="(\w+)"', section(html, "differ"))
    return dict(rows)


def test_replicated_runs_show_intervals_and_verdicts(
    folders: dict[str, list[Path]], tmp_path: Path
) -> None:
    html = write_compare(folders["replicated"], tmp_path / "c.html").read_text(encoding="utf-8")
    assert "needs-replicates" not in html and 'id="replicated-runs"' in html
    found = verdicts(html)
    assert "wrongful share of sanctioned person-days" in found
    assert set(found.values()) <= {DIFFER, INDISTINCT, SAME, "undefined"}
    # Each compared figure is written with its interval: 'mean (lo-hi)' or 'mean (lo to hi)'.
    assert re.search(r"\d \(-?[\d.,]+(-| to )-?[\d.,]+%?\)", section(html, "headline"))


def test_the_same_regime_twice_never_differs_and_a_shift_does(
    folders: dict[str, list[Path]], tmp_path: Path
) -> None:
    a = folders["replicated"][1]
    twin = tmp_path / "twin"
    shutil.copytree(a, twin)
    html = write_compare([a, twin], tmp_path / "twin.html").read_text(encoding="utf-8")
    assert DIFFER not in verdicts(html).values()
    # Shift the twin's mean people-days under a sanction by 10 of its standard errors: well
    # outside any 90% interval of the difference (t at the smallest df, 2, is under 3).
    s = json.loads((twin / "summary.json").read_text(encoding="utf-8"))
    lo, hi = s["intervals"]["sanctioned_person_days"]
    se = (hi - lo) / 2 / t_quantile(s["replicates"])
    assert se > 0, "the fixture's runs must vary across replicates"
    shifted = copy.deepcopy(s)
    shifted["sanctioned_person_days"] += 10 * se
    shifted["intervals"]["sanctioned_person_days"] = [lo + 10 * se, hi + 10 * se]
    (twin / "summary.json").write_text(json.dumps(shifted), encoding="utf-8")
    html = write_compare([a, twin], tmp_path / "shift.html").read_text(encoding="utf-8")
    assert verdicts(html)["under a sanction on an average day, per 100,000"] == DIFFER


def test_single_runs_say_replicates_are_needed(
    folders: dict[str, list[Path]], tmp_path: Path
) -> None:
    html = write_compare(folders["single"], tmp_path / "s.html").read_text(encoding="utf-8")
    assert 'id="needs-replicates"' in html and 'id="single-runs"' in html
    assert "--replicates" in section(html, "differ") and "data-verdict" not in html
    assert "Beyond noise" not in html


def test_one_replicated_and_one_single_run_make_no_claim(
    folders: dict[str, list[Path]], tmp_path: Path
) -> None:
    pair = [folders["replicated"][0], folders["single"][1]]
    html = write_compare(pair, tmp_path / "m.html").read_text(encoding="utf-8")
    assert 'id="needs-replicates"' in html and "data-verdict" not in html
