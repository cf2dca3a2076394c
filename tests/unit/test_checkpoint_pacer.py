"""Checkpoints are paced to about a tenth of a run's time; quick ones are never skipped."""

from __future__ import annotations

import pytest

from socialcredit import runner
from socialcredit.runner import CheckpointPacer


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(runner.time, "perf_counter", fake)
    return fake


def save(pacer: CheckpointPacer, clock: Clock, seconds: float) -> None:
    with pacer.saving():
        clock.now += seconds


def test_quick_saves_are_always_due(clock: Clock) -> None:
    pacer = CheckpointPacer()
    assert pacer.due()
    save(pacer, clock, 0.5)
    assert pacer.due()  # immediately after: still due, it took under a second


def test_a_slow_save_waits_nine_times_its_duration(clock: Clock) -> None:
    pacer = CheckpointPacer()
    save(pacer, clock, 60.0)
    clock.now += 9 * 60.0 - 1
    assert not pacer.due()
    clock.now += 1
    assert pacer.due()
    save(pacer, clock, 30.0)
    assert pacer.spent == 90.0
    clock.now += 270.0
    assert pacer.due()
