"""``socialcredit compare``: two or more runs side by side on one self-contained page.

Regimes run with the same people, days and seed share their random numbers wherever their rules
agree (common random numbers), so what differs between them comes from the policy, not from
noise. The page compares them at the level of summary numbers, because each scenario has its own
groups and regions (its group tables are shown run by run), and it says in sentences which
differences are of extent (more or fewer) and which are of kind (one regime does something the
other does not do at all).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from socialcredit import __version__
from socialcredit.errors import ConfigError, OutputError
from socialcredit.metrics.summary import FOUR_FIFTHS
from socialcredit.report import charts
from socialcredit.report.build import write_atomic
from socialcredit.report.data import RunData, load_run
from socialcredit.report.fmt import amount, change, h, join_words, num, pct, table, words
from socialcredit.report.page import Page
from socialcredit.report.screen import screen
from socialcredit.report.sections.chilling import WINDOW, trailing_mean
from socialcredit.report.sections.headline import cause_phrase
from socialcredit.report.sections.sanctions import (
    IMPACT_RULE,
    impact_grid,
    impact_na_note,
    impact_verdict,
)

PER = 100_000
NONE = "&ndash;"  # a cell with nothing to count (no such sanction, no such act)


@dataclass
class Run:
    """One compared run, with the few derived numbers the page and its sentences use."""

    label: str  # the scenario's name, or the folder's where two runs share a scenario
    colour: str
    data: RunData

    @property
    def s(self) -> dict[str, Any]:
        return self.data.summary

    @property
    def people(self) -> int:
        return int(self.s["people"])

    @property
    def days(self) -> int:
        return int(self.s["days"])

    @property
    def ever(self) -> int:
        return int(self.s["people_ever_sanctioned"])

    def per_person(self, n: float) -> float:
        """A count of people per 100,000 people."""
        return PER * n / self.people if self.people else 0.0

    def per_day(self, person_days: float) -> float:
        """Person-days as people per 100,000 on an average day."""
        lived = self.s["person_days"]
        return PER * person_days / lived if lived else 0.0

    @property
    def ever_rate(self) -> float:
        return self.per_person(self.ever)

    @property
    def wrongful_share(self) -> float:
        """0 where no sanction-day was wrongful or no one was sanctioned."""
        return float(self.s["wrongful_share"] or 0.0)

    @property
    def top_cause(self) -> dict[str, Any] | None:
        causes = self.s["wrongful_causes"]
        return causes[0] if causes else None

    @property
    def cross_share(self) -> float:
        return float(self.s["cross_context_share"] or 0.0)

    @property
    def cross_declared(self) -> list[str]:
        """Sanctions the rules put in a domain unrelated to every record behind them."""
        return [n for n, x in self.s["sanctions"].items() if x["cross_context"]]

    @cached_property
    def lawful(self) -> list[str]:
        """Lawful acts whose records can lead to a sanction (the screen's reading of the rules)."""
        rows = screen(self.data.scenario, self.s)
        return sorted({b for r in rows for b in r.legitimate})

    @property
    def flagged(self) -> list[str]:
        return [n for n, x in self.s["sanctions"].items() if x["disparate_impact_flagged"]]

    @property
    def appeals_open(self) -> bool:
        spec = self.data.scenario.get("appeals") or {}
        return bool(spec.get("capacity_per_100k_per_day"))


# ----------------------------------------------------------------------------- loading


def _labels(summaries: Sequence[dict[str, Any]], folders: Sequence[Path]) -> list[str]:
    """Scenario names; the folder's name where two runs share a scenario; a number if still."""
    scenarios = [str(s["scenario"]) for s in summaries]
    labels = [
        n if scenarios.count(n) == 1 else folder.resolve().name
        for n, folder in zip(scenarios, folders, strict=True)
    ]
    seen: dict[str, int] = {}
    out = []
    for label in labels:
        seen[label] = seen.get(label, 0) + 1
        out.append(label if labels.count(label) == 1 else f"{label} ({seen[label]})")
    return out


def check_folders(folders: Sequence[Path]) -> list[Path]:
    folders = [Path(f) for f in folders]
    if len(folders) < 2:
        got = f"got only {folders[0]}" if folders else "got no run folder"
        raise ConfigError(
            got,
            file="socialcredit compare",
            expected="two or more run folders written by `socialcredit run`",
            fix="pass each run's folder, e.g. `socialcredit compare runs/a runs/b --out "
            "compare.html`",
        )
    seen: set[Path] = set()
    for folder in folders:
        key = folder.resolve()
        if key in seen:
            raise ConfigError(
                "is given twice",
                file=str(folder),
                expected="each run folder once",
                fix="drop the repeated folder",
            )
        seen.add(key)
    return folders


def load_runs(folders: Sequence[Path]) -> list[Run]:
    folders = check_folders(folders)
    for folder in folders:
        if folder.is_dir() and not (folder / "summary.json").is_file():
            raise OutputError(
                f"{folder}: not a run folder (it has no summary.json). Fix: pass folders that "
                "`socialcredit run` wrote (its --out), or re-run the scenario to recreate one."
            )
    data = [load_run(f) for f in folders]
    labels = _labels([d.summary for d in data], [d.folder for d in data])
    palette = charts.PALETTE
    return [
        Run(label=label, colour=palette[i % len(palette)], data=d)
        for i, (label, d) in enumerate(zip(labels, data, strict=True))
    ]


# ----------------------------------------------------------------------------- words


def name(run: Run) -> str:
    return f"<b>{h(words(run.label))}</b>"


def names(runs: Sequence[Run]) -> str:
    return join_words([name(r) for r in runs])


def subject(runs: Sequence[Run]) -> str:
    """Runs as the subject that starts a sentence: 'The <b>a</b> regime', 'The <b>a</b> and
    <b>b</b> regimes' (a scenario name is an identifier: it is not capitalised)."""
    return f"The {names(runs)} regime{'' if len(runs) == 1 else 's'}"


def verb(runs: Sequence[Run], one: str, many: str) -> str:
    return one if len(runs) == 1 else many


def leaders(ranked: Sequence[Run], shown: Callable[[Run], str]) -> list[Run]:
    """The first runs of a ranking that read the same as the first (a tie as the page shows it)."""
    return [r for r in ranked if shown(r) == shown(ranked[0])]


def swatch(run: Run) -> str:
    return f'<span class="swatch" style="background:{run.colour}"></span>{h(words(run.label))}'


def times(a: float, b: float) -> str:
    x = a / b
    return f"{x:,.0f}" if x >= 10 else f"{x:.1f}"


def mostly(cause: dict[str, Any]) -> str:
    part = "mostly" if (cause["share"] or 0) >= 0.5 else "the largest part"
    return f"{part} ({pct(cause['share'])}) from {h(cause_phrase(cause, explain=False))}"


def differences(runs: Sequence[Run]) -> list[str]:
    """What differs in the runs' settings: 'seed (1 in <b>a</b> and <b>b</b>; 2 in <b>c</b>)'."""
    out = []
    for key, what in (("seed", "seed"), ("people", "number of people"), ("days", "days")):
        by_value: dict[Any, list[Run]] = {}
        for r in runs:
            by_value.setdefault(r.s[key], []).append(r)
        if len(by_value) > 1:
            listed = "; ".join(
                f"{h(v if key == 'seed' else num(v))} in {names(rs)}" for v, rs in by_value.items()
            )
            out.append(f"{what} ({listed})")
    return out


def warning(runs: Sequence[Run]) -> str:
    differ = differences(runs)
    if not differ:
        return ""
    seeds = len({r.s["seed"] for r in runs}) > 1
    text = f"<b>These runs are not on an equal footing.</b> They differ in {join_words(differ)}. "
    if seeds:
        text += (
            "Common random numbers only hold with the same seed: with different seeds part of "
            "every difference below is chance, and a small difference may be chance alone. "
        )
    if len({r.people for r in runs}) > 1 or len({r.days for r in runs}) > 1:
        text += (
            "Figures per 100,000 people and per average day stay comparable, but counts of "
            "people ever sanctioned grow with the days simulated and rare outcomes show more "
            "often in a larger population. "
        )
    text += "Re-run them with the same <code>--people</code>, <code>--days</code> and "
    text += "<code>--seed</code> for a like-for-like comparison."
    return f'<div class="warn" id="warning"><p>{text}</p></div>'


# What a regime does or does not do: a difference here is one of kind, not of extent. The first
# OUTCOMES are what happened in the run; the others are what the rules allow.
OUTCOMES = 2
KINDS: tuple[tuple[Callable[[Run], bool], str, str], ...] = (
    (lambda r: r.ever > 0, "people were sanctioned", "no one was"),
    (lambda r: r.wrongful_share > 0, "some people were sanctioned wrongly", "no one was"),
    (
        lambda r: bool(r.cross_declared),
        "the rules impose sanctions in a domain unrelated to the records behind them",
        "they do not",
    ),
    (lambda r: bool(r.lawful), "lawful acts can lead to a sanction", "they cannot"),
)


def extent_of_sanctions(runs: Sequence[Run]) -> str:
    ranked = sorted((r for r in runs if r.ever), key=lambda r: -r.ever_rate)
    if not ranked:
        return "None of these regimes sanctioned anyone in these runs."
    lead = leaders(ranked, lambda r: amount(r.ever_rate))
    rest, top, low = ranked[len(lead) :], ranked[0], ranked[-1]
    text = f"{subject(lead)} {verb(lead, 'sanctions', 'sanction')} the most people"
    if rest and top.ever_rate >= 2 * low.ever_rate:
        text += f", {times(top.ever_rate, low.ever_rate)} times as many as {name(low)}"
    text += f": {amount(top.ever_rate)} per {num(PER)} were sanctioned at least once"
    if len({r.days for r in runs}) == 1:
        text += f" in {num(top.days)} days"
    if rest:
        text += ", against " + join_words([f"{amount(r.ever_rate)} in {name(r)}" for r in rest])
    text += "."
    idle = [r for r in runs if not r.ever]
    if idle:
        text += f" {subject(idle)} sanctioned no one."
    return text


def extent_of_wrong(runs: Sequence[Run]) -> str:
    ranked = sorted((r for r in runs if r.wrongful_share), key=lambda r: -r.wrongful_share)
    clean = [r for r in runs if r.ever and not r.wrongful_share]
    if not ranked:
        return "None of them sanctioned anyone wrongly in these runs." if clean else ""
    lead = leaders(ranked, lambda r: pct(r.wrongful_share))
    rest, top = ranked[len(lead) :], ranked[0]

    def cause(r: Run) -> str:
        return mostly(r.top_cause) if r.top_cause else ""

    if len(lead) == 1:
        text = (
            f"{subject(lead)} has the highest wrongful share: {pct(top.wrongful_share)} of its "
            "sanctioned person-days were wrongful" + (f", {cause(top)}" if top.top_cause else "")
        )
    else:
        text = (
            f"{subject(lead)} have the highest wrongful share: "
            f"{pct(top.wrongful_share)} of their sanctioned person-days were wrongful ("
            + "; ".join(f"{name(r)} {cause(r)}" for r in lead)
            + ")"
        )
    if rest:
        text += "; then " + join_words(
            [
                f"{name(r)} with {pct(r.wrongful_share)}"
                + (f" ({cause(r)})" if r.top_cause else "")
                for r in rest
            ]
        )
    text += "."
    if clean:
        text += f" {subject(clean)} sanctioned people, but no one wrongly."
    return text


def extent_of_cross(runs: Sequence[Run]) -> str:
    ranked = sorted((r for r in runs if r.cross_share), key=lambda r: -r.cross_share)
    parts = []
    if ranked:
        lead = leaders(ranked, lambda r: pct(r.cross_share))
        rest, top = ranked[len(lead) :], ranked[0]
        one = len(lead) == 1
        text = (
            f"{subject(lead)} {verb(lead, 'is', 'are')} the most cross-context: "
            f"{pct(top.cross_share)} of {'its' if one else 'their'} sanction-days fall in a "
            "domain unrelated to every record that can lead to them"
        )
        if rest:
            text += ", against " + join_words([f"{pct(r.cross_share)} in {name(r)}" for r in rest])
        parts.append(text + ".")
    else:
        parts.append("No sanction-day fell in a domain unrelated to the records behind it.")
    undeclared = [r for r in runs if not r.cross_declared]
    if undeclared:
        parts.append(
            f"{subject(undeclared)} {verb(undeclared, 'imposes', 'impose')} no sanction in an "
            "unrelated domain at all."
        )
    idle = [r for r in runs if r.cross_declared and not r.cross_share]
    if idle:
        one = len(idle) == 1
        parts.append(
            f"{subject(idle)} {verb(idle, 'has', 'have')} such sanctions in "
            f"{'its' if one else 'their'} rules, but none was in force in "
            f"{'this run' if one else 'these runs'}."
        )
    return " ".join(parts)


def extent_of_lawful(runs: Sequence[Run]) -> str:
    lawful = [r for r in runs if r.lawful]
    if not lawful:
        return "In none of them can a lawful act lead to a sanction."
    text = "Lawful acts can lead to a sanction in " + join_words(
        [f"{name(r)} ({h(join_words([words(b) for b in r.lawful]))})" for r in lawful]
    )
    rest = [r for r in runs if not r.lawful]
    return text + (f"; in {names(rest)} no lawful act can." if rest else ".")


def extent_of_impact(runs: Sequence[Run]) -> str:
    flagged = [r for r in runs if r.flagged]
    band = f"{FOUR_FIFTHS[0]}-{FOUR_FIFTHS[1]}"
    if not flagged:
        return f"No sanction has a disparate-impact ratio outside {band} in any of them."
    text = f"Disparate-impact ratios outside {band} are flagged for " + join_words(
        [f"{len(r.flagged)} of {len(r.s['sanctions'])} sanctions in {name(r)}" for r in flagged]
    )
    rest = [r for r in runs if not r.flagged]
    return text + (f", for none in {names(rest)}." if rest else ".")


def kind_text(runs: Sequence[Run]) -> str:
    split = []
    outcome_split = False
    for i, (test, yes, no) in enumerate(KINDS):
        have = [r for r in runs if test(r)]
        lack = [r for r in runs if not test(r)]
        if have and lack:
            split.append(f"In {names(have)}, {yes}; in {names(lack)}, {no}.")
            outcome_split |= i < OUTCOMES
    head = "<p><b>Extent or kind?</b> "
    if not split:
        common = [yes for test, yes, _ in KINDS if test(runs[0])]
        what = f" (in each, {join_words(common)})" if common else ""
        return (
            head + f"These regimes do the same kinds of things{what}; what differs between them "
            "is only the extent.</p>"
        )
    out = [head + "They differ in kind, not only in extent:</p><ul>"]
    out += [f"<li>{line}</li>" for line in split]
    out.append("</ul>")
    signature: dict[tuple[bool, ...], list[Run]] = {}
    for r in runs:
        signature.setdefault(tuple(test(r) for test, _, _ in KINDS), []).append(r)
    alike = [group for group in signature.values() if len(group) > 1]
    for group in alike:
        out.append(
            f"<p>{subject(group)} do the same kinds of things, so between "
            f"{'them' if len(group) == 2 else 'these'} only the extent differs.</p>"
        )
    if not outcome_split:
        return "".join(out)
    size = "; ".join(sorted({f"{num(r.people)} people over {num(r.days)} days" for r in runs}))
    out.append(
        f'<p class="note">"No one was" holds for these runs ({size}); an outcome that is rare '
        "at this size may show in a larger run. The rules' side (unrelated domains, lawful acts) "
        "does not depend on the run's size.</p>"
    )
    return "".join(out)


# ----------------------------------------------------------------------------- sections


def side_table(runs: Sequence[Run], rows: Sequence[tuple[str, Sequence[str]]]) -> str:
    """Runs as columns, one labelled row per measure; a label starting with two spaces is a
    sub-row of the one above. Cells are HTML."""
    head = "<th></th>" + "".join(f'<th class="num">{swatch(r)}</th>' for r in runs)
    body = []
    for label, cells in rows:
        sub = label.startswith("  ")
        first = f'<td class="sub">{h(label.strip())}</td>' if sub else f"<td>{h(label)}</td>"
        body.append(
            f'<tr data-row="{h(label.strip())}">{first}'
            + "".join(f'<td class="num">{c}</td>' for c in cells)
            + "</tr>"
        )
    return (
        f'<div class="scroll"><table class="side"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def runs_section(runs: Sequence[Run], page: Page) -> str:
    rows = [
        [
            swatch(r),
            h(r.s["scenario"]),
            f"<code>{h(r.data.folder)}</code>",
            num(r.people),
            num(r.days),
            h(r.s["seed"]),
            h(", ".join(words(g) for g in r.data.groups)),
        ]
        for r in runs
    ]
    body = table(
        ["run", "scenario", "folder", "people", "days", "seed", "groups"],
        rows,
        numeric=(3, 4, 5),
        raw=True,
    )
    return warning(runs) + f'<div class="scroll">{body}</div>'


def summary_section(runs: Sequence[Run], page: Page) -> str:
    sentences = [
        extent_of_sanctions(runs),
        extent_of_wrong(runs),
        extent_of_cross(runs),
        extent_of_lawful(runs),
        extent_of_impact(runs),
    ]
    items = "".join(f"<li>{s}</li>" for s in sentences if s)
    return f'<ul class="findings">{items}</ul>' + kind_text(runs)


def cause_cell(run: Run) -> str:
    c = run.top_cause
    if c is None:
        return "none" if run.ever else NONE
    return f"{h(cause_phrase(c, explain=False))} ({pct(c['share'])})"


def headline_section(runs: Sequence[Run], page: Page) -> str:
    def each(f: Callable[[Run], str]) -> list[str]:
        return [f(r) for r in runs]

    rows = [
        ("people sanctioned at least once", each(lambda r: num(r.ever))),
        (f"  per {num(PER)} people", each(lambda r: amount(r.ever_rate))),
        (
            "  of them wrongly at some point",
            each(lambda r: num(r.s["people_ever_wrongfully_sanctioned"])),
        ),
        (
            f"  wrongly, per {num(PER)} people",
            each(lambda r: amount(r.per_person(r.s["people_ever_wrongfully_sanctioned"]))),
        ),
        (
            f"under a sanction on an average day, per {num(PER)}",
            each(lambda r: amount(r.per_day(r.s["sanctioned_person_days"]))),
        ),
        (
            "  of them wrongly",
            each(lambda r: amount(r.per_day(r.s["wrongfully_sanctioned_person_days"]))),
        ),
        (
            "wrongful share of sanctioned person-days",
            each(lambda r: NONE if r.s["wrongful_share"] is None else pct(r.wrongful_share)),
        ),
        ("top cause of wrongful sanctions", each(cause_cell)),
        (
            "cross-context share of sanction-days",
            each(lambda r: NONE if r.s["cross_context_share"] is None else pct(r.cross_share)),
        ),
        (
            "sanctions flagged for disparate impact",
            each(lambda r: f"{len(r.flagged)} of {len(r.s['sanctions'])}"),
        ),
        (
            "lawful disfavoured acts, last 30 days vs day 0",
            each(
                lambda r: (
                    NONE
                    if not r.s["chilling"]["behaviours"]
                    else change(r.s["chilling"].get("change"))
                )
            ),
        ),
        (
            "appeals filed / won",
            each(lambda r: f"{num(r.s['appeals']['filed'])} / {num(r.s['appeals']['won'])}"),
        ),
    ]
    out = [side_table(runs, rows)]
    out.append(
        f'<p class="note">{NONE}: nothing to count (no sanction-day, or no lawful act the regime '
        "disfavours). Cross-context: the sanction's domain is unrelated to every record that can "
        "lead to it.</p>"
    )
    if any(r.ever for r in runs):
        wrong = [r.per_person(r.s["people_ever_wrongfully_sanctioned"]) for r in runs]
        out.append(
            page.chart(
                charts.rightful_wrongful_bars(
                    f"People sanctioned at least once, per {num(PER)} people",
                    [r.label for r in runs],
                    [r.ever_rate - w for r, w in zip(runs, wrong, strict=True)],
                    wrong,
                    f"per {num(PER)} people",
                    legend=("never wrongly", "wrongly at some point"),
                )
            )
        )
    return "".join(out)


def by_domain(run: Run) -> dict[str, tuple[float, float]]:
    """Per domain the run's rules sanction in: (in force, wrongly) per 100,000 on an average
    day, counted per sanction."""
    out: dict[str, tuple[float, float]] = {}
    for x in run.s["sanctions"].values():
        total, wrong = out.get(x["domain"], (0.0, 0.0))
        out[x["domain"]] = (
            total + run.per_day(x["person_days"]),
            wrong + run.per_day(x["wrongful_person_days"]),
        )
    return out


def domains_section(runs: Sequence[Run], page: Page) -> str:
    per_run = [by_domain(r) for r in runs]
    every = {d for p in per_run for d in p}
    size = {d: max(p.get(d, (0.0, 0.0))[0] for p in per_run) for d in every}
    domains = sorted(every, key=lambda d: (-size[d], d))
    out = [
        "<p>Each sanction in force on a person counts once: someone under both a flight ban and "
        "a train ban counts twice in travel, so these figures add up to more than the people "
        "under a sanction. The domain is where the sanction bites (travel, credit, education), "
        "not where the record behind it came from.</p>"
    ]
    only: dict[tuple[int, ...], list[str]] = {}
    for d in domains:
        who = tuple(i for i, p in enumerate(per_run) if d in p)
        if len(who) < len(runs):
            only.setdefault(who, []).append(d)
    if only:
        out.append(
            "<p>Some domains are sanctioned in only some of these regimes, a difference in kind: "
            + "; ".join(
                f"{h(join_words([words(d) for d in ds]))} only in {names([runs[i] for i in who])}"
                for who, ds in only.items()
            )
            + ".</p>"
        )
    if any(size.values()):
        out.append(
            page.chart(
                charts.domain_panels(
                    domains,
                    [r.label for r in runs],
                    [r.colour for r in runs],
                    [[p[d][0] - p[d][1] if d in p else None for d in domains] for p in per_run],
                    [[p[d][1] if d in p else None for d in domains] for p in per_run],
                    f"per {num(PER)} people",
                )
            )
        )
    else:
        out.append("<p>No sanction was in force in any of these runs.</p>")

    def cell(p: dict[str, tuple[float, float]], d: str) -> str:
        if d not in p:
            return NONE
        total, wrong = p[d]
        return amount(total) + (
            f' <span class="note">({amount(wrong)} wrongly)</span>' if wrong else ""
        )

    rows = [(words(d), [cell(p, d) for p in per_run]) for d in domains]
    out.append(side_table(runs, rows))
    out.append(
        f'<p class="note">Sanctions in force per {num(PER)} people on an average day. '
        f"{NONE}: the regime has no sanction in that domain.</p>"
    )
    return "".join(out)


def wrongful_section(runs: Sequence[Run], page: Page) -> str:
    out = [
        "<p>A sanction is wrongful on a day where the person's true records alone would not "
        "have carried it; its cause is the data error behind it (source and kind of error).</p>"
    ]
    causes: list[str] = []
    for r in runs:
        for c in r.s["wrongful_causes"]:
            label = cause_phrase(c, explain=False)
            if label not in causes:
                causes.append(label)
    if causes:
        shares = [
            [
                r.wrongful_share
                * sum(
                    c["share"] or 0.0
                    for c in r.s["wrongful_causes"]
                    if cause_phrase(c, explain=False) == label
                )
                for r in runs
            ]
            for label in causes
        ]
        empty = [
            ""
            if r.wrongful_share
            else "no one wrongly"
            if r.s["sanctioned_person_days"]
            else "no one sanctioned"
            for r in runs
        ]
        out.append(page.chart(charts.causes_by_run([r.label for r in runs], causes, shares, empty)))
    rows = []
    for r in runs:
        s = r.s
        if not s["sanctioned_person_days"]:
            rows.append([swatch(r), NONE, "0 of 0", "no one was sanctioned"])
            continue
        top = s["wrongful_causes"][:3]
        rows.append(
            [
                swatch(r),
                pct(r.wrongful_share),
                f"{num(s['wrongfully_sanctioned_person_days'])} of "
                f"{num(s['sanctioned_person_days'])}",
                "; ".join(f"{h(cause_phrase(c, explain=False))} {pct(c['share'])}" for c in top)
                or "none",
            ]
        )
    out.append(
        '<div class="scroll">'
        + table(
            ["run", "wrongful share", "wrongful of all sanctioned person-days", "causes"],
            rows,
            numeric=(1, 2),
            raw=True,
        )
        + "</div>"
    )
    return "".join(out)


def impact_section(runs: Sequence[Run], page: Page) -> str:
    out = [
        f"<p>{IMPACT_RULE}Each scenario has its own groups, so each run has its own table; only "
        "sanctions with a ratio for some group are listed.</p>"
    ]
    for r in runs:
        sanctions = r.s["sanctions"]
        shown = {
            n: x
            for n, x in sanctions.items()
            if any(v is not None for v in x["disparate_impact"].values())
        }
        idle = [n for n, x in sanctions.items() if not x["person_days"]]
        undefined = [n for n, x in sanctions.items() if x["person_days"] and n not in shown]
        out.append(f"<h3>{swatch(r)}</h3><p>{impact_verdict(sanctions)}")
        for what, listed in (
            ("Never in force", idle),
            ("No ratio (the least affected group was never under it)", undefined),
        ):
            if listed:
                out.append(
                    f' <span class="note">{what}: {h(join_words([words(n) for n in listed]))}.'
                    "</span>"
                )
        out.append("</p>")
        if shown:
            out.append(impact_na_note(shown) + impact_grid(shown, r.data.groups))
    return "".join(out)


def cross_section(runs: Sequence[Run], page: Page) -> str:
    out = [
        "<p>The EU AI Act (Article 5(1)(c)) prohibits social scoring that leads to detrimental "
        "treatment in a social context unrelated to the one the data came from, or that is "
        "disproportionate to the behaviour. Here: the share of sanction-days in a domain "
        "unrelated to every record that can lead to the sanction, and whether lawful acts can "
        "lead to a sanction at all. A heuristic over each scenario's own numbers, not a legal "
        "finding.</p>"
    ]
    if any(r.s["sanctioned_person_days"] for r in runs):
        out.append(
            page.chart(
                charts.run_bars(
                    "Cross-context share of sanction-days",
                    [r.label for r in runs],
                    [r.colour for r in runs],
                    [100 * r.cross_share for r in runs],
                    [
                        "no sanction-days"
                        if r.s["cross_context_share"] is None
                        else pct(r.cross_share)
                        for r in runs
                    ],
                    "% of sanction-days",
                )
            )
        )
    rows = [
        [
            swatch(r),
            NONE if r.s["cross_context_share"] is None else pct(r.cross_share),
            h(join_words([words(n) for n in r.cross_declared])) or "none",
            h(join_words([words(b) for b in r.lawful])) or "none",
        ]
        for r in runs
    ]
    out.append(
        '<div class="scroll">'
        + table(
            [
                "run",
                "cross-context share",
                "sanctions in an unrelated domain (in the rules)",
                "lawful acts that can lead to a sanction",
            ],
            rows,
            numeric=(1,),
            raw=True,
        )
        + "</div>"
    )
    return "".join(out)


def chilling_section(runs: Sequence[Run], page: Page) -> str:
    chilled = [r for r in runs if r.s["chilling"]["behaviours"]]
    out = [
        "<p>Lawful acts a regime disfavours (it lowers the score for them) may become rarer when "
        "people fear the score: the chilling effect. Each regime disfavours its own acts, so each "
        "run has its own panel and y axis.</p>"
    ]
    rest = [r for r in runs if r not in chilled]
    if rest:
        out.append(
            f"<p>{subject(rest)} {verb(rest, 'disfavours', 'disfavour')} no lawful act, so there "
            "is nothing to chill.</p>"
        )
    if not chilled:
        return "".join(out)
    panels = {}
    rows = []
    for r in chilled:
        acts = r.s["chilling"]["behaviours"]
        people = np.maximum(r.data.per_day("people"), 1)
        rate = PER * np.sum([r.data.per_day(f"acts__{b}") for b in acts], axis=0) / people
        panels[r.label] = (trailing_mean(rate, WINDOW), float(rate[0]))
        c = r.s["chilling"]
        rows.append(
            [
                swatch(r),
                h(join_words([words(b) for b in acts])),
                amount(PER * c["rate_day0"]),
                amount(PER * c["rate_last_30_days"]),
                change(c.get("change")),
            ]
        )
    days = np.arange(max(r.days for r in chilled))
    out.append(page.chart(charts.chilling(days, panels, colours=[r.colour for r in chilled])))
    out.append(
        '<div class="scroll">'
        + table(
            [
                "run",
                "lawful disfavoured acts",
                f"per {num(PER)} a day, day 0",
                "last 30 days",
                "change",
            ],
            rows,
            numeric=(2, 3, 4),
            raw=True,
        )
        + "</div>"
    )
    return "".join(out)


def appeals_section(runs: Sequence[Run], page: Page) -> str:
    rows = []
    for r in runs:
        a = r.s["appeals"]
        if not r.appeals_open and not a["filed"]:
            rows.append([swatch(r), "no way to appeal", NONE, NONE, NONE])
            continue
        won = f"{num(a['won'])}" + (f" ({pct(a['won'] / a['decided'])})" if a["decided"] else "")
        rows.append(
            [
                swatch(r),
                num(a["filed"]),
                amount(r.per_person(a["filed"])),
                won,
                num(a["pending_at_end"]),
            ]
        )
    filed = [r for r in runs if r.s["appeals"]["filed"]]
    closed = [r for r in runs if not r.appeals_open and not r.s["appeals"]["filed"]]
    quiet = [r for r in runs if r not in filed and r not in closed]
    text = []
    if filed:
        text.append(
            "Appeals were filed in "
            + join_words(
                [
                    f"{name(r)} ({amount(r.per_person(r.s['appeals']['filed']))} per "
                    f"{num(PER)} people, {num(r.s['appeals']['won'])} won)"
                    for r in filed
                ]
            )
            + "."
        )
    if quiet:
        text.append(f"In {names(quiet)} none was filed.")
    if closed:
        text.append(f"{subject(closed)} {verb(closed, 'gives', 'give')} no way to appeal.")
    return (
        "<p>People can appeal new list entries; a won appeal ends the listing. Point records "
        f"are not appealed. {' '.join(text)}</p>"
        + '<div class="scroll">'
        + table(
            [
                "run",
                "filed",
                f"filed per {num(PER)} people",
                "won (share of decided)",
                "pending at the end",
            ],
            rows,
            numeric=(1, 2, 3, 4),
            raw=True,
        )
        + "</div>"
    )


# (anchor, heading, renderer): the order a reader meets them.
SECTIONS: tuple[tuple[str, str, Callable[[Sequence[Run], Page], str]], ...] = (
    ("runs", "The runs compared", runs_section),
    ("in-short", "In short", summary_section),
    ("headline", "Headline, side by side", headline_section),
    ("domains", "Sanctions by domain", domains_section),
    ("wrongful", "Wrongful sanctions and their causes", wrongful_section),
    ("impact", "Disparate impact, run by run", impact_section),
    ("cross-context", "Unrelated domains and lawful acts", cross_section),
    ("chilling", "Chilling of lawful acts", chilling_section),
    ("appeals", "Appeals", appeals_section),
)


def header(runs: Sequence[Run]) -> str:
    people, days = {r.people for r in runs}, {r.days for r in runs}
    title = f"Comparing {len(runs)} regimes"
    if len(people) == 1 and len(days) == 1:
        title += f" on {num(runs[0].people)} simulated people over {num(runs[0].days)} days"
    links = "".join(f'<a href="#{a}">{h(t)}</a>' for a, t, _ in SECTIONS)
    return (
        f"<header><h1>{h(title)}</h1>"
        '<p class="sub">A simulation on synthetic people: no real person is scored. Runs with the '
        "same people, days and seed share their random numbers wherever their rules agree, so "
        "what differs between them comes from the rules, not from chance. Each scenario has its "
        "own groups and regions, so the runs are compared through their summary numbers.</p>"
        f"<nav>{links}</nav></header>"
    )


def footer(runs: Sequence[Run]) -> str:
    return (
        f"<footer>Made by socialcredit {h(__version__)} from the summary.json, metrics.parquet and "
        "scenario.yaml of each run folder; rebuild with <code>socialcredit compare FOLDER FOLDER "
        "... --out FILE</code>. Each run's own report.html has the detail.</footer>"
    )


def build_compare(folders: Sequence[Path]) -> str:
    """The whole comparison page as text, from two or more run folders."""
    return render(load_runs(folders))


def render(runs: Sequence[Run]) -> str:
    page = Page()
    body = [header(runs)]
    for anchor, heading, section in SECTIONS:
        body.append(f'<section id="{anchor}"><h2>{h(heading)}</h2>{section(runs, page)}</section>')
    body.append(footer(runs))
    title = " vs ".join(words(r.label) for r in runs)
    return page.render(f"{title}: socialcredit comparison", "".join(body))


def default_out(runs: Sequence[Run]) -> Path:
    """compare-A-vs-B.html (and -and-N-more for more runs) in the current directory."""

    def safe(label: str) -> str:
        return re.sub(r"[^A-Za-z0-9._-]+", "-", label).strip("-.") or "run"

    stem = f"compare-{safe(runs[0].label)}-vs-{safe(runs[1].label)}"
    if len(runs) > 2:
        stem += f"-and-{len(runs) - 2}-more"
    return Path(f"{stem}.html")


def check_out(out: Path) -> None:
    if out.exists() or out.is_symlink():
        raise OutputError(
            f"{out}: already exists, and compare never overwrites a file. Fix: pass another "
            f"--out, or move or delete {out} first."
        )
    parent = out.parent
    if not parent.is_dir():
        raise OutputError(
            f"{out}: the folder {parent} does not exist. Fix: create it first, or pass an --out "
            "in an existing folder."
        )


def write_compare(folders: Sequence[Path], out: Path | None = None) -> Path:
    """Write the comparison page of two or more run folders; return its path.

    ``out`` defaults to ``compare-A-vs-B.html`` in the current directory; an existing file is
    never overwritten. The page is written beside its target and renamed into place.
    """
    folders = check_folders(folders)
    if out is not None:
        check_out(Path(out))
    runs = load_runs(folders)
    path = Path(out) if out is not None else default_out(runs)
    check_out(path)
    text = render(runs)
    check_out(path)  # it may have appeared while the page was built
    write_atomic(
        path,
        text,
        fix=f"free disk space or check you may write to {path.parent.resolve()}",
    )
    return path
