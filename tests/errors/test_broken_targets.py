"""Every broken targets file in broken_targets/ fails with one useful ConfigError, checked against
the preset it is for; the CLI shows it without a traceback and exits 2 (test_cli covers the
exit code of ConfigError in general)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from socialcredit.errors import ConfigError
from socialcredit.scenario.loading import load_scenario
from socialcredit.scenario.targets import load_targets

HERE = Path(__file__).parent
BROKEN = HERE / "broken_targets"
EXPECTED: dict[str, list[str]] = yaml.safe_load((HERE / "expected_targets.yaml").read_text())
FILES = sorted(p.name for p in BROKEN.glob("*.yaml"))


def test_every_file_has_expectations_and_back() -> None:
    assert sorted(set(FILES) ^ set(EXPECTED)) == []


@pytest.mark.parametrize("name", FILES)
def test_broken_targets_message(name: str) -> None:
    scenario = load_scenario("china-court-list-2013-2018")[0]
    with pytest.raises(ConfigError) as caught:
        load_targets(BROKEN / name, scenario)
    message = str(caught.value)
    assert "\n" not in message
    assert name in message
    missing = [s for s in EXPECTED[name] if s not in message]
    assert not missing, f"message lacks {missing}: {message}"


def test_missing_targets_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_targets(tmp_path / "none.yaml", load_scenario("china-court-list-2013-2018")[0])
