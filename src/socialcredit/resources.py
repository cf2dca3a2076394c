"""Refuse runs that would not fit in memory, before any work, with the estimate and the limit."""

from __future__ import annotations

import os

from socialcredit.engine.plan import Plan
from socialcredit.errors import ResourceError

# Peak bytes per person of the reference engine: the default preset at 1e6 people peaked at
# 210 MB RSS (/usr/bin/time), about 135 B/person above the interpreter; 160 leaves a margin.
REFERENCE_BYTES_PER_PERSON = 160
# The fast engine keeps only the state and the population arrays; its peak is population
# synthesis (NumPy temporaries): 1e7 people x 30 days peaked at 749 MB RSS, ~60 B/person
# above the interpreter and Numba.
FAST_BYTES_PER_PERSON = 72
HEADROOM = 0.85  # leave room for the interpreter, libraries and the page cache


def available_memory() -> int:
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def estimate_bytes(plan: Plan, engine: str = "fast") -> int:
    base = FAST_BYTES_PER_PERSON if engine == "fast" else REFERENCE_BYTES_PER_PERSON
    per_person = base + 4 * len(plan.lists)
    if plan.expire_days:
        per_person += 8 * plan.slots
    metrics = plan.days * plan.cells * 8 * 256
    return plan.people * per_person + metrics


def check_memory(plan: Plan, engine: str = "fast", limit: int | None = None) -> int:
    need = estimate_bytes(plan, engine)
    cap = int((limit if limit is not None else available_memory()) * HEADROOM)
    if need > cap:
        per_person = need / plan.people
        fits = max(1, int(cap / per_person))
        raise ResourceError(
            f"--people {plan.people:,}: this run needs about {need / 2**30:.1f} GiB of memory "
            f"(about {per_person:.0f} bytes per person) but the limit here is "
            f"{cap / 2**30:.1f} GiB ({HEADROOM:.0%} of the memory available). "
            f"Fix: simulate at most {fits:,} people on this machine."
        )
    return need
