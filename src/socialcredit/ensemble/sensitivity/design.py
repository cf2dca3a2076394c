"""The designs and indices, from SALib: Morris elementary effects to screen many factors, Sobol
first- and total-order indices for a few.

Every factor is sampled on 0..1 and mapped to its range by ``Factor.at`` (log-uniform where asked),
so SALib sees a unit cube and a Morris mu* is in the output's own units per the whole range of a
factor: comparable across factors whatever their scale. Confidence intervals are SALib's bootstrap
intervals at 95% (value +- conf).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from socialcredit.errors import ConfigError

METHODS = ("morris", "sobol")
DEFAULT_SAMPLES = {"morris": 10, "sobol": 64}
NUM_LEVELS = 4  # Morris grid levels: SALib's default, with a step of 2/3 of the range
CONF_LEVEL = 0.95
RESAMPLES = 1000  # bootstrap resamples for the intervals
INDICES = {"morris": ("mu_star", "sigma"), "sobol": ("ST", "S1")}  # the first one ranks
RANKED_BY = {"morris": "mu_star", "sobol": "ST"}


def check_method(method: str) -> str:
    if method not in METHODS:
        raise ConfigError(
            f"unknown method {method!r}",
            path="--method",
            expected=f"one of: {', '.join(METHODS)}",
            fix="use --method morris to screen many factors, --method sobol for a few",
        )
    return method


def check_samples(method: str, samples: int) -> int:
    if method == "morris" and samples < 2:
        raise ConfigError(
            f"got {samples}",
            path="--samples",
            expected="2 or more Morris trajectories (the intervals need at least 2)",
            fix="pass --samples 10 (the default), or 4 for a quick look",
        )
    if method == "sobol" and (samples < 2 or samples & (samples - 1)):
        below = 1 << max(1, samples.bit_length() - 1)
        raise ConfigError(
            f"got {samples}, which is not a power of two",
            path="--samples",
            expected="for --method sobol, a power of two (SALib's Sobol sequence keeps its "
            "balance only there): 2, 4, 8, ..., 64, 128",
            fix=f"pass --samples {below} or {below * 2}",
        )
    return samples


def runs(method: str, samples: int, factors: int) -> int:
    """Members the design needs: Morris r (k + 1), Sobol (first and total order) N (k + 2)."""
    return samples * (factors + 1 if method == "morris" else factors + 2)


def _problem(factors: int) -> dict[str, Any]:
    return {"num_vars": factors, "names": [f"x{i}" for i in range(factors)],
            "bounds": [[0.0, 1.0]] * factors}  # fmt: skip


def sample(method: str, factors: int, samples: int, seed: int) -> np.ndarray:
    """The design: one row per member, one column per factor, each in 0..1."""
    problem = _problem(factors)
    seed32 = seed % 2**32
    if method == "morris":
        from SALib.sample import morris

        return np.asarray(morris.sample(problem, samples, num_levels=NUM_LEVELS, seed=seed32))
    from SALib.sample import sobol

    return np.asarray(sobol.sample(problem, samples, calc_second_order=False, seed=seed32))


@dataclass(frozen=True)
class Index:
    """One index of one factor: its name (mu_star, sigma, S1, ST), value and 95% interval."""

    name: str
    value: float
    low: float | None
    high: float | None


def analyze(method: str, x: np.ndarray, y: np.ndarray, seed: int) -> list[list[Index]]:
    """Per factor, its indices (ranking index first) for the output values ``y``."""
    problem = _problem(x.shape[1])
    seed32 = seed % 2**32
    if method == "morris":
        from SALib.analyze import morris

        r = morris.analyze(problem, x, y, num_resamples=RESAMPLES, conf_level=CONF_LEVEL,
                           num_levels=NUM_LEVELS, seed=seed32)  # fmt: skip
        return [
            [
                _index("mu_star", r["mu_star"][i], r["mu_star_conf"][i]),
                Index("sigma", float(r["sigma"][i]), None, None),
            ]
            for i in range(x.shape[1])
        ]
    from SALib.analyze import sobol

    r = sobol.analyze(problem, y, calc_second_order=False, num_resamples=RESAMPLES,
                      conf_level=CONF_LEVEL, seed=seed32)  # fmt: skip
    return [
        [_index("ST", r["ST"][i], r["ST_conf"][i]), _index("S1", r["S1"][i], r["S1_conf"][i])]
        for i in range(x.shape[1])
    ]


def _index(name: str, value: float, conf: float) -> Index:
    v, c = float(value), float(conf)
    return Index(name, v, v - c, v + c)
