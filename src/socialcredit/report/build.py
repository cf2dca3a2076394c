"""Build report.html from a run folder's files, write it atomically, keep the manifest true."""

from __future__ import annotations

import json
import os
from pathlib import Path

from socialcredit.errors import OutputError
from socialcredit.output.run_folder import sha256_of
from socialcredit.report.data import load_run
from socialcredit.report.page import Page, Section
from socialcredit.report.sections import (
    aiact,
    audit,
    chilling,
    headline,
    lending,
    looking,
    regions,
    sanctions,
    scenario,
    scores,
    stories,
    which_assumption,
    wrongful,
)
from socialcredit.version import __version__

REPORT = "report.html"

# (anchor, heading, section module): the order a reader meets them. Each module builds its
# section's data (``build``) for its template (``TEMPLATE``); charts are numbered in this order.
# A section whose ``build`` returns None does not apply to the run (the audit of a learned
# scorer, in a run without one) and is left out.
SECTIONS = (
    ("headline", "What the system did", headline),
    ("scores", "Scores and tiers over time", scores),
    ("sanctions", "Sanctions and perks", sanctions),
    ("wrongful", "Wrongful sanctions, broken down", wrongful),
    ("audit", "The learned scorer, audited against the truth", audit),
    ("looking", "Where the system looks", looking),
    ("lending", "Loans and their delayed impact", lending),
    ("which-assumption", "Which assumption matters", which_assumption),
    ("ai-act", "EU AI Act Article 5(1)(c) screen", aiact),
    ("chilling", "Chilling of lawful acts", chilling),
    ("regions", "Regions and appeals", regions),
    ("stories", "Life stories", stories),
)
SCENARIO_HEADING = "The scenario"


def build_report(folder: Path) -> str:
    """The whole page as text, from the folder's summary.json, metrics.parquet, scenario.yaml."""
    data = load_run(folder)
    page = Page()
    built = [
        (anchor, heading, module, module.build(data, page)) for anchor, heading, module in SECTIONS
    ]
    sections = [
        Section(anchor, heading, module.TEMPLATE, content)
        for anchor, heading, module, content in built
        if content is not None
    ]
    sections.append(Section("scenario", SCENARIO_HEADING, scenario.TEMPLATE, scenario.build(data)))
    s = data.summary
    return page.render(
        "report.html.j2",
        scenario=s["scenario"],
        people=s["people"],
        days=s["days"],
        seed=s["seed"],
        sections=sections,
        nav=[(x.anchor, x.heading) for x in sections],
        version=__version__,
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


def rebuild_report(folder: Path, also: tuple[str, ...] = ()) -> Path:
    """Rewrite the report of a finished run folder and record its new hash in the manifest,
    with those of the files named in ``also`` (written into the folder beside it)."""
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
    for name in (REPORT, *also):
        outputs[name] = sha256_of(folder / name)
    manifest["outputs"] = dict(sorted(outputs.items()))
    write_atomic(manifest_path, json.dumps(manifest, indent=2, allow_nan=False) + "\n")
    return path
