"""An ensemble worker as a Ray actor: a long-lived ``Simulator`` that returns each member's files.

The actor runs members into a scratch folder of its own and hands back the bytes of the member's
files; the driver writes them into the run's staging folder (ray_members.py). So the run folder
need not be on storage the cluster's nodes share: a member of a small run is a few hundred
kilobytes to a few megabytes, which Ray's object store carries without trouble.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from socialcredit.ensemble.member import EnsembleJob, Simulator
from socialcredit.ensemble.spec import MemberSpec
from socialcredit.threads import limit_threads
from socialcredit.version import __version__

# (index, {file name: bytes}, summary, timings): a finished member, as it crosses the network
MemberFiles = tuple[int, dict[str, bytes], dict[str, Any], dict[str, float]]


class MemberActor:
    """Runs members of one job, one after another, in a Ray worker process."""

    def __init__(self, job: EnsembleJob, threads: int) -> None:
        # The actor's process is its own, so Numba's thread count can be set here, as a shard
        # worker does (engine/shard_worker.py); it changes no result, only the speed.
        limit_threads(threads)
        self.simulator = Simulator(job)
        self.scratch = Path(tempfile.mkdtemp(prefix="socialcredit-members-"))

    def hello(self) -> tuple[str, int, str]:
        """The version, the process id and where the package was imported from (a check that
        the workers run the driver's code)."""
        import socialcredit

        return __version__, os.getpid(), str(socialcredit.__file__)

    def run(self, spec: MemberSpec) -> MemberFiles:
        done = self.simulator.run(spec, self.scratch)
        try:
            files = {p.name: p.read_bytes() for p in sorted(done.folder.iterdir())}
        finally:
            shutil.rmtree(done.folder, ignore_errors=True)
        return done.index, files, done.summary, done.timings

    def close(self) -> None:
        shutil.rmtree(self.scratch, ignore_errors=True)
