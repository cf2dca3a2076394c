"""`resume` and `verify` on folders that were damaged or forged (issue 14): every case is refused
with one paragraph naming the file and the fix, exit 2 (`verify`: 1 where files differ), never a
traceback; `resume` connects to no cluster address read from the folder."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from run_folders import same
from socialcredit.engine.in_process_backend import InProcessBackend
from socialcredit.errors import OutputError
from socialcredit.output.checkpoint import CHECKPOINT, digest_of
from socialcredit.output.request import REQUEST, _digest
from socialcredit.output.run_folder import staging_path
from socialcredit.runner import resume, run

CLI = [sys.executable, "-m", "socialcredit"]
ARGS = dict(people=2000, days=30, seed=5, engine="reference", checkpoint_every=5, warmup=0)
# warmup=0: the preset's 50-year warm-up costs minutes; these tests are about resume


class Stop(Exception):
    pass


@pytest.fixture(scope="module")
def interrupted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The staging folder of a run stopped on day 17 (its checkpoint: the end of day 14)."""
    out = tmp_path_factory.mktemp("interrupted") / "cut"

    def stop(day: int) -> None:
        if day == 17:
            raise Stop

    with pytest.raises(Stop):
        run("us-credit-score", out=out, on_day=stop, **ARGS)
    return staging_path(out)


@pytest.fixture
def cut(interrupted: Path, tmp_path: Path) -> Path:
    """A fresh copy of the interrupted run, to damage."""
    out = tmp_path / "cut"
    shutil.copytree(interrupted, staging_path(out))
    return out


def resume_cli(out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, "resume", str(out), "-q", *extra], capture_output=True,
                          text=True, timeout=120)  # fmt: skip


def refused(done: subprocess.CompletedProcess[str], *words: str) -> None:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr and "Fix:" in done.stderr
    message = " ".join(done.stderr.split())  # rich wraps long lines
    for word in words:
        assert word in message, message


def reseal_checkpoint(path: Path, **changes: np.ndarray) -> None:
    """Change arrays of a checkpoint and give it a matching digest, as a forger would."""
    with np.load(path) as saved:
        arrays = {name: saved[name] for name in saved.files if name != "sha256"}
    arrays |= changes
    arrays["sha256"] = np.array(digest_of(arrays))
    with path.open("wb") as f:
        np.savez(f, **arrays)


def reseal_request(path: Path, **changes: object) -> None:
    fields = {k: v for k, v in json.loads(path.read_text()).items() if k != "sha256"} | changes
    path.write_text(json.dumps(fields | {"sha256": _digest(fields)}))


def truncated(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def bit_flipped(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x10
    path.write_bytes(bytes(data))


def emptied(path: Path) -> None:
    path.write_bytes(b"")


def day_500(path: Path) -> None:
    reseal_checkpoint(path, day=np.array(500))


def longer_counts(path: Path) -> None:
    with np.load(path) as saved:
        counts = saved["counts"]
    reseal_checkpoint(path, counts=np.concatenate([counts, counts]))


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        (truncated, "cannot be read"),
        (bit_flipped, "cannot be used"),
        (emptied, "cannot be read"),
        (day_500, "'day' is 500, outside 0 .. 29"),
        (longer_counts, "'counts' does not fit a run of 30 days at day 14"),
    ],
)  # fmt: skip
def test_a_damaged_or_forged_checkpoint_is_refused(
    cut: Path, damage: Callable[[Path], None], words: str
) -> None:
    checkpoint = staging_path(cut) / CHECKPOINT
    damage(checkpoint)
    refused(resume_cli(cut), str(checkpoint), words, "to resume from day 0")
    assert not cut.exists() and checkpoint.is_file()  # nothing was touched


def without_engine(path: Path) -> None:
    request = json.loads(path.read_text())
    del request["engine"]
    path.write_text(json.dumps(request))


@pytest.mark.parametrize(
    ("damage", "words"),
    [
        (lambda p: p.write_text('{"engine": "fast",'), "is not valid JSON"),
        (lambda p: p.write_text("[1, 2]"), "holds no JSON object"),
        (without_engine, "the key 'engine' is missing"),
        (lambda p: reseal_request(p, engine="turbo"), "'engine' is 'turbo', not one of: fast"),
        (lambda p: reseal_request(p, shards=0), "'shards' is '0', not null or 1 .. 4096"),
        (lambda p: p.write_text(p.read_text().replace('"reference"', '"fast"')),
         "do not match its digest"),
    ],
)  # fmt: skip
def test_a_broken_or_changed_request_is_refused(
    cut: Path, damage: Callable[[Path], None], words: str
) -> None:
    request = staging_path(cut) / REQUEST
    damage(request)
    refused(resume_cli(cut), str(request), words)


def test_a_changed_scenario_is_refused(cut: Path) -> None:
    scenario = staging_path(cut) / "scenario.yaml"
    scenario.write_text(scenario.read_text().replace("seed: 5", "seed: 6"))
    refused(resume_cli(cut), str(scenario), "was changed")


def test_a_cluster_address_in_the_folder_is_not_contacted(
    cut: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    reseal_request(staging_path(cut) / REQUEST, cluster="ray://203.0.113.9:10001")
    monkeypatch.setitem(sys.modules, "ray", None)  # any attempt to reach Ray would fail here
    with pytest.raises(OutputError, match="resume connects to no address read from a folder"):
        resume(cut)
    refused(resume_cli(cut), "ray://203.0.113.9:10001", "--cluster")


def test_a_cluster_named_again_by_the_user_is_used(tmp_path: Path) -> None:
    """A cluster run whose folder names a remote address resumes where the user says: here the
    in-process backend (shards in this process), to the bits of an uninterrupted run."""
    args = dict(people=3000, days=20, seed=5, checkpoint_every=5, shards=2, warmup=0)
    whole = run("us-credit-score", out=tmp_path / "whole", cluster=InProcessBackend(), **args)
    out = tmp_path / "cut"

    def stop(day: int) -> None:
        if day == 12:
            raise Stop

    with pytest.raises(Stop):
        run("us-credit-score", out=out, cluster=InProcessBackend(), on_day=stop, **args)
    reseal_request(staging_path(out) / REQUEST, cluster="ray://203.0.113.9:10001")
    with pytest.raises(OutputError, match="--cluster"):
        resume(out)
    resume(out, cluster="in-process")
    assert whole.folder is not None and same(whole.folder, out)
    assert json.loads((out / "manifest.json").read_text())["resumed_from_day"] == 10


def test_resume_says_what_a_folder_is_when_it_is_not_a_run(tmp_path: Path) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    refused(resume_cli(mine), "is not a run folder")
    finished = run("us-credit-score", people=500, days=3, warmup=0, out=tmp_path / "done").folder
    refused(resume_cli(finished), "this run has finished")


def test_verify_refuses_a_manifest_whose_outputs_are_not_a_mapping(tmp_path: Path) -> None:
    out = run("us-credit-score", people=500, days=3, warmup=0, out=tmp_path / "run").folder
    manifest = json.loads((out / "manifest.json").read_text())
    (out / "manifest.json").write_text(json.dumps(manifest | {"outputs": ["summary.json"]}))
    refused(subprocess.run([*CLI, "verify", str(out)], capture_output=True, text=True),
            "'outputs' is a list, not a mapping")  # fmt: skip


def test_verify_hashes_nothing_outside_the_folder(tmp_path: Path) -> None:
    out = run("us-credit-score", people=500, days=3, warmup=0, out=tmp_path / "run").folder
    secret = tmp_path / "secret.txt"
    secret.write_text("not part of the run")
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["outputs"] |= {"../secret.txt": "0" * 64, str(secret): "0" * 64}
    (out / "manifest.json").write_text(json.dumps(manifest))
    (out / "summary.json").unlink()
    (out / "summary.json").symlink_to(secret)
    done = subprocess.run([*CLI, "verify", str(out)], capture_output=True, text=True)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    message = " ".join(done.stderr.split())
    assert "'../secret.txt' is not a file name of this folder (not checked)" in message
    assert f"{str(secret)!r} is not a file name of this folder" in message
    assert "summary.json is a link, not a file of the run (not followed)" in message
