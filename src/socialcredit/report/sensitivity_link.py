"""Link a sensitivity analysis to a run: `socialcredit report RUN --sensitivity DIR`.

A run folder stays self-contained, so the run does not read the analysis's folder when its
report is built: linking writes ``sensitivity-digest.json`` into the run folder (what each
headline output depends on most, in words and numbers, and where the analysis's page lies,
relative to the run folder), records it in the manifest, and rebuilds ``report.html``, which then
has a section "Which assumption matters" (report/sections/which_assumption.py).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any

from socialcredit.errors import OutputError
from socialcredit.report import sensitivity
from socialcredit.report.build import rebuild_report, write_atomic
from socialcredit.report.sections.which_assumption import DIGEST


def digest(sens_folder: Path, run_folder: Path) -> dict[str, Any]:
    """What the report shows of the analysis in ``sens_folder``."""
    study, sections, _ = sensitivity.build(sens_folder)
    outputs = [s.data for s in sections if isinstance(s.data, sensitivity.Output)]
    fields = ("path", "words", "value", "low", "high", "zero")
    return {
        "page": os.path.relpath(sens_folder / sensitivity.SENSITIVITY_HTML, run_folder),
        "scenario": study["scenario"],
        "method": study["method"],
        "runs": study["runs"],
        "people": study["people"],
        "days": study["days"],
        "ranked_by": study["ranked_by"],
        "factors": len(study["factors"]),
        "outputs": [
            {
                "key": o.key,
                "words": o.words,
                "named": [{k: asdict(f)[k] for k in fields} for f in o.named],
                "rest": o.rest,
                "rest_total": o.rest_total,
            }
            for o in outputs
        ],
    }


def link_sensitivity(run_folder: Path, sens_folder: Path) -> Path:
    """Write the digest of ``sens_folder`` into ``run_folder`` and rebuild its report."""
    run_folder, sens_folder = Path(run_folder), Path(sens_folder)
    summary_path = run_folder / "summary.json"
    try:
        scenario = json.loads(summary_path.read_text(encoding="utf-8"))["scenario"]
    except (OSError, ValueError, KeyError, TypeError):
        raise OutputError(
            f"{summary_path}: missing or unreadable, so {run_folder} is not a finished run "
            "folder. Fix: pass the folder that `socialcredit run` wrote (its --out)."
        ) from None
    d = digest(sens_folder, run_folder)
    if d["scenario"] != scenario:
        raise OutputError(
            f"{sens_folder}: the sensitivity analysis is of scenario '{d['scenario']}', the run "
            f"in {run_folder} of '{scenario}'. Fix: link an analysis of the same scenario "
            f"(`socialcredit sensitivity {scenario} ...`)."
        )
    write_atomic(run_folder / DIGEST, json.dumps(d, indent=2, allow_nan=False) + "\n")
    return rebuild_report(run_folder, also=(DIGEST,))
