"""Stories that show the harm: the report's stories cover the main paths to a wrongful sanction,
`trace --wrongful` finds wrongly sanctioned people, and a trace narrates the harm and appeals in
100 columns.

Which person shows what is derived from the run's own files (summary.json, wrongful.parquet,
traces.parquet, appeals.parquet), never written into the test."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
import yaml

from scenarios import stressed
from socialcredit.engine.reference import ReferenceEngine
from socialcredit.plan import NO_LIST, Plan
from socialcredit.population.synthesis import synthesize
from socialcredit.runner import run
from socialcredit.scenario.compile import compile_plan
from socialcredit.scenario.loading import load_scenario, validate
from socialcredit.state import EVER_WRONGFUL
from socialcredit.stories import story
from socialcredit.traces import days_to_tell, harm_of, split

CLI = [sys.executable, "-m", "socialcredit"]
DEFAULT = "china-national-score-2018"
# A year of 20,000 people (seed 1): a handful of people wrongly sanctioned, through the court
# list and through the score, which a smaller or shorter run may not have.
PEOPLE, DAYS, SEED = 20_000, 365, 1


def sc(*args: str, columns: int = 100) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": str(columns)}
    return subprocess.run([*CLI, *args], capture_output=True, text=True, env=env, timeout=300)


@pytest.fixture(scope="module")
def default_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("stories") / "default"
    return run(DEFAULT, people=PEOPLE, days=DAYS, seed=SEED, out=out).folder


@pytest.fixture(scope="module")
def appeals_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default preset with errors x10 and appeals filed and won often: many appeals."""
    raw = stressed(DEFAULT)
    raw["appeals"] = raw.get("appeals", {}) | {"file_probability_wrongful": 0.9,
                                               "success_wrongful": 0.5}  # fmt: skip
    folder = tmp_path_factory.mktemp("stories")
    path = folder / "appeals.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return run(path, people=4000, days=120, seed=3, out=folder / "run").folder


def plan_of(folder: Path) -> Plan:
    return compile_plan(load_scenario(folder / "scenario.yaml")[0])


def listed_people(stdout: str) -> list[int]:
    return [int(m) for m in re.findall(r"^│ (\d+)\s+│", stdout, re.M)]


def test_the_report_tells_a_wrongful_court_list_story_first(default_run: Path) -> None:
    plan = plan_of(default_run)
    summary = json.loads((default_run / "summary.json").read_text())
    top = summary["wrongful_causes"][0]
    source = plan.sources.index(top["source"])
    # the top cause is a source whose records put people on a list (the court list here)
    assert (plan.rule_list[source] != NO_LIST).any(), top
    traces = pq.read_table(default_run / "traces.parquet")
    label = f"{top['source']} {top['error_kind'].replace('_', ' ')}"
    on_list = traces.filter(
        pc.and_(pc.equal(traces["wrongful_cause"], label), pc.is_valid(traces["wrongful_lists"]))
    )
    assert on_list.num_rows, "the run kept no one wrongly listed through the top cause"
    html = (default_run / "report.html").read_text(encoding="utf-8")
    stories = html[html.index("Life stories") :]
    titles = re.findall(r"<h3>(.*?): person ([\d,]+)</h3>", stories)
    assert titles[0][0] == f"Wrongly sanctioned through a {label} error"
    person = int(titles[0][1].replace(",", ""))
    days = traces.filter(pc.equal(traces["person"], person))
    listed = {x for x in days["wrongful_lists"].to_pylist() if x}
    assert listed and listed <= set(plan.lists)
    for name in listed:
        wrong_days = sum(name in split(x) for x in days["wrongful_lists"].to_pylist())
        assert f"Wrongly on the {name} list for {wrong_days:,} days" in stories
    # one story per top cause that a kept person shows, then an ordinary life
    assert titles[-1][0] == "An ordinary life"


def test_a_story_shows_the_error_and_the_sanction_before_the_cut(default_run: Path) -> None:
    traces = pq.read_table(default_run / "traces.parquet")
    wronged = traces.filter(pc.is_valid(traces["wrongful_cause"]))
    for person in sorted(set(wronged["person"].to_pylist())):
        days = traces.filter(pc.equal(traces["person"], person))
        rows = days.to_pylist()
        first = next(i for i, r in enumerate(rows) if r["wrongful_sanctions"])
        cause = rows[first]["wrongful_cause"] + ":"
        error = max(r["day"] for r in rows[: first + 1] if (r["error"] or "").startswith(cause))
        told, more = days_to_tell(days, 3)
        shown = [r["day"] for r in told]
        assert error in shown and rows[first]["day"] in shown, (person, shown)
        assert shown == sorted(shown) and len(shown) <= 3 and more >= 0


def test_trace_wrongful_lists_only_the_wrongly_sanctioned(default_run: Path) -> None:
    summary = json.loads((default_run / "summary.json").read_text())
    done = sc("trace", str(default_run), "--wrongful", "--limit", "50")
    assert done.returncode == 0, done.stderr
    total = summary["people_ever_wrongfully_sanctioned"]
    assert f"{total:,} people were wrongly sanctioned" in done.stdout
    listed = listed_people(done.stdout)
    # the same people the engine flags, found independently by a reference run of the scenario
    plan = compile_plan(load_scenario(default_run / "scenario.yaml")[0])
    engine = ReferenceEngine(plan, synthesize(plan))
    engine.run()
    flagged = np.flatnonzero(engine.state.flags & EVER_WRONGFUL).tolist()
    assert 0 < len(listed) == total and sorted(listed) == flagged
    for person in listed[:4]:
        assert harm_of(story(default_run, person)).wrongful_days > 0


def test_trace_wrongful_filters_by_sanction_and_cause(default_run: Path) -> None:
    plan = plan_of(default_run)
    carried = [c for c, x in zip(plan.consequences, plan.consequence_list, strict=True)
               if x != NO_LIST]  # fmt: skip
    done = sc("trace", str(default_run), "--wrongful", "--sanction", carried[0])
    assert done.returncode == 0, done.stderr
    people = listed_people(done.stdout)
    assert people
    for person in people:
        days = story(default_run, person)
        assert any(carried[0] in split(x) for x in days["wrongful_sanctions"].to_pylist())
    source = json.loads((default_run / "summary.json").read_text())["wrongful_causes"][1]
    done = sc("trace", str(default_run), "--wrongful", "--cause", source["source"])
    assert done.returncode == 0, done.stderr
    people = listed_people(done.stdout)
    assert people
    for person in people:
        causes = story(default_run, person)["wrongful_cause"].to_pylist()
        assert any((c or "").startswith(source["source"] + " ") for c in causes)


@pytest.mark.parametrize("option", ["--sanction", "--cause"])
def test_unknown_names_exit_2_with_the_valid_names(default_run: Path, option: str) -> None:
    plan = plan_of(default_run)
    done = sc("trace", str(default_run), "--wrongful", option, "no-such-name")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    message = " ".join(done.stderr.split())
    assert option in message and "no-such-name" in message
    valid = plan.sources if option == "--cause" else ["flight-ban", "low-score-loan-refusal"]
    assert all(name in message for name in valid), message


def test_trace_opens_with_the_harm_and_fits_100_columns(default_run: Path) -> None:
    index = pq.read_table(default_run / "wrongful.parquet")
    listed = index.filter(pc.is_valid(index["wrongly_listed"]))["person"].to_pylist()
    person = listed[0]
    harm = harm_of(story(default_run, person))
    done = sc("trace", str(default_run), "--person", str(person))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert max(len(line) for line in lines) <= 100
    opening = " ".join(" ".join(lines[1:3]).split())
    name, wrong, _, carries = harm.wrongly_listed[0]
    assert opening.startswith(f"Wrongly on the {name} list for {wrong:,} days: {carries[0]}")
    for line in lines[3:]:  # rows name the list, not again everything it carries
        assert all(line.count(sanction) <= 1 for sanction in carries), line
    listing = sc("trace", str(default_run), "--wrongful")
    assert max(len(line) for line in listing.stdout.splitlines()) <= 100
    never = sc("trace", str(default_run), "--person", str(next(
        p for p in range(PEOPLE) if p not in set(index["person"].to_pylist())
    )))  # fmt: skip
    assert never.returncode == 0 and never.stdout.splitlines()[1].startswith("Never")


def test_the_appeal_outcome_in_a_trace_is_the_logged_one(appeals_run: Path) -> None:
    log = pq.read_table(appeals_run / "appeals.parquet").to_pylist()
    days_run = json.loads((appeals_run / "summary.json").read_text())["days"]
    # a decision due after the last day is pending at the end (summary: pending_at_end)
    decided = [a for a in log if 0 <= a["decided_day"] < days_run]
    assert any(a["won"] for a in decided) and not all(a["won"] for a in decided)
    people = sorted({a["person"] for a in decided})[:6]
    for person in people:
        days = story(appeals_run, person)
        told = {r["day"]: r["appeal_decision"] for r in days.to_pylist() if r["appeal_decision"]}
        mine = {a["decided_day"]: "won" if a["won"] else "lost"
                for a in decided if a["person"] == person}  # fmt: skip
        assert told == mine, person
        done = sc("trace", str(appeals_run), "--person", str(person))
        assert done.returncode == 0, done.stderr
        text = " ".join(done.stdout.split())
        for a in (a for a in log if a["person"] == person):
            if 0 <= a["decided_day"] < days_run:
                outcome = "won" if a["won"] else "lost"
                said = f"ppealed on day {a['day']}, {outcome} on day {a['decided_day']}"
            else:
                said = f"ppealed on day {a['day']}, still undecided"
            assert said in text, (person, said)


def test_a_large_run_keeps_a_fair_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    """Above MAX_KEPT the index keeps each person with the same probability, the same people
    however the population is split (shards see global indices)."""
    from socialcredit.metrics import wrongful_people as wp

    plan = compile_plan(validate(stressed(DEFAULT), "stressed"), people=4000, days=60, seed=5)
    engine = ReferenceEngine(plan, synthesize(plan))
    engine.run()
    everyone = wp.collect(plan, engine.state, 1.0)
    total = len(everyone.person)
    assert total > 100, "the stressed scenario must sanction enough people wrongly"
    monkeypatch.setattr(wp, "MAX_KEPT", total // 4)
    keep = wp.keep_share(total)
    kept = wp.collect(plan, engine.state, keep)
    # a binomial count: within 4 standard deviations of total x keep
    sd = (total * keep * (1 - keep)) ** 0.5
    assert abs(len(kept.person) - total * keep) <= 4 * sd
    assert set(kept.person) <= set(everyone.person)
    half = plan.people // 2  # two "shards" from the same state give the same sample
    s = engine.state
    parts = []
    for lo, hi in ((0, half), (half, plan.people)):
        part = type(s)(**{k: (v[..., lo:hi] if v.ndim else v) for k, v in vars(s).items()})
        parts.append(wp.collect(plan, part, keep, offset=lo))
    merged = wp.WrongfulPeople.merge(parts)
    assert np.array_equal(merged.person, kept.person)
    assert np.array_equal(merged.cause, kept.cause) and np.array_equal(merged.lists, kept.lists)
