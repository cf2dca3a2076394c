"""What one member of an ensemble is: its index, its seed, and the parameters it changes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from socialcredit import rng

MAX_SEED = 2**63 - 1


@dataclass(frozen=True)
class MemberSpec:
    """Member ``index`` of an ensemble: the scenario run with ``seed`` and ``overrides``
    (key paths to values, as ``--set`` reads them: scenario/overrides.py)."""

    index: int
    seed: int
    overrides: Mapping[str, Any] = field(default_factory=dict)


def replicate_seed(seed: int, replicate: int) -> int:
    """The seed of replicate ``replicate`` of a run with ``seed``: the run's own seed for
    replicate 0 (so one replicate is exactly the plain run), otherwise a SplitMix64 hash of
    (seed, replicate), so the replicates of seeds 1 and 2 share no seed by construction."""
    if replicate == 0:
        return seed
    z = (int(rng.seed_key(seed)) ^ (replicate * int(rng.GOLDEN))) % 2**64
    z = ((z ^ (z >> 30)) * int(rng.MIX1)) % 2**64  # the SplitMix64 finaliser (rng._mix)
    z = ((z ^ (z >> 27)) * int(rng.MIX2)) % 2**64
    return (z ^ (z >> 31)) & MAX_SEED


def replicate_specs(seed: int, replicates: int) -> list[MemberSpec]:
    return [MemberSpec(r, replicate_seed(seed, r)) for r in range(replicates)]
