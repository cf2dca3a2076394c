"""Whole-number options are parsed exactly: never through float, scientific notation only where
it names a whole number."""

from __future__ import annotations

import pytest

from socialcredit.errors import ConfigError
from socialcredit.whole_numbers import parse_whole

TOP = 2**63 - 1


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("9007199254740993", 9007199254740993),  # 2^53 + 1: a float would give ...992
        ("9223372036854775807", TOP),
        ("1e6", 1_000_000),
        ("1_000_000", 1_000_000),
        ("1,000,000", 1_000_000),
        ("1.4e9", 1_400_000_000),
        ("9.007199254740993e15", 9007199254740993),
        ("2.50e1", 25),
        ("0", 0),
        ("0.0", 0),
        (" 42 ", 42),
    ],
)
def test_whole_numbers_are_read_exactly(text: str, number: int) -> None:
    parsed = parse_whole(text, "--seed", 0, TOP)
    assert parsed == number and isinstance(parsed, int)


@pytest.mark.parametrize("text", ["2.5", "1e-3", "abc", "nan", "inf", "", "1e", "0x10", "١٢"])
def test_what_is_not_a_whole_number_is_named(text: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_whole(text, "--people", 1, 10**12)
    message = str(caught.value)
    assert "--people" in message and "whole number" in message and "Fix:" in message


@pytest.mark.parametrize("text", ["0", "-1", "1e13", "9" * 5000, "1e999999999999"])
def test_out_of_range_is_refused_without_expanding_it(text: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_whole(text, "--people", 1, 10**12)
    message = str(caught.value)
    assert "1 .. 1,000,000,000,000" in message and len(message) < 300


def test_a_huge_negative_exponent_is_not_whole() -> None:
    with pytest.raises(ConfigError, match="whole number"):
        parse_whole("1e-99999999999999999999", "--days", 1, 100)
