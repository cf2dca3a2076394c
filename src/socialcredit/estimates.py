"""What a run will cost, said before it starts: memory, wall time and checkpoint disk.

Everything here is arithmetic on the compiled plan (no simulation, no synthesis), so ``run``
can print it at once and ``run --dry-run`` can print nothing else. The wall time is an estimate
from measured rates, stated with where each rate comes from; the memory is the same figure the
memory check refuses runs on (``resources.estimate_bytes``).
"""

from __future__ import annotations

from dataclasses import dataclass

from socialcredit.metrics.layout import SCORE_STATS, layout_for
from socialcredit.plan import Plan
from socialcredit.resources import (
    HEADROOM,
    available_memory,
    estimate_bytes,
    state_bytes_per_person,
)

# Person-days per second of each engine, and where the figure was measured (README, Benchmarks).
# The fast engine: `run --people 1.4e9 --days 365` on 2 cores took 8.74 s per day, paced
# checkpoints included. The reference engine: benchmarks/engine_speed.py on the same 2 cores.
RATES: dict[str, tuple[float, str]] = {
    "fast": (160e6, "the fast engine on 2 cores, README's national benchmark"),
    "reference": (7e6, "the reference engine on 2 cores, README's benchmarks"),
}
SYNTHESIS_PER_SECOND = 21.5e6  # people: the same national run synthesised 1.4e9 people in 65 s
# Start-up, the summary, traces, report and manifest: the default run (1e6 x 365) took 9.6 s
# here, of which 6.6 s were its days and 0.2 s its synthesis.
FIXED_SECONDS = 3.0
# The fast engine's kernels, the first time only (then cached on disk): 28-31 s measured on 2 cores
# with an empty cache (session 4, 1e5 people x 60 days, nothing else running).
COMPILE_SECONDS = 30
TRAIT_BYTES = 1  # per person, in state_bytes_per_person but held by the population, not saved


@dataclass(frozen=True)
class RunEstimate:
    scenario: str
    people: int
    days: int
    engine: str
    memory: int  # bytes at the peak
    memory_limit: int  # what the memory check allows here
    seconds: float
    rate: float  # person-days per second assumed
    rate_source: str
    checkpoint: int  # bytes of the largest checkpoint (the last)
    checkpoints_held: int  # at the peak: the last one stays until its successor is complete
    every: int
    warmup_days: int = 0  # simulated before the reported days: counted in the time and sizes

    @property
    def checkpoint_peak(self) -> int:
        return self.checkpoint * self.checkpoints_held


def checkpoint_bytes(plan: Plan, day: int | None = None) -> int:
    """The checkpoint of the end of ``day`` (``output/checkpoint.py``, uncompressed .npz): every
    state array, and the counts and statistics of the reported days up to engine day ``day``
    (cells x columns, 8 bytes each; a warm-up keeps none); by default the largest a run can save,
    near its last day."""
    state = plan.people * (state_bytes_per_person(plan) - TRAIT_BYTES)
    columns = len(layout_for(plan).counts) + len(SCORE_STATS)
    days = plan.days if day is None else max(day + 1 - plan.warmup, 0)
    return state + days * plan.cells * columns * 8


def checkpoints_saved(days: int, every: int) -> int:
    """Checkpoints a run saves at most: after each ``every`` days, never after the last day."""
    return (days - 1) // every if every > 0 else 0


def estimate_run(plan: Plan, engine: str, every: int, scenario: str) -> RunEstimate:
    rate, source = RATES.get(engine, RATES["fast"])
    simulated = plan.simulated_days  # a warm-up costs what reported days cost
    seconds = FIXED_SECONDS + plan.people / SYNTHESIS_PER_SECOND + plan.people * simulated / rate
    return RunEstimate(
        scenario=scenario,
        people=plan.people,
        days=plan.days,
        warmup_days=plan.warmup,
        engine=engine,
        memory=estimate_bytes(plan, engine),
        memory_limit=int(available_memory() * HEADROOM),
        seconds=seconds,
        rate=rate,
        rate_source=source,
        # the largest, the last: saved at the end of day (saved x every - 1)
        checkpoint=checkpoint_bytes(plan, checkpoints_saved(simulated, every) * every - 1),
        checkpoints_held=min(2, checkpoints_saved(simulated, every)),
        every=every,
    )


def describe(est: RunEstimate, *, cluster: bool = False, free: tuple[str, int] | None = None
             ) -> list[str]:  # fmt: skip
    """The estimate as lines for the terminal (plain text, no markup); ``free`` is the folder
    where the run folder will be created and the bytes free on its disk."""
    memory = f"about {size(est.memory)} at the peak"
    if cluster:
        memory += ", shared among the cluster's workers"
    else:
        memory += f" (may use {size(est.memory_limit)} here)"
    time = (
        f"about {duration(est.seconds)} at {est.rate / 1e6:,.0f} M person-days/s "
        f"({est.rate_source}; longer on a busy or smaller machine"
    )
    time += (
        f", plus about {COMPILE_SECONDS} s the first time the kernels compile)"
        if (est.engine == "fast")
        else ")"
    )
    if est.checkpoints_held == 0:
        disk = "none (no checkpoint is due" + (
            ": --checkpoint-every 0)" if est.every == 0 else " before the last day)"
        )
    else:
        disk = (
            f"about {size(est.checkpoint_peak)} at the peak ({est.checkpoints_held} x "
            f"{size(est.checkpoint)}: a checkpoint every {est.every} days, the last one kept "
            "until the next is complete)"
        )
    if free is not None:
        disk += f"; {size(free[1])} free at {free[0]}"
    return [
        f"Estimate for {est.scenario}: {est.people:,} people x {est.days:,} days"
        + (f" after a warm-up of {est.warmup_days:,} days" if est.warmup_days else "")
        + f", --engine {est.engine}",
        f"  memory           {memory}",
        f"  wall time        {time}",
        f"  checkpoint disk  {disk}",
    ]


def size(n: float) -> str:
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if n >= scale:
            return f"{n / scale:,.1f} {unit}"
    return f"{n:,.0f} bytes"


def duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.1f} hours"
    return f"{seconds / 86400:.1f} days"
