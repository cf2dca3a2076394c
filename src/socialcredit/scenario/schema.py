"""The scenario schema: what a scenario file may say, as pydantic models.

Every model forbids unknown keys, so a typo is an error that names the key rather than a silently
ignored setting. Defaults of zero switch a mechanism off; the few non-zero model defaults say in
their description whether they are an assumption or where they come from. Numbers that come from
the world carry a ``source:`` string (publication and year) or say that they are an assumption;
presets are tested for that. Cross-references between sections (a rule naming a behaviour, a
consequence naming a tier) are checked in ``scenario.references`` so their errors can name the
exact key path.
"""

import math
from datetime import date
from typing import Annotated, Any, Generic, Literal, TypeVar, get_args, get_origin

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PlainValidator,
    Tag,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from socialcredit.scenario.limits import (
    MAX_APPEALS_PER_100K_PER_DAY,
    SCORE_TYPE_MAX,
    SCORE_TYPE_MIN,
)
from socialcredit.scenario.shown import brief, brief_text
from socialcredit.state import LAST_DAY

Name = Annotated[
    str,
    Field(
        pattern=r"^[a-z][a-z0-9_-]{0,47}$",
        description="lower-case identifier: letters, digits, '_' or '-', starting with a letter",
    ),
]
Probability = Annotated[float, Field(ge=0.0, le=1.0)]
Source = Annotated[
    str | None,
    Field(
        description="where the numbers come from (publication and year), or 'assumption: why'",
    ),
]

DOMAINS = (
    "finance",
    "credit",
    "traffic",
    "travel",
    "civic",
    "environment",
    "health",
    "legal",
    "political",
    "employment",
    "education",
    "reputation",
    "consumption",
)
Domain = Literal[DOMAINS]  # type: ignore[valid-type]


def _probability_or_mapping(what: str) -> Any:
    """A validator for 'one probability for all, or a mapping of <what> name to probability'."""

    def check(value: Any) -> float | dict[str, float]:
        if isinstance(value, int | float) and not isinstance(value, bool):
            if not 0.0 <= _as_float(value) <= 1.0:  # also false for nan
                raise ValueError(f"probability {brief(value)} is outside 0..1")
            return float(value)
        if isinstance(value, dict):
            out: dict[str, float] = {}
            for key, item in value.items():
                name = brief_text(str(key))
                if isinstance(item, bool) or not isinstance(item, int | float):
                    raise ValueError(f"value for {what} '{name}' is {brief(item)}, not a number")
                if not 0.0 <= _as_float(item) <= 1.0:
                    raise ValueError(
                        f"probability {brief(item)} for {what} '{name}' is outside 0..1"
                    )
                out[str(key)] = float(item)
            return out
        raise ValueError(
            f"got {brief(value)}; expected a probability between 0 and 1 "
            f"or a mapping {what} -> probability"
        )

    return check


def _as_float(value: int | float) -> float:
    """The number as a float; nan for an int too large for one (so range checks fail)."""
    try:
        return float(value)
    except OverflowError:
        return math.nan


def _probability_or_mapping_schema(what: str) -> dict[str, Any]:
    number = {"type": "number", "minimum": 0, "maximum": 1}
    return {
        "anyOf": [number, {"type": "object", "additionalProperties": number}],
        "description": f"a probability for every {what}, or one per {what} name",
    }


PerGroup = Annotated[
    float | dict[str, float],
    PlainValidator(_probability_or_mapping("group")),
    WithJsonSchema(_probability_or_mapping_schema("group")),
]
PerRegion = Annotated[
    float | dict[str, float],
    PlainValidator(_probability_or_mapping("region")),
    WithJsonSchema(_probability_or_mapping_schema("region")),
]


class Strict(BaseModel):
    # No inf or nan anywhere: no engine can represent them (a nan rate, an infinite capacity).
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_boolean_for_a_number(cls, value: Any, info: ValidationInfo) -> Any:
        """pydantic reads true as 1 for a number; in a scenario that is a slip, not a number.
        And a schedule where the number cannot change during a run says so."""
        if info.field_name is None:
            return value
        annotation = cls.model_fields[info.field_name].annotation
        if isinstance(value, bool) and _wants_number(annotation):
            raise ValueError(f"got {str(value).lower()}, a boolean; expected a number")
        if isinstance(value, list) and _wants_number(annotation) and not _takes_list(annotation):
            raise PydanticCustomError(
                "schedule",
                "{problem}",
                {
                    "problem": "got a list (a schedule?), but this number cannot change during "
                    "a run",
                    "expected": "one number",
                    "fix": "give one number; the README lists the parameters that may be schedules",
                },
            )
        return value


def _wants_number(annotation: Any) -> bool:
    """Whether a field's type takes a number and not a boolean (int, float, int | None, ...)."""
    if annotation is bool:
        return False
    if annotation in (int, float):
        return True
    args = get_args(annotation)
    return bool(args) and bool not in args and any(_wants_number(a) for a in args)


def _takes_list(annotation: Any) -> bool:
    """Whether a field's type accepts a list (a schedule, or a list of names)."""
    if get_origin(annotation) is list:
        return True
    return any(_takes_list(a) for a in get_args(annotation))


# --- dates and schedules -----------------------------------------------------------------------
# A schedulable number is either the number itself or a step function of dates, in the manner
# of OpenFisca's dated parameters: ``[{from: 2013-10-01, value: 4.0e-6}, {from: 2016-01-20,
# value: 6.0e-6}]``; each value holds from its date until the next entry's. A value takes the
# same form as the plain field (one number, or a mapping per group or region: the whole mapping
# per entry). scenario/calendar.py resolves schedules to the epochs of a run.

V = TypeVar("V")


class Step(Strict, Generic[V]):
    """One entry of a schedule: the value from this date on, until the next entry's date."""

    from_: date = Field(alias="from", description="first day on which the value holds")
    value: V
    source: Source = None


def _schedule_problem(problem: str, expected: str, fix: str) -> PydanticCustomError:
    return PydanticCustomError(
        "schedule", "{problem}", {"problem": problem, "expected": expected, "fix": fix}
    )


def _in_date_order(steps: list[Step[Any]]) -> list[Step[Any]]:
    if not steps:
        raise _schedule_problem(
            "got an empty schedule",
            "at least one entry {from: DATE, value: NUMBER}",
            "give one entry, or a plain number",
        )
    for k in range(1, len(steps)):
        before, here = steps[k - 1].from_, steps[k].from_
        if here == before:
            raise _schedule_problem(
                f"entries [{k - 1}] and [{k}] both start on {here.isoformat()}",
                "each date once: a schedule is a step function",
                "merge the two entries or move one of them",
            )
        if here < before:
            raise _schedule_problem(
                f"entry [{k}] from {here.isoformat()} comes after entry [{k - 1}] from "
                f"{before.isoformat()}, so the entries overlap out of order",
                "entries in rising date order",
                "sort the entries by their from: date",
            )
    return steps


def _shape(value: Any) -> str:
    return "a schedule" if isinstance(value, list) else "a value"


# Named steps, so the JSON Schema names them plainly (ProbabilityStep, not Step_Annotated_...)
class ProbabilityStep(Step[Probability]):
    pass


class PerGroupStep(Step[PerGroup]):
    pass


class PerRegionStep(Step[PerRegion]):
    pass


class PointsStep(Step[Annotated[int, Field(ge=-5000, le=5000)]]):
    pass


class DaysStep(Step[Annotated[int, Field(ge=1, le=20000)]]):
    pass


# The types of schedulable parameters, written out so that type checkers read them.
SCHEDULE_TAGS = ("a value", "a schedule")  # the union's tags in pydantic's error locations
Points = Annotated[int, Field(ge=-5000, le=5000)]
Days = Annotated[int, Field(ge=1, le=20000)]
DatedProbability = Annotated[
    Annotated[Probability, Tag("a value")]
    | Annotated[list[ProbabilityStep], AfterValidator(_in_date_order), Tag("a schedule")],
    Discriminator(_shape),
]
DatedPerGroup = Annotated[
    Annotated[PerGroup, Tag("a value")]
    | Annotated[list[PerGroupStep], AfterValidator(_in_date_order), Tag("a schedule")],
    Discriminator(_shape),
]
DatedPerRegion = Annotated[
    Annotated[PerRegion, Tag("a value")]
    | Annotated[list[PerRegionStep], AfterValidator(_in_date_order), Tag("a schedule")],
    Discriminator(_shape),
]
DatedPoints = Annotated[
    Annotated[Points, Tag("a value")]
    | Annotated[list[PointsStep], AfterValidator(_in_date_order), Tag("a schedule")],
    Discriminator(_shape),
]
DatedDays = Annotated[
    Annotated[Days, Tag("a value")]
    | Annotated[list[DaysStep], AfterValidator(_in_date_order), Tag("a schedule")],
    Discriminator(_shape),
]


class Dated(Strict):
    """An item that may be in force only between two dates (both days included)."""

    from_: date | None = Field(None, alias="from", description="first day in force")
    until: date | None = Field(None, description="last day in force")

    @model_validator(mode="after")
    def _until_not_before_from(self) -> "Dated":
        if self.from_ is not None and self.until is not None and self.until < self.from_:
            raise _schedule_problem(
                f"until {self.until.isoformat()} is before from {self.from_.isoformat()}",
                "until: on or after from: (both days are included)",
                "swap the dates or correct one of them",
            )
        return self


# --- population -------------------------------------------------------------------------------


class Group(Strict):
    """A demographic group: the unit that base rates and data-source error rates differ by."""

    name: Name
    share: float = Field(gt=0.0, le=1.0, description="share of the population")
    source: Source = None


class Region(Strict):
    name: Name
    share: float = Field(gt=0.0, le=1.0, description="share of the population living here")
    urban: bool = True
    cameras_per_1000: float = Field(0.0, ge=0.0, le=1000.0)
    source: Source = None


class Population(Strict):
    people: int = Field(1_000_000, ge=1, le=2_000_000_000)
    groups: list[Group] = Field(min_length=1, max_length=16)
    regions: list[Region] = Field(min_length=1, max_length=64)
    household_size: float = Field(
        3.0,
        ge=1.0,
        le=20.0,
        description="mean household size; sizes are geometric around it (default 3.0: assumption)",
    )
    trait_spread: float = Field(
        0.5,
        ge=0.0,
        le=1.5,
        description="sigma of the log-normal propensity for disfavoured acts, mean 1 "
        "(default 0.5: assumption)",
    )
    source: Source = None


# --- behaviours and data sources --------------------------------------------------------------


class Behaviour(Strict):
    name: Name
    domain: Domain
    rate: DatedPerGroup = Field(
        description="probability per person-day, for all groups or per group (may be a schedule)"
    )
    rate_by_region: DatedPerRegion | None = Field(
        None,
        description="a multiplier (0..1) of the rate in each region, for all regions or per "
        "region (may be a schedule): the rate in a region is the group's value times the "
        "region's (say, less jaywalking where there are fewer crossings). Default 1 everywhere",
    )
    stance: Literal["favoured", "disfavoured", "neutral"] = Field(
        description="whether the regime rewards, punishes or ignores the act"
    )
    legitimate: bool = Field(
        description="lawful and protected (protest, reading): deterring it is a chilling effect"
    )
    severity: float = Field(
        0.0, ge=0.0, le=10.0, description="harm of the act on a 0-10 scale, for proportionality"
    )
    source: Source = None


class ErrorRates(Strict):
    false_match: DatedPerGroup = Field(
        0.0,
        description="per person-day at full coverage: an act attributed to an innocent person",
    )
    misattribution: DatedPerGroup = Field(
        0.0, description="share of detected acts booked on someone else instead of the actor"
    )
    bookkeeping: DatedPerGroup = Field(
        0.0, description="per person-day: a record of an act that did not happen"
    )
    source: Source = None


class Reallocation(Strict):
    """Feedback in where the system looks: every ``every_days`` the source's coverage is moved
    among regions by its own records of the days since the last move (engine/reallocation.py).
    The total it covers (coverage x people, summed over regions) stays what the scenario gave."""

    every_days: int = Field(
        ge=1, le=LAST_DAY, description="days between reallocations (the window of records read)"
    )
    policy: Literal["proportional", "greedy"] = Field(
        "proportional",
        description="proportional: each region's share of the covered people follows its share "
        "of the records; greedy: regions with the most records per resident are covered first",
    )
    correction: bool = Field(
        False,
        description="Ensign et al. 2018's correction: weigh each region's records by the inverse "
        "of the coverage that found them, so the allocation follows the acts, not past looking",
    )
    source: Source = None


class DataSource(Dated):
    name: Name
    kind: Literal["camera", "records", "informant", "platform"] = "records"
    observes: list[Name] = Field(min_length=1, description="behaviours this source records")
    coverage: DatedPerRegion = Field(
        1.0, description="share of acts in view: one number, or one per region name"
    )
    coverage_per_camera_per_1000: float | None = Field(
        None,
        ge=0.0,
        description="if set, coverage in a region = min(1, this x its cameras_per_1000)",
    )
    detection: DatedProbability = Field(1.0, description="probability an act in view is recorded")
    errors: ErrorRates = ErrorRates()
    reallocate: Reallocation | None = Field(
        None, description="move the coverage among regions by the source's past records"
    )
    source: Source = None


# --- the regime --------------------------------------------------------------------------------


class Score(Strict):
    start: int = Field(ge=-30000, le=30000)
    min: int = Field(ge=-30000, le=30000)
    max: int = Field(ge=-30000, le=30000)
    source: Source = None


class Rule(Dated):
    behaviour: Name
    recorded_by: Name | None = Field(None, description="data source; omit for any source")
    points: DatedPoints = Field(0, description="score change per record, -5000..5000")
    list: Name | None = Field(None, description="list the record puts the person on")
    source: Source = None


class Recovery(Strict):
    points_per_day: float = Field(
        0.0, ge=0.0, le=1000.0, description="score drifts this much per day back toward score.start"
    )
    expire_after_days: int | None = Field(
        None, ge=1, le=20000, description="instead: each record's points expire after N days"
    )
    slots: int = Field(
        4, ge=1, le=16, description="records remembered per person for expiry (oldest merge)"
    )
    source: Source = None


class Tier(Strict):
    name: Annotated[str, Field(min_length=1, max_length=16)]
    min_score: int = Field(
        ge=SCORE_TYPE_MIN,
        le=SCORE_TYPE_MAX,
        description="lowest score in this tier; tiers are listed best first",
    )
    source: Source = None


class ListSpec(Dated):
    name: Name
    duration_days: DatedDays = Field(description="days a listing lasts, 1..20000")
    comply_per_day: DatedProbability = Field(
        0.0, description="daily probability that a rightly listed person complies and is released"
    )
    enter_at_or_below: int | None = Field(
        None,
        ge=SCORE_TYPE_MIN,
        le=SCORE_TYPE_MAX,
        description="also list anyone whose score falls to this value or below",
    )
    reset_score_on_entry: bool = Field(
        False, description="score returns to start on entry (points used up by the listing)"
    )
    source: Source = None


# The learned scorer's gradient boosting (engine/boosting.py): its size where the scenario does
# not set it, and the most a scenario may ask for (a model is scored for everybody every day).
DEFAULT_TREES = 50
DEFAULT_TREE_DEPTH = 3
MAX_TREES = 1000
MAX_TREE_DEPTH = 8


class LearnedScorerSpec(Strict):
    """A scorer learned from the system's own records (engine/learned.py): every
    ``retrain_every_days`` a sample of people is snapshotted (what the system holds on them);
    ``horizon_days`` later each is labelled by whether the system then holds a disfavoured
    record on them, and a model fitted to those labels scores everybody from the next morning
    on, until the next one. Before the first model, the point rules score."""

    kind: Literal["learned"] = Field(description="learned (the only kind so far)")
    model: Literal["logistic", "gradient_boosting"] = Field(
        "logistic",
        description="logistic: a logistic regression; gradient_boosting: scikit-learn's "
        "HistGradientBoostingClassifier (both with fixed settings, engine/learned.py and "
        "engine/boosting.py)",
    )
    retrain_every_days: int = Field(
        30,
        ge=1,
        le=LAST_DAY - 1,
        description="days between training snapshots (default 30: assumption, a monthly batch)",
    )
    horizon_days: int = Field(
        90,
        ge=1,
        le=LAST_DAY - 1,
        description="the target: a disfavoured record within this many days of the snapshot "
        "(default 90: assumption, the window of GitHub issue #15)",
    )
    sample_people: int = Field(
        20_000,
        ge=1,
        le=10_000_000,
        description="people drawn per snapshot (default 20000: assumption, enough for a "
        "logistic model of a few dozen binary features)",
    )
    points_to_double_odds: float | None = Field(
        None,
        gt=0.0,
        le=30000.0,
        description="omit: score = max - (max - min) x the predicted probability; or anchor "
        "it as a scorecard does: a person at the training sample's base rate scores "
        "score.start, and each doubling of the predicted odds costs this many points",
    )
    use_group: bool = Field(
        False,
        description="give the model the protected group (to show what leaving it out does and "
        "does not do); default false",
    )
    trees: int | None = Field(
        None,
        ge=1,
        le=MAX_TREES,
        description=f"the number of trees fitted (boosting iterations), with model: "
        f"gradient_boosting only (default {DEFAULT_TREES}: assumption, enough for a few dozen "
        "binary features at a learning rate of 0.1)",
    )
    tree_depth: int | None = Field(
        None,
        ge=1,
        le=MAX_TREE_DEPTH,
        description=f"the most splits from a tree's root to a leaf, with model: "
        f"gradient_boosting only (default {DEFAULT_TREE_DEPTH}: assumption, interactions of up "
        "to three features)",
    )
    source: Source = None


# The FICO/TransRisk performance curve (Board of Governors of the Federal Reserve System, Report
# to the Congress on Credit Scoring, 2007; tabulated by Hardt, Price & Srebro 2016 and used by
# Liu et al. 2018): P(repay) = 1 - the share "bad" (90+ days late, a public record or a
# collection), averaged over the four groups of the Fed's SSA-matched sample weighted by their
# people at each score, put on 300-850 as Liu et al.'s code does (reproductions/fico.py), read
# every 25 points (derived; tests/unit/test_lending.py checks these against the tables).
FICO_REPAY_SCORES = tuple(range(300, 851, 25))
FICO_REPAY_PROBABILITY = (
    0.009, 0.022, 0.034, 0.056, 0.079, 0.109, 0.14, 0.18, 0.221, 0.324, 0.471, 0.638,
    0.731, 0.828, 0.887, 0.926, 0.951, 0.967, 0.98, 0.983, 0.987, 0.989, 0.991,
)  # fmt: skip


class RepayCurve(Strict):
    """P(repay) against the score, linear between the points and flat beyond the ends."""

    scores: list[Annotated[int, Field(ge=-30000, le=30000)]] = Field(
        min_length=2, max_length=1000, description="scores, ascending"
    )
    probability: list[Probability] = Field(
        min_length=2, max_length=1000, description="P(repay) at each of the scores"
    )
    source: Source = None

    @model_validator(mode="after")
    def _paired(self) -> "RepayCurve":
        if len(self.scores) != len(self.probability):
            raise _schedule_problem(
                f"{len(self.scores)} scores and {len(self.probability)} probabilities",
                "as many probabilities as scores",
                "give one probability per score",
            )
        if any(b <= a for a, b in zip(self.scores, self.scores[1:], strict=False)):
            raise _schedule_problem(
                "the scores are not strictly ascending",
                "scores in ascending order, each once",
                "sort the points by score",
            )
        return self


class LendingSpec(Strict):
    """Loan decisions by a threshold policy, with repayment and default moving scores, as in
    Liu, Dean, Rolf, Simchowitz & Hardt, Delayed Impact of Fair Machine Learning (ICML 2018)
    (engine/lending.py). A round opens reported day 0 and every ``every_days`` after it: each
    person applies with probability ``apply_share``; the lender lends to the best-scored
    applicants of each group as far as its policy says; each borrower repays with the true
    probability and gains ``repay_change`` points, or defaults and loses."""

    every_days: int = Field(
        30, ge=1, le=LAST_DAY - 1,
        description="days between lending rounds (default 30: assumption, a monthly round)",
    )  # fmt: skip
    apply_share: Probability = Field(
        0.01,
        description="share of people who apply in a round (default 0.01: assumption, about "
        "one application per person every 8 years at monthly rounds)",
    )
    policy: Literal["max_profit", "single_threshold", "demographic_parity", "equal_opportunity"] = (
        Field(  # fmt: skip
            "max_profit",
            description="max_profit: each group's threshold maximises the lender's expected "
            "utility; single_threshold: one threshold for all groups, the most profitable; "
            "demographic_parity: equal selection rates; equal_opportunity: equal true positive "
            "rates (Liu et al. 2018; Hardt, Price & Srebro 2016)",
        )
    )
    utility_repaid: float = Field(
        1.0, gt=0.0, le=1e6, description="the lender's gain from a repaid loan (Liu et al. 2018: 1)"
    )
    utility_default: float = Field(
        -4.0, lt=0.0, ge=-1e6,
        description="the lender's gain from a default (Liu et al. 2018: -4, and -10)",
    )  # fmt: skip
    repay_change: int = Field(
        75, ge=0, le=5000, description="score points on repayment (Liu et al. 2018: +75)"
    )
    default_change: int = Field(
        -150, ge=-5000, le=0, description="score points on default (Liu et al. 2018: -150)"
    )
    truth: Literal["shadow_score", "score"] = Field(
        "shadow_score",
        description="shadow_score: a person repays with the curve's probability at the score "
        "their true records alone give (record errors then mislead the lender); score: at the "
        "score the system sees (Liu et al. 2018's model, where the score is the truth)",
    )
    repay_curve: RepayCurve = Field(
        RepayCurve(
            scores=list(FICO_REPAY_SCORES),
            probability=list(FICO_REPAY_PROBABILITY),
            source="Federal Reserve 2007 (TransRisk performance by score), via Hardt, Price & "
            "Srebro 2016 and Liu et al. 2018; averaged over groups (derived)",
        ),
        description="P(repay) against the score (default: the FICO/TransRisk performance "
        "curve on 300-850, Federal Reserve 2007 as Liu et al. 2018 use it)",
    )
    source: Source = None


class Regime(Strict):
    name: str = ""
    score: Score
    rules: list[Rule] = Field(min_length=1)
    recovery: Recovery = Recovery()
    tiers: list[Tier] = Field(min_length=1, max_length=32)
    lists: list[ListSpec] = Field(default_factory=list, max_length=8)
    related_domains: list[tuple[Domain, Domain]] = Field(
        default_factory=list,
        description="pairs of domains counted as the same context for the cross-context measure",
    )
    scorer: LearnedScorerSpec | None = Field(
        None, description="omit for the point rules; {kind: learned} for a learned scorer"
    )
    source: Source = None


class Consequence(Dated):
    name: Name
    kind: Literal["perk", "sanction"]
    domain: Domain
    magnitude: float = Field(
        1.0, ge=0.0, le=10.0, description="weight of the consequence on a 0-10 scale"
    )
    tiers: list[str] | None = Field(None, description="tiers that carry it")
    list: Name | None = Field(None, description="or: the list that carries it")
    encounters: DatedPerGroup | None = Field(
        None,
        description="daily probability that a person tries to use what the sanction denies "
        "(buy a flight ticket, apply for a loan), for all groups or per group (may be a "
        "schedule); an attempt by a person under the sanction (on its list, or in one of its "
        "tiers) is a blocked attempt. Sanctions only",
    )
    encounters_by_region: DatedPerRegion | None = Field(
        None,
        description="a multiplier (0..1) of encounters in each region, for all regions or per "
        "region (may be a schedule): the attempt probability is the group's value times the "
        "region's (say, fewer flights where there is no airport). Default 1 everywhere",
    )
    source: Source = None


class Response(Strict):
    deterrence_own: DatedProbability = Field(
        0.0, description="reduction of disfavoured acts right after one's own sanction starts"
    )
    deterrence_household: DatedProbability = Field(
        0.0, description="reduction after a household member's sanction starts"
    )
    deterrence_half_life_days: float = Field(
        180.0, gt=0.0, le=36500.0, description="how fast deterrence fades (default: assumption)"
    )
    chilling: DatedProbability = Field(
        0.0, description="reduction of legitimate disfavoured acts at full camera coverage"
    )
    gaming: DatedProbability = Field(0.0, description="uplift of favoured acts, 0..1")
    awareness_days: float = Field(
        90.0,
        gt=0.0,
        description="time scale on which people learn the system, 1-exp(-t/x) "
        "(default 90: assumption)",
    )
    source: Source = None


class Appeals(Strict):
    capacity_per_100k_per_day: float = Field(0.0, ge=0.0, le=MAX_APPEALS_PER_100K_PER_DAY)
    delay_days: int = Field(
        30,
        ge=0,
        le=3650,
        description="days before a decision (default 30: the FCRA reinvestigation period, "
        "15 U.S.C. 1681i)",
    )
    file_probability_wrongful: Probability = 0.0
    file_probability_rightful: Probability = 0.0
    success_wrongful: Probability = 0.0
    success_rightful: Probability = 0.0
    source: Source = None


class RunSettings(Strict):
    # up to what the state's day fields hold (compile checks days plus the longest listing), so
    # that a run folder's scenario.yaml of any run the CLI accepts validates again
    days: int = Field(365, ge=1, le=LAST_DAY - 1)
    seed: int = Field(1, ge=0, le=2**63 - 1)
    start: date | None = Field(
        None,
        description="calendar date of day 0; needed for schedules and from:/until: dates "
        "(then --until DATE can set the days)",
    )
    warmup_days: int = Field(
        0,
        ge=0,
        le=LAST_DAY - 2,
        description="days simulated before day 0 and not reported, so that scores, points, "
        "records and lists start from the regime's long-run state (a warm start); the warm-up "
        "runs under the regime as it stands on day 0. --warmup DAYS overrides it",
    )
    source: Source = Field(None, description="why the run is this long, and its warm-up")


class Change(Strict):
    """A value that differs from the scenario's base (the preset or file it extends), recorded
    by the run in its scenario.yaml so that every page showing the scenario can mark it. It
    changes nothing in the simulation (scenario/changes.py)."""

    path: str = Field(description="key path, list items by name: regime.lists[x].duration_days")
    was: Any = Field(None, description="the base's value (absent: the item was added)")
    now: Any = Field(None, description="the value run (absent: the item was removed)")
    by: str = Field(description="what changed it: --set on the command line, or a patch file")


class FreeParameter(Strict):
    """A parameter `socialcredit calibrate` may vary: its search range, and (written by the
    calibration) where its value came from. The key path in ``calibrate:`` is a path as ``--set``
    writes it, ending at one number (a schedule entry's ``value``, a plain number); the
    free-parameter check (scenario/free_parameters.py) makes sure it exists and that both ends
    of the range are values that number may take."""

    low: float = Field(description="smallest value tried")
    high: float = Field(description="largest value tried")
    log: bool = Field(False, description="search on a log scale (for rates spanning decades)")
    source: Source = None

    @model_validator(mode="after")
    def _low_below_high(self) -> "FreeParameter":
        if not self.low < self.high:
            raise _schedule_problem(
                f"low {self.low:g} is not below high {self.high:g}",
                "a range {low: L, high: H} with L < H",
                "swap the bounds, or widen the range",
            )
        if self.log and self.low <= 0:
            raise _schedule_problem(
                f"log: true with low {self.low:g}: a log scale needs positive bounds",
                "low > 0 with log: true",
                "raise low above 0, or set log: false",
            )
        return self


class Scenario(Strict):
    """A whole scenario: population, behaviours, data sources, regime, consequences."""

    name: Name
    description: str = ""
    extend: str | None = Field(None, description="preset name or file this scenario patches")
    population: Population
    behaviours: list[Behaviour] = Field(min_length=1, max_length=64)
    sources: list[DataSource] = Field(min_length=1, max_length=16)
    regime: Regime
    consequences: list[Consequence] = Field(default_factory=list, max_length=64)
    response: Response = Response()
    appeals: Appeals = Appeals()
    run: RunSettings = RunSettings()
    lending: LendingSpec | None = Field(
        None, description="omit for no loans; loan rounds with delayed impact (engine/lending.py)"
    )
    calibrate: dict[str, FreeParameter] = Field(
        default_factory=dict,
        max_length=64,
        description="free parameters for `socialcredit calibrate`: key path (as --set writes "
        "it) -> {low, high, log}",
    )
    changed: list[Change] = Field(
        default_factory=list,
        description="written by a run: the values that differ from the base scenario",
    )


def json_schema() -> dict[str, Any]:
    """The JSON Schema editors use to complete and check scenario files."""
    schema = Scenario.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "socialcredit scenario"
    return schema
