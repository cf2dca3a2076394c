"""Which assumption matters: the sensitivity analysis linked to this run, in a sentence per
headline output, with a link to its page. Read from ``sensitivity-digest.json``
(report/sensitivity_link.py); a run without one has no such section (``build`` returns None).
"""

from __future__ import annotations

import json
from typing import Any

from socialcredit.errors import OutputError
from socialcredit.report.data import RunData
from socialcredit.report.page import Page

TEMPLATE = "report/which_assumption.html.j2"
DIGEST = "sensitivity-digest.json"  # written by report/sensitivity_link.py


def build(data: RunData, page: Page) -> dict[str, Any] | None:
    path = data.folder / DIGEST
    if not path.is_file():
        return None
    try:
        digest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        digest["outputs"], digest["page"]  # noqa: B018 - what the template reads
    except (OSError, ValueError, KeyError, TypeError):
        raise OutputError(
            f"{path}: unreadable. Fix: link the analysis again with `socialcredit report "
            f"{data.folder} --sensitivity DIR`."
        ) from None
    return digest
