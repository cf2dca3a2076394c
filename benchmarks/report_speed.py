"""Time to write report.html for a run folder (the issue's bar: under 5 s for 1e6 people x 365).

    .venv/bin/python benchmarks/report_speed.py RUN_FOLDER [--repeat 5]

Works on a copy of the folder's inputs (summary.json, metrics.parquet, scenario.yaml), so the run
folder itself is left untouched. Prints the import time, the first (cold) build, the median of the
repeats, and `socialcredit report` end to end as a user runs it (a fresh process). Figures are
measured in this one run; nothing here is asserted in the test suite.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    start = time.perf_counter()
    from socialcredit.report import write_report

    imported = time.perf_counter() - start
    summary = json.loads((args.folder / "summary.json").read_text())
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / "run"
        work.mkdir()
        for name in ("summary.json", "metrics.parquet", "scenario.yaml", "manifest.json"):
            if (args.folder / name).exists():
                shutil.copy2(args.folder / name, work / name)
        times = []
        for _ in range(max(args.repeat, 1)):
            start = time.perf_counter()
            path = write_report(work)
            times.append(time.perf_counter() - start)
        size = path.stat().st_size
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-m", "socialcredit", "report", str(work)],
            capture_output=True,
            text=True,
        )
        cli = time.perf_counter() - start
        if done.returncode != 0:
            sys.exit(f"socialcredit report failed: {done.stderr}")

    print(
        f"{summary['scenario']}: {summary['people']:,} people x {summary['days']} days "
        f"({args.folder})"
    )
    print(f"import socialcredit.report     {imported:6.3f} s")
    print(f"first build (cold)             {times[0]:6.3f} s")
    print(f"median of {len(times)} builds            {statistics.median(times):6.3f} s")
    print(f"`socialcredit report` process  {cli:6.3f} s  (Python start-up and imports included)")
    print(f"report.html                    {size / 1e6:6.2f} MB (plotly.js is about 4.8 MB of it)")


if __name__ == "__main__":
    main()
