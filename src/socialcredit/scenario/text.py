"""Every string in a scenario must be writable as UTF-8.

YAML's double-quoted escapes can write a lone surrogate ("\\ud800"), which Python holds but no
file, Parquet column or HTML page can: refused at load time with its key path, rather than
crashing the report after the whole simulation.
"""

from __future__ import annotations

from typing import Any

from socialcredit.errors import ConfigError
from socialcredit.scenario.shown import brief


def check_text(raw: Any, label: str) -> None:
    # Depth is bounded by the YAML reader (limits.MAX_DEPTH), so recursion is safe here.
    _walk(raw, "", label)


def _walk(value: Any, path: str, label: str) -> None:
    if isinstance(value, str):
        _check(value, path, label)
    elif isinstance(value, dict):
        for key, item in value.items():
            sub = f"{path}.{key}" if path else str(key)
            if isinstance(key, str):
                _check(key, sub, label, "key")
            _walk(item, sub, label)
    elif isinstance(value, list | tuple):
        for i, item in enumerate(value):
            _walk(item, f"{path}[{i}]", label)


def _check(text: str, path: str, label: str, what: str = "text") -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ConfigError(
            f"the {what} {brief(text)} holds {brief(exc.object[exc.start : exc.end])}, "
            "a lone surrogate that cannot be written as UTF-8",
            file=label,
            path=path.encode("utf-8", "backslashreplace").decode("utf-8") or None,
            expected="text of whole Unicode characters",
            fix="write the character itself, or a pair of \\u escapes for one above U+FFFF",
        ) from None
