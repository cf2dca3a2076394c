"""socialcredit: an open, auditable simulator of social credit systems on synthetic populations.

The simulator creates its own people. It never takes in records of real persons and offers no way
to score one. Importing this package does no work: no kernels compile, nothing touches the disk.
"""

from socialcredit.errors import (
    BackendError,
    ConfigError,
    OutputError,
    ResourceError,
    SocialCreditError,
    WorkerLostError,
)
from socialcredit.version import __version__


def __getattr__(name: str):  # lazy: importing the package loads no engine, Numba or pyarrow
    if name == "run":  # one run, or with replicates=R an ensemble of R seeds
        from socialcredit.ensemble.replicates import run

        return run
    raise AttributeError(f"module 'socialcredit' has no attribute {name!r}")


__all__ = [
    "BackendError",
    "ConfigError",
    "OutputError",
    "ResourceError",
    "SocialCreditError",
    "WorkerLostError",
    "__version__",
    "run",
]
