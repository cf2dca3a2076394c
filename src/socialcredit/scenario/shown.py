"""How an error message shows a value from a scenario file: briefly, whatever its size.

A message must never hold the whole of a large or alias-expanded value (``repr`` of it can take
gigabytes), so every value a message quotes goes through ``brief``.
"""

from __future__ import annotations

import reprlib
from typing import Any

from socialcredit.scenario.limits import SHOWN_CHARS

_REPR = reprlib.Repr()
_REPR.maxstring = SHOWN_CHARS
_REPR.maxother = SHOWN_CHARS
_REPR.maxlong = SHOWN_CHARS
_REPR.maxlist = _REPR.maxtuple = _REPR.maxdict = _REPR.maxset = 6
_REPR.maxlevel = 3


def brief(value: Any) -> str:
    """``repr(value)``, cut to a few dozen characters (reprlib marks a cut with '...')."""
    return _REPR.repr(value)


def brief_text(text: str) -> str:
    """A name or path as written (no quotes added), cut to ``SHOWN_CHARS`` characters."""
    cut = text if len(text) <= SHOWN_CHARS else text[: SHOWN_CHARS - 3] + "..."
    return cut.encode("utf-8", "backslashreplace").decode("utf-8")
