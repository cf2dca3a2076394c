"""Common random numbers hold where the README promises them: two scenarios that differ in one
source's error rates share every other random outcome, person by person.

With the behavioural response switched off (nothing a person does depends on what the system did
to them), raising the camera's false-match rate must leave every act, every true record and every
error record of the other sources exactly where it was. Each error channel owns a fixed slot of a
person's one error draw (Plan.error_scaled), so this holds by construction; before, one draw was
spread over the channels by their cumulative rates and any change moved the others.
"""

from __future__ import annotations

import copy

import numpy as np

from socialcredit.engine.reference import Day, ReferenceEngine
from socialcredit.population.synthesis import synthesize
from socialcredit.scenario.compile import compile_plan
from socialcredit.scenario.loading import load_scenario, validate

PEOPLE, DAYS, SEED = 20_000, 60, 3
NO_RESPONSE = {
    "deterrence_own": 0.0,
    "deterrence_household": 0.0,
    "chilling": 0.0,
    "gaming": 0.0,
}


# Appeals are the one coupling across households (a shared queue): off where a test follows a
# change through households.
NO_APPEALS = {"file_probability_wrongful": 0.0, "file_probability_rightful": 0.0}


class Recording(ReferenceEngine):
    """The reference engine, keeping who did what and which records each source made."""

    def __init__(self, *args, **kwargs) -> None:  # noqa: ANN002, ANN003
        super().__init__(*args, **kwargs)
        self.acted: set[tuple[int, int, int]] = set()  # (day, person, behaviour)
        self.recorded: set[tuple[int, int, str]] = set()  # (day, person, source)
        self.mistaken: set[tuple[int, int, str, int, int]] = set()  # (day, person, source, kind, b)

    def observation(self, t: int, d: Day) -> None:
        super().observation(t, d)
        ids = self.ids
        self.acted |= {(t, int(ids[i]), int(b)) for i, b in zip(d.actors, d.acts, strict=True)}
        for s, seen in enumerate(d.true_records):
            self.recorded |= {(t, int(ids[i]), self.plan.sources[s]) for i in d.actors[seen]}

    def errors(self, t: int, d: Day) -> None:
        super().errors(t, d)
        p = self.plan
        for i, j in zip(d.errors, d.error_channel, strict=True):
            source = p.sources[p.error_source[j]]
            self.mistaken.add(
                (t, int(self.ids[i]), source, int(p.error_kind[j]), int(p.error_behaviour[j]))
            )


def simulate(raw: dict, days: int = DAYS) -> Recording:
    plan = compile_plan(validate(raw, "test"), people=PEOPLE, days=days, seed=SEED)
    engine = Recording(plan, synthesize(plan))
    engine.run()
    return engine


def _scaled_rate(rate: float | dict[str, float], factor: float) -> float | dict[str, float]:
    return {k: factor * v for k, v in rate.items()} if isinstance(rate, dict) else factor * rate


def _more_false_matches(raw: dict, factor: float) -> tuple[dict, dict]:
    """The camera source of ``raw``, and ``raw`` with its false-match rate x ``factor``."""
    camera = next(s for s in raw["sources"] if s["kind"] == "camera")
    more = copy.deepcopy(raw)
    errors = next(s for s in more["sources"] if s["name"] == camera["name"])["errors"]
    errors["false_match"] = _scaled_rate(errors["false_match"], factor)
    return camera, more


def test_one_sources_error_rates_move_no_other_sources_records() -> None:
    raw = copy.deepcopy(load_scenario("china-national-score-2018")[1])
    raw.pop("extend", None)
    raw["response"] = raw.get("response", {}) | NO_RESPONSE
    camera, more = _more_false_matches(raw, 3)
    base, changed = simulate(raw), simulate(more)

    assert base.acted == changed.acted and base.recorded == changed.recorded
    others = {e for e in base.mistaken if e[2] != camera["name"]}
    assert others, "the other sources make errors in this run"
    assert others == {e for e in changed.mistaken if e[2] != camera["name"]}
    # and the camera's own false matches did change: the test can tell
    mine = [{e for e in x.mistaken if e[2] == camera["name"]} for x in (base, changed)]
    assert mine[0] < mine[1], "tripling a rate only adds errors, on the same draws"


def _more_jaywalking(raw: dict) -> tuple[dict, int]:
    """``raw`` with one disfavoured behaviour's rate doubled, and that behaviour's index."""
    more = copy.deepcopy(raw)
    k = next(k for k, b in enumerate(more["behaviours"]) if b["name"] == "jaywalking")
    more["behaviours"][k]["rate"] = _scaled_rate(more["behaviours"][k]["rate"], 2)
    return more, k


def test_one_behaviours_rate_moves_no_other_behaviours_acts() -> None:
    """Each behaviour owns a fixed slot of a person's one act draw (Plan.act_scaled): doubling
    jaywalking's rate adds jaywalking on the same draws and leaves every other act alone."""
    raw = copy.deepcopy(load_scenario("china-national-score-2018")[1])
    raw["response"] = raw.get("response", {}) | NO_RESPONSE
    more, jay = _more_jaywalking(raw)
    base, changed = simulate(raw), simulate(more)

    others = [{a for a in x.acted if a[2] != jay} for x in (base, changed)]
    assert others[0] and others[0] == others[1]
    mine = [{a for a in x.acted if a[2] == jay} for x in (base, changed)]
    assert mine[0] < mine[1], "doubling a rate only adds acts, on the same draws"


def test_with_response_only_people_the_change_reached_act_differently() -> None:
    """With the response on, a person's acts may change only where the change could reach
    them: someone whose own jaywalking changed, or a member of their household (deterrence
    spreads within households; appeals, the one coupling across households, are off here)."""
    raw = copy.deepcopy(load_scenario("china-national-score-2018")[1])
    raw["appeals"] = raw.get("appeals", {}) | NO_APPEALS
    more, jay = _more_jaywalking(raw)
    base, changed = simulate(raw, 365), simulate(more, 365)  # long enough for sanctions

    differ = base.acted ^ changed.acted
    reached = {a[1] for a in differ if a[2] == jay}
    household = base.household[np.argsort(base.ids)]  # by person id
    reached_houses = set(household[list(reached)].tolist())
    moved = {a[1] for a in differ if a[2] != jay}
    assert moved, "the response carries the change to other acts: the test can tell"
    assert {int(household[i]) for i in moved} <= reached_houses


def test_with_response_one_sources_errors_reach_only_their_households() -> None:
    """The issue's own case with the response on: raising the camera's false-match rate 30-fold may
    change acts only in the households of people whose camera errors changed (appeals off)."""
    raw = copy.deepcopy(load_scenario("china-national-score-2018")[1])
    raw["appeals"] = raw.get("appeals", {}) | NO_APPEALS
    camera, more = _more_false_matches(raw, 30)
    base, changed = simulate(raw, 365), simulate(more, 365)

    reached = {e[1] for e in base.mistaken ^ changed.mistaken}
    assert reached and all(e[2] == camera["name"] for e in base.mistaken ^ changed.mistaken)
    household = base.household[np.argsort(base.ids)]  # by person id
    reached_houses = set(household[list(reached)].tolist())
    moved = {a[1] for a in base.acted ^ changed.acted}
    assert moved, "the response carries the change to acts: the test can tell"
    assert {int(household[i]) for i in moved} <= reached_houses
