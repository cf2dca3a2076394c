"""The headline outputs a sensitivity analysis explains, each read from a member's summary.json.

An output a member cannot define (no one sanctioned, so no wrongful share; no lawful disfavoured
act, so no chilling) is None there; an output that is None in any member is left out of the
analysis and named in sensitivity.json (the indices need every member's value).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _largest_impact(s: dict[str, Any]) -> float | None:
    """The largest disparate impact of any sanction on any group (the report's headline one)."""
    found = [
        float(v)
        for x in s.get("sanctions", {}).values()
        for v in (x.get("disparate_impact") or {}).values()
        if v is not None
    ]
    return max(found) if found else None


def _number(x: Any) -> float | None:
    return None if x is None else float(x)


# key: (words in sentences, what it is read from)
OUTPUTS: dict[str, tuple[str, Callable[[dict[str, Any]], float | None]]] = {
    "wrongful_share": (
        "the wrongful share of sanctioned person-days",
        lambda s: _number(s.get("wrongful_share")),
    ),
    "people_ever_sanctioned": (
        "the people ever sanctioned",
        lambda s: _number(s.get("people_ever_sanctioned")),
    ),
    "largest_disparate_impact": ("the largest disparate impact", _largest_impact),
    "chilling_change": (
        "the chilling of lawful acts (change, last 30 days vs day 0)",
        lambda s: _number(s.get("chilling", {}).get("change")),
    ),
    "cross_context_share": (
        "the cross-context share of sanctions",
        lambda s: _number(s.get("cross_context_share")),
    ),
    "appeals_won": ("the appeals won", lambda s: _number(s.get("appeals", {}).get("won"))),
}


def read_outputs(summary: dict[str, Any]) -> dict[str, float | None]:
    return {key: read(summary) for key, (_, read) in OUTPUTS.items()}
