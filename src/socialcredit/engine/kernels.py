"""Numba kernels of the fast engine: the reference engine's day, person by person.

The day of one person runs the stages of DESIGN.md in order, each an inline function named after
the reference engine's method (``_acts``, ``_observation``, ``_errors``, ``_scoring``,
``_recovery``, ``_tally_standing`` for standing, consequences and measurement, ``_response``);
appeals need one global queue and run afterwards in ``engine.appeals``. Every float expression is
evaluated in the same order as in ``engine/reference.py``, and every draw uses the same counter
hash, so both engines give the same bits. Tallies are integers, accumulated per *lane* (a set of
chunks) and summed afterwards: the result is the same for any number of threads.

The kernels take a few named records (``kernel_records.py``): ``Today``, the ``Layout`` of chunks
and cells, the ``People`` (state and traits), the ``Rules`` (the plan's tables) and the
``Tallies``.

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

Under a learned model (learned_kernels.py) each chunk is scored as its pass begins (``_rescore``),
while its state is in the cache, not in a pass of its own over all memory; under the model that
scored yesterday only the households whose features can have changed are scored again
(``Scoring.due``: a record leaving a recency window, anyone listed, or whoever the busy pass
reached yesterday), and only the people whose score it moved are taken back and counted again
(about 7% of a day's people in the default preset at day 200), so the standing tallies carry
over as under points. A learned score does not drift, so on those days a quiet person whose
shadow score is at the start is frozen too (``DayTables.shadow_rest``), drift day or not.

Compiled on first use and cached on disk, keyed on every source the kernels depend on
(``kernel_cache.py``); importing this module compiles nothing. The day's kernel releases the GIL
(``nogil``): other Python threads (a progress bar, a server) run while it computes.
"""

from __future__ import annotations

import numpy as np
from numba import prange

from socialcredit import rng
from socialcredit.engine.kernel_records import DayTables
from socialcredit.engine.learned_kernels import (
    POINTS,
    household_end,
    household_start,
    listed_since,
    score_buffers,
    score_chunk,
)
from socialcredit.kernel_cache import inline, kernel
from socialcredit.plan import NO_THRESHOLD
from socialcredit.rng import GOLDEN, MIX1, MIX2, TO_UNIT
from socialcredit.state import (
    CARRIERS_PER_BYTE,
    CAUSES_PER_SOURCE,
    ENTERED,
    EVER_SANCTIONED,
    EVER_WRONGFUL,
    HAS_RECORD,
    HOUSEHOLD_START,
    SANCTIONED_YESTERDAY,
)

SANCTIONED_TODAY = SANCTIONED_YESTERDAY | EVER_SANCTIONED  # read as "yesterday" tomorrow
NOT_SANCTIONED_YESTERDAY = ~SANCTIONED_YESTERDAY

# What pass 1 finds a person needs today (``code``): bits may combine; AT_REST stands alone.
# MOVED: a learned model moved their score this morning (``_rescore``, which took them back
# already): never frozen; quiet where nothing else is due, else DUE as well.
ACTS, ERRS, DUE, AT_REST, MOVED = 1, 2, 4, 8, 16


@inline
def uniform(key, stream, person, day):
    """rng.uniform for one person: the same counter, key and SplitMix64 finaliser."""
    z = (np.uint64(person) << np.uint64(24)) | np.uint64((day << 8) | stream)
    z = z * GOLDEN + key
    z ^= z >> np.uint64(30)
    z *= MIX1
    z ^= z >> np.uint64(27)
    z *= MIX2
    z ^= z >> np.uint64(31)
    return np.float64(z >> np.uint64(11)) * TO_UNIT


# --- small rules of the model, for one person ---


@inline
def _apply(t, i, score, delta, slot_until, slot_points, rules):
    """``delta`` points on a score, within its bounds; with expiry, the change is remembered in
    a free slot, or merged into the slot that expires last (those points live a little longer)."""
    if delta == 0:
        return
    old = np.int32(score[i])
    new = min(max(old + delta, rules.smin), rules.smax)
    score[i] = new
    change = new - old
    if rules.expire == 0 or change == 0:
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
    slot_until[slot, i] = t + rules.expire


@inline
def _enter_below(t, x, i, score, until, slot_until, slot_points, rules):
    if score[i] <= rules.list_threshold[x] and until[x, i] <= t:
        until[x, i] = t + rules.list_duration[x]
        if rules.list_reset[x]:
            score[i] = rules.start
            if rules.expire:
                for k in range(slot_until.shape[0]):
                    slot_until[k, i] = 0
                    slot_points[k, i] = 0


@inline
def _drift(score, i, drift, start):
    """``drift`` points towards the start, without passing it; branch-free (whether a score is
    above or below the start is a coin toss for the predictor)."""
    v = np.int32(score[i])
    score[i] = v - min(max(v - start, -drift), drift)


@inline
def _expire(t, i, score, slot_until, slot_points, rules):
    for k in range(slot_until.shape[0]):
        if slot_until[k, i] == t:
            v = np.int32(score[i]) - slot_points[k, i]
            score[i] = min(max(v, rules.smin), rules.smax)
            slot_until[k, i] = 0
            slot_points[k, i] = 0


@inline
def _tier(value, tier_min):
    tier = 0
    for k in range(tier_min.shape[0] - 1):
        if value < tier_min[k]:
            tier += 1
    return tier


# --- the stages of one person's day, in the reference engine's order ---


@inline
def _act_of(today, i, n_behaviours):
    """Stage 1, which act: the slot of the day's act draw (Plan.act_scaled). Pass 1 decided,
    from the same draw, that the person acts."""
    return np.int64(uniform(today.key, rng.ACT, i, today.t) * n_behaviours)


@inline
def _observation(today, lane, cell, r, g, i, b, rules, tallies):
    """Stage 2: which sources record act ``b``; the first with a rule for it scores it.
    Returns whether any recorded it, and the points and list of the scored record."""
    act_points = 0
    act_list = -1
    recorded = False
    scored = False
    for s in range(rules.observe_prob.shape[0]):
        # a draw is never below 0.0: skip it where the source cannot see the act
        p_seen = rules.observe_prob[s, b, r]
        seen = p_seen > 0.0 and uniform(today.key, rng.OBSERVE + s, i, today.t) < p_seen
        if (
            seen
            and rules.mis_any[s]
            and uniform(today.key, rng.MISATTRIBUTE + s, i, today.t) < rules.misattribution[s, g]
        ):
            seen = False  # booked on a look-alike instead (see reference.py)
        if seen:
            recorded = True
            tallies.records_true[lane, cell, s] += 1
            if not scored and rules.rule_scores[s, b]:
                act_points = rules.rule_points[s, b]
                act_list = rules.rule_list[s, b]
                scored = True
    return recorded, act_points, act_list


@inline
def _error_slot(today, cell, i, rules):
    """Stage 3's draw: the channel whose slot it falls in, or -1 where it records no error
    (Plan.error_scaled; the same expressions as the reference engine's)."""
    J = rules.error_scaled.shape[1]
    x = uniform(today.key, rng.ERROR, i, today.t) * J
    j = min(np.int64(x), J - 1)
    return j if x - j < rules.error_scaled[cell, j] else -1


@inline
def _errors(j, lane, cell, i, rules, people, tallies):
    """Stage 3, for a person whose error draw fell in channel ``j`` (kind, source, behaviour):
    its tally, its points and list, and the cause it leaves where it can harm."""
    src = rules.error_source[j]
    beh = rules.error_behaviour[j]
    kind = rules.error_kind[j]
    tallies.records_error[lane, cell, kind, src] += 1
    err_points = 0
    err_list = -1
    if rules.rule_scores[src, beh]:
        err_points = rules.rule_points[src, beh]
        err_list = rules.rule_list[src, beh]
    if err_points < 0 or err_list != -1:
        people.cause[i] = 1 + src * CAUSES_PER_SOURCE + kind  # state.cause_code, compiled
    return err_points, err_list


@inline
def _scoring(
    today, ci, lane, cell, i, actor, act_points, act_list, err, err_points, err_list, rules,
    people, tallies,
):  # fmt: skip
    """Stage 4: points on both scores (errors on the system's only), list entries by record and
    by threshold. Returns the lists entered today, as bits."""
    t = today.t
    P = people
    if not today.learned:  # else a learned model set the score this morning (_rescore)
        _apply(t, i, P.score, act_points + err_points, P.slot_until, P.slot_points, rules)
    _apply(t, i, P.shadow, act_points, P.shadow_slot_until, P.shadow_slot_points, rules)
    entered = 0
    for xl in range(P.list_until.shape[0]):
        was = P.list_until[xl, i] > t
        end = t + rules.list_duration[xl]
        if actor and act_list == xl:
            P.list_until[xl, i] = max(P.list_until[xl, i], end)
        if err and err_list == xl:
            P.list_until[xl, i] = max(P.list_until[xl, i], end)
        if actor and act_list == xl:
            P.shadow_until[xl, i] = max(P.shadow_until[xl, i], end)
        if rules.list_threshold[xl] != NO_THRESHOLD:
            _enter_below(t, xl, i, P.score, P.list_until, P.slot_until, P.slot_points, rules)
            _enter_below(
                t, xl, i, P.shadow, P.shadow_until, P.shadow_slot_until, P.shadow_slot_points, rules
            )
        if not was and P.list_until[xl, i] > t:
            entered |= 1 << xl
            tallies.entered_count[ci, xl] += 1
            tallies.entries[lane, cell, xl] += 1
    return entered


@inline
def _recovery(today, lane, cell, i, rules, people, tallies):
    """Stage 5: drift towards the start, expiry of remembered points, compliance with lists."""
    t = today.t
    P = people
    if today.drift:
        if not today.learned:  # a learned score neither drifts nor expires
            _drift(P.score, i, today.drift, rules.start)
        _drift(P.shadow, i, today.drift, rules.start)
    if rules.expire:
        if not today.learned:
            _expire(t, i, P.score, P.slot_until, P.slot_points, rules)
        _expire(t, i, P.shadow, P.shadow_slot_until, P.shadow_slot_points, rules)
    for xl in range(P.list_until.shape[0]):
        if (
            rules.list_comply[xl] > 0.0
            and P.list_until[xl, i] > t
            and P.shadow_until[xl, i] > t
            and uniform(today.key, rng.COMPLY + xl, i, t) < rules.list_comply[xl]
        ):
            P.list_until[xl, i] = t
            P.shadow_until[xl, i] = t
            tallies.complied[lane, cell, xl] += 1


@inline
def _encounters(today, lane, cell, i, tier_of, rules, people, tallies):
    """Stage 7, encounters: attempts to use what a sanction denies, by person i on a day they
    are under it (listed, or in one of its tiers; wrongful where the shadow standing would not
    put them there), from the consequence's own stream (see reference.py)."""
    t = today.t
    P = people
    tier = tier_of[np.int32(P.score[i]) - rules.smin]
    stier = tier_of[np.int32(P.shadow[i]) - rules.smin]
    for c in range(rules.encounter_list.shape[0]):
        xl = rules.encounter_list[c]
        if xl >= 0:
            under = P.list_until[xl, i] > t
            wrongly = under and P.shadow_until[xl, i] <= t
        else:
            under = rules.encounter_tiers[c, tier]
            wrongly = under and not rules.encounter_tiers[c, stier]
        if not under:
            continue
        prob = rules.encounter_prob[c, cell]
        if prob > 0.0 and uniform(today.key, rng.ENCOUNTER + c, i, t) < prob:
            tallies.blocked[lane, cell, c] += 1
            if wrongly:
                tallies.blocked_wrongful[lane, cell, c] += 1


@inline
def _tally_standing(sign, forward, lane, cell, i, day, tier_of, rules, people, tallies):
    """Stages 6, 7 and 10 for person i (lists read as on ``day``): count (``sign`` 1) or take
    back (``sign`` -1) what their state adds to the standing tallies; returns whether they are
    sanctioned and whether wrongfully. Taking back reads the state as it stood yesterday:
    tallies of standing are kept from day to day, and only the people whose day can change
    them are counted again. ``forward``: today's count (``sign`` 1), which also counts and
    marks who is under a sanction for the first time; a count that restates yesterday's
    (``_rescore``) does not."""
    P, T = people, tallies
    v = np.int32(P.score[i])
    sv = np.int32(P.shadow[i])
    tier = tier_of[v - rules.smin]
    stier = tier_of[sv - rules.smin]
    sanctioned = rules.tier_sanctioned[tier]
    wrongful = rules.wrong_tier[tier, stier]
    for xl in range(P.list_until.shape[0]):
        listed = P.list_until[xl, i] > day
        slisted = P.shadow_until[xl, i] > day
        if listed:
            T.listed[lane, cell, xl] += sign
            if not slisted:
                T.listed_wrongful[lane, cell, xl] += sign
        if rules.list_sanctioned[xl]:
            sanctioned = sanctioned or listed
            wrongful = wrongful or (listed and not slisted)
    T.tier_pairs[lane, cell, tier, stier] += sign
    T.score_hist[lane, cell, v - rules.smin] += sign
    T.shadow_sum[lane, cell] += sign * sv
    if sanctioned:
        T.sanctioned[lane, cell] += sign
    if wrongful:
        T.wrongful[lane, cell] += sign
        T.causes[lane, cell, P.cause[i]] += sign
    _tally_carriers(sign, forward, lane, cell, i, day, tier, stier, sanctioned, wrongful, rules,
                    P, T)  # fmt: skip
    return sanctioned, wrongful


@inline
def _tally_carriers(sign, forward, lane, cell, i, day, tier, stier, sanctioned, wrongful, rules,
                    people, tallies):  # fmt: skip
    """Stages 7 and 10 per sanction carrier (carriers.py): the wrongful person-days under each
    by cause (``sign`` as in ``_tally_standing``) and, when counting forward, who is under a
    sanction, or a carrier's sanctions, (wrongly) for the first time (the ``ever`` bits are
    set here; the flags' EVER bits by ``_response``, after this), unless it restates
    yesterday's count (not ``forward``)."""
    P, T = people, tallies
    if forward:
        f = P.flags[i]
        if sanctioned and (f & EVER_SANCTIONED) == 0:
            T.first_sanctioned[lane, cell] += 1
        if wrongful and (f & EVER_WRONGFUL) == 0:
            T.first_wrongful[lane, cell] += 1
    if not sanctioned:  # under no carrier's sanctions
        return
    for k in range(rules.carrier_list.shape[0]):
        xl = rules.carrier_list[k]
        if xl >= 0:
            on = P.list_until[xl, i] > day
            wrong = on and not P.shadow_until[xl, i] > day
        else:
            on = rules.carrier_tiers[k, tier]
            wrong = on and not rules.carrier_tiers[k, stier]
        if wrong:
            T.carrier_causes[lane, cell, k, P.cause[i]] += sign
        if forward and on:
            byte = k // CARRIERS_PER_BYTE
            under = np.uint8(1 << (2 * (k % CARRIERS_PER_BYTE)))  # state.ever_bits, compiled
            wrongly = np.uint8(under << 1)
            e = P.ever[byte, i]
            if (e & under) == 0:
                T.first_under[lane, cell, k] += 1
            if wrong and (e & wrongly) == 0:
                T.first_wrongly_under[lane, cell, k] += 1
                e |= wrongly
            P.ever[byte, i] = e | under


@inline
def _response(i, sanctioned, wrongful, rules, people):
    """Stage 8 for one person, except the household bump; returns whether a sanction starts."""
    f = people.flags[i]
    started = sanctioned and (f & SANCTIONED_YESTERDAY) == 0
    d = (np.int32(people.deter[i]) * rules.decay) >> 8
    if started:
        d += rules.own_step
    people.deter[i] = min(255, d)
    f &= NOT_SANCTIONED_YESTERDAY
    if sanctioned:
        f |= SANCTIONED_TODAY
    if wrongful:
        f |= EVER_WRONGFUL
    people.flags[i] = f
    return started


@inline
def _quiet_day(lane, cell, i, t, drift, learned, tier_of, rules, people, tallies):
    """Stages 5-8 and 10 of a day in which nothing can change but drift (no record, not listed,
    nothing due): drift, tallies, and the response without the household bump. Returns whether
    a sanction starts."""
    P, T = people, tallies
    if drift:  # stage 5 (a no-op for people at the start)
        if not learned:
            _drift(P.score, i, drift, rules.start)
        _drift(P.shadow, i, drift, rules.start)
    v = np.int32(P.score[i])
    sv = np.int32(P.shadow[i])
    tier = tier_of[v - rules.smin]
    stier = tier_of[sv - rules.smin]
    T.tier_pairs[lane, cell, tier, stier] += 1
    T.score_hist[lane, cell, v - rules.smin] += 1
    T.shadow_sum[lane, cell] += sv
    sanctioned = rules.tier_sanctioned[tier]
    wrongful = rules.wrong_tier[tier, stier]
    if sanctioned:
        T.sanctioned[lane, cell] += 1
    if wrongful:
        T.wrongful[lane, cell] += 1
        T.causes[lane, cell, P.cause[i]] += 1
    _tally_carriers(1, True, lane, cell, i, t, tier, stier, sanctioned, wrongful, rules, P, T)
    return _response(i, sanctioned, wrongful, rules, people)


# --- the passes over a chunk ---


@inline
def _rescore(lane, lo, hi, today, counted_on, tier_of, layout, scoring, scored, rules, people,
             tallies, code):  # fmt: skip
    """Stage 4 under a learned model, for the chunk lo..hi, before its first pass: the scores
    from what the system held at the end of yesterday (learned_kernels.score_chunk), while the
    chunk's state is in the cache anyway: everybody's where ``today.score_all``, else only
    those whose features can have changed (``Scoring.due``; the rest keep theirs). Where the
    standing tallies carry over (not ``today.full``), a person whose score the model moves is
    taken back here, as they stood yesterday with yesterday's score (the day's passes do not
    take them back again), and marked MOVED: their day is run and counted (by the quiet pass
    where nothing else is due), where a frozen person's tallies and flags would stand for their
    old score. A day on which a new model scores is counted in full (fast.py): it moves most
    scores."""
    P = people
    new, who = scored.new, scored.who
    n = score_chunk(lo, hi, today.t, today.score_all, layout, scoring, P, scored,
                    scoring.memo_key[lane], scoring.memo_score[lane])  # fmt: skip
    if today.score_all:
        for i in range(lo, hi):
            P.score[i] = new[i - lo]
        return
    cell_start = layout.cell_start
    cell = np.searchsorted(cell_start, lo, side="right") - 1
    for q in range(n):
        i = who[q]
        v = new[q]
        if v == np.int64(P.score[i]):
            continue
        if today.full:
            P.score[i] = v
            continue
        while i >= cell_start[cell + 1]:
            cell += 1
        _tally_standing(-1, False, lane, cell, i, counted_on, tier_of, rules, P, tallies)
        P.score[i] = v
        code[i - lo] |= MOVED


@inline
def _due_tomorrow(t, i, hi, listed_before, scoring, people):
    """Under a learned model, person i's features are read again tomorrow morning (something
    may be recorded of them), and their household's too where i's listing changed today (each
    member's features say whether another is listed): ``Scoring.due``."""
    scoring.due[i] = t + 1
    if listed_since(t + 1, i, people) != listed_before:
        h = household_start(i, people)
        for j in range(h, household_end(h, hi, people)):
            scoring.due[j] = t + 1


@kernel(cache=True, _nrt=False)
def _first_draws(
    today,
    a,
    z,
    lo,
    code,
    draws,
    act_a,
    act_d,
    act_dc,
    chill,
    te,
    floor,
    rest_quiet,
    freeze_all,
    rules,
    people,
    day,
):  # act_*: the cell's group's rows of DayTables.act_*; te: its largest error rate x J
    """Pass 1 for people a..z-1 of one cell (see run_day); returns how many are at rest.

    Three loops over unsigned indices. The first makes both draws, branch-free, so that LLVM
    vectorises the hashing, and keeps the act draw in ``draws``. The second decides the act
    exactly: the draw's slot names the behaviour b (Plan.act_scaled), and the act happens below
    b's threshold ``act_a[b] + act_d[b] x dis + act_dc[b] x (dis x chill)``, in which two of
    the three terms are 0.0: the reference's ``act_scaled[b] x m``, bit for bit. Its table
    lookups do not vectorise, which is why it is a loop of its own, as short as can be (one
    loop: 9.4 ns a person against 3.2 for two, measured alone; the old act test, one threshold
    per cell, 1.4). The third, vectorised again, finds who is at rest.
    The day's tables give exactly the reference's ``trait / 64.0`` and ``1.0 - deter / 255.0``
    (in a loop that does not vectorise, a lookup is cheaper than a division). The slot needs no
    clamp: u <= 1 - 2**-53, so u x B rounds below B for every B < 2**52."""
    key, t, full, start = today.key, today.t, today.full, rules.start
    n_slots = rules.error_scaled.shape[1]
    n_behaviours = act_a.shape[0]
    trait, deter, score, shadow = people.trait, people.deter, people.score, people.shadow
    trait_factor, deter_factor = day.trait_factor, day.deter_factor
    for i in range(a, z):
        draws[i - lo] = uniform(key, rng.ACT, i, t) * n_behaviours
        c = code[i - lo]
        # an error is possible (Plan.error_scaled): within the first ``te`` of some slot
        xe = uniform(key, rng.ERROR, i, t) * n_slots
        if xe - np.int64(xe) < te:
            c |= ERRS
        if np.int32(score[i]) <= floor or np.int32(shadow[i]) <= floor:
            c |= DUE
        code[i - lo] = c
    for i in range(a, z):
        xa = draws[i - lo]
        b = np.uint64(xa)
        dis = trait_factor[trait[i]] * deter_factor[deter[i]]
        if xa - np.float64(b) < act_a[b] + act_d[b] * dis + act_dc[b] * (dis * chill):
            code[i - lo] |= ACTS
    n_rest = 0
    for i in range(a, z):
        c = code[i - lo]
        shadow_at_start = np.int32(shadow[i]) == start
        at_start = np.int32(score[i]) == start and shadow_at_start
        rest = c == 0 and (
            (at_start and (rest_quiet or not full)) or freeze_all
            or (day.shadow_rest and shadow_at_start)
        )  # fmt: skip
        n_rest += rest
        # the busy pass freezes people whose day turns out quiet; not those a model moved
        c = c | DUE if (c & MOVED) != 0 and (c & 7) != 0 else c
        code[i - lo] = AT_REST if rest else c
    return n_rest


@inline
def _mark_due(lo, hi, counted_on, code, today, rules, people):
    """Pass 1a: code DUE for whoever is listed (a compliance draw, a lapse) or has points
    expiring today; 0 for the rest."""
    P = people
    ulo = np.uint64(lo)  # unsigned indices: no negative-index fix-ups, so LLVM vectorises
    for ui in range(ulo, np.uint64(hi)):
        code[ui - ulo] = 0
    for xl in range(P.list_until.shape[0]):
        for ui in range(ulo, np.uint64(hi)):
            if P.list_until[xl, ui] > counted_on or P.shadow_until[xl, ui] > counted_on:
                code[ui - ulo] = DUE
    if rules.expire:
        for kk in range(P.slot_until.shape[0]):
            for ui in range(ulo, np.uint64(hi)):
                if P.slot_until[kk, ui] == today.t or P.shadow_slot_until[kk, ui] == today.t:
                    code[ui - ulo] = DUE


@inline
def _rest(lo, hi, code, full, rules, people):
    """People at rest or frozen: stage 8 only (they start no sanction, so no bump). The frozen
    were sanctioned yesterday exactly when they are today: their flags stand."""
    ulo = np.uint64(lo)
    for ui in range(ulo, np.uint64(hi)):
        if code[ui - ulo] == AT_REST:
            people.deter[ui] = (np.int32(people.deter[ui]) * rules.decay) >> 8
            if full:
                people.flags[ui] &= NOT_SANCTIONED_YESTERDAY


@inline
def _sort_out(lo, hi, code, quiet, busy):
    """Everybody not at rest, listed without branches (which would mispredict): the quiet
    (code 0, or MOVED alone) and the busy (8 * i + their code). Returns how many of each."""
    n_quiet = 0
    n_busy = 0
    for i in range(lo, hi):
        c = code[i - lo]
        quiet[n_quiet] = i
        n_quiet += (c | MOVED) == MOVED
        busy[n_busy] = 8 * i + (c & 7)
        n_busy += (c & 7) != 0
    return n_quiet, n_busy


@inline
def _merge(a, n_first, n, out):
    """``a[:n_first]`` and ``a[n_first:n]``, each ascending, merged into ``out[:n]``."""
    i, j = 0, n_first
    for k in range(n):
        if j >= n or (i < n_first and a[i] <= a[j]):
            out[k] = a[i]
            i += 1
        else:
            out[k] = a[j]
            j += 1


@inline
def _household_bump(hi, started, n_starts, rules, people):
    """Stage 8, the household bump, for households where a sanction started (rare; ``started``
    ascending). Adding it after the own bump is exact: min(255, min(255, d + own) + hh) equals
    min(255, d + own + hh) for hh >= 0. Households never straddle chunks."""
    flags, deter = people.flags, people.deter
    k = 0
    while k < n_starts:
        h = started[k]
        while (flags[h] & HOUSEHOLD_START) == 0:
            h -= 1
        e = started[k] + 1
        while e < hi and (flags[e] & HOUSEHOLD_START) == 0:
            e += 1
        k_end = k
        while k_end < n_starts and started[k_end] < e:
            k_end += 1
        in_house = k_end - k
        for i in range(h, e):
            own = 1 if k < k_end and started[k] == i else 0
            k += own
            if in_house - own > 0:
                deter[i] = min(255, np.int32(deter[i]) + rules.hh_step)
        k = k_end


@inline
def _day_tables(today, layout, rules):
    """What every lane reads today (``kernel_records.DayTables``)."""
    fav = 1.0 + rules.gaming * today.aware
    trait_factor = np.empty(256)
    deter_factor = np.empty(256)
    for v in range(256):
        trait_factor[v] = v / 64.0
        deter_factor[v] = 1.0 - v / 255.0
    # Each behaviour's act threshold per unit of the person's propensity x deterrence (dis):
    # a + d dis + dc (dis chill), one term per class (_first_draws)
    act_a = np.zeros(rules.act_scaled.shape)
    act_d = np.zeros(rules.act_scaled.shape)
    act_dc = np.zeros(rules.act_scaled.shape)
    for bb in range(rules.act_scaled.shape[1]):
        k = rules.behaviour_class[bb]
        for cc in range(rules.act_scaled.shape[0]):  # cells
            x = rules.act_scaled[cc, bb]
            if k == 0:
                act_a[cc, bb] = x * 1.0
            elif k == 1:
                act_a[cc, bb] = x * fav
            elif k == 2:
                act_d[cc, bb] = x
            else:
                act_dc[cc, bb] = x
    chill_region = np.empty(rules.chill_exposure.shape[0])
    for rr in range(rules.chill_exposure.shape[0]):
        chill_region[rr] = 1.0 - rules.chilling * rules.chill_exposure[rr] * today.aware
    smin = rules.smin
    tier_of = np.empty(rules.smax - smin + 1, np.int64)
    for v in range(smin, rules.smax + 1):
        tier_of[v - smin] = _tier(v, rules.tier_min)
    # A person is quiet today when nothing in stages 1-7 but drift can change their state: no
    # act, no error, not listed (so no compliance draw), and no threshold entry or expiry due.
    # Drift days move a third of the population back towards the start: cheap for quiet people.
    floor = NO_THRESHOLD  # quiet people score above every list threshold
    for xl in range(rules.list_threshold.shape[0]):
        floor = max(floor, rules.list_threshold[xl])
    # and above every tier whose people draw encounters: those are visited daily, for the draw,
    # with today's drift added (a quiet day's drift could carry someone down into the tier)
    if rules.encounter_floor >= rules.smin:
        floor = max(floor, rules.encounter_floor + today.drift)
    rest_tier = tier_of[rules.start - smin]
    # Standing tallies (tiers, the score histogram, lists, sanctions: what the state is, not
    # what happened today) carry over from yesterday unless the day is ``full``. A person whose
    # state cannot change today is *frozen*: not counted again; the others are taken back as
    # they stood on day t - 1 (``_tally_standing`` with sign -1) and counted anew. On a day
    # without drift that freezes every quiet person. Full days (the first, the first after a
    # checkpoint is loaded, and every day where appeals have no delay: fast.py) count
    # everybody, from nothing.
    chunk_start = layout.chunk_start
    max_chunk = 0
    for ci in range(chunk_start.shape[0] - 1):
        max_chunk = max(max_chunk, chunk_start[ci + 1] - chunk_start[ci])
    return DayTables(
        fav=fav,
        trait_factor=trait_factor,
        deter_factor=deter_factor,
        act_a=act_a,
        act_d=act_d,
        act_dc=act_dc,
        chill_region=chill_region,
        tier_of=tier_of,
        floor=floor,
        rest_tier=rest_tier,
        rest_quiet=not rules.tier_sanctioned[rest_tier],  # else those at rest are sanctioned
        counted_on=today.t if today.full else today.t - 1,  # a list lapsing today is due
        freeze_all=not today.full and today.drift == 0,
        shadow_rest=today.learned and not today.full,
        max_chunk=max_chunk,
    )


@kernel(parallel=True, nogil=True, cache=True)
def run_day(today, layout, rules, people, tallies, scoring):
    """Stages 1-8 and the day's tallies for every person of ``people``, one lane per thread;
    ``scoring`` (``kernel_records.Scoring``): the point rules, or the learned model that scores
    this morning (each chunk is scored as its pass begins: ``_rescore``).

    The lanes run in ``_run_lane``, a function of its own: Numba loses writes made through a
    NamedTuple's arrays inside a ``prange`` body (numba/numba#5872, #7135), not inside a
    function it calls. ``_run_lane`` and ``_first_draws`` run without Numba's reference counts
    (``_nrt=False``; they allocate nothing, each lane gets its scratch arrays here): every array
    taken out of a record inside a loop was otherwise counted in and out, atomically, and the
    two lanes fought over the counts of the same arrays (measured 4x slower on one thread,
    about 15x on two, at 1e7 x 60)."""
    day = _day_tables(today, layout, rules)
    for lane in prange(today.lanes):
        busy = np.empty(day.max_chunk, np.int64)  # not quiet: 8 * i + their code
        starts = np.empty(day.max_chunk, np.int64)  # people whose sanction starts today
        code = np.empty(day.max_chunk, np.uint8)
        draws = np.empty(day.max_chunk)  # pass 1's act draws
        quiet = np.empty(day.max_chunk, np.int64)
        scored = score_buffers(scoring, people, layout, day.max_chunk)
        _run_lane(
            lane, today, layout, rules, people, tallies, day, busy, starts, code, draws, quiet,
            scoring, scored,
        )  # fmt: skip


@kernel(nogil=True, cache=True)
def run_day_serial(today, layout, rules, people, tallies, scoring):
    """``run_day`` on this thread alone, one lane (``today.lanes == 1``): for a small population
    waking the other threads costs more than the day (fast.py ``SERIAL_BELOW``)."""
    day = _day_tables(today, layout, rules)
    busy = np.empty(day.max_chunk, np.int64)
    starts = np.empty(day.max_chunk, np.int64)
    code = np.empty(day.max_chunk, np.uint8)
    draws = np.empty(day.max_chunk)
    quiet = np.empty(day.max_chunk, np.int64)
    scored = score_buffers(scoring, people, layout, day.max_chunk)
    _run_lane(0, today, layout, rules, people, tallies, day, busy, starts, code, draws, quiet,
              scoring, scored)  # fmt: skip


@kernel(nogil=True, cache=True, _nrt=False)
def _run_lane(lane, today, layout, rules, people, tallies, day, busy, starts, code, draws, quiet,
              scoring, scored):  # fmt: skip
    """Every chunk of one lane: the learned model's scores (where one scores), pass 1 (first
    draws, rest), the quiet pass, the busy pass and the household bump."""
    t, full, drift = today.t, today.full, today.drift
    chunk_start, cell_start, G = layout.chunk_start, layout.cell_start, layout.groups
    P, T = people, tallies
    smin, start, tier_of, counted_on = rules.smin, rules.start, day.tier_of, day.counted_on
    n_chunks = chunk_start.shape[0] - 1
    for ci in range(lane, n_chunks, today.lanes):
        lo, hi = chunk_start[ci], chunk_start[ci + 1]
        # Pass 1: the day's first two draws for everybody, and what each person needs (code:
        # ACTS, ERRS, DUE; AT_REST for both scores at the start and nothing else: the whole
        # day is a decay of deterrence).
        _mark_due(lo, hi, counted_on, code, today, rules, people)
        if scoring.kind != POINTS:
            _rescore(lane, lo, hi, today, counted_on, tier_of, layout, scoring, scored, rules, P,
                     T, code)  # fmt: skip
        cell = np.searchsorted(cell_start, lo, side="right") - 1
        a = lo
        while a < hi:
            z = min(hi, cell_start[cell + 1])
            n_rest = _first_draws(
                today,
                np.uint64(a),
                np.uint64(z),
                np.uint64(lo),
                code,
                draws,
                day.act_a[cell],
                day.act_d[cell],
                day.act_dc[cell],
                day.chill_region[cell // G],
                rules.error_max[cell] if rules.any_errors else 0.0,
                day.floor,
                day.rest_quiet,
                day.freeze_all,
                rules,
                people,
                day,
            )
            if full:  # else the frozen are in yesterday's standing tallies already
                T.tier_pairs[lane, cell, day.rest_tier, day.rest_tier] += n_rest
                T.score_hist[lane, cell, start - smin] += n_rest
                T.shadow_sum[lane, cell] += n_rest * start
            cell += 1
            a = z
        _rest(lo, hi, code, full, rules, people)
        n_quiet, n_busy = _sort_out(lo, hi, code, quiet, busy)

        # The quiet people not at rest: drift, their tallies, and stage 8 without the
        # household bump.
        n_starts = 0
        cell = np.searchsorted(cell_start, lo, side="right") - 1
        for q in range(n_quiet):
            i = quiet[q]
            while i >= cell_start[cell + 1]:
                cell += 1
            if not full and (code[i - lo] & MOVED) == 0:  # (_rescore took the moved back)
                _tally_standing(-1, False, lane, cell, i, counted_on, tier_of, rules, P, T)
            if _quiet_day(lane, cell, i, t, drift, today.learned, tier_of, rules, P, T):
                starts[n_starts] = i
                n_starts += 1
                T.starts[lane, cell] += 1
        quiet_starts = n_starts

        # Pass 2: the whole day of the busy people, person by person.
        cell = np.searchsorted(cell_start, lo, side="right") - 1
        g = cell % G  # integer division is slow: only when the cell changes
        r = cell // G
        for q in range(n_busy):
            i = busy[q] >> 3
            actor = (busy[q] & ACTS) != 0
            had_error = (busy[q] & ERRS) != 0
            due = (busy[q] & DUE) != 0
            while i >= cell_start[cell + 1]:
                cell += 1
                g = cell % G
                r = cell // G
            # 1. acts, 2. observation
            act_points = 0
            act_list = -1
            recorded = False
            b = 0
            if actor:
                b = _act_of(today, i, rules.act_scaled.shape[1])
                T.acts[lane, cell, b] += 1
                # the learned scorer's audit truth (state.disfavoured_day): recorded or not
                if P.disfavoured_day.shape[0] and rules.kind_disfavoured[rules.behaviour_kind[b]]:
                    P.disfavoured_day[0, i] = t + 1
                recorded, act_points, act_list = _observation(
                    today, lane, cell, r, g, i, b, rules, T
                )
            # 3. errors, the draw: pass 1 marked whoever's draw fell where an error is
            # possible; most of those record none (then their day is as if unmarked).
            err_slot = _error_slot(today, cell, i, rules) if had_error else -1
            had_error = err_slot >= 0
            # An act no source recorded, on a day with no error and nothing due, leaves the
            # rest of the day a quiet one (most acts: recycling nobody sees, bills paid outside
            # the records): the same stages as for quiet people, nothing else.
            quiet_act = not recorded and not had_error and not due
            if quiet_act and day.freeze_all:  # their state stands, and so do their counts
                P.deter[i] = (np.int32(P.deter[i]) * rules.decay) >> 8
                continue
            # stages 1-2 change nothing of the state: take it back now (_rescore took back
            # whomever the model moved, as they stood with yesterday's score)
            if not full and (code[i - lo] & MOVED) == 0:
                _tally_standing(-1, False, lane, cell, i, counted_on, tier_of, rules, P, T)
            if quiet_act:
                if _quiet_day(lane, cell, i, t, drift, today.learned, tier_of, rules, P, T):
                    starts[n_starts] = i
                    n_starts += 1
                    T.starts[lane, cell] += 1
                continue
            # what follows may record or list them: under a learned model their features (and,
            # where their listing changes, their household's) are due to be read tomorrow
            listed_before = listed_since(t + 1, i, P) if today.learned else 0
            # 3. errors, what the record does
            err_points = 0
            err_list = -1
            if had_error:
                err_points, err_list = _errors(err_slot, lane, cell, i, rules, P, T)
            # 4. scoring
            if recorded or had_error:
                P.flags[i] |= HAS_RECORD
                if P.record_day.shape[0]:  # the learned scorer's features (state.record_day)
                    if recorded:
                        P.record_day[rules.behaviour_kind[b], i] = t + 1
                    if had_error:
                        kind = rules.behaviour_kind[rules.error_behaviour[err_slot]]
                        P.record_day[kind, i] = t + 1
            entered = _scoring(
                today,
                ci,
                lane,
                cell,
                i,
                actor,
                act_points,
                act_list,
                had_error,
                err_points,
                err_list,
                rules,
                P,
                T,
            )
            # 5. recovery
            _recovery(today, lane, cell, i, rules, P, T)
            # 6. standing, 7. consequences and 10. measurement (what does not depend on the
            # household pass)
            sanctioned, wrongful = _tally_standing(1, True, lane, cell, i, t, tier_of, rules, P, T)
            if rules.any_encounters:
                _encounters(today, lane, cell, i, tier_of, rules, P, T)
            if today.learned:
                _due_tomorrow(t, i, hi, listed_before, scoring, P)
            for xl in range(P.list_until.shape[0]):  # last: the day's list tests must not see
                if entered & (1 << xl):  # the mark
                    P.list_until[xl, i] |= ENTERED
            # 8. response, except the household bump
            if _response(i, sanctioned, wrongful, rules, P):
                starts[n_starts] = i
                n_starts += 1
                T.starts[lane, cell] += 1

        # 8. response: the household bump, for households where a sanction started.
        if rules.hh_step and n_starts:
            _merge(starts, quiet_starts, n_starts, quiet)  # both passes went in index order
            _household_bump(hi, quiet, n_starts, rules, P)


@kernel(nogil=True, cache=True)
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
