"""The run folders to compare: checked, loaded, labelled and given a colour each."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from socialcredit.errors import ConfigError, OutputError
from socialcredit.report import charts
from socialcredit.report.compare.run import Run
from socialcredit.report.data import load_run


def labels(summaries: Sequence[dict[str, Any]], folders: Sequence[Path]) -> list[str]:
    """Scenario names; the folder's name where two runs share a scenario; a number if still."""
    scenarios = [str(s["scenario"]) for s in summaries]
    named = [
        n if scenarios.count(n) == 1 else folder.resolve().name
        for n, folder in zip(scenarios, folders, strict=True)
    ]
    seen: dict[str, int] = {}
    out = []
    for label in named:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if named.count(label) == 1 else f"{label} ({seen[label]})")
    return out


def check_folders(folders: Sequence[Path]) -> list[Path]:
    folders = [Path(f) for f in folders]
    if len(folders) < 2:
        got = f"got only {folders[0]}" if folders else "got no run folder"
        raise ConfigError(
            got,
            file="socialcredit compare",
            expected="two or more run folders written by `socialcredit run`",
            fix="pass each run's folder, e.g. `socialcredit compare runs/a runs/b --out "
            "compare.html`",
        )
    seen: set[Path] = set()
    for folder in folders:
        key = folder.resolve()
        if key in seen:
            raise ConfigError(
                "is given twice",
                file=str(folder),
                expected="each run folder once",
                fix="drop the repeated folder",
            )
        seen.add(key)
    return folders


def load_runs(folders: Sequence[Path]) -> list[Run]:
    folders = check_folders(folders)
    for folder in folders:
        if folder.is_dir() and not (folder / "summary.json").is_file():
            raise OutputError(
                f"{folder}: not a run folder (it has no summary.json). Fix: pass folders that "
                "`socialcredit run` wrote (its --out), or re-run the scenario to recreate one."
            )
    data = [load_run(f) for f in folders]
    names = labels([d.summary for d in data], [d.folder for d in data])
    palette = charts.PALETTE
    return [
        Run(label=label, colour=palette[i % len(palette)], data=d)
        for i, (label, d) in enumerate(zip(names, data, strict=True))
    ]
