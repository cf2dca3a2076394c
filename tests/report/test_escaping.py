"""Text from users' scenario files reaches the pages as text, never as markup or script.

Scenario names, descriptions, sources and regime names come from YAML anyone can write; the
templates escape them, and the charts' JSON cannot end its <script> element early.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import yaml

from socialcredit.report import build_report
from socialcredit.report.compare import build_compare

RunFolder = Callable[[str], Path]
NAME = 'x</script><script>alert("name")</script>'
DESCRIPTION = "<img src=x onerror=alert(1)> & more"
SOURCE = "</details><b>source</b>"


def hostile(folder: Path) -> Path:
    """The folder with user-written text replaced by markup."""
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    summary["scenario"] = NAME
    (folder / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    scenario = yaml.safe_load((folder / "scenario.yaml").read_text(encoding="utf-8"))
    scenario["description"] = DESCRIPTION
    scenario["population"]["source"] = SOURCE
    scenario["behaviours"][0]["source"] = SOURCE
    scenario["regime"]["name"] = NAME
    (folder / "scenario.yaml").write_text(yaml.safe_dump(scenario), encoding="utf-8")
    return folder


def scripts(html: str) -> list[str]:
    return re.findall(r"<script\b[^>]*>", html)


def figures(html: str) -> dict:
    return json.loads(re.search(r'id="figures">(.*?)</script>', html, re.S).group(1))


def test_report_shows_user_text_as_text(
    run_folder: RunFolder, copy_of: Callable[[Path], Path]
) -> None:
    html = build_report(hostile(copy_of(run_folder("us-credit-score"))))
    assert len(scripts(html)) == 3, "plotly.js, the charts' JSON and the script that draws them"
    assert "<img" not in html and "<b>source</b>" not in html
    assert "&lt;img src=x onerror=alert(1)&gt; &amp; more" in html
    assert "&lt;/details&gt;&lt;b&gt;source&lt;/b&gt;" in html
    assert 'alert("name")' not in html and "alert(&#34;name&#34;)" in html


def test_compare_shows_user_text_as_text(
    run_folder: RunFolder, copy_of: Callable[[Path], Path]
) -> None:
    evil = hostile(copy_of(run_folder("us-credit-score")))
    html = build_compare([evil, run_folder("driving-demerit-points")])
    assert len(scripts(html)) == 3
    assert 'alert("name")' not in html and "alert(&#34;name&#34;)" in html
    # The name is a chart label too: in the JSON it stays whole, and the page still parses it.
    labels = json.dumps(figures(html))
    assert "x</script><script>alert" in labels.replace("\\u003c", "<").replace("\\u003e", ">")
