"""Refuse runs that would not fit in memory, before any work, with the estimate and the limit."""

from __future__ import annotations

import os

import numpy as np

from socialcredit.carriers import carriers_of
from socialcredit.errors import ResourceError
from socialcredit.plan import Plan

# Peak bytes per person of the reference engine: the default preset at 1e6 people peaked at
# 210 MB RSS (/usr/bin/time), about 135 B/person above the interpreter; 160 leaves a margin.
REFERENCE_BYTES_PER_PERSON = 160
# The fast engine holds the state and the trait byte per person, nothing else the size of the
# population (synthesis runs in blocks); a fixed allowance covers Python, Numba and one block.
FAST_FIXED_BYTES = 1 << 30
HEADROOM = 0.85  # leave room for the page cache and the rest of the machine


def available_memory() -> int:
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def state_bytes_per_person(plan: Plan) -> int:
    """score, shadow (int16), list ends (2 x uint16 per list), deterrence, flags, cause (uint8),
    the ever-under bits (one byte per four sanction carriers), expiry slots (2 x (uint16 +
    int16) each, only with expiry), the latest record day per record kind and the latest
    disfavoured act's day (uint16 each, only with a learned scorer), and the trait byte."""
    lists = len(plan.lists)
    slots = plan.slots if plan.expire_days else 0
    days = plan.scorer.kinds + 1 if plan.scorer else 0
    return 2 + 2 + 4 * lists + 1 + 1 + 1 + carriers_of(plan).ever_bytes + 8 * slots + 2 * days + 1


def estimate_bytes(plan: Plan, engine: str = "fast") -> int:
    metrics = plan.days * plan.cells * 8 * 256  # reported days only: a warm-up keeps none
    lending = plan.people if plan.lending is not None else 0  # the lender's group byte
    if engine == "fast":
        return plan.people * state_bytes_per_person(plan) + FAST_FIXED_BYTES + metrics + lending
    per_person = REFERENCE_BYTES_PER_PERSON + state_bytes_per_person(plan)
    return plan.people * per_person + metrics


def check_memory(plan: Plan, engine: str = "fast", limit: int | None = None) -> int:
    need = estimate_bytes(plan, engine)
    cap = int((limit if limit is not None else available_memory()) * HEADROOM)
    if need > cap:
        per_person = need / plan.people
        fits = max(1, int(cap / per_person))
        raise ResourceError(
            f"--people {plan.people:,}: this run needs about {need / 2**30:.1f} GiB of memory "
            f"(about {per_person:.0f} bytes per person with --engine {engine}) but the limit "
            f"here is {cap / 2**30:.1f} GiB ({HEADROOM:.0%} of the memory available). "
            f"Fix: simulate at most {fits:,} people on this machine."
        )
    return need


def count_flag(flags: np.ndarray, bit: np.uint8, block: int = 1 << 24) -> int:
    """People with a flag bit set, counted in blocks (no temporary the size of the population)."""
    return sum(
        int(np.count_nonzero(flags[lo : lo + block] & bit)) for lo in range(0, len(flags), block)
    )


def first_flagged(flags: np.ndarray, bit: np.uint8, limit: int, offset: int = 0,
                  block: int = 1 << 24) -> list[int]:  # fmt: skip
    """Indices (+ ``offset``) of people with a flag bit set, lowest first, read in blocks until
    at least ``limit`` are found."""
    found: list[int] = []
    for lo in range(0, len(flags), block):
        found += (offset + lo + np.flatnonzero(flags[lo : lo + block] & bit)).tolist()
        if len(found) >= limit:
            break
    return found
