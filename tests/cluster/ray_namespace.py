"""Ray's processes listen on every interface, so the Ray checks run in a child process inside a
network namespace of its own with only loopback up (``unshare -n``; root or user namespaces
needed): nothing of a test cluster is reachable from outside this machine."""

from __future__ import annotations

import shutil
import subprocess

import pytest


def loopback_only() -> list[str]:
    """The command prefix that runs a command in a new network namespace with loopback up."""
    if shutil.which("unshare") is None or shutil.which("ip") is None:
        pytest.skip("unshare and ip are needed to confine the test's Ray cluster to loopback")
    probe = subprocess.run(["unshare", "-n", "true"], capture_output=True)
    if probe.returncode != 0:
        pytest.skip("cannot create a network namespace here (needs root or user namespaces)")
    return ["unshare", "-n", "sh", "-c", 'ip link set lo up && exec "$@"', "sh"]
