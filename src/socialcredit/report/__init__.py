"""The HTML report of a run: one self-contained page a journalist or an auditor can open offline.

``write_report(folder)`` builds ``report.html`` from a run folder's own files; ``rebuild_report``
does the same for a finished folder and updates its manifest.
"""

from socialcredit.report.build import build_report, rebuild_report, write_report

__all__ = ["build_report", "rebuild_report", "write_report"]
