"""The report's "Wrongful sanctions, broken down" section on a run where one group's records are
invented ten times as often: the group is the least sanctioned, yet the page says that it is
wrongly sanctioned more often and that most of its days under the sanction are wrongful
(tests/statistical/test_wrongful_impact.py derives those numbers)."""

from __future__ import annotations

import copy
import html
import json
import re

import pyarrow.parquet as pq
import yaml

from scenarios import RAISED_ERROR
from socialcredit.runner import run


def test_least_sanctioned_group_shown_as_most_wrongly_sanctioned(tmp_path) -> None:
    path = tmp_path / "raised.yaml"
    path.write_text(yaml.safe_dump(copy.deepcopy(RAISED_ERROR)), encoding="utf-8")
    out = tmp_path / "run"
    run(path, people=20_000, days=120, out=out, engine="reference")

    summary = json.loads((out / "summary.json").read_text())
    assert summary["groups_flagged"] == {"sanctioned": ["a"], "wrongful": ["b"]}
    carrier = summary["carriers"]["list:debtors"]
    assert carrier["sanctions"] == ["loan-refusal"]
    assert 0 < carrier["people_ever_wrongly_under"] <= carrier["people_ever_under"]
    columns = pq.read_schema(out / "metrics.parquet").names
    assert "first_wrongly_under__list:debtors" in columns
    assert "carrier_wrongful_cause__list:debtors__court__bookkeeping" in columns

    page = (out / "report.html").read_text()
    section = page[page.index('id="wrongful"') :]
    section = section[: section.index("<section", 1) if "<section" in section[1:] else None]
    text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", section)))
    assert "B is the least sanctioned group, yet is wrongly sanctioned" in text
    share = summary["sanctions"]["loan-refusal"]["wrongful_share_by_group"]
    assert share["b"] > 0.5 > share["a"]
    assert "B : the least often under loan refusal" in text
    assert "loan refusal the debtors list" in text  # the table row, carried by the list
