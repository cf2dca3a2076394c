"""The causes of wrongful sanction-days as chart series, small ones grouped into "other errors".

Both pages chart causes (the compare page by run, the report by group of sanctions); a legend of
19 near-identical reds cannot be read, so beyond ``LEGEND - 1`` causes the smallest become one.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from socialcredit.report.sections.headline import cause_phrase

LEGEND = 8  # causes in a chart's legend at most, the last being "other"
OTHER = "other errors"


Series = tuple[list[str], list[list[float]]]  # cause labels, and each one's part of each bar


def cause_series(rows: Sequence[tuple[float, list[dict[str, Any]]]]) -> Series:
    """``rows``: per bar, the part of it that is wrongful (0-1) and its causes (summary.json's
    ``wrongful_causes``). Returns the cause labels and, per label, its part of each bar,
    largest first, at most ``LEGEND`` labels."""
    causes: list[str] = []
    for _, items in rows:
        for c in items:
            label = cause_phrase(c, explain=False)
            if label not in causes:
                causes.append(label)
    shares = [
        [
            part * sum(c["share"] or 0.0 for c in items if cause_phrase(c, explain=False) == label)
            for part, items in rows
        ]
        for label in causes
    ]
    order = sorted(range(len(causes)), key=lambda j: -max(shares[j]))
    causes, shares = [causes[j] for j in order], [shares[j] for j in order]
    if len(causes) > LEGEND:
        rest = shares[LEGEND - 1 :]
        causes = [*causes[: LEGEND - 1], OTHER]
        shares = [*shares[: LEGEND - 1], [sum(x) for x in zip(*rest, strict=True)]]
    return causes, shares
