"""The report in a real browser: every chart drawn, no JavaScript error, a screenshot to look at.

Needs Debian's ``chromium`` (.ci/run installs it); skipped with the reason where it is absent.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from report_cases import STRESSED

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="chromium is not installed (apt-get install -y chromium; .ci/run installs it)",
)


def chromium(page: Path, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """Headless, offline-minded flags: no first-run, sync, updates or background fetches, so the
    only thing the page can load is what is inside it. Console messages go to stderr."""
    assert CHROMIUM is not None
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={profile}",
            "--virtual-time-budget=5000",
            "--enable-logging=stderr",
            "--v=0",
            *extra,
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )


def chart_slots(html: str) -> int:
    return len(re.findall(r'<div class="chart" id="chart-\d+"', html))


def assert_every_chart_drawn(page: Path, slots: int, profile: Path) -> str:
    """Open ``page`` in the browser: each of its ``slots`` charts drawn by plotly, no uncaught
    JavaScript error. Returns the page's DOM as drawn."""
    done = chromium(page, profile, "--dump-dom")
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    drawn = re.findall(r'<div class="chart js-plotly-plot" id="chart-\d+"', dom)
    assert len(drawn) == slots, f"{len(drawn)} of {slots} charts drawn"
    assert dom.count('class="main-svg"') >= 2 * slots  # plotly draws two layers per chart
    assert "Uncaught" not in done.stderr, done.stderr[-2000:]
    return dom


def test_every_chart_renders_without_errors(
    run_folder: Callable[[str], Path], case: str, tmp_path: Path
) -> None:
    page = run_folder(case) / "report.html"
    slots = chart_slots(page.read_text(encoding="utf-8"))
    assert slots >= 2  # a list-only regime draws no score charts; every page draws some
    dom = assert_every_chart_drawn(page, slots, tmp_path / "profile")
    assert not re.search(r'id="chart-\d+"[^>]*>This chart could not be drawn', dom)


def test_screenshot_of_the_stressed_default_preset(
    run_folder: Callable[[str], Path], tmp_path: Path
) -> None:
    """Saved under the test's tmp dir for a person to look at; here only checked to exist."""
    page = run_folder(STRESSED) / "report.html"
    shot = tmp_path / "report.png"
    done = chromium(page, tmp_path / "profile", f"--screenshot={shot}", "--window-size=1280,2400")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Uncaught" not in done.stderr, done.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert shot.stat().st_size > 50_000  # a blank page is a few kB
    print(f"screenshot: {shot}")
