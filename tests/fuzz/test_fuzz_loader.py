"""A few hundred fuzzed scenario files and the fuzzer's hostile fixed files, loaded in-process.

The mutators and hostile files are those of the project's fuzzer (fuzz_scenarios.py, a copy of
../shared/tools/fuzz_scenarios.py), with a fixed seed so CI sees the same files every run. For
each file: loading raises nothing but ConfigError, every message is one paragraph that names the
file, and every file that validates also compiles. How fast each file is decided is measured in
benchmarks/hostile_input.py, not asserted here (speed goals live in benchmarks/).
The 50 MB files are left to the full fuzzer run; test_hostile_files.py covers the size limit.
"""

from __future__ import annotations

import copy
import os
import random
from pathlib import Path
from typing import Any

import fuzz_scenarios as fuzz
import pytest
import yaml

from socialcredit.errors import ConfigError
from socialcredit.scenario.compile import compile_plan
from socialcredit.scenario.loading import load_scenario, preset_names, preset_text

SEED = 20240601
MUTATED = 300


def _write(path: Path, content: str | bytes) -> None:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", errors="surrogatepass")


class _FastDumper(getattr(yaml, "CSafeDumper", yaml.SafeDumper)):  # type: ignore[misc]
    """The fuzzer's dumper on libyaml's emitter: the same documents, written ten times faster."""


_FastDumper.add_representer(int, fuzz._big_int)


def _fast_dump(doc: Any) -> str:
    return yaml.dump(doc, Dumper=_FastDumper, sort_keys=False, allow_unicode=True, width=10**9)


def make_cases(cases: Path, n: int, seed: int) -> list[tuple[Path, dict[str, Any]]]:
    """The fuzzer's fixed hostile files (without the 50 MB ones) and ``n`` mutated presets,
    generated as fuzz_scenarios.main does."""
    rng = random.Random(seed)
    fuzz.dump = _fast_dump
    presets = {name: preset_text(name) for name in preset_names()}
    marker = str(cases.parent / "markers" / "PWNED")
    (cases / "secret.yaml").write_text("api_token: hunter2-SECRET-VALUE\npassword: s3cr3t\n")
    os.mkfifo(cases / "fifo.yaml")
    out = []
    fixed = fuzz.fixed_cases(presets, marker, False)
    for name, content, info, _ in fixed:
        path = cases / f"{name}.yaml"
        _write(
            path, content.replace("CASES_ABS", str(cases)) if isinstance(content, str) else content
        )
        out.append((path, info))
    docs = {name: yaml.safe_load(text) for name, text in presets.items()}
    weights = [w for _, w in fuzz.MUTATORS]
    i = 0
    while len(out) < n + len(fixed):
        doc = copy.deepcopy(docs[rng.choice(list(docs))])
        path = cases / f"{i:05d}.yaml"
        i += 1
        ctx = {"file": path, "marker": f"{marker}-{i}"}
        try:
            for _ in range(rng.choice([1, 1, 1, 2, 3])):
                mutate = rng.choices([m for m, _ in fuzz.MUTATORS], weights)[0]
                content, info = mutate(rng, doc, ctx)
                if mutate in (fuzz.m_text, fuzz.m_extend, fuzz.m_deep_nesting):
                    break
        except (IndexError, KeyError, TypeError, ValueError):
            continue
        _write(path, content)
        out.append((path, info))
    return out


def test_fuzzed_scenarios_fail_cleanly_or_compile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cases = tmp_path / "cases"
    cases.mkdir()
    (tmp_path / "markers").mkdir()
    work = tmp_path / "cwd"  # relative labels, as the fuzzer's commands see them
    work.mkdir()
    monkeypatch.chdir(work)
    problems: list[str] = []
    valid = refused = 0
    for path, info in make_cases(cases, MUTATED, SEED):
        label = os.path.relpath(path, work)
        try:
            sc, _ = load_scenario(label)
            compile_plan(sc, people=2000, days=5, label=label)
            valid += 1
        except ConfigError as exc:
            refused += 1
            message = str(exc)
            if path.name not in message:
                problems.append(
                    f"{path.name} ({info['kind']}): message without the file: {message}"
                )
            if "\n" in message or len(message) > 2000:
                problems.append(f"{path.name} ({info['kind']}): not one short paragraph")
        except Exception as exc:  # noqa: BLE001 - any other exception is what this test finds
            problems.append(f"{path.name} ({info['kind']} {info['detail']}): {exc!r}"[:300])
    assert not problems, "\n".join(problems)
    assert not list((tmp_path / "markers").iterdir()), "a YAML tag ran code"
    assert not list(work.iterdir()), "loading wrote files"
    # the mix stays meaningful: plenty of both outcomes
    assert valid > 20 and refused > 200, (valid, refused)
