"""Numba kernels of the fast engine: the reference engine's day, person by person.

The day of one person runs the stages of DESIGN.md in order (acts, observation, errors, scoring,
recovery, standing, consequences); the response stage needs the whole household, so it runs in a
second pass over each household; appeals need one global queue and run afterwards in
``engine.appeals``. Every float expression is evaluated in the same order as in
``engine/reference.py``, and every draw uses the same counter hash, so both engines give the same
bits. Tallies are integers, accumulated per *lane* (a fixed set of chunks) and summed afterwards:
the result is the same for any number of threads.

Compiled on first use and cached on disk (``cache=True``); importing this module compiles nothing.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from socialcredit.engine import rng

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
MIX1 = np.uint64(0xBF58476D1CE4E5B9)
MIX2 = np.uint64(0x94D049BB133111EB)
TO_UNIT = 2.0**-53
HAS_RECORD = np.uint8(16)  # flags bit 4, as in reference.py
ENTERED = np.uint16(1 << 15)  # list_until bit 15 marks "entered today" until appeals are heard


@njit(inline="always", cache=True)
def uniform(key, stream, person, day):
    z = (np.uint64(person) << np.uint64(24)) | np.uint64((day << 8) | stream)
    z = z * GOLDEN + key
    z ^= z >> np.uint64(30)
    z *= MIX1
    z ^= z >> np.uint64(27)
    z *= MIX2
    z ^= z >> np.uint64(31)
    return np.float64(z >> np.uint64(11)) * TO_UNIT


@njit(inline="always", cache=True)
def _apply(t, i, score, delta, slot_until, slot_points, smin, smax, expire):
    if delta == 0:
        return
    old = np.int32(score[i])
    new = min(max(old + delta, smin), smax)
    score[i] = new
    change = new - old
    if expire == 0 or change == 0:
        return
    K = slot_until.shape[0]
    slot = -1
    for k in range(K):
        if slot_until[k, i] == 0:
            slot = k
            break
    if slot >= 0:
        slot_points[slot, i] = change
    else:
        slot = 0
        for k in range(1, K):
            if slot_until[k, i] > slot_until[slot, i]:
                slot = k
        slot_points[slot, i] = slot_points[slot, i] + change
    slot_until[slot, i] = t + expire


@njit(inline="always", cache=True)
def _enter_below(t, x, i, score, until, slot_until, slot_points, thr, dur, reset, start, expire):
    if score[i] <= thr and until[x, i] <= t:
        until[x, i] = t + dur
        if reset:
            score[i] = start
            if expire:
                for k in range(slot_until.shape[0]):
                    slot_until[k, i] = 0
                    slot_points[k, i] = 0


@njit(inline="always", cache=True)
def _drift(score, i, drift, start):
    v = np.int32(score[i])
    if v > start:
        v = max(v - drift, start)
    elif v < start:
        v = min(v + drift, start)
    score[i] = v


@njit(inline="always", cache=True)
def _expire(t, i, score, slot_until, slot_points, smin, smax):
    for k in range(slot_until.shape[0]):
        if slot_until[k, i] == t:
            v = np.int32(score[i]) - slot_points[k, i]
            score[i] = min(max(v, smin), smax)
            slot_until[k, i] = 0
            slot_points[k, i] = 0


@njit(inline="always", cache=True)
def _tier(value, tier_min):
    tier = 0
    for k in range(tier_min.shape[0] - 1):
        if value < tier_min[k]:
            tier += 1
    return tier


@njit(parallel=True, cache=True)
def run_day(
    t, key, aware, drift, lanes, chunk_start, cell_start, G,
    trait, flags, score, shadow, list_until, shadow_until, deter, cause,
    slot_until, slot_points, sslot_until, sslot_points,
    class_rate, class_cum, class_last, behaviour_class,
    observe_prob, misattribution, mis_any,
    error_cum, error_total, error_kind, error_source, error_behaviour, any_errors,
    rule_points, rule_scores, rule_list,
    start, smin, smax, expire,
    tier_min, list_duration, list_comply, list_threshold, list_reset,
    tier_sanctioned, wrong_tier, list_sanctioned,
    own_step, hh_step, decay, chilling, chill_exposure, gaming,
    t_acts, t_true, t_err, t_pairs, t_listed, t_listed_w, t_sanct, t_wrong, t_starts,
    t_causes, t_hist, t_shadow, entered_count,
):  # fmt: skip
    S = observe_prob.shape[0]
    L = list_until.shape[0]
    J = error_cum.shape[1]
    n_chunks = chunk_start.shape[0] - 1
    fav = 1.0 + gaming * aware
    trait_factor = np.empty(256)
    deter_factor = np.empty(256)
    for v in range(256):
        trait_factor[v] = v / 64.0
        deter_factor[v] = 1.0 - v / 255.0
    chill_region = np.empty(chill_exposure.shape[0])
    for rr in range(chill_exposure.shape[0]):
        chill_region[rr] = 1.0 - chilling * chill_exposure[rr] * aware
    for lane in prange(lanes):
        m = np.empty(4)
        for ci in range(lane, n_chunks, lanes):
            lo, hi = chunk_start[ci], chunk_start[ci + 1]
            day_bits = np.zeros(hi - lo, np.uint8)  # 1 sanctioned, 2 wrongful, 4 start
            cell = np.searchsorted(cell_start, lo, side="right") - 1
            g = cell % G  # integer division is slow: only when the cell changes
            r = cell // G
            for i in range(lo, hi):
                while i >= cell_start[cell + 1]:
                    cell += 1
                    g = cell % G
                    r = cell // G
                # 1. acts (the tables give exactly trait / 64.0 and 1.0 - deter / 255.0)
                dis = trait_factor[trait[i]] * deter_factor[deter[i]]
                chill = chill_region[r]
                m[0] = 1.0
                m[1] = 1.0 * fav
                m[2] = dis
                m[3] = dis * chill
                total = 0.0
                for c in range(4):
                    total += class_rate[g, c] * m[c]
                actor = uniform(key, rng.ACT, i, t) < total
                act_points = 0
                act_list = -1
                recorded = False
                if actor:
                    x = uniform(key, rng.ACT_PICK, i, t) * total
                    cum = 0.0
                    chosen = -1
                    below = 0.0
                    last = 0
                    for c in range(4):
                        term = class_rate[g, c] * m[c]
                        step = cum + term
                        if chosen < 0 and x < step and term > 0:
                            chosen = c
                            below = cum
                        if term > 0:
                            last = c
                        cum = step
                    if chosen < 0:
                        chosen = last
                        below = x
                    mm = m[chosen]
                    y = x - below
                    b = class_last[g, chosen]
                    for bb in range(behaviour_class.shape[0]):
                        if behaviour_class[bb] == chosen and y < mm * class_cum[g, chosen, bb]:
                            b = bb
                            break
                    t_acts[lane, cell, b] += 1
                    # 2. observation
                    scored = False
                    for s in range(S):
                        seen = uniform(key, rng.OBSERVE + s, i, t) < observe_prob[s, b, r]
                        if (
                            seen
                            and mis_any[s]
                            and uniform(key, rng.MISATTRIBUTE + s, i, t) < misattribution[s, g]
                        ):
                            seen = False  # booked on a look-alike instead (see reference.py)
                        if seen:
                            recorded = True
                            t_true[lane, cell, s] += 1
                            if not scored and rule_scores[s, b]:
                                act_points = rule_points[s, b]
                                act_list = rule_list[s, b]
                                scored = True
                # 3. errors
                err = False
                err_points = 0
                err_list = -1
                if any_errors:
                    te = error_total[cell]
                    if uniform(key, rng.ERROR, i, t) < te:
                        err = True
                        xe = uniform(key, rng.ERROR_PICK, i, t) * te
                        j = 0
                        for jj in range(J):
                            if xe >= error_cum[cell, jj]:
                                j += 1
                        j = min(j, J - 1)
                        src = error_source[j]
                        beh = error_behaviour[j]
                        kind = error_kind[j]
                        t_err[lane, cell, kind, src] += 1
                        if rule_scores[src, beh]:
                            err_points = rule_points[src, beh]
                            err_list = rule_list[src, beh]
                        if err_points < 0 or err_list != -1:
                            cause[i] = 1 + src * 3 + kind
                # 4. scoring
                entered = 0
                if recorded or err:
                    flags[i] |= HAS_RECORD
                _apply(
                    t,
                    i,
                    score,
                    act_points + err_points,
                    slot_until,
                    slot_points,
                    smin,
                    smax,
                    expire,
                )
                _apply(t, i, shadow, act_points, sslot_until, sslot_points, smin, smax, expire)
                for xl in range(L):
                    was = list_until[xl, i] > t
                    end = t + list_duration[xl]
                    if actor and act_list == xl:
                        list_until[xl, i] = max(list_until[xl, i], end)
                    if err and err_list == xl:
                        list_until[xl, i] = max(list_until[xl, i], end)
                    if actor and act_list == xl:
                        shadow_until[xl, i] = max(shadow_until[xl, i], end)
                    if list_threshold[xl] != -(2**31):
                        _enter_below(
                            t,
                            xl,
                            i,
                            score,
                            list_until,
                            slot_until,
                            slot_points,
                            list_threshold[xl],
                            list_duration[xl],
                            list_reset[xl],
                            start,
                            expire,
                        )
                        _enter_below(
                            t,
                            xl,
                            i,
                            shadow,
                            shadow_until,
                            sslot_until,
                            sslot_points,
                            list_threshold[xl],
                            list_duration[xl],
                            list_reset[xl],
                            start,
                            expire,
                        )
                    if not was and list_until[xl, i] > t:
                        entered |= 1 << xl
                        entered_count[ci, xl] += 1
                # 5. recovery
                if drift:
                    _drift(score, i, drift, start)
                    _drift(shadow, i, drift, start)
                if expire:
                    _expire(t, i, score, slot_until, slot_points, smin, smax)
                    _expire(t, i, shadow, sslot_until, sslot_points, smin, smax)
                for xl in range(L):
                    if (
                        list_comply[xl] > 0.0
                        and list_until[xl, i] > t
                        and shadow_until[xl, i] > t
                        and uniform(key, rng.COMPLY + xl, i, t) < list_comply[xl]
                    ):
                        list_until[xl, i] = t
                        shadow_until[xl, i] = t
                # 6. standing and 7. consequences
                tier = _tier(score[i], tier_min)
                stier = _tier(shadow[i], tier_min)
                sanctioned = tier_sanctioned[tier]
                wrongful = wrong_tier[tier, stier]
                for xl in range(L):
                    listed = list_until[xl, i] > t
                    slisted = shadow_until[xl, i] > t
                    if listed:
                        t_listed[lane, cell, xl] += 1
                        if not slisted:
                            t_listed_w[lane, cell, xl] += 1
                    if list_sanctioned[xl]:
                        sanctioned = sanctioned or listed
                        wrongful = wrongful or (listed and not slisted)
                # 10. measurement (what does not depend on the household pass)
                t_pairs[lane, cell, tier, stier] += 1
                t_hist[lane, cell, score[i] - smin] += 1
                t_shadow[lane, cell] += shadow[i]
                bits = 0
                if sanctioned:
                    bits |= 1
                    t_sanct[lane, cell] += 1
                    if (flags[i] & 2) == 0:
                        bits |= 4
                if wrongful:
                    bits |= 2
                    t_wrong[lane, cell] += 1
                    t_causes[lane, cell, cause[i]] += 1
                day_bits[i - lo] = bits
                for xl in range(L):  # mark last: the day's list tests must not see the bit
                    if entered & (1 << xl):
                        list_until[xl, i] |= ENTERED
            # 8. response, household by household (households never straddle chunks)
            h = lo
            cell = np.searchsorted(cell_start, lo, side="right") - 1
            while h < hi:
                e = h + 1
                while e < hi and (flags[e] & 1) == 0:
                    e += 1
                in_house = 0
                for i in range(h, e):
                    if day_bits[i - lo] & 4:
                        in_house += 1
                for i in range(h, e):
                    while i >= cell_start[cell + 1]:
                        cell += 1
                    bits = day_bits[i - lo]
                    started = 1 if bits & 4 else 0
                    bump = started * own_step
                    if hh_step and in_house - started > 0:
                        bump += hh_step
                    d = (np.int32(deter[i]) * decay) >> 8
                    deter[i] = min(255, d + bump)
                    f = flags[i] & np.uint8(0xFD)
                    if bits & 1:
                        f |= np.uint8(2 | 4)
                    if bits & 2:
                        f |= np.uint8(8)
                    flags[i] = f
                    if started:
                        t_starts[lane, cell] += 1
                h = e


@njit(cache=True)
def collect_entered(chunk_start, entered_count, list_until, x):
    """People newly on list ``x`` today, in index order; clears their mark."""
    n = 0
    for ci in range(entered_count.shape[0]):
        n += entered_count[ci, x]
    out = np.empty(n, np.int64)
    k = 0
    for ci in range(entered_count.shape[0]):
        if entered_count[ci, x] == 0:
            continue
        for i in range(chunk_start[ci], chunk_start[ci + 1]):
            if list_until[x, i] & ENTERED:
                out[k] = i
                k += 1
                list_until[x, i] &= ~ENTERED
    return out
