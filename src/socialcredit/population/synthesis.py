"""Synthetic people, deterministic from the seed: cells, households and latent traits.

People are laid out cell by cell (cell = region x group), so a person's region and group follow
from their index and take no memory. Households are contiguous runs of people inside a cell; a
person starts a new household with probability 1 / mean size (so sizes are geometric around the
mean, an assumption), and every cell starts a new household. The latent trait is a log-normal
propensity for disfavoured acts with mean 1, stored as one byte (multiplier = byte / 64).

Two bytes per person are stored (trait, flags); the rest is derived on demand. Synthesis runs in
blocks, so a national population needs no temporaries the size of the population.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from socialcredit import rng
from socialcredit.plan import TRAIT_SCALE, Plan
from socialcredit.state import HOUSEHOLD_START

BLOCK = 1 << 22


@dataclass
class Population:
    trait: np.ndarray  # [n] uint8 propensity byte of people offset .. offset + n - 1
    flags: np.ndarray  # [n] uint8, bit 0 = first member of a household
    cell_start: np.ndarray  # [cells + 1] int64: first person of each cell (whole population)
    offset: int = 0  # index of the first person held (a window of the population for replays)

    @property
    def people(self) -> int:
        return len(self.trait)

    def cell_of(self, people: np.ndarray) -> np.ndarray:
        """Cells of people given by their index in the whole population."""
        return np.searchsorted(self.cell_start, people, side="right") - 1

    def held(self, people: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(trait, flags) of ``people``: global indices of people this population holds."""
        at = people - self.offset
        return self.trait[at], self.flags[at]

    def cells(self) -> np.ndarray:
        """Every held person's cell (uint16), built on demand (the reference engine keeps it)."""
        return self.cell_of(np.arange(self.offset, self.offset + self.people)).astype(np.uint16)

    def households(self) -> np.ndarray:
        """Every held person's household number (int64), built on demand."""
        return np.cumsum(self.flags & HOUSEHOLD_START, dtype=np.int64) - 1

    def household_around(self, person: int) -> tuple[int, int]:
        """Index range [first, last + 1) of ``person``'s household, if this window holds it
        whole; raises LookupError if the window is too small to tell."""
        at = person - self.offset
        starts = np.flatnonzero(self.flags & HOUSEHOLD_START)
        before = starts[starts <= at]
        after = starts[starts > at]
        end_of_cell = self.cell_start[self.cell_of(np.array([person]))[0] + 1]
        if not len(before) or (not len(after) and self.offset + self.people < end_of_cell):
            raise LookupError(person)
        last = self.offset + after[0] if len(after) else end_of_cell
        return self.offset + int(before[-1]), int(min(last, end_of_cell))


def cell_starts(plan: Plan) -> np.ndarray:
    """First person of each cell, and the population size: [cells + 1] int64."""
    return np.concatenate(([0], np.cumsum(plan.cell_people))).astype(np.int64)


def synthesize(plan: Plan, lo: int = 0, hi: int | None = None) -> Population:
    """The population, or the window of people ``lo .. hi - 1`` of it (the same people)."""
    key = rng.seed_key(plan.seed)
    hi = plan.people if hi is None else hi
    n = hi - lo
    cell_start = cell_starts(plan)
    trait = np.empty(n, dtype=np.uint8)
    flags = np.empty(n, dtype=np.uint8)
    sigma = plan.trait_spread

    def block(start: int) -> None:  # positions start .. end of the arrays
        end = min(n, start + BLOCK)
        counters = rng.person_counters(np.arange(lo + start, lo + end, dtype=np.uint64))
        starts = rng.uniform(key, rng.HOUSEHOLD, counters, 0) < 1.0 / plan.household_size
        flags[start:end] = starts.astype(np.uint8) * HOUSEHOLD_START
        # Box-Muller on two counter-based uniforms: z ~ N(0, 1).
        u1 = rng.uniform(key, rng.TRAIT_A, counters, 0)
        u2 = rng.uniform(key, rng.TRAIT_B, counters, 0)
        z = np.sqrt(-2.0 * np.log1p(-u1)) * np.cos(2.0 * np.pi * u2)
        multiplier = np.exp(sigma * z - 0.5 * sigma * sigma)
        trait[start:end] = np.clip(np.rint(multiplier * TRAIT_SCALE), 1, 255)

    blocks = range(0, n, BLOCK)
    if len(blocks) == 1:
        block(0)
    else:  # NumPy releases the GIL, and blocks are independent: same result on any thread count
        with ThreadPoolExecutor(max_workers=os.cpu_count()) as pool:
            list(pool.map(block, blocks))
    first = cell_start[:-1][(plan.cell_people > 0)]
    first = first[(first >= lo) & (first < hi)]
    flags[first - lo] |= HOUSEHOLD_START
    return Population(trait=trait, flags=flags, cell_start=cell_start, offset=lo)
