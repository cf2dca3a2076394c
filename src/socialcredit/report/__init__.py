"""The HTML report of a run: one self-contained page a journalist or an auditor can open offline.

``write_report(folder)`` builds ``report.html`` from a run folder's own files; ``rebuild_report``
does the same for a finished folder and updates its manifest. ``write_compare(folders, out)``
puts two or more runs side by side on one page (``socialcredit compare``).
"""

from socialcredit.report.build import build_report, rebuild_report, write_report
from socialcredit.report.compare import build_compare, write_compare

__all__ = ["build_compare", "build_report", "rebuild_report", "write_compare", "write_report"]
