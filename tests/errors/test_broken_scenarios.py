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

XFAIL: dict[str, str] = {}


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
