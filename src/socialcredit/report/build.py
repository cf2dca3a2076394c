"""Build report.html from a run folder's files, write it atomically, keep the manifest true."""

from __future__ import annotations

import json
import os
from pathlib import Path

from socialcredit import __version__
from socialcredit.errors import OutputError
from socialcredit.output.run_folder import sha256_of
from socialcredit.report.data import RunData, load_run
from socialcredit.report.fmt import h, num, words
from socialcredit.report.page import Page
from socialcredit.report.sections import (
    aiact,
    chilling,
    headline,
    regions,
    sanctions,
    scenario,
    scores,
    stories,
)

REPORT = "report.html"

# (anchor, heading, renderer): the order a reader meets them.
SECTIONS = (
    ("headline", "What the system did", headline.render),
    ("scores", "Scores and tiers over time", scores.render),
    ("sanctions", "Sanctions and perks", sanctions.render),
    ("ai-act", "EU AI Act Article 5(1)(c) screen", aiact.render),
    ("chilling", "Chilling of lawful acts", chilling.render),
    ("regions", "Regions and appeals", regions.render),
    ("stories", "Life stories", stories.render),
)
SCENARIO_HEADING = "The scenario"


def build_report(folder: Path) -> str:
    """The whole page as text, from the folder's summary.json, metrics.parquet, scenario.yaml."""
    data = load_run(folder)
    page = Page()
    body = [header(data)]
    for anchor, heading, render in SECTIONS:
        body.append(f'<section id="{anchor}"><h2>{h(heading)}</h2>{render(data, page)}</section>')
    body.append(
        f'<section id="scenario"><h2>{SCENARIO_HEADING}</h2>{scenario.render(data)}</section>'
    )
    body.append(footer(data))
    return page.render(f"{data.summary['scenario']}: socialcredit report", "".join(body))


def header(data: RunData) -> str:
    s = data.summary
    links = "".join(f'<a href="#{a}">{h(t)}</a>' for a, t, _ in SECTIONS)
    links += f'<a href="#scenario">{SCENARIO_HEADING}</a>'
    return (
        f"<header><h1>What the {h(words(s['scenario']))} scenario did to {num(s['people'])} "
        f"simulated people over {num(s['days'])} days</h1>"
        '<p class="sub">A simulation on synthetic people: no real person is scored. Every '
        "number below is counted by the simulator, which knows which records were true and "
        f"which were errors. Seed {h(s['seed'])}.</p><nav>{links}</nav></header>"
    )


def footer(data: RunData) -> str:
    return (
        f"<footer>Made by socialcredit {h(__version__)} from summary.json, metrics.parquet and "
        f"scenario.yaml in this run folder; rebuild with <code>socialcredit report "
        f"FOLDER</code>.</footer>"
    )


def write_atomic(
    path: Path,
    text: str,
    *,
    fix: str = "free disk space or check you may write to the run folder",
) -> None:
    """Write beside the target, then rename over it: a reader never sees half a file."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with tmp.open("w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise OutputError(f"{path}: could not be written ({exc.strerror}). Fix: {fix}.") from None


def write_report(folder: Path) -> Path:
    """Write ``report.html`` into a run folder (or a run's staging folder) from its files."""
    folder = Path(folder)
    path = folder / REPORT
    write_atomic(path, build_report(folder))
    return path


def rebuild_report(folder: Path) -> Path:
    """Rewrite the report of a finished run folder and record its new hash in the manifest."""
    folder = Path(folder)
    if not folder.is_dir():
        raise OutputError(
            f"{folder}: no such run folder. Fix: pass the folder that `socialcredit run` wrote "
            "(its --out)."
        )
    manifest_path = folder / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        outputs = manifest["outputs"]
    except (OSError, ValueError, KeyError, TypeError):
        raise OutputError(
            f"{manifest_path}: missing or unreadable, so this is not a finished run folder "
            "(manifest.json is written last). Fix: pass the folder that `socialcredit run` "
            "wrote, or re-run the scenario."
        ) from None
    path = write_report(folder)
    outputs[REPORT] = sha256_of(path)
    manifest["outputs"] = dict(sorted(outputs.items()))
    write_atomic(manifest_path, json.dumps(manifest, indent=2, allow_nan=False) + "\n")
    return path
