"""--set PATH=VALUE and overrides=: where they land, what they record, how they fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from socialcredit.errors import ConfigError
from socialcredit.runner import run
from socialcredit.scenario.loading import load_scenario
from socialcredit.scenario.overrides import overrides_from, parse_set
from socialcredit.scenario.variant import load_variant

PRESET = "china-national-score-2018"
LIST = "regime.lists[dishonest-debtors].duration_days"


def _set(*texts: str):
    return load_variant(PRESET, [parse_set(t) for t in texts]).scenario


def test_a_named_item_and_its_index_reach_the_same_value() -> None:
    by_name = _set(f"{LIST}=365")
    by_index = _set("regime.lists[0].duration_days=365")
    assert by_name.regime.lists[0].duration_days == 365
    assert by_name.regime.lists == by_index.regime.lists


def test_values_are_yaml_numbers_lists_and_mappings() -> None:
    sc = _set(
        "sources[cctv-face-recognition].coverage_per_camera_per_1000=0.001",
        "consequences[low-score-shaming].tiers=[C, D]",
        "behaviours[attend-protest].rate={majority-men: 0.01, majority-women: 0.01,"
        " minority-men: 0.02, minority-women: 0.02}",
        "regime.rules[jaywalking].points=-7",
    )
    assert sc.sources[0].coverage_per_camera_per_1000 == 0.001
    assert next(c for c in sc.consequences if c.name == "low-score-shaming").tiers == ["C", "D"]
    protest = next(b for b in sc.behaviours if b.name == "attend-protest")
    assert protest.rate == {
        "majority-men": 0.01,
        "majority-women": 0.01,
        "minority-men": 0.02,
        "minority-women": 0.02,
    }
    assert next(r for r in sc.regime.rules if r.behaviour == "jaywalking").points == -7


def test_a_key_left_at_its_default_can_be_set() -> None:
    preset, _ = load_scenario(PRESET)
    assert "enter_at_or_below" not in preset.regime.lists[0].model_fields_set
    sc = _set("regime.lists[dishonest-debtors].enter_at_or_below=100")
    assert sc.regime.lists[0].enter_at_or_below == 100
    assert [c.path for c in sc.changed] == ["regime.lists[dishonest-debtors].enter_at_or_below"]
    assert sc.changed[0].was is None and sc.changed[0].now == 100


def test_the_change_is_recorded_and_the_source_no_longer_cites_the_preset_alone() -> None:
    preset, _ = load_scenario(PRESET)
    sc = _set(f"{LIST}=365")
    (change,) = sc.changed
    assert (change.path, change.was, change.now) == (LIST, 730, 365)
    assert change.by == "--set on the command line"
    source = sc.regime.lists[0].source or ""
    assert source.startswith("changed by --set on the command line: duration_days 730 -> 365")
    assert source.endswith(f"the other values: {preset.regime.lists[0].source}")
    # untouched items keep their sources word for word
    assert sc.regime.tiers == preset.regime.tiers


def test_overrides_in_the_notebook_api_are_named_as_such() -> None:
    (o,) = overrides_from({LIST: 365})
    sc = load_variant(PRESET, [o]).scenario
    assert sc.changed[0].by == "overrides= of socialcredit.run()"


def test_a_patch_marks_what_it_changes_and_may_give_its_own_source(tmp_path: Path) -> None:
    patch = tmp_path / "patch.yaml"
    patch.write_text(
        f"name: fewer-cameras\nextend: {PRESET}\n"
        "sources:\n"
        "  - name: cctv-face-recognition\n"
        "    coverage_per_camera_per_1000: 0.001\n"
        "regime:\n"
        "  lists:\n"
        "    - name: dishonest-debtors\n"
        "      duration_days: 365\n"
        "      source: 'SPC 2019 rules: one year'\n",
        encoding="utf-8",
    )
    sc = load_variant(patch).scenario
    changes = {c.path: c for c in sc.changed}
    assert set(changes) == {
        "sources[cctv-face-recognition].coverage_per_camera_per_1000",
        "regime.lists[dishonest-debtors].duration_days",
    }
    assert all(c.by == f"the patch {patch}" for c in sc.changed)
    assert sc.regime.lists[0].source == "SPC 2019 rules: one year"  # the patch's own
    assert (sc.sources[0].source or "").startswith(
        f"changed by the patch {patch}: coverage_per_camera_per_1000 0.003 -> 0.001"
    )


def test_a_preset_run_as_it_is_records_no_change() -> None:
    assert load_variant(PRESET).scenario.changed == []


def test_an_override_runs_exactly_as_the_same_patch_file(tmp_path: Path) -> None:
    patch = tmp_path / "patch.yaml"
    patch.write_text(
        f"name: {PRESET}\nextend: {PRESET}\nregime:\n  rules:\n"
        "    - behaviour: jaywalking\n      points: -200\n",
        encoding="utf-8",
    )
    size = {"people": 4000, "days": 40, "seed": 3, "write": False, "engine": "reference"}
    by_patch = run(str(patch), **size).summary
    by_override = run(PRESET, overrides={"regime.rules[jaywalking].points": -200}, **size)
    unchanged = run(PRESET, **size).summary
    assert by_override.summary == by_patch
    # and it changed what the rule reaches: low-score tiers, so their sanctions
    days = "sanctioned_person_days"
    assert by_override.summary[days] > unchanged[days]


@pytest.mark.parametrize(
    ("text", "wanted"),
    [
        ("regime.list[x].duration_days=3", ["--set", "unknown key 'list'", "did you mean 'lists'"]),
        (
            "regime.lists[dishonest-debtor].duration_days=3",
            ["no item named 'dishonest-debtor'", "did you mean 'dishonest-debtors'"],
        ),
        (f"{LIST}=-3", [f"--set: {LIST}: got -3", "greater than or equal to 1"]),
        (f"{LIST}=[1, 2", ["--set", "is not valid YAML", "close every bracket"]),
        ("regime.tiers[9].min_score=3", ["has 6 item(s), so there is no [9]"]),
        (f"{LIST}.x=3", ["is int 730, so 'x' cannot follow"]),
        ("duration_days", ["--set: got 'duration_days'", "PATH=VALUE"]),
        (f"{LIST}=", ["the value after '=' is empty"]),
        ("regime..lists=3", ["is not a key path"]),
        ("extend=us-credit-score", ["'extend' cannot be set"]),
        ("population.groups[majority-men].share=0.9", ["with --set", "add up to"]),
    ],
)
def test_bad_overrides_get_a_message_naming_set_and_the_path(text: str, wanted: list[str]) -> None:
    with pytest.raises(ConfigError) as caught:
        _set(text)
    message = str(caught.value)
    for part in wanted:
        assert part in message, message
