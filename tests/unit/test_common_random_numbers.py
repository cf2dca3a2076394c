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


def simulate(raw: dict) -> Recording:
    plan = compile_plan(validate(raw, "test"), people=PEOPLE, days=DAYS, seed=SEED)
    engine = Recording(plan, synthesize(plan))
    engine.run()
    return engine


def test_one_sources_error_rates_move_no_other_sources_records() -> None:
    raw = copy.deepcopy(load_scenario("china-national-score-2018")[1])
    raw.pop("extend", None)
    raw["response"] = raw.get("response", {}) | NO_RESPONSE
    camera = next(s for s in raw["sources"] if s["kind"] == "camera")
    more = copy.deepcopy(raw)
    errors = next(s for s in more["sources"] if s["name"] == camera["name"])["errors"]
    rate = errors["false_match"]
    errors["false_match"] = (
        {k: 3 * v for k, v in rate.items()} if isinstance(rate, dict) else 3 * rate
    )
    base, changed = simulate(raw), simulate(more)

    assert base.acted == changed.acted and base.recorded == changed.recorded
    others = {e for e in base.mistaken if e[2] != camera["name"]}
    assert others, "the other sources make errors in this run"
    assert others == {e for e in changed.mistaken if e[2] != camera["name"]}
    # and the camera's own false matches did change: the test can tell
    mine = [{e for e in x.mistaken if e[2] == camera["name"]} for x in (base, changed)]
    assert mine[0] < mine[1], "tripling a rate only adds errors, on the same draws"
