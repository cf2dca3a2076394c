"""A whole country: `socialcredit run --people 1.4e9 --days 365`, wall time and peak memory.

    .venv/bin/python benchmarks/national.py [--people 1.4e9] [--days 365]

Runs the command line as a user would (a subprocess under /usr/bin/time) and prints wall time,
peak resident memory, and the run's own timings from its manifest. With fewer --days it also
prints the per-day cost and what a full year would take at that rate: an estimate only (the cost
of a day changes as people leave the start score, and with how many checkpoints were saved).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", default="1.4e9")
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="national-"))
    out = work / "run"
    cli = [sys.executable, "-m", "socialcredit", "run", "--people", args.people,
           "--days", str(args.days), "--out", str(out), "--quiet"]  # fmt: skip
    try:
        done = subprocess.run(["/usr/bin/time", "-v", *cli], capture_output=True, text=True)
        if done.returncode != 0:
            sys.exit(f"the run failed (exit {done.returncode}):\n{done.stderr[-2000:]}")
        peak_kib = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)[1])
        manifest = json.loads((out / "manifest.json").read_text())
    finally:
        shutil.rmtree(work, ignore_errors=True)
    t = manifest["timings_seconds"]
    people, days = manifest["people"], manifest["days"]
    per_day = t["simulation"] / days
    print(f"{people:,} people x {days} days, engine {manifest['engine']}")
    print(f"wall time (whole command)   {t['total']:10.1f} s")
    print(f"  population synthesis      {t['population']:10.1f} s")
    print(f"  simulation                {t['simulation']:10.1f} s ({per_day:.2f} s per day)")
    saving = t.get("checkpoints", 0.0)
    print(f"  of which saving checkpoints {saving:8.1f} s (paced: about a tenth of the run)")
    print(f"speed                       {manifest['person_days_per_second'] / 1e6:10.1f} M pd/s")
    print(f"peak memory                 {peak_kib / 2**20:10.2f} GiB (goal: at most 20)")
    if days < 365:
        year = t["total"] - t["simulation"] + per_day * 365
        print(f"a 365-day run at this rate  {year / 60:10.1f} min (goal: at most 10)")
        print("  an estimate: a day's cost changes as people leave the start score (the whole")
        print("  year measured 8.74 s per day on 2 cores, see the README)")


if __name__ == "__main__":
    main()
