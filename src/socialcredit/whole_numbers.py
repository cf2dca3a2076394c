"""Whole numbers typed on the command line (``--people 1.4e9``, ``--seed 9007199254740993``),
parsed exactly.

A value never goes through ``float``: above 2^53 a float cannot hold every integer, so a seed
would silently become its neighbour. Plain digits are read as an integer; decimal and scientific
notation (``1e6``, ``1.4e9``) are read as an exact decimal and accepted only where they name a
whole number.
"""

from __future__ import annotations

import re
from decimal import Decimal

from socialcredit.errors import ConfigError

# ASCII digits only: int() and Decimal() would also take other scripts' digits.
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE](?P<exponent>[+-]?\d+))?", re.ASCII)
# More digits than any option allows, refused before they are expanded: '1e999999999' would be
# an integer with a billion digits, and int() refuses over 4,300 digits anyway.
_MAX_DIGITS = 40


def parse_whole(value: str, option: str, low: int, high: int) -> int:
    """``value`` as an integer in ``low .. high``; '1000000', '1_000_000', '1,000,000', '1e6'
    and '1.4e9' are accepted, '2.5' and '1e-3' are not."""
    text = value.strip().replace("_", "").replace(",", "")
    match = _NUMBER.fullmatch(text)
    if match is None:
        raise _not_whole(value, option)
    exponent = match["exponent"]
    if len(text) > 2 * _MAX_DIGITS or (exponent and abs(int(exponent[:12])) > 10 * _MAX_DIGITS):
        too_large = exponent is None or not exponent.startswith("-")
        raise (
            _out_of_range(_shown(value), option, low, high)
            if too_large
            else _not_whole(value, option)
        )
    exact = Decimal(text)  # exact: the text has at most a few hundred digits of exponent
    if exact != exact.to_integral_value():
        raise _not_whole(value, option)
    if exact.is_zero():
        number = 0
    elif exact.adjusted() >= _MAX_DIGITS:
        raise _out_of_range(_shown(value), option, low, high)
    else:
        number = int(exact)
    if not low <= number <= high:
        raise _out_of_range(f"{number:,}", option, low, high)
    return number


def _shown(value: str, limit: int = 40) -> str:
    if len(value) <= limit:
        return f"'{value}'"
    return f"'{value[:limit]}...' ({len(value)} characters)"


def _not_whole(value: str, option: str) -> ConfigError:
    return ConfigError(
        f"got {_shown(value)}",
        path=option,
        expected="a whole number such as 1000000, 1_000_000, 1e6 or 1.4e9",
        fix=f"pass {option} with a whole number",
    )


def _out_of_range(shown: str, option: str, low: int, high: int) -> ConfigError:
    return ConfigError(
        f"got {shown}",
        path=option,
        expected=f"{low:,} .. {high:,}",
        fix=f"pass {option} within that range",
    )
