"""benchmarks/simple_model.yaml as a Mesa model: one agent object per person, Mesa's scheduler.

The rules are those the simulator applies to that scenario (DESIGN.md's daily loop): at most one
act a day, drawn from the total rate and then in proportion; the camera records a bad act with
probability 0.3; a false record arrives with the group's rate; the score is clamped to 0..1050;
a shadow score sees true records only; the ban applies below 950 and is wrongful where the shadow
score would not ban. Mesa is a benchmark-only extra: `pip install -e '.[bench]'`.
"""

from __future__ import annotations

import math

import mesa

SHARES = (0.70, 0.20, 0.08, 0.02)
FALSE_RECORD = (0.0001, 0.0003, 0.001, 0.003)
BAD, GOOD, DETECT = 0.0385, 0.002, 0.3
SPREAD = 0.7


class Person(mesa.Agent):
    def __init__(self, model: SimpleModel, group: int) -> None:
        super().__init__(model)
        self.group = group
        z = model.random.gauss(0.0, 1.0)
        self.propensity = math.exp(SPREAD * z - 0.5 * SPREAD * SPREAD)
        self.score = 1000
        self.shadow = 1000

    def step(self) -> None:
        rnd = self.model.random.random
        bad = BAD * self.propensity
        delta = shadow_delta = 0
        if rnd() < bad + GOOD:
            if rnd() * (bad + GOOD) < bad:
                if rnd() < DETECT:
                    delta = shadow_delta = -5
            else:
                delta = shadow_delta = 3
        if rnd() < FALSE_RECORD[self.group]:
            delta -= 5
        self.score = min(1050, max(0, self.score + delta))
        self.shadow = min(1050, max(0, self.shadow + shadow_delta))
        model = self.model
        if self.score < 950:
            model.banned += 1
            if self.shadow >= 950:
                model.wrongful += 1


class SimpleModel(mesa.Model):
    def __init__(self, people: int, seed: int = 1) -> None:
        super().__init__(seed=seed)
        self.banned = self.wrongful = 0
        for group, share in enumerate(SHARES):
            for _ in range(round(people * share)):
                Person(self, group)

    def step(self) -> None:
        self.agents.shuffle_do("step")

    def mean_score(self) -> float:
        return sum(a.score for a in self.agents) / len(self.agents)
