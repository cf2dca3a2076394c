"""D'Amour, Srinivasan, Atwood, Baljekar, Sculley & Halpern 2020, *Fairness is not Static:
Deeper Understanding of Long Term Fairness via Simulation Studies* (FAT* 2020): the lending runs
of ml-fairness-gym (its section 3, Figs 2, 4 and 5, and appendix A.1).

Two groups of applicants, each a pool of people spread over 7 credit clusters; cluster c repays
with probability ``SUCCESS[c]``. Each step one applicant arrives: a group (50/50), then a
person of that group (a cluster drawn in proportion to its people), who will or will not repay.
The bank decides; a person who gets a loan moves one cluster up if they repay and one down if
they default (a rejected one stays), so the bank's rule reshapes the population it lends to.

Agents (both with oracle knowledge of the current clusters and ``SUCCESS``):

* **max-util**: lend iff the expected profit is positive, ``p r - (1 - p) > 0``, i.e. P(repay)
  > 0.5 with interest 1: clusters 3-6. The threshold never moves.
* **equal opportunity (EO)**: each step, the group-specific randomised thresholds that give both
  groups the same true-positive rate (expected share of would-be repayers who get a loan) and,
  among those, the most expected profit. A fractional threshold lends to its boundary cluster
  with a probability, as the paper's interpolation between adjacent points of the ROC hull.
* **permissive**: lend to everyone (appendix A.1); its steady state is the stationary vector of
  one person's credit chain, "bathtub shaped".

The setting is their code's, read for this module (ours is our own code): google/ml-fairness-gym
at 38eaf45 (v0.1.1, 2022-02-04), ``environments/lending.py`` (the credit shift),
``environments/lending_params.py`` (clusters and success probabilities),
``agents/threshold_policies.py`` and ``agents/oracle_lending_agent.py`` (the agents),
``experiments/lending.py`` (cost matrix, agent options), ``experiments/acm_fat_2020/
lending_experiments_main.py`` (interest, cash, steps, seed, burn-in) and
``experiments/lending_plots.py`` (the plotted quantities and the transition matrix). Many
independent simulations are one NumPy array (runs x groups x clusters); the only Python loop is
over steps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

from socialcredit.reproductions.files import write_curves
from socialcredit.reproductions.result import ReproductionResult, Row

PAPER = (
    "D'Amour, Srinivasan, Atwood, Baljekar, Sculley & Halpern 2020, Fairness is not Static: "
    "Deeper Understanding of Long Term Fairness via Simulation Studies (FAT* 2020)"
)
PAPER_SHORT = "D'Amour et al. 2020"
FIGURE = "Lending: Figs 2, 4, 5 and 10 (left)"
CODE = "google/ml-fairness-gym@38eaf45"
PDF = "papers/acm_fat_2020_fairness_is_not_static.pdf in " + CODE

# P(repay | cluster): lending_params.DELAYED_IMPACT_SUCCESS_PROBS.
SUCCESS = np.array([0.1, 0.2, 0.45, 0.6, 0.65, 0.7, 0.7])
CLUSTERS = len(SUCCESS)
# Each group's initial share of people per cluster (group 2 starts one cluster lower):
# lending_params.DELAYED_IMPACT_CLUSTER_PROBS, repeated in lending_experiments_main.py.
INITIAL = np.array([
    [0.0, 0.1, 0.1, 0.2, 0.3, 0.3, 0.0],
    [0.1, 0.1, 0.2, 0.3, 0.3, 0.0, 0.0],
])  # fmt: skip
GROUPS = len(INITIAL)
# cluster_shift_increment 0.01 (lending_params.DelayedImpactParams and the --flag in
# lending_experiments_main.py, "Inverse population size"): a loan moves 0.01 of a group's
# probability mass, i.e. one person of a pool of 100. We keep whole people (integer counts), so
# the code's min(0.01, mass left in the cluster) never binds and no float residue builds up.
POOL = 100
GROUP_1_SHARE = 0.5  # group_0_prob=0.5 (lending_experiments_main.py)
INTEREST = 1.0  # interest_rate=1.0 (lending_experiments_main.py): a repaid loan earns 1
LOAN = 1.0  # loan_amount 1 (lending_params.Params): a default loses 1
BANK_CASH = 10_000.0  # bank_starting_cash=10000 (lending_experiments_main.py)
STEPS = 20_000  # --num_steps 20000 (lending_experiments_main.py); the paper's "20K steps"
BURNIN = 1  # burnin=1 (lending_experiments_main.py): the first applicant is lent to regardless
# Fig. 5 averages 100 simulations (paper caption; aggregate_lending_recall_values.py seeds
# 0..99). Their Figs 2 and 4 are one run (seed 200); ours are the same 100 runs, so a figure's
# single run is compared with the spread of ours.
RUNS = 100
QUICK_RUNS = 20  # assumption: enough for the curves' shape; --quick is a smoke test
QUICK_STEPS = 2_500  # assumption: the first tick of their step axes, so rows still compare
# The permissive run starts from group 1's initial clusters and runs until one person's chain
# has forgotten its start: after k moves the bias is at most |lambda_2|^k = 0.9846^k (the
# chain's second eigenvalue); a person moves every 2 * POOL steps on average, so 150,000 steps
# (750 moves each) leave ~1e-5. Assumption: this horizon; the paper gives only the vector.
PERMISSIVE_STEPS = 150_000
QUICK_PERMISSIVE_STEPS = 15_000  # assumption: a smoke test; its rows are not yet stationary
PCT = (5.0, 95.0)  # our 90% interval: where the middle 90% of runs are
EVERY = 50  # record every 50 steps (assumption: fine enough for 20,000-step curves)

# One random stream per decision, so agents differ only where their rules do (common random
# numbers: the same applicants arrive in the same order until their credit differs).
GROUP, CLUSTER, REPAY, LEND = range(4)

AGENTS = ("max-util", "eo", "permissive")


def transition_matrix(success: np.ndarray = SUCCESS) -> np.ndarray:
    """One lent-to person's credit chain: up a cluster with P(repay), down otherwise, staying at
    the edges (environments/lending.py _CreditShift clamps to [0, C-1]). Row = from."""
    n = len(success)
    m = np.zeros((n, n))
    rows = np.arange(n)
    np.add.at(m, (rows, np.minimum(rows + 1, n - 1)), success)
    np.add.at(m, (rows, np.maximum(rows - 1, 0)), 1.0 - success)
    return m


def stationary(success: np.ndarray = SUCCESS) -> np.ndarray:
    """The permissive steady state: the left eigenvector of the transition matrix for eigenvalue
    1, normalised to sum 1 (as experiments/lending_plots.py plot_steady_state_distribution)."""
    values, vectors = np.linalg.eig(transition_matrix(success).T)
    v = np.real(vectors[:, np.argmin(np.abs(values - 1.0))])
    return v / v.sum()


# The stationary vector as fairness_sims.md section 1.3 gives it (derived there from the same
# eigenproblem); the tests check that ours agrees.
STATIONARY_4DP = (0.5148, 0.0644, 0.0234, 0.0263, 0.0451, 0.0978, 0.2282)


def profit(success: np.ndarray = SUCCESS) -> np.ndarray:
    """Expected profit of lending to one person of each cluster: the cost matrix of
    experiments/lending.py (tp = interest_rate, fp = -1, tn = fn = 0) times the loan."""
    return (success * INTEREST - (1.0 - success)) * LOAN


def max_util(counts: np.ndarray) -> np.ndarray:
    """P(lend) per (run, group, cluster): 1 where the expected profit is positive (clusters 3-6
    here), whatever the population (paper appendix A.2: the threshold stays fixed)."""
    return np.broadcast_to((profit() > 0).astype(float), counts.shape)


def permissive(counts: np.ndarray) -> np.ndarray:
    return np.ones(counts.shape)


def _blocks(success: np.ndarray) -> list[np.ndarray]:
    """Clusters grouped by equal P(repay), best first: the ROC hull's vertices. Clusters 5 and 6
    (both 0.7) are collinear, so the code's hull (threshold_policies.convex_hull_roc) drops the
    threshold between them and a fractional threshold lends to both with one probability."""
    levels = np.unique(success)[::-1]
    return [np.flatnonzero(success == v) for v in levels]


BLOCKS = _blocks(SUCCESS)
# (block, cluster) membership, to sum clusters into blocks with one matmul
_MEMBER = np.array([[c in b for c in range(CLUSTERS)] for b in BLOCKS], dtype=float)


@dataclass(frozen=True)
class EOPolicy:
    """EO's decision for each run: the common TPR target and P(lend) per group and cluster."""

    target: np.ndarray  # (runs,)
    lend: np.ndarray  # (runs, groups, clusters)


def eo_policy(counts: np.ndarray) -> EOPolicy:
    """Equal opportunity, maximising profit (threshold_policies.
    equality_of_opportunity_thresholds, with the oracle's exact distribution as training data).

    For a common TPR target tau each group fills its best blocks first: block j is lent to with
    probability clip((tau Q - C_j) / q_j, 0, 1), q_j its would-be repayers, C_j those of better
    blocks, Q the group's total. Each group's profit is then piecewise linear and concave in tau
    (the hull's slopes fall), so the best common tau is one of the groups' vertices C_j / Q; we
    evaluate all of them exactly where the code runs a bounded scalar search to ~1e-5.
    """
    w = counts / counts.sum(axis=-1, keepdims=True)  # (R, G, C) share of people per cluster
    q = (w * SUCCESS) @ _MEMBER.T  # (R, G, B) would-be repayers per block
    gain = (w * profit()) @ _MEMBER.T  # (R, G, B) expected profit of lending a whole block
    total = q.sum(axis=-1, keepdims=True)  # (R, G, 1)
    before = np.cumsum(q, axis=-1) - q  # (R, G, B)
    vertices = np.concatenate([before, total], axis=-1) / total  # (R, G, B + 1)
    candidates = vertices.reshape(len(counts), -1)  # (R, K) every vertex of either group
    safe_q = np.where(q > 0, q, 1.0)
    frac = np.clip(
        (candidates[:, :, None, None] * total[:, None] - before[:, None]) / safe_q[:, None],
        0.0,
        1.0,
    )  # (R, K, G, B); an empty block has gain 0, so its fraction never matters
    reward = (frac * gain[:, None]).sum(axis=(2, 3))  # (R, K)
    best = np.argmax(reward, axis=1)
    target = candidates[np.arange(len(counts)), best]
    lend_block = frac[np.arange(len(counts)), best]  # (R, G, B)
    return EOPolicy(target, lend_block @ _MEMBER)


def eo(counts: np.ndarray) -> np.ndarray:
    return eo_policy(counts).lend


POLICIES: dict[str, Callable[[np.ndarray], np.ndarray]] = {
    "max-util": max_util,
    "eo": eo,
    "permissive": permissive,
}


def initial_counts(runs: int, pool: int = POOL) -> np.ndarray:
    """People per (run, group, cluster); ``pool`` must make INITIAL * pool whole."""
    counts = np.rint(INITIAL * pool).astype(np.int64)
    if not np.allclose(counts, INITIAL * pool):
        raise ValueError(f"pool {pool} does not make whole people of {INITIAL.tolist()}")
    return np.broadcast_to(counts, (runs, *counts.shape)).copy()


def streams(seed: int) -> list[np.random.Generator]:
    return [np.random.default_rng([seed, s]) for s in (GROUP, CLUSTER, REPAY, LEND)]


def record_steps(steps: int, every: int = EVERY) -> np.ndarray:
    """Every ``every`` steps, plus a log-spaced grid and the steps Fig. 5 is read at, so its
    log-log curve has points from the start."""
    log = np.rint(np.logspace(0, np.log10(max(steps, 1)), 80)).astype(np.int64)
    extra = [s for s in THEIR_GAP_STEPS if s <= steps]
    return np.unique(np.concatenate([np.arange(0, steps + 1, every), log, extra, [steps]]))


@dataclass
class Run:
    """Runs of one agent, recorded at ``steps`` (after that many applicants): mean P(repay)
    per group (their "Population credit"), cumulative loans and cumulative TPR per group (loans
    to would-be repayers / would-be repayers who applied; NaN before the first), and the end."""

    agent: str
    dynamic: bool
    steps: np.ndarray  # (T,)
    credit: np.ndarray  # (T, runs, groups)
    loans: np.ndarray  # (T, runs, groups)
    recall: np.ndarray  # (T, runs, groups)
    counts: np.ndarray  # (runs, groups, clusters) at the end
    cash_low: np.ndarray  # (runs,) the bank's lowest cash over the run

    @property
    def runs(self) -> int:
        return self.counts.shape[0]


def simulate(
    agent: str,
    *,
    runs: int,
    steps: int,
    seed: int,
    dynamic: bool = True,
    pool: int = POOL,
    burnin: int = BURNIN,
    every: int = EVERY,
    counts: np.ndarray | None = None,
) -> Run:
    """``runs`` independent lending simulations of ``steps`` applicants under ``agent``.

    Per step, in the code's order (environments/lending.py BaseLendingEnv._step_impl): the
    agent decides on the waiting applicant, the bank's cash moves, the lent-to person's cluster
    shifts (not when ``dynamic`` is False: cluster_shift_increment=0, their static run), then
    the next applicant arrives. ``counts`` overrides the initial people per cluster.
    """
    policy = POLICIES[agent]
    group_rng, cluster_rng, repay_rng, lend_rng = streams(seed)
    people = initial_counts(runs, pool) if counts is None else counts.astype(np.int64).copy()
    size = people[0].sum(axis=-1)  # people per group; a shift never changes it
    idx = np.arange(runs)
    at = record_steps(steps, every)
    credit = np.empty((len(at), runs, GROUPS))
    loans_at = np.empty_like(credit)
    recall_at = np.empty_like(credit)
    loans = np.zeros((runs, GROUPS))
    repayers = np.zeros((runs, GROUPS))
    good_loans = np.zeros((runs, GROUPS))
    cash = np.full(runs, BANK_CASH)
    # The code ends an episode once cash < loan (lending.py _is_done); we record the low point
    # instead: for max-util and EO over 20,000 steps it stays above 9,900, so that never binds.
    cash_low = cash.copy()
    shift = 1 if dynamic else 0
    k = 0
    for step in range(steps + 1):
        if step == at[k]:
            credit[k] = (people @ SUCCESS) / size
            loans_at[k] = loans
            with np.errstate(invalid="ignore", divide="ignore"):
                recall_at[k] = np.where(repayers > 0, good_loans / repayers, np.nan)
            k += 1
        if step == steps:
            break
        # The applicant: a group, a person of it (cluster in proportion to its people), a fate.
        group = (group_rng.random(runs) >= GROUP_1_SHARE).astype(np.int64)
        mine = people[idx, group]  # (runs, clusters)
        pick = cluster_rng.random(runs) * size[group]
        cluster = (np.cumsum(mine, axis=1) <= pick[:, None]).sum(axis=1)
        repay = repay_rng.random(runs) < SUCCESS[cluster]
        draw = lend_rng.random(runs)  # drawn every step, so the streams stay aligned
        if step < burnin:
            lend = np.ones(runs, dtype=bool)
        else:
            lend = draw < policy(people)[idx, group, cluster]
        cash += np.where(lend, np.where(repay, INTEREST * LOAN, -LOAN), 0.0)
        np.minimum(cash_low, cash, out=cash_low)
        move = lend.astype(np.int64) * shift
        dest = np.clip(cluster + np.where(repay, 1, -1), 0, CLUSTERS - 1)
        people[idx, group, cluster] -= move
        people[idx, group, dest] += move
        loans[idx, group] += lend
        repayers[idx, group] += repay
        good_loans[idx, group] += lend & repay
    return Run(agent, dynamic, at, credit, loans_at, recall_at, people, cash_low)


# --- Theirs ---------------------------------------------------------------------------------
# Read from the vector paths of the paper's own figures (the PDF stored in the code repository,
# `PDF`): each figure is a matplotlib Form XObject whose lines are exact coordinates. The axes
# were calibrated on the figures' own gridlines and tick labels (e.g. Fig. 4 bottom: 0.3 at
# y=523.2, 0.6 at y=1837.3; steps 0 and 20,000 at the ends of the line), and each line read by
# linear interpolation between its path's points, so a number is good to the plot's line
# simplification (~1e-3 of the axis), not to a pixel. Figs 2 and 4 are one run (seed 200,
# lending_experiments_main.py); Fig. 5 is the mean of 100.
THEIR_STEPS = (0, 2500, 5000, 7500, 10000, 12500, 15000, 17500, 20000)
# Fig. 4 (bottom), "Population credit": mean P(will repay) per group (experiments/lending_plots.
# py plot_mu). The starts are exact (0.590, 0.495 from INITIAL and SUCCESS), a check on the read.
THEIR_CREDIT: dict[tuple[str, int], tuple[float, ...]] = {
    ("max-util", 0): (0.590, 0.550, 0.537, 0.518, 0.514, 0.502, 0.490, 0.482, 0.477),
    ("eo", 0): (0.590, 0.550, 0.531, 0.499, 0.483, 0.468, 0.449, 0.439, 0.434),
    ("max-util", 1): (0.495, 0.469, 0.458, 0.445, 0.439, 0.428, 0.425, 0.418, 0.405),
    ("eo", 1): (0.495, 0.420, 0.412, 0.409, 0.394, 0.360, 0.353, 0.330, 0.310),
}  # fmt: skip
# Fig. 4 (top), "Cumulative loans" per group (metrics/lending_metrics.py CumulativeLoans).
THEIR_LOANS: dict[tuple[str, int], tuple[float, ...]] = {
    ("max-util", 0): (1, 745, 1364, 1873, 2370, 2837, 3183, 3482, 3742),
    ("eo", 0): (1, 745, 1377, 1952, 2512, 3012, 3421, 3786, 4123),
    ("max-util", 1): (0, 471, 815, 1101, 1387, 1628, 1815, 2005, 2124),
    ("eo", 1): (0, 592, 1032, 1476, 1908, 2284, 2612, 2940, 3197),
}  # fmt: skip
# Fig. 2: each group's share per cluster after 20K steps (the markers of each panel; the
# "Initial" panel reads back INITIAL exactly).
THEIR_FINAL: dict[tuple[str, int], tuple[float, ...]] = {
    ("max-util", 0): (0.0, 0.10, 0.69, 0.0, 0.01, 0.03, 0.17),
    ("max-util", 1): (0.10, 0.10, 0.74, 0.0, 0.0, 0.0, 0.06),
    ("eo", 0): (0.0, 0.32, 0.42, 0.0, 0.02, 0.07, 0.17),
    ("eo", 1): (0.10, 0.59, 0.12, 0.02, 0.05, 0.05, 0.07),
}  # fmt: skip
# Fig. 5: the cumulative TPR gap |TPR_1 - TPR_2| of the EO agent, averaged over 100 runs
# (lending_plots.plot_cumulative_recall_differences), log-log axes calibrated on the 10^1..10^4
# and 10^-2, 10^-1 gridlines. Their lines start at step 13 (static) and 16 (dynamic).
THEIR_GAP_STEPS = (20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000)
THEIR_GAP: dict[bool, tuple[float, ...]] = {
    False: (0.1206, 0.0915, 0.0626, 0.0503, 0.0327, 0.0242, 0.0151, 0.0095, 0.0073, 0.0044),
    True: (0.1287, 0.0945, 0.0674, 0.0554, 0.0384, 0.0299, 0.0214, 0.0151, 0.0095, 0.0068),
}  # fmt: skip


@dataclass(frozen=True)
class Runs:
    """Everything one reproduction runs: the two agents, EO without dynamics, and the
    permissive agent's long run."""

    max_util: Run
    eo: Run
    eo_static: Run
    permissive: Run
    seed: int

    @property
    def lending(self) -> tuple[Run, Run]:
        return self.max_util, self.eo


def run_all(runs: int, steps: int, seed: int, permissive_steps: int) -> Runs:
    return Runs(
        max_util=simulate("max-util", runs=runs, steps=steps, seed=seed),
        eo=simulate("eo", runs=runs, steps=steps, seed=seed),
        eo_static=simulate("eo", runs=runs, steps=steps, seed=seed, dynamic=False),
        permissive=simulate("permissive", runs=runs, steps=permissive_steps, seed=seed,
                            every=permissive_steps),
        seed=seed,
    )  # fmt: skip


def gap(run: Run) -> np.ndarray:
    """|TPR_1 - TPR_2| per (recorded step, run); NaN until both groups have had a repayer."""
    return np.abs(run.recall[:, :, 0] - run.recall[:, :, 1])


def _interval(x: np.ndarray) -> tuple[float, float, float]:
    low, high = np.percentile(x, PCT)
    return float(np.mean(x)), float(low), float(high)


def _mean_interval(x: np.ndarray, seed: int, draws: int = 2000) -> tuple[float, float, float]:
    """The mean of runs and the 90% bootstrap interval of that mean (for Fig. 5, which is
    itself a mean of 100 runs, so a single run's spread is not what it should be read against)."""
    rng = np.random.default_rng([seed, 99])
    means = x[rng.integers(0, len(x), (draws, len(x)))].mean(axis=1)
    low, high = np.percentile(means, PCT)
    return float(np.mean(x)), float(low), float(high)


GROUP_NAMES = ("group 1", "group 2")
CLAIM = {
    "max-util": "paper: both groups' credit decreases",
    "eo": "paper: lower for group 2 than under max-util",
}
AGENT_NAMES = {"max-util": "max-util", "eo": "EO", "permissive": "permissive"}


def their_gap_at(dynamic: bool, step: int) -> float:
    """Fig. 5 at ``step``: the read value, or a straight line between two read points on its
    log-log axes (for --quick's horizon)."""
    x, y = np.log(THEIR_GAP_STEPS), np.log(THEIR_GAP[dynamic])
    return float(np.exp(np.interp(np.log(step), x, y)))


def rows(r: Runs) -> list[Row]:
    """The README's rows. Where the paper only says which way a thing goes, the row is the
    signed size of the change (its sign is the claim) read off the same figure."""
    end = int(r.max_util.steps[-1])
    t = THEIR_STEPS.index(end)
    fig4 = f"the Fig. 4 line at step {end}, read from the PDF's vector paths ({PDF})"
    out: list[Row] = []
    for run in r.lending:
        for g in range(GROUPS):
            change = run.credit[-1, :, g] - run.credit[0, :, g]
            theirs = THEIR_CREDIT[(run.agent, g)]
            out.append(_row(
                "Fig. 4 (bottom)",
                f"{AGENT_NAMES[run.agent]}, {GROUP_NAMES[g]}: change of mean P(repay), step 0 to "
                f"{end:,} ({CLAIM[run.agent]})",
                theirs[t] - theirs[0], fig4 + ", one run", _interval(change),
            ))  # fmt: skip
    credit_gap = {run.agent: run.credit[-1, :, 0] - run.credit[-1, :, 1] for run in r.lending}
    their_gap = {a: THEIR_CREDIT[(a, 0)][t] - THEIR_CREDIT[(a, 1)][t] for a in ("max-util", "eo")}
    out.append(_row(
        "Fig. 4 (bottom)",
        f"credit gap (group 1 - group 2 mean P(repay)) at step {end:,}, EO minus max-util "
        "(paper: EO widens the gap)",
        their_gap["eo"] - their_gap["max-util"], fig4 + ", one run",
        _interval(credit_gap["eo"] - credit_gap["max-util"]),
    ))  # fmt: skip
    loans = {run.agent: run.loans[-1, :, 1] for run in r.lending}
    out.append(_row(
        "Fig. 4 (top)",
        f"loans to group 2 by step {end:,}, EO minus max-util (paper: EO lends more to group 2)",
        THEIR_LOANS[("eo", 1)][t] - THEIR_LOANS[("max-util", 1)][t], fig4 + ", one run",
        _interval(loans["eo"] - loans["max-util"]),
    ))  # fmt: skip
    for dynamic in (False, True):
        run = r.eo if dynamic else r.eo_static
        g = gap(run)[-1]
        out.append(_row(
            "Fig. 5",
            f"EO, {'dynamic' if dynamic else 'static'}: cumulative TPR gap at step {end:,}, mean "
            f"of {run.runs} runs (interval: bootstrap of that mean)",
            their_gap_at(dynamic, end),
            f"the Fig. 5 line at step {end}, mean of 100 runs, read from the PDF's vector paths",
            _mean_interval(g[~np.isnan(g)], r.seed),
        ))  # fmt: skip
    exact = stationary()
    final = r.permissive.counts / r.permissive.counts.sum(axis=-1, keepdims=True)
    steps = int(r.permissive.steps[-1])
    for c in (0, CLUSTERS - 1):
        out.append(_row(
            "Fig. 10 (left), App. A.1",
            f"permissive: share in cluster {c} after {steps:,} steps (both groups), against the "
            "stationary vector",
            float(exact[c]),
            "the eigenvector for eigenvalue 1 of the chain in experiments/lending_plots.py "
            f"_build_transition_matrix ({CODE}); fairness_sims.md gives {STATIONARY_4DP[c]}",
            _interval(final[:, :, c].ravel()),
        ))  # fmt: skip
    return out


def _row(figure: str, quantity: str, theirs: float, source: str,
         ours: tuple[float, float, float]) -> Row:  # fmt: skip
    return Row(paper=PAPER_SHORT, figure=figure, quantity=quantity, theirs=float(theirs),
               theirs_source=source, ours=ours[0], low=ours[1], high=ours[2])  # fmt: skip


def _stats(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean and 5th/95th percentiles over runs (axis 1) of a (steps, runs) array."""
    with np.errstate(invalid="ignore"):
        low, high = (
            np.nanpercentile(x, PCT, axis=1) if np.isnan(x).any() else np.percentile(x, PCT, axis=1)
        )
    return _nanmean(x), low, high


def _nanmean(x: np.ndarray) -> np.ndarray:
    ok = ~np.isnan(x)
    n = ok.sum(axis=1)
    total = np.where(ok, x, 0.0).sum(axis=1)
    return np.where(n > 0, total / np.maximum(n, 1), np.nan)


def curves_table(r: Runs) -> pa.Table:
    """Our curves, one row per (agent, environment, recorded step, group)."""
    parts: dict[str, list[np.ndarray]] = {}
    for run in (r.max_util, r.eo, r.eo_static, r.permissive):
        tpr_gap = _nanmean(gap(run))
        for g in range(GROUPS):
            n = len(run.steps)
            columns = {
                "agent": np.full(n, run.agent, dtype=object),
                "environment": np.full(n, "dynamic" if run.dynamic else "static", dtype=object),
                "group": np.full(n, g + 1),
                "step": run.steps,
                "runs": np.full(n, run.runs),
            }
            for name, values in (("credit", run.credit), ("loans", run.loans)):
                mean, low, high = _stats(values[:, :, g])
                columns |= {f"{name}_mean": mean, f"{name}_p05": low, f"{name}_p95": high}
            columns |= {"tpr_mean": _nanmean(run.recall[:, :, g]), "tpr_gap_mean": tpr_gap}
            for key, values in columns.items():
                parts.setdefault(key, []).append(values)
    return pa.table({key: np.concatenate(values) for key, values in parts.items()})


@dataclass(frozen=True)
class Damour2020:
    name: str = "damour2020"
    paper: str = PAPER
    figure: str = FIGURE

    def run(self, out: Path, seed: int, quick: bool) -> ReproductionResult:
        from socialcredit.reproductions.damour2020_page import write_page

        r = run_all(
            QUICK_RUNS if quick else RUNS,
            QUICK_STEPS if quick else STEPS,
            seed,
            QUICK_PERMISSIVE_STEPS if quick else PERMISSIVE_STEPS,
        )
        data = write_curves(out / "damour2020.parquet", curves_table(r))
        result_rows = rows(r)
        page = write_page(out / "reproduction.html", r, result_rows)
        return ReproductionResult(self.name, result_rows, page, data)
