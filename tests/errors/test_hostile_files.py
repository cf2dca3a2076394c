"""Hostile scenario files are refused in one ConfigError that names the file, without
reading what a scenario must not read and without echoing it (issue 14).

The small hostile cases live in broken/ with the rest of the corpus; these need a temporary
folder (links, a FIFO, files too large to keep in the repository) or a bound on memory. How fast
they are refused is measured in benchmarks/hostile_input.py (no timed assertions in tests).
"""

from __future__ import annotations

import os
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from socialcredit.errors import ConfigError
from socialcredit.scenario.compile import compile_plan
from socialcredit.scenario.limits import MAX_EXTEND_CHAIN, MAX_FILE_BYTES
from socialcredit.scenario.loading import load_scenario, preset_text, validate

PEAK_BYTES = 500 * 2**20


def refused(ref: str | Path) -> str:
    """The message of the ConfigError that loading ``ref`` raises."""
    with pytest.raises(ConfigError) as caught:
        load_scenario(ref)
    message = str(caught.value)
    assert "\n" not in message
    assert len(message) < 2000, "a message must not quote a large value"
    return message


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def laughs(levels: int = 10, width: int = 10) -> str:
    """A flow list that expands to width**levels strings through aliases."""
    parts = ["&a0 [" + ", ".join(["lol"] * width) + "]"]
    parts += [f"&a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]" for i in range(1, levels)]
    return "[" + ", ".join(parts) + "]"


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(lambda: "description: " + laughs(), id="laughs-in-description"),
        pytest.param(lambda: "lol: " + laughs(), id="laughs-as-unknown-key"),
        pytest.param(lambda: "name: " + laughs(), id="laughs-as-name"),
        pytest.param(lambda: "description: " + "[" * 100_000 + "]" * 100_000, id="deep-list"),
        pytest.param(
            lambda: "description: " + "{a: " * 100_000 + "1" + "}" * 100_000, id="deep-map"
        ),
        pytest.param(lambda: "lol: [" + ", ".join(["x"] * 300_000) + "]", id="300k-values"),
        pytest.param(
            lambda: "lol: {" + ", ".join(f"k{i}: 1" for i in range(200_000)) + "}", id="200k-keys"
        ),
    ],
)
def test_expanding_or_deep_files_fail_fast(tmp_path: Path, body: Callable[[], str]) -> None:
    path = write(tmp_path / "hostile.yaml", "extend: us-credit-score\n" + body() + "\n")
    message = refused(path)
    tracemalloc.start()  # a second time for memory: tracing slows Python's allocations
    try:
        refused(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert "hostile.yaml" in message
    assert peak < PEAK_BYTES


def test_a_file_over_the_size_limit_says_both(tmp_path: Path) -> None:
    path = write(tmp_path / "big.yaml", "name: big\ndescription: " + "x" * MAX_FILE_BYTES + "\n")
    message = refused(path)
    assert f"{path.stat().st_size:,} bytes" in message
    assert f"limit of {MAX_FILE_BYTES:,} bytes" in message


def test_system_files_are_not_read(tmp_path: Path) -> None:
    assert "is a system file under /proc" in refused("/proc/self/environ")
    (tmp_path / "zero.yaml").symlink_to("/dev/zero")
    message = refused(write(tmp_path / "child.yaml", "extend: zero.yaml\nname: x\n"))
    assert "zero.yaml (extended by " in message and "child.yaml)" in message
    assert "system file under /dev" in message


def test_a_fifo_is_not_opened_for_reading(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo.yaml")
    message = refused(write(tmp_path / "child.yaml", "extend: fifo.yaml\nname: x\n"))
    assert "fifo.yaml (extended by " in message
    assert "is not a regular file" in message


@pytest.mark.parametrize(
    "target", ["/etc/passwd", "/etc/shadow", "/proc/self/environ", "/dev/zero"]
)
def test_extend_wants_a_scenario_name(tmp_path: Path, target: str) -> None:
    message = refused(write(tmp_path / "child.yaml", f"extend: {target}\nname: x\n"))
    assert f"child.yaml: extend: '{target}' is neither a preset nor a scenario file name" in message


def test_an_extended_file_that_is_not_a_scenario_is_named_not_echoed(tmp_path: Path) -> None:
    passwd = Path("/etc/passwd")
    if not passwd.is_file():
        pytest.skip("no /etc/passwd on this machine")
    (tmp_path / "passwd.yaml").symlink_to(passwd)
    first_line = passwd.read_text(encoding="utf-8", errors="replace").splitlines()[0]
    message = refused(write(tmp_path / "child.yaml", "extend: passwd.yaml\nname: x\n"))
    assert "passwd.yaml (extended by " in message
    assert first_line[:8] not in message
    secret = write(tmp_path / "secret.yaml", "api_token: hunter2-SECRET-VALUE\npassword: s3cr3t\n")
    message = refused(write(tmp_path / "uses-secret.yaml", f"extend: {secret.name}\nname: x\n"))
    assert "hunter2" not in message and "s3cr3t" not in message


def test_cycles_are_found_on_real_paths(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    write(tmp_path / "a.yaml", "extend: sub/../b.yaml\nname: a\n")
    write(tmp_path / "b.yaml", f"extend: {tmp_path}/sub/../a.yaml\nname: b\n")
    (tmp_path / "link.yaml").symlink_to(tmp_path / "a.yaml")
    assert "forms a cycle" in refused(tmp_path / "a.yaml")
    assert "forms a cycle" in refused(tmp_path / "link.yaml")


def test_a_long_chain_of_extends_is_refused(tmp_path: Path) -> None:
    for i in range(MAX_EXTEND_CHAIN + 2):
        write(tmp_path / f"f{i}.yaml", f"extend: f{i + 1}.yaml\nname: f{i}\n")
    write(tmp_path / f"f{MAX_EXTEND_CHAIN + 2}.yaml", "extend: us-credit-score\nname: last\n")
    assert f"more than {MAX_EXTEND_CHAIN} files" in refused(tmp_path / "f0.yaml")


def test_a_lone_surrogate_is_refused_with_its_key_path() -> None:
    # libyaml refuses the escape "\ud800" itself; PyYAML's pure-Python parser and a dict built in
    # code do not, so validate() checks every string.
    raw = yaml.safe_load(preset_text("us-credit-score"))
    raw["regime"]["tiers"][1]["name"] = "bad\ud800"
    with pytest.raises(ConfigError) as caught:
        validate(raw, "mine.yaml")
    message = str(caught.value)
    assert "mine.yaml: regime.tiers[1].name: " in message
    assert "lone surrogate" in message
    message.encode("utf-8")  # the message itself is writable


def test_appeal_capacity_that_overflows_the_slot_counter_is_a_config_error() -> None:
    raw = yaml.safe_load(preset_text("us-credit-score"))
    raw["appeals"]["capacity_per_100k_per_day"] = 100_000
    sc = validate(raw, "mine.yaml")
    with pytest.raises(ConfigError, match=r"appeals\.capacity_per_100k_per_day"):
        compile_plan(sc, people=2**39, days=5, label="mine.yaml")
    compile_plan(sc, people=1000, days=5, label="mine.yaml")  # small: fits


def test_appeal_capacity_is_checked_against_the_run_not_the_longest_possible_run() -> None:
    # 300 per 100,000 a day for 1e11 people fits the slot counter over a short run (the cluster
    # test refuses such a run for memory, which it must reach), not over 32,000 days
    raw = yaml.safe_load(preset_text("us-credit-score"))
    raw["appeals"]["capacity_per_100k_per_day"] = 300
    raw["run"] = raw.get("run", {}) | {"warmup_days": 0}  # its decades of warm-up are days too
    sc = validate(raw, "mine.yaml")
    compile_plan(sc, people=10**11, days=2, label="mine.yaml")
    with pytest.raises(ConfigError, match="below .* per 100,000 people per day at this size"):
        compile_plan(sc, people=10**11, days=30_000, label="mine.yaml")


def test_a_key_that_is_not_a_plain_name_is_quoted_in_the_key_path() -> None:
    # a stray space would otherwise read as no key at all: "behaviours[0].rate : unknown key"
    raw = yaml.safe_load(preset_text("us-credit-score"))
    raw["behaviours"][0]["rate "] = raw["behaviours"][0]["rate"]
    with pytest.raises(ConfigError) as caught:
        validate(raw, "mine.yaml")
    assert "mine.yaml: behaviours[0]['rate ']: unknown key 'rate '" in str(caught.value)
