"""Every broken scenario in broken/ must fail with one useful ConfigError.

Each file in broken/ is wrong in exactly one way. Loading it must raise ``ConfigError`` and
nothing else (no KeyError, TypeError or pydantic ValidationError escaping), in one paragraph that
names the file and contains every substring listed for it in expected.yaml: the key path, what
was found, what was expected and the likely fix.

Cases in ``XFAIL`` are loader shortcomings found by this corpus. Their expectations say what a
good message should contain; ``strict=True`` makes the test fail once the loader is fixed, so the
entry can be removed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from socialcredit.errors import ConfigError
from socialcredit.scenario.loading import load_scenario

HERE = Path(__file__).parent
BROKEN = HERE / "broken"
EXPECTED: dict[str, list[str]] = yaml.safe_load((HERE / "expected.yaml").read_text("utf-8"))
FILES = sorted(p.name for p in BROKEN.glob("*.yaml"))

_LITERAL_TYPO = (
    "a misspelt literal lists the allowed values but suggests none, and the fix only says "
    "'correct <path>' or repeats the field description; suggest the close value with difflib "
    "as for names and keys"
)

XFAIL: dict[str, str] = {
    "empty-file.yaml": (
        "an empty file is reported as 'holds a NoneType, not a mapping'; it should say the file "
        "is empty"
    ),
    "duplicate-yaml-key.yaml": (
        "yaml.safe_load keeps the last of two identical keys silently, so one setting is lost "
        "without an error; a duplicate key should be a ConfigError naming the key and line"
    ),
    "coverage-region-above-one.yaml": (
        "a per-region coverage above 1 is reported against the union branch: path "
        "'sources[1].coverage.float', 'got a dict; expected a valid number', instead of "
        "sources[1].coverage.megacities and the value 1.5"
    ),
    "extend-cycle.yaml": (
        "the cycle message says 'extend: extend: forms a cycle' (path and problem both "
        "start with extend:)"
    ),
    "extend-unknown-preset.yaml": (
        "the message quotes the path the loader tried (folder joined to the name), not the "
        "value the user wrote under extend:"
    ),
    "behaviour-patched-by-behaviour-key.yaml": (
        "deep_merge raises KeyError('behaviour') when a patch item for a list merged by name "
        "uses another key; should be a ConfigError naming the list and the key it merges on"
    ),
    "group-name-not-a-string.yaml": (
        "deep_merge raises TypeError (unhashable list) when a patch item's name is a list; "
        "should leave the item to validation, which reports 'expected a valid string'"
    ),
    "bad-stance.yaml": _LITERAL_TYPO,
    "bad-domain.yaml": _LITERAL_TYPO,
    "bad-related-domain.yaml": _LITERAL_TYPO,
}


def _params() -> list:
    return [
        pytest.param(
            name,
            id=name.removesuffix(".yaml"),
            marks=[pytest.mark.xfail(strict=True, reason=XFAIL[name])] if name in XFAIL else [],
        )
        for name in FILES
    ]


def test_corpus_is_large_enough() -> None:
    assert len(FILES) >= 20


def test_every_broken_file_has_expectations() -> None:
    assert sorted(set(FILES) - set(EXPECTED)) == []


def test_every_expectation_has_a_broken_file() -> None:
    assert sorted(set(EXPECTED) - set(FILES)) == []


def test_xfail_list_names_real_files() -> None:
    assert sorted(set(XFAIL) - set(FILES)) == []


@pytest.mark.parametrize("name", _params())
def test_broken_scenario_message(name: str) -> None:
    path = BROKEN / name
    try:
        load_scenario(path)
    except ConfigError as exc:
        message = str(exc)
    except Exception as exc:  # noqa: BLE001 - any other exception is the failure under test
        pytest.fail(f"{type(exc).__name__} escaped instead of ConfigError: {exc!r}")
    else:
        pytest.fail(f"{name} loaded without error")

    assert "\n" not in message, f"message is not one paragraph: {message!r}"
    assert name in message, f"message does not name the file: {message}"
    missing = [s for s in EXPECTED.get(name, []) if s not in message]
    assert not missing, f"message lacks {missing}: {message}"
