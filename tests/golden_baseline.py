"""The golden baseline: integer summary numbers per preset at a small, fixed size and seed.

Integers only, so the comparison is exact on any machine. `make golden` rewrites the files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from socialcredit.runner import run

GOLDEN_DIR = Path(__file__).parent / "golden"
PEOPLE, DAYS, SEED = 20_000, 90, 1
# Presets whose mechanisms take years to act run their whole span (the court list: 1,918 days)
WHOLE_RUN = {"china-court-list-2013-2018"}


def golden_numbers(preset: str) -> dict[str, Any]:
    days = None if preset in WHOLE_RUN else DAYS
    # without the presets' warm-ups: the baseline pins the engines' days from a cold start
    # (tests/unit/test_warmup.py shows a warm-up's days are the same days, reported later)
    s = run(preset, people=PEOPLE, days=days, seed=SEED, warmup=0, write=False).summary
    blocked = {k: [v["blocked"], v["blocked_wrongful"]] for k, v in s["sanctions"].items()
               if "blocked" in v}  # fmt: skip
    return (
        {
            "size": {"people": PEOPLE, "days": s["days"], "seed": SEED},
            "people_ever_sanctioned": s["people_ever_sanctioned"],
            "people_ever_wrongfully_sanctioned": s["people_ever_wrongfully_sanctioned"],
            "sanctioned_person_days": s["sanctioned_person_days"],
            "wrongfully_sanctioned_person_days": s["wrongfully_sanctioned_person_days"],
            "acts": s["acts"],
            "records": s["records"],
            "sanction_person_days": {k: v["person_days"] for k, v in s["sanctions"].items()},
            "perk_person_days": {k: v["person_days"] for k, v in s["perks"].items()},
            "appeals": s["appeals"],
            "carriers": {
                k: {
                    "people_ever_under": v["people_ever_under"],
                    "people_ever_wrongly_under": v["people_ever_wrongly_under"],
                    "wrongful_person_days": v["wrongful_person_days"],
                }
                for k, v in s["carriers"].items()
            },
        }
        | ({"blocked_and_wrongly": blocked} if blocked else {})
        | ({"lending": s["lending"]} if "lending" in s else {})
    )
