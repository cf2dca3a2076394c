"""Numba kernels of the fast engine: the reference engine's day, person by person.

The day of one person runs the stages of DESIGN.md in order (acts, observation, errors, scoring,
recovery, standing, consequences, response); appeals need one global queue and run afterwards in
``engine.appeals``. Every float expression is evaluated in the same order as in
``engine/reference.py``, and every draw uses the same counter hash, so both engines give the same
bits. Tallies are integers, accumulated per *lane* (a set of chunks) and summed afterwards: the
result is the same for any number of threads.

Most people's day is uneventful, so a chunk is run in passes: a vectorised pass makes everybody's
first two draws (act? error?) and finds who is *at rest* (both scores at the start, nothing due),
whose day is only a decay of deterrence; a second pass runs the few stages that apply to the other
*quiet* people (no act, no error, nothing due: only standing, consequences and response); only the
*busy* rest get the whole day. The household part of the response comes last, for the households
where a sanction started. Skipping a draw never changes another one (draws are counter-based).

What the state *is* (tiers, the score histogram, lists, sanctions) is tallied incrementally: the
engine keeps yesterday's standing tallies, and on a day without drift a person with no error,
nothing due and no recorded act is *frozen* (nothing of their state can change, so they are not
counted again: their day is a decay of deterrence); whoever else is taken back as they stood
yesterday and counted as they stand today. Once most people have left the start score this
spares the quiet pass on four days in five (the default preset drifts every fifth day).

Compiled on first use and cached on disk (``cache=True``); importing this module compiles nothing.
The day's kernels release the GIL (``nogil``): other Python threads (a progress bar, a server)
run while they compute.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from socialcredit import rng

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
    """``drift`` points towards the start, without passing it; branch-free (whether a score is
    above or below the start is a coin toss for the predictor)."""
    v = np.int32(score[i])
    score[i] = v - min(max(v - start, -drift), drift)


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


@njit(inline="always", cache=True)
def _respond(i, deter, flags, decay, own_step, sanctioned, wrongful):
    """Stage 8 for one person, except the household bump; returns whether a sanction starts."""
    f = flags[i]
    started = sanctioned and (f & 2) == 0
    d = (np.int32(deter[i]) * decay) >> 8
    if started:
        d += own_step
    deter[i] = min(255, d)
    f &= np.uint8(0xFD)
    if sanctioned:
        f |= np.uint8(2 | 4)
    if wrongful:
        f |= np.uint8(8)
    flags[i] = f
    return started


@njit(inline="always", cache=True)
def _quiet_day(
    lane, cell, i, drift, start, smin, score, shadow, tier_of, tier_sanctioned, wrong_tier,
    cause, deter, flags, decay, own_step, t_pairs, t_hist, t_shadow, t_sanct, t_wrong, t_causes,
):  # fmt: skip
    """Stages 5-8 and 10 of a day in which nothing can change but drift (no record, not listed,
    nothing due): drift, tallies, and the response without the household bump. Returns whether
    a sanction starts."""
    if drift:  # stage 5 (a no-op for people at the start)
        _drift(score, i, drift, start)
        _drift(shadow, i, drift, start)
    v = np.int32(score[i])
    sv = np.int32(shadow[i])
    tier = tier_of[v - smin]
    stier = tier_of[sv - smin]
    t_pairs[lane, cell, tier, stier] += 1
    t_hist[lane, cell, v - smin] += 1
    t_shadow[lane, cell] += sv
    sanctioned = tier_sanctioned[tier]
    wrongful = wrong_tier[tier, stier]
    if sanctioned:
        t_sanct[lane, cell] += 1
    if wrongful:
        t_wrong[lane, cell] += 1
        t_causes[lane, cell, cause[i]] += 1
    return _respond(i, deter, flags, decay, own_step, sanctioned, wrongful)


@njit(inline="always", cache=True)
def _tally_standing(
    sign, lane, cell, i, day, smin, score, shadow, list_until, shadow_until, cause, tier_of,
    tier_sanctioned, wrong_tier, list_sanctioned,
    t_pairs, t_hist, t_shadow, t_sanct, t_wrong, t_causes, t_listed, t_listed_w,
):  # fmt: skip
    """Stages 6, 7 and 10 for person i (lists read as on ``day``): count (``sign`` 1) or take
    back (``sign`` -1) what their state adds to the standing tallies; returns whether they are
    sanctioned and whether wrongfully. Taking back reads the state as it stood yesterday:
    tallies of standing are kept from day to day, and only the people whose day can change
    them are counted again."""
    v = np.int32(score[i])
    sv = np.int32(shadow[i])
    tier = tier_of[v - smin]
    stier = tier_of[sv - smin]
    sanctioned = tier_sanctioned[tier]
    wrongful = wrong_tier[tier, stier]
    for xl in range(list_until.shape[0]):
        listed = list_until[xl, i] > day
        slisted = shadow_until[xl, i] > day
        if listed:
            t_listed[lane, cell, xl] += sign
            if not slisted:
                t_listed_w[lane, cell, xl] += sign
        if list_sanctioned[xl]:
            sanctioned = sanctioned or listed
            wrongful = wrongful or (listed and not slisted)
    t_pairs[lane, cell, tier, stier] += sign
    t_hist[lane, cell, v - smin] += sign
    t_shadow[lane, cell] += sign * sv
    if sanctioned:
        t_sanct[lane, cell] += sign
    if wrongful:
        t_wrong[lane, cell] += sign
        t_causes[lane, cell, cause[i]] += sign
    return sanctioned, wrongful


@njit(cache=True)
def _first_draws(
    key, t, a, z, lo, trait, deter, score, shadow, code,
    base, c2, c3, chill, te, floor, start, rest_quiet, full, freeze_all,
):  # fmt: skip
    """Pass 1 for people a..z-1 of one cell (see run_day); returns how many are at rest.

    Branch-free over unsigned indices, so that LLVM vectorises it. ``trait / 64.0`` and
    ``1.0 - deter / 255.0`` are the expressions of the reference (no lookup tables here: their
    indirect loads keep LLVM from vectorising)."""
    n_rest = 0
    for i in range(a, z):
        dis = (trait[i] / 64.0) * (1.0 - deter[i] / 255.0)
        total = base + c2 * dis + c3 * (dis * chill)
        c = code[i - lo]
        if uniform(key, rng.ACT, i, t) < total:
            c |= 1
        if uniform(key, rng.ERROR, i, t) < te:
            c |= 2
        v = np.int32(score[i])
        sv = np.int32(shadow[i])
        if v <= floor or sv <= floor:
            c |= 4
        at_start = v == start and sv == start
        rest = c == 0 and ((at_start and (rest_quiet or not full)) or freeze_all)
        n_rest += rest
        code[i - lo] = 8 if rest else c
    return n_rest


@njit(parallel=True, nogil=True, cache=True)
def run_day(
    t, full, key, aware, drift, lanes, chunk_start, cell_start, G,
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
    tier_of = np.empty(smax - smin + 1, np.int64)
    for v in range(smin, smax + 1):
        tier_of[v - smin] = _tier(v, tier_min)
    # A person is quiet today when nothing in stages 1-7 but drift can change their state: no
    # act, no error, not listed (so no compliance draw), and no threshold entry or expiry due.
    # Drift days move a third of the population back towards the start: cheap for quiet people.
    floor = -(2**31)  # quiet people score above every list threshold
    for xl in range(L):
        floor = max(floor, list_threshold[xl])
    rest_tier = tier_of[start - smin]
    rest_quiet = not tier_sanctioned[rest_tier]  # else people at rest are sanctioned every day
    # Standing tallies (tiers, the score histogram, lists, sanctions: what the state is, not
    # what happened today) carry over from yesterday unless the day is ``full``. A person whose
    # state cannot change today is *frozen*: not counted again; the others are taken back as
    # they stood on day t - 1 (``_tally_standing`` with sign -1) and counted anew. On a day
    # without drift that freezes every quiet person. Full days (the first, the first after a
    # checkpoint is loaded, and every day where appeals have no delay: fast.py) count
    # everybody, from nothing.
    counted_on = t if full else t - 1  # a list lapsing today changes yesterday's count: due
    freeze_all = not full and drift == 0
    max_chunk = 0
    for ci in range(n_chunks):
        max_chunk = max(max_chunk, chunk_start[ci + 1] - chunk_start[ci])
    for lane in prange(lanes):
        m = np.empty(4)
        busy = np.empty(max_chunk, np.int64)  # not quiet: 8 * i + act + 2 error + 4 due
        starts = np.empty(max_chunk, np.int64)  # people whose sanction starts today
        code = np.empty(max_chunk, np.uint8)
        quiet = np.empty(max_chunk, np.int64)
        for ci in range(lane, n_chunks, lanes):
            lo, hi = chunk_start[ci], chunk_start[ci + 1]
            # Pass 1: the day's first two draws for everybody, and what each person needs:
            # code bit 0 an act, bit 1 an error, bit 2 a state that can change without either
            # (listed, threshold or expiry due); code 8 at rest (both scores at the start
            # and nothing else: the whole day is a decay of deterrence).
            ulo = np.uint64(lo)  # unsigned indices: no negative-index fix-ups, so LLVM vectorises
            for ui in range(ulo, np.uint64(hi)):
                code[ui - ulo] = 0
            for xl in range(L):
                for ui in range(ulo, np.uint64(hi)):
                    if list_until[xl, ui] > counted_on or shadow_until[xl, ui] > counted_on:
                        code[ui - ulo] = 4
            if expire:
                for kk in range(slot_until.shape[0]):
                    for ui in range(ulo, np.uint64(hi)):
                        if slot_until[kk, ui] == t or sslot_until[kk, ui] == t:
                            code[ui - ulo] = 4
            cell = np.searchsorted(cell_start, lo, side="right") - 1
            a = lo
            while a < hi:
                z = min(hi, cell_start[cell + 1])
                g = cell % G
                base = 0.0 + class_rate[g, 0] * 1.0 + class_rate[g, 1] * (1.0 * fav)
                n_rest = _first_draws(
                    key, t, np.uint64(a), np.uint64(z), ulo, trait, deter, score, shadow, code,
                    base, class_rate[g, 2], class_rate[g, 3], chill_region[cell // G],
                    error_total[cell] if any_errors else 0.0, floor, start, rest_quiet,
                    full, freeze_all,
                )  # fmt: skip
                if full:  # else the frozen are in yesterday's standing tallies already
                    t_pairs[lane, cell, rest_tier, rest_tier] += n_rest
                    t_hist[lane, cell, start - smin] += n_rest
                    t_shadow[lane, cell] += n_rest * start
                cell += 1
                a = z
            # People at rest or frozen: stage 8 (they start no sanction, so no bump). The frozen
            # were sanctioned yesterday exactly when they are today: their flags stand.
            for ui in range(ulo, np.uint64(hi)):
                if code[ui - ulo] == 8:
                    deter[ui] = (np.int32(deter[ui]) * decay) >> 8
                    if full:
                        flags[ui] &= np.uint8(0xFD)
            # Everybody else, listed without branches (which would mispredict): quiet people
            # not at rest, and busy people (8 * i + code bits 0-2).
            n_quiet = 0
            n_busy = 0
            for i in range(lo, hi):
                c = code[i - lo]
                quiet[n_quiet] = i
                n_quiet += c == 0
                busy[n_busy] = 8 * i + (c & 7)
                n_busy += (c & 7) != 0
            # The quiet people not at rest: drift, their tallies, and stage 8 without the
            # household bump.
            n_starts = 0
            cell = np.searchsorted(cell_start, lo, side="right") - 1
            for q in range(n_quiet):
                i = quiet[q]
                while i >= cell_start[cell + 1]:
                    cell += 1
                if not full:
                    _tally_standing(
                        -1, lane, cell, i, counted_on, smin, score, shadow, list_until,
                        shadow_until, cause, tier_of, tier_sanctioned, wrong_tier, list_sanctioned,
                        t_pairs, t_hist, t_shadow, t_sanct, t_wrong, t_causes, t_listed,
                        t_listed_w,
                    )  # fmt: skip
                if _quiet_day(
                    lane, cell, i, drift, start, smin, score, shadow, tier_of, tier_sanctioned,
                    wrong_tier, cause, deter, flags, decay, own_step,
                    t_pairs, t_hist, t_shadow, t_sanct, t_wrong, t_causes,
                ):  # fmt: skip
                    starts[n_starts] = i
                    n_starts += 1
                    t_starts[lane, cell] += 1
            # Pass 2: the whole day of the busy people, person by person.
            cell = np.searchsorted(cell_start, lo, side="right") - 1
            g = cell % G  # integer division is slow: only when the cell changes
            r = cell // G
            for q in range(n_busy):
                i = busy[q] >> 3
                actor = (busy[q] & 1) != 0
                had_error = (busy[q] & 2) != 0
                due = (busy[q] & 4) != 0
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
                act_points = 0
                act_list = -1
                recorded = False
                if actor:
                    # The act's class, counted rather than searched for: the reference's first
                    # class whose running sum exceeds x is the number of sums x has passed
                    # (terms are never negative, so the sums never fall), and selects replace
                    # branches the predictor cannot guess. Measured +3-5% at 1e7 x 30 (the same
                    # counting for the behaviour within the class, over every behaviour, was 10%
                    # slower than its search, which stops at the first hit).
                    x = uniform(key, rng.ACT_PICK, i, t) * total
                    cum = 0.0
                    chosen = 0
                    below = 0.0
                    last = 0
                    for c in range(4):
                        term = class_rate[g, c] * m[c]
                        step = cum + term
                        passed = x >= step
                        chosen += passed
                        below = step if passed else below
                        last = c if term > 0 else last
                        cum = step
                    if chosen == 4:  # x rounded up to the total
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
                        # a draw is never below 0.0: skip it where the source cannot see the act
                        p_seen = observe_prob[s, b, r]
                        seen = p_seen > 0.0 and uniform(key, rng.OBSERVE + s, i, t) < p_seen
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
                # An act no source recorded, on a day with no error and nothing due, leaves the
                # rest of the day a quiet one (most acts: recycling nobody sees, bills paid
                # outside the records): the same stages as for quiet people, nothing else.
                quiet_act = not recorded and not had_error and not due
                if quiet_act and freeze_all:  # their state stands, and so do their counts
                    deter[i] = (np.int32(deter[i]) * decay) >> 8
                    continue
                if not full:  # stages 1-2 change nothing of the state: take it back now
                    _tally_standing(
                        -1, lane, cell, i, counted_on, smin, score, shadow, list_until,
                        shadow_until, cause, tier_of, tier_sanctioned, wrong_tier,
                        list_sanctioned, t_pairs, t_hist, t_shadow, t_sanct, t_wrong,
                        t_causes, t_listed, t_listed_w,
                    )  # fmt: skip
                if quiet_act:
                    if _quiet_day(
                        lane, cell, i, drift, start, smin, score, shadow, tier_of,
                        tier_sanctioned, wrong_tier, cause, deter, flags, decay, own_step,
                        t_pairs, t_hist, t_shadow, t_sanct, t_wrong, t_causes,
                    ):  # fmt: skip
                        starts[n_starts] = i
                        n_starts += 1
                        t_starts[lane, cell] += 1
                    continue
                # 3. errors
                err = False
                err_points = 0
                err_list = -1
                if had_error:
                    te = error_total[cell]
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
                # 6. standing, 7. consequences and 10. measurement (what does not depend on
                # the household pass)
                sanctioned, wrongful = _tally_standing(
                    1, lane, cell, i, t, smin, score, shadow, list_until, shadow_until, cause,
                    tier_of, tier_sanctioned, wrong_tier, list_sanctioned,
                    t_pairs, t_hist, t_shadow, t_sanct, t_wrong, t_causes, t_listed, t_listed_w,
                )  # fmt: skip
                for xl in range(L):  # mark last: the day's list tests must not see the bit
                    if entered & (1 << xl):
                        list_until[xl, i] |= ENTERED
                # 8. response, except the household bump
                if _respond(i, deter, flags, decay, own_step, sanctioned, wrongful):
                    starts[n_starts] = i
                    n_starts += 1
                    t_starts[lane, cell] += 1
            # 8. response: the household bump, for households where a sanction started (rare).
            # Adding it after the own bump is exact: min(255, min(255, d + own) + hh) equals
            # min(255, d + own + hh) for hh >= 0. Households never straddle chunks.
            if hh_step and n_starts:
                started = np.sort(starts[:n_starts])
                k = 0
                while k < n_starts:
                    h = started[k]
                    while (flags[h] & 1) == 0:
                        h -= 1
                    e = started[k] + 1
                    while e < hi and (flags[e] & 1) == 0:
                        e += 1
                    k_end = k
                    while k_end < n_starts and started[k_end] < e:
                        k_end += 1
                    in_house = k_end - k
                    for i in range(h, e):
                        own = 1 if k < k_end and started[k] == i else 0
                        k += own
                        if in_house - own > 0:
                            deter[i] = min(255, np.int32(deter[i]) + hh_step)
                    k = k_end


@njit(nogil=True, cache=True)
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
