"""Each reproduction's page in a real browser: every chart drawn, no JavaScript error.

Needs Debian's ``chromium`` (.ci/run installs it); skipped with the reason where it is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_report_browser import CHROMIUM, assert_every_chart_drawn, chart_slots

from socialcredit.reproductions import REPRODUCTIONS

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium is not installed (apt-get install -y chromium; .ci/run installs it)",
)


@pytest.mark.parametrize("name", sorted(REPRODUCTIONS))
def test_every_chart_of_a_reproduction_renders(name: str, tmp_path: Path) -> None:
    result = REPRODUCTIONS[name].run(tmp_path / name, seed=0, quick=True)
    page = result.page
    slots = chart_slots(page.read_text(encoding="utf-8"))
    assert slots >= 2  # theirs beside ours, at least once
    assert_every_chart_drawn(page, slots, tmp_path / "profile")
