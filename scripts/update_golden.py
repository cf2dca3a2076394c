"""Rewrite tests/golden/*.json: summary numbers of every preset at a small fixed size.

Run with `make golden`, and explain every change to these files in the commit message.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from golden_baseline import GOLDEN_DIR, golden_numbers  # noqa: E402
from socialcredit.scenario.loading import preset_names  # noqa: E402

for name in preset_names():
    path = GOLDEN_DIR / f"{name}.json"
    path.write_text(json.dumps(golden_numbers(name), indent=2, sort_keys=True) + "\n")
    print(f"wrote {path.relative_to(ROOT)}")
