"""``socialcredit compare``: two or more runs side by side on one self-contained page.

Regimes run with the same people, days and seed share their random numbers wherever their rules
agree (common random numbers), so what differs between them comes from the policy, not from
noise. The page compares them at the level of summary numbers, because each scenario has its own
groups and regions (its group tables are shown run by run), and it says in sentences which
differences are of extent (more or fewer) and which are of kind (one regime does something the
other does not do at all).

``run.py`` holds one compared run, ``loading.py`` reads the folders, ``sections/`` builds each
section's data and ``build.py`` assembles and writes the page; the markup is in
``templates/compare*``.
"""

from socialcredit.report.compare.build import NONE, SECTIONS, build_compare, write_compare
from socialcredit.report.compare.run import PER, Run

__all__ = ["NONE", "PER", "SECTIONS", "Run", "build_compare", "write_compare"]
