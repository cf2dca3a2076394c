"""Write a calibration's fitted values into a scenario file in place, keeping its comments:
`python scripts/apply_calibration.py CALIBRATION_DIR SCENARIO_FILE`.

Each fitted value (a free parameter of the scenario's calibrate: block) replaces the number in
the file, to 4 significant digits; where it is a schedule entry's value whose source says
"assumption (to be calibrated)", that phrase becomes "calibrated to TARGETS, DATE (hand-tuned
start: OLD)". The file is then loaded again to check that it is valid. The calibrated scenario
the calibration wrote (CALIBRATION_DIR/scenario.yaml) has the exact values; this keeps a
preset's comments and layout.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import yaml

from socialcredit.scenario.loading import load_scenario
from socialcredit.scenario.paths import ITEM_KEYS, parse_path

TO_BE = "assumption (to be calibrated)"


def node_at(node: Any, path: str) -> tuple[Any, Any]:
    """The scalar node ``path`` reaches, and the mapping node that holds it."""
    steps = parse_path(path)
    assert steps is not None, path
    holder = None
    for kind, token in steps:
        holder = node
        if isinstance(node, yaml.SequenceNode):
            if kind == "index":
                node = node.value[token]
            else:
                node = next(
                    item for item in node.value
                    if any(k.value in ITEM_KEYS and v.value == token for k, v in item.value)
                )  # fmt: skip
        else:
            node = next(v for k, v in node.value if k.value == token)
    return node, holder


def main(folder: Path, scenario: Path) -> None:
    trials = pq.read_table(folder / "trials.parquet").to_pylist()
    done = [t for t in trials if t["loss"] is not None]
    best = min(done, key=lambda t: (t["loss"], t["trial"]))
    targets = yaml.safe_load((folder / "calibration.json").read_text())["targets"]
    label = f"calibrated to {Path(targets).name}, {date.today().isoformat()}"
    text = scenario.read_text(encoding="utf-8")
    root = yaml.compose(text)
    edits = []
    for path, value in best.items():
        if path in ("trial", "state", "loss"):
            continue
        node, holder = node_at(root, path)
        edits.append((node.start_mark.index, node.end_mark.index, f"{value:.4g}"))
        source = next((v for k, v in holder.value if k.value == "source"), None)
        if source is not None:
            span = text[source.start_mark.index : source.end_mark.index]
            if TO_BE in span:
                new = span.replace(TO_BE, f"{label} (hand-tuned start: {node.value})")
                edits.append((source.start_mark.index, source.end_mark.index, new))
    for start, end, new in sorted(edits, reverse=True):
        text = text[:start] + new + text[end:]
    scenario.write_text(text, encoding="utf-8")
    load_scenario(scenario)
    print(
        f"{scenario}: {len(best) - 3} values from trial {best['trial']} (loss {best['loss']:.4g})"
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]))
