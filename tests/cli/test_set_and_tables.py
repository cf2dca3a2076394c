"""--set on the command line, the changed values it leaves in the run folder, and output that
survives a narrow terminal (a real subprocess, real exit codes)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml

from socialcredit.scenario.loading import preset_names

CLI = [sys.executable, "-m", "socialcredit"]
LIST = "regime.lists[dishonest-debtors].duration_days"
CAMERAS = "sources[cctv-face-recognition].coverage_per_camera_per_1000"


def sc(*args: str, columns: int | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    if columns is not None:
        env["COLUMNS"] = str(columns)
    return subprocess.run([*CLI, *args], capture_output=True, text=True, env=env, timeout=300)


@pytest.fixture(scope="module")
def set_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """One run with two overrides at 80 columns: (its folder, what it printed)."""
    out = tmp_path_factory.mktemp("set") / "run"
    done = sc("run", "--people", "2e4", "--days", "40", "--out", str(out),
              "--set", f"{LIST}=365", "--set", f"{CAMERAS}=0.001", columns=80)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return out, done.stdout


def test_scenario_yaml_records_the_overrides(set_run: tuple[Path, str]) -> None:
    out, _ = set_run
    text = (out / "scenario.yaml").read_text(encoding="utf-8")
    resolved = yaml.safe_load(text)
    assert resolved["regime"]["lists"][0]["duration_days"] == 365
    changed = {c["path"]: c for c in resolved["changed"]}
    by = "--set on the command line"
    assert changed[LIST] == {"path": LIST, "was": 730, "now": 365, "by": by}
    assert changed[CAMERAS]["was"] == 0.003 and changed[CAMERAS]["now"] == 0.001
    assert f"#   {LIST}: 730 -> 365 (by --set on the command line)" in text


def test_the_recorded_scenario_reruns_to_the_same_metrics(
    set_run: tuple[Path, str], tmp_path: Path
) -> None:
    out, _ = set_run
    again = tmp_path / "again"
    done = sc("run", str(out / "scenario.yaml"), "--out", str(again), "-q")
    assert done.returncode == 0, done.stderr
    assert pq.read_table(out / "metrics.parquet").equals(pq.read_table(again / "metrics.parquet"))
    first = yaml.safe_load((out / "scenario.yaml").read_text(encoding="utf-8"))
    second = yaml.safe_load((again / "scenario.yaml").read_text(encoding="utf-8"))
    assert second["changed"] == first["changed"]  # the marks carry over, changed no further


def test_the_report_marks_the_changed_values(set_run: tuple[Path, str]) -> None:
    out, _ = set_run
    page = (out / "report.html").read_text(encoding="utf-8")
    assert "2 values differ from the base scenario" in page
    assert "365 (was 730)" in page
    assert "changed by --set on the command line: duration_days 730 -&gt; 365" in page


def test_names_stay_whole_in_the_summary_at_80_columns(set_run: tuple[Path, str]) -> None:
    out, printed = set_run
    summary = yaml.safe_load((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["sanctions"], "the preset declares sanctions"
    lines = printed.splitlines()
    assert max(len(x) for x in lines) <= 80
    for name in summary["sanctions"]:
        assert re.search(rf"(^|[\s,]){re.escape(name)}(,|\s|$)", printed), name
    for label in ("people ever sanctioned", "chilling: legitimate disfavoured acts vs day 0"):
        assert label in printed


@pytest.mark.parametrize(
    ("args", "wanted"),
    [
        (["--set", "regime.list[x].duration_days=3"], ["unknown key 'list'", "'lists'"]),
        (["--set", f"{LIST}=-5"], [f"--set: {LIST}: got -5"]),
        (["--set", f"{LIST}=[365"], ["is not valid YAML"]),
        (["--set", "duration_days"], ["PATH=VALUE"]),
    ],
)
def test_bad_set_values_exit_2_with_one_paragraph(args: list[str], wanted: list[str]) -> None:
    done = sc("run", "--people", "1000", "--days", "5", "--dry-run", *args)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    message = " ".join(done.stderr.split())
    assert message.startswith("error: --set")
    for part in wanted:
        assert part in message, message


def test_validate_takes_set_too() -> None:
    done = sc("validate", "us-credit-score", "--set", "appeals.delay_days=45")
    assert done.returncode == 0, done.stderr
    assert sc("validate", "us-credit-score", "--set", "appeals.delay=45").returncode == 2


@pytest.mark.parametrize("preset", preset_names())
def test_presets_show_round_trips_through_validate_at_40_columns(
    preset: str, tmp_path: Path
) -> None:
    shown = sc("presets", "--show", preset, columns=40)
    assert shown.returncode == 0, shown.stderr
    copy = tmp_path / f"{preset}.yaml"
    copy.write_text(shown.stdout, encoding="utf-8")
    done = sc("validate", str(copy), columns=40)
    assert done.returncode == 0, done.stderr
    assert yaml.safe_load(shown.stdout)["name"] == preset


def test_the_carriers_table_wraps_between_names_at_80_columns(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the driving preset's names folded inside a name ("job-loss-professional-driver / s")
    # before the table wrapped them itself
    import io

    from rich.console import Console

    from socialcredit import cli

    screen = io.StringIO()
    monkeypatch.setattr(cli, "out_console", Console(file=screen, width=80))
    sanctions = ["driving-ban", "job-loss-professional-drivers", "high-consumption-restriction"]
    cause = {"source": "speed-cameras", "error_kind": "misattribution", "share": 0.64}
    summary = {"carriers": {
        "list:disqualified": {"sanctions": sanctions, "kind": "list", "name": "disqualified",
                              "people_ever_under": 1234, "people_ever_wrongly_under": 56,
                              "wrongful_causes": [cause]},
        "tiers:endorsed+at-risk+at-limit": {"sanctions": ["insurance-premium"], "kind": "tiers",
                                            "name": "endorsed+at-risk+at-limit",
                                            "people_ever_under": 78, "people_ever_wrongly_under": 2,
                                            "wrongful_causes": []},
    }}  # fmt: skip
    cli._print_carriers(summary)
    printed = screen.getvalue()
    assert max(len(x) for x in printed.splitlines()) <= 80
    for word in [*sanctions, "insurance-premium", "endorsed+at-risk+at-limit", "misattribution"]:
        assert re.search(rf"(^|[\s,(]){re.escape(word)}(,|\)|\s|$)", printed), word
