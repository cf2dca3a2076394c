"""Small runs of each preset, made once per session and shared by the report tests."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from report_cases import CASES, DAYS, PEOPLE, SIZE, STRESSED, WARMUP, stressed_scenario

from socialcredit.runner import run
from socialcredit.scenario.loading import load_scenario


@pytest.fixture(scope="session")
def run_folder(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """A finished run folder for a case (the reference engine: no kernel compile needed).

    Shared across tests: tests that change a folder take a ``copy_of`` it first.
    """
    made: dict[str, Path] = {}

    def make(case: str) -> Path:
        if case not in made:
            base = tmp_path_factory.mktemp("runs")
            if case == STRESSED:
                run(
                    stressed_scenario(base),
                    people=5000,
                    days=120,
                    out=base / case,
                    engine="reference",
                )
            else:
                # a dated preset runs its documented span: 40 days from its start show little
                dated = load_scenario(case)[0].run.start is not None
                people, days = SIZE.get(case, (PEOPLE, None if dated else DAYS))
                run(case, people=people, days=days, out=base / case, engine="reference",
                    warmup=WARMUP.get(case))  # fmt: skip
            made[case] = base / case
        return made[case]

    return make


@pytest.fixture(params=CASES)
def case(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def copy_of(tmp_path: Path) -> Callable[[Path], Path]:
    def copy(folder: Path) -> Path:
        return Path(shutil.copytree(folder, tmp_path / folder.name))

    return copy
