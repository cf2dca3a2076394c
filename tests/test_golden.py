"""Every preset's summary numbers match the saved baseline exactly (tests/golden/)."""

from __future__ import annotations

import json

from golden_baseline import GOLDEN_DIR, golden_numbers


def test_preset_matches_golden_baseline(preset: str) -> None:
    saved = json.loads((GOLDEN_DIR / f"{preset}.json").read_text())
    assert golden_numbers(preset) == saved, (
        "results changed; if intended, run `make golden` and explain the change in the commit"
    )
