"""Replicates: one ensemble, one run folder, the same bits however it is run.

- ``--replicates 1`` is exactly the plain run;
- R replicates give the same folder (every file's SHA-256 in the manifest) on a second run, with
  one worker process or two (the second runs members in spawned processes on fewer threads);
- an ensemble interrupted after some members resumes to the folder an uninterrupted one writes;
- bad values are clear errors, exit 2 on the command line.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import socialcredit
from socialcredit.ensemble.member import MEMBERS, EnsembleJob, Simulator
from socialcredit.ensemble.replicates import resume
from socialcredit.ensemble.spec import MemberSpec, replicate_seed
from socialcredit.errors import ConfigError
from socialcredit.output.run_folder import staging_path
from socialcredit.runner import run as run_single
from socialcredit.scenario.loading import load_scenario

PRESET = "us-credit-score"
SIZE = dict(people=3000, days=15, seed=7, warmup=0)  # the preset's 50-year warm-up: too slow here
CLI = [sys.executable, "-m", "socialcredit"]


def outputs(folder: Path) -> dict[str, str]:
    """Every file's SHA-256 (the manifest's record), the manifest itself aside (it has times)."""
    return json.loads((folder / "manifest.json").read_text())["outputs"]


@pytest.fixture(scope="module")
def three(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("ens") / "three"
    socialcredit.run(PRESET, replicates=3, workers=1, out=out, **SIZE)
    return out


def test_one_replicate_is_exactly_the_plain_run(tmp_path: Path) -> None:
    one = socialcredit.run(PRESET, replicates=1, out=tmp_path / "one", **SIZE)
    plain = run_single(PRESET, out=tmp_path / "plain", **SIZE)
    assert one.summary == plain.summary
    assert "replicate" not in pq.read_table(tmp_path / "one" / "metrics.parquet").column_names
    assert outputs(tmp_path / "one") == outputs(tmp_path / "plain")


def test_replicate_zero_is_the_plain_run_and_seeds_differ(three: Path) -> None:
    metrics = pq.read_table(three / "metrics.parquet")
    assert metrics.column_names[0] == "replicate"
    assert sorted(set(metrics.column("replicate").to_pylist())) == [0, 1, 2]
    plain = run_single(PRESET, write=False, **SIZE)
    zero = metrics.filter(metrics.column("replicate").to_numpy() == 0).drop_columns("replicate")
    assert zero.equals(plain.metrics)
    seeds = json.loads((three / "manifest.json").read_text())["replicate_seeds"]
    assert seeds[0] == SIZE["seed"] and len(set(seeds)) == 3
    assert seeds == [replicate_seed(SIZE["seed"], r) for r in range(3)]
    appeals = pq.read_table(three / "appeals.parquet")
    assert appeals.column_names[0] == "replicate"


def test_summary_has_means_and_intervals(three: Path) -> None:
    s = json.loads((three / "summary.json").read_text())
    assert s["replicates"] == 3 and s["interval_level"] == 0.9
    assert s["people"] == SIZE["people"] and s["seed"] == SIZE["seed"]
    lo, hi = s["intervals"]["sanctioned_person_days"]
    assert lo <= s["sanctioned_person_days"] <= hi
    per_replicate = pq.read_table(three / "metrics.parquet").to_pandas()
    sums = per_replicate.groupby("replicate")["sanctioned"].sum()
    assert s["sanctioned_person_days"] == pytest.approx(sums.mean(), rel=1e-12)


def test_same_seeds_same_bits_on_one_or_two_workers(three: Path, tmp_path: Path) -> None:
    again = tmp_path / "again"
    socialcredit.run(PRESET, replicates=3, workers=1, out=again, **SIZE)
    assert outputs(again) == outputs(three)
    two = tmp_path / "two"
    socialcredit.run(PRESET, replicates=3, workers=2, out=two, **SIZE)
    assert outputs(two) == outputs(three)


class Stop(Exception):
    pass


def test_interrupted_ensemble_resumes_to_the_same_bits(three: Path, tmp_path: Path) -> None:
    def stop_after_two(plan: object, done: int, total: int) -> None:
        if done == 2:
            raise Stop

    out = tmp_path / "cut"
    with pytest.raises(Stop):
        socialcredit.run(PRESET, replicates=3, workers=1, out=out, on_member=stop_after_two,
                         **SIZE)  # fmt: skip
    assert not out.exists(), "an interrupted ensemble must not look finished"
    kept = sorted(p.name for p in (staging_path(out) / MEMBERS).iterdir())
    assert kept == ["000000", "000001"]
    ran: list[int] = []
    resume(out, on_member=lambda plan, done, total: ran.append(done))
    assert ran == [1, 2, 3]  # two kept, one run
    assert outputs(out) == outputs(three)
    assert not staging_path(out).exists()


def test_a_damaged_member_is_run_again(three: Path, tmp_path: Path) -> None:
    out = tmp_path / "damaged"
    with pytest.raises(Stop):
        socialcredit.run(PRESET, replicates=3, workers=1, out=out, **SIZE,
                         on_member=lambda p, done, t: (_ for _ in ()).throw(Stop) if done == 2
                         else None)  # fmt: skip
    member = staging_path(out) / MEMBERS / "000001" / "summary.json"
    member.write_text(member.read_text().replace("1", "2"))
    resume(out)
    assert outputs(out) == outputs(three)


def test_population_is_synthesised_again_only_when_its_inputs_change(tmp_path: Path) -> None:
    _, raw = load_scenario(PRESET)
    raw["run"]["warmup_days"] = 0  # the preset's 50-year warm-up: too slow here
    sim = Simulator(EnsembleJob(raw, PRESET, 2000, 5))
    first = sim.run(MemberSpec(0, 11), tmp_path)
    assert first.timings["population"] > 0
    override = {"appeals.delay_days": 3}
    same_people = sim.run(MemberSpec(1, 11, override), tmp_path)
    assert same_people.timings["population"] == 0.0  # rules changed, people did not
    other_seed = sim.run(MemberSpec(2, 12), tmp_path)
    assert other_seed.timings["population"] > 0


def test_overrides_reach_the_member(tmp_path: Path) -> None:
    _, raw = load_scenario(PRESET)
    raw["run"]["warmup_days"] = 0  # the preset's 50-year warm-up: too slow here
    sim = Simulator(EnsembleJob(raw, PRESET, 2000, 10))
    base = sim.run(MemberSpec(0, 3), tmp_path).summary
    first_behaviour = raw["behaviours"][0]["name"]
    none = sim.run(MemberSpec(1, 3, {f"behaviours[{first_behaviour}].rate": 0.0}), tmp_path)
    assert base["acts"][first_behaviour] > 0 and none.summary["acts"][first_behaviour] == 0
    with pytest.raises(ConfigError, match="no-such-thing"):
        sim.run(MemberSpec(2, 3, {"behaviours[no-such-thing].rate": 0.1}), tmp_path)


@pytest.mark.parametrize("bad", [0, -2])
def test_replicates_below_one_is_a_config_error(bad: int) -> None:
    with pytest.raises(ConfigError, match="--replicates"):
        socialcredit.run(PRESET, replicates=bad, write=False, people=100, days=2)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--replicates", "0"], "--replicates"),
        (["--replicates", "-3"], "--replicates"),
        (["--replicates", "2", "--workers", "0"], "--workers"),
        (["--replicates", "2", "--cluster", "in-process"], "--cluster"),
    ],
)
def test_bad_replicate_options_exit_2_without_traceback(
    tmp_path: Path, args: list[str], words: str
) -> None:
    done = subprocess.run(
        [*CLI, "run", PRESET, "--people", "500", "--days", "2", "--out", str(tmp_path / "x"),
         *args],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert words in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "x").exists()


def test_a_story_replays_from_replicate_zero(three: Path, tmp_path: Path) -> None:
    from socialcredit.stories import story

    plain = run_single(PRESET, out=tmp_path / "plain", **SIZE).folder
    assert plain is not None
    traced = set(pq.read_table(three / "traces.parquet").column("person").to_pylist())
    person = next(p for p in range(100, SIZE["people"]) if p not in traced)
    assert story(three, person).equals(story(plain, person))


def test_the_report_shows_intervals_or_says_they_need_replicates(
    three: Path, tmp_path: Path
) -> None:
    page = (three / "report.html").read_text()
    s = json.loads((three / "summary.json").read_text())
    lo, hi = s["intervals"]["people_ever_sanctioned"]
    assert f"({round(lo):,}-{round(hi):,})" in page  # the card, as fmt.ranged writes it
    assert "means over 3 replicates" in page
    assert "90% interval of that mean" in page  # the chilling chart's bands
    assert "<code>--replicates R</code>" not in page  # the one-run note
    plain = run_single(PRESET, out=tmp_path / "plain", **SIZE).folder
    assert plain is not None
    assert "<code>--replicates R</code>" in (plain / "report.html").read_text()
