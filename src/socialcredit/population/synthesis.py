"""Synthetic people, deterministic from the seed: cells, households and latent traits.

People are laid out cell by cell (cell = region x group), so a person's region and group follow
from their index. Households are contiguous runs of people inside a cell; a person starts a new
household with probability 1 / mean size (so sizes are geometric around the mean, an assumption),
and every cell starts a new household. The latent trait is a log-normal propensity for disfavoured
acts with mean 1, stored as one byte (multiplier = byte / 64).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from socialcredit.engine import rng
from socialcredit.engine.plan import TRAIT_SCALE, Plan

HOUSEHOLD_START = np.uint8(1)  # bit 0 of the flags byte


@dataclass
class Population:
    cell: np.ndarray  # [N] uint16 cell index (derivable from the layout; kept for NumPy speed)
    household: np.ndarray  # [N] int64 household number, contiguous runs
    trait: np.ndarray  # [N] uint8 propensity byte
    flags: np.ndarray  # [N] uint8, bit 0 = first member of a household

    @property
    def people(self) -> int:
        return len(self.cell)


def cell_of_people(plan: Plan) -> np.ndarray:
    return np.repeat(np.arange(plan.cells, dtype=np.uint16), plan.cell_people)


def synthesize(plan: Plan) -> Population:
    key = rng.seed_key(plan.seed)
    counters = rng.person_counters(np.arange(plan.people, dtype=np.uint64))
    cell = cell_of_people(plan)

    starts = rng.uniform(key, rng.HOUSEHOLD, counters, 0) < 1.0 / plan.household_size
    cell_starts = np.concatenate(([0], np.cumsum(plan.cell_people)[:-1]))
    starts[cell_starts[plan.cell_people > 0]] = True
    household = np.cumsum(starts, dtype=np.int64) - 1
    flags = starts.astype(np.uint8) * HOUSEHOLD_START

    # Box-Muller on two counter-based uniforms: z ~ N(0, 1).
    u1 = rng.uniform(key, rng.TRAIT_A, counters, 0)
    u2 = rng.uniform(key, rng.TRAIT_B, counters, 0)
    z = np.sqrt(-2.0 * np.log1p(-u1)) * np.cos(2.0 * np.pi * u2)
    sigma = plan.trait_spread
    multiplier = np.exp(sigma * z - 0.5 * sigma * sigma)
    trait = np.clip(np.rint(multiplier * TRAIT_SCALE), 1, 255).astype(np.uint8)
    return Population(cell=cell, household=household, trait=trait, flags=flags)
