"""The search space and the sampler of each trial.

Each free parameter of the scenario's ``calibrate:`` block is a float distribution over its
[low, high] (log-scale where ``log: true``), named by its key path. The sampler is made afresh
for every trial with a seed derived from (--seed, trial number): its choice is then a function of
the study's finished trials and the trial's number alone, not of the sampler's history in this
process, which is what lets an interrupted and resumed calibration ask for the same parameters
as an uninterrupted one (Optuna does not store a sampler's random state).
"""

from __future__ import annotations

import warnings
from typing import Any

import optuna

from socialcredit.scenario.schema import FreeParameter

SEED_MIX = 1_000_003  # a prime: trial seeds of different --seed values do not line up


def distributions(block: dict[str, FreeParameter]) -> dict[str, Any]:
    return {
        path: optuna.distributions.FloatDistribution(free.low, free.high, log=free.log)
        for path, free in block.items()
    }


def sampler(kind: str, seed: int, number: int, startup: int) -> optuna.samplers.BaseSampler:
    """The sampler that asks for trial ``number``."""
    trial_seed = (seed * SEED_MIX + number) % 2**32
    with warnings.catch_warnings():  # multivariate TPE is "experimental" in Optuna's words
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        if kind == "cmaes":
            return optuna.samplers.CmaEsSampler(seed=trial_seed, n_startup_trials=startup)
        return optuna.samplers.TPESampler(
            seed=trial_seed,
            n_startup_trials=startup,
            multivariate=True,  # the listing rates of successive years trade off: model jointly
        )


def startup_trials(trials: int) -> int:
    """Random trials before the sampler models the loss: Optuna's 10, fewer in a short study
    (a quarter of it, at least 4) so that a small calibration still searches."""
    return min(10, max(4, trials // 4))
