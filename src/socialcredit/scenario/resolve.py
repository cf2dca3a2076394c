"""The scenario a run folder keeps: fully resolved, so it stands on its own.

A run's ``scenario.yaml`` is the scenario after every ``extend:`` was merged and every
``remove: true`` applied, with the people, days and seed the run used, and no ``extend:`` key.
Loading it merges nothing again, so it re-runs, replays (``socialcredit trace``) and resumes to
the same bits anywhere, even where the file it once extended is gone or a preset has changed.
"""

from __future__ import annotations

from typing import Any

import yaml

from socialcredit.plan import Plan
from socialcredit.scenario.changes import shown
from socialcredit.scenario.schema import Scenario


def resolved_scenario(scenario: Scenario, plan: Plan) -> dict[str, Any]:
    """The scenario as the run used it: merged, with its size and seed, without ``extend``."""
    # by alias: a schedule entry's and a dated item's `from:` is `from_` in Python
    resolved = scenario.model_dump(mode="json", exclude_none=True, by_alias=True)
    resolved.pop("extend", None)  # already merged in: merging it again would change the run
    resolved["population"]["people"] = plan.people
    run = resolved["run"]
    resolved["run"] = {"days": plan.days, "seed": plan.seed}
    if plan.start is not None:
        resolved["run"]["start"] = plan.start.isoformat()
    if plan.warmup:  # absent for none, so a run without one keeps its scenario.yaml
        resolved["run"]["warmup_days"] = plan.warmup
    if "source" in run:
        resolved["run"]["source"] = run["source"]
    return resolved


def resolved_scenario_text(scenario: Scenario, plan: Plan, ref: str) -> str:
    """``resolved_scenario`` as YAML, headed by a comment naming what it was resolved from."""
    source = _one_line(ref) + (
        f", extending {_one_line(scenario.extend)}" if scenario.extend else ""
    )
    header = (
        f"# The resolved scenario of this run (from {source}): nothing is left to merge,\n"
        "# so it re-runs to the same results with `socialcredit run scenario.yaml`.\n"
    ) + _changes_comment(scenario)
    body = yaml.safe_dump(resolved_scenario(scenario, plan), sort_keys=False, allow_unicode=True)
    return header + body


def _changes_comment(scenario: Scenario) -> str:
    """The values a patch or --set changed, one comment line each (``changed:`` at the end
    holds the same, for the report)."""
    if not scenario.changed:
        return ""
    lines = [
        f"#   {_one_line(c.path)}: {_one_line(shown(c.was))} -> {_one_line(shown(c.now))}"
        f" (by {_one_line(c.by)})"
        for c in scenario.changed
    ]
    return (
        "# Changed from its base scenario (their sources say so, and changed: at the end lists\n"
        "# them):\n" + "\n".join(lines) + "\n"
    )


def _one_line(text: str) -> str:
    """``text`` fit for a YAML comment: a newline in a path must not start a key of its own,
    and a lone surrogate must not stop the file from being written."""
    flat = " ".join(text.split())
    return flat.encode("utf-8", "backslashreplace").decode("utf-8")
