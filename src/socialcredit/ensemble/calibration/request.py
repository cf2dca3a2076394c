"""What a calibration was asked to do, kept as ``calibration.json`` in its output folder.

Beside it the folder keeps the resolved scenario (``input.yaml``) and the targets file as given
(``targets.yaml``), so ``calibrate --resume DIR`` needs nothing outside the folder and continues
the same study even where the files it started from have changed since.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from socialcredit.errors import ConfigError, OutputError

REQUEST = "calibration.json"
INPUT = "input.yaml"  # the resolved scenario, calibrate: block included
TARGETS = "targets.yaml"
STUDY = "study.db"
SAMPLERS = ("tpe", "cmaes")


@dataclass(frozen=True)
class Request:
    scenario: str  # how the scenario was named (a preset or a file), for messages and pages
    targets: str  # the targets file as given: its name goes into each fitted value's source
    trials: int  # trials in the whole study
    people: int | None  # None: the scenario's
    seeds: int  # K seeds per trial, the same K for every trial (common random numbers)
    seed: int  # derives the K seeds and each trial's sampler seed
    sampler: str  # tpe | cmaes
    batch: int  # trials asked together and run side by side; fixed for the study's life
    startup: int  # TPE's random trials before it models the loss
    started: str  # the day the calibration began (YYYY-MM-DD), for `calibrated to ..., DATE`


def check_sampler(sampler: str) -> str:
    if sampler not in SAMPLERS:
        raise ConfigError(
            f"unknown sampler '{sampler}'",
            path="--sampler",
            expected=f"one of: {', '.join(SAMPLERS)}",
            fix="use --sampler tpe (the default) or --sampler cmaes",
        )
    return sampler


def write_request(folder: Path, request: Request) -> None:
    try:
        (folder / REQUEST).write_text(json.dumps(asdict(request), indent=2) + "\n", "utf-8")
    except OSError as exc:
        raise OutputError(
            f"{folder}: could not write {REQUEST} ({exc.strerror}). "
            "Fix: free disk space or choose another --out."
        ) from None


def read_request(folder: Path) -> Request:
    path = folder / REQUEST
    try:
        data: dict[str, Any] = json.loads(path.read_text("utf-8"))
        return Request(**data)
    except FileNotFoundError:
        raise ConfigError(
            f"{folder} holds no {REQUEST}",
            path="--resume",
            expected="the --out folder of a calibration",
            fix="pass the folder `socialcredit calibrate ... --out DIR` wrote",
        ) from None
    except (OSError, ValueError, TypeError) as exc:
        raise ConfigError(
            f"{path} cannot be read ({exc})",
            path="--resume",
            expected=f"the {REQUEST} a calibration wrote",
            fix="start the calibration again in a new --out folder",
        ) from None
