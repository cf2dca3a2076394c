"""The compare page's chart of wrongful causes keeps its legend readable: at most eight entries,
the smallest causes summed into one "other", and nothing lost in the sum."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from socialcredit.report.compare.sections.wrongful import LEGEND, OTHER, cause_shares

KINDS = ("false_match", "misattribution", "bookkeeping")


def fake_run(causes: int, wrongful_share: float, seed: int) -> SimpleNamespace:
    """A run whose wrongful sanction-days come from ``causes`` source x error pairs."""
    weights = [(k * 7 + seed) % 11 + 1 for k in range(causes)]
    total = sum(weights)
    return SimpleNamespace(
        wrongful_share=wrongful_share,
        s={
            "wrongful_causes": [
                {"source": f"source-{k // 3}", "error_kind": KINDS[k % 3], "share": w / total}
                for k, w in enumerate(weights)
            ]
        },
    )


@pytest.mark.parametrize("causes", [1, 5, 8, 9, 19])
def test_at_most_eight_entries_and_the_shares_add_up(causes: int) -> None:
    runs = [fake_run(causes, 0.3, 1), fake_run(causes, 0.1, 4)]
    labels, shares = cause_shares(runs)  # type: ignore[arg-type]
    assert len(labels) == min(causes, LEGEND)
    assert (OTHER in labels) == (causes > LEGEND)
    for i, r in enumerate(runs):
        assert sum(x[i] for x in shares) == pytest.approx(r.wrongful_share, rel=1e-12)
    named = [max(x) for x in shares[: LEGEND - 1]]
    assert named == sorted(named, reverse=True), "largest first"
