"""Assemble the comparison page from its sections and write it beside its target."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from markupsafe import Markup

from socialcredit.errors import OutputError
from socialcredit.report.build import write_atomic
from socialcredit.report.compare.loading import check_folders, load_runs
from socialcredit.report.compare.run import PER, Run
from socialcredit.report.compare.sections import (
    appeals,
    chilling,
    cross_context,
    differ,
    domains,
    headline,
    impact,
    in_short,
    runs_compared,
    wrongful,
)
from socialcredit.report.page import Page, Section
from socialcredit.version import __version__

NONE = "&ndash;"  # a cell with nothing to count (no such sanction, no such act), as HTML

# (anchor, heading, section module): the order a reader meets them. Each module builds its
# section's data (``build``) for its template (``TEMPLATE``); charts are numbered in this order.
SECTIONS = (
    ("runs", "The runs compared", runs_compared),
    ("in-short", "In short", in_short),
    ("headline", "Headline, side by side", headline),
    ("differ", "Differences beyond noise", differ),
    ("domains", "Sanctions by domain", domains),
    ("wrongful", "Wrongful sanctions and their causes", wrongful),
    ("impact", "Disparate impact, run by run", impact),
    ("cross-context", "Unrelated domains and lawful acts", cross_context),
    ("chilling", "Chilling of lawful acts", chilling),
    ("appeals", "Appeals", appeals),
)


def render(runs: Sequence[Run]) -> str:
    page = Page()
    sections = [
        Section(anchor, heading, module.TEMPLATE, module.build(runs, page))
        for anchor, heading, module in SECTIONS
    ]
    return page.render(
        "compare.html.j2",
        runs=list(runs),
        same_size=len({r.people for r in runs}) == 1 and len({r.days for r in runs}) == 1,
        sections=sections,
        nav=[(x.anchor, x.heading) for x in sections],
        per=PER,
        nothing=Markup(NONE),  # our own entity, not user text
        version=__version__,
    )


def build_compare(folders: Sequence[Path]) -> str:
    """The whole comparison page as text, from two or more run folders."""
    return render(load_runs(folders))


def default_out(runs: Sequence[Run]) -> Path:
    """compare-A-vs-B.html (and -and-N-more for more runs) in the current directory."""

    def safe(label: str) -> str:
        return re.sub(r"[^A-Za-z0-9._-]+", "-", label).strip("-.") or "run"

    stem = f"compare-{safe(runs[0].label)}-vs-{safe(runs[1].label)}"
    if len(runs) > 2:
        stem += f"-and-{len(runs) - 2}-more"
    return Path(f"{stem}.html")


def check_out(out: Path) -> None:
    if out.exists() or out.is_symlink():
        raise OutputError(
            f"{out}: already exists, and compare never overwrites a file. Fix: pass another "
            f"--out, or move or delete {out} first."
        )
    parent = out.parent
    if not parent.is_dir():
        raise OutputError(
            f"{out}: the folder {parent} does not exist. Fix: create it first, or pass an --out "
            "in an existing folder."
        )


def write_compare(folders: Sequence[Path], out: Path | None = None) -> Path:
    """Write the comparison page of two or more run folders; return its path.

    ``out`` defaults to ``compare-A-vs-B.html`` in the current directory; an existing file is
    never overwritten. The page is written beside its target and renamed into place.
    """
    folders = check_folders(folders)
    if out is not None:
        check_out(Path(out))
    runs = load_runs(folders)
    path = Path(out) if out is not None else default_out(runs)
    check_out(path)
    text = render(runs)
    check_out(path)  # it may have appeared while the page was built
    write_atomic(
        path,
        text,
        fix=f"free disk space or check you may write to {path.parent.resolve()}",
    )
    return path
