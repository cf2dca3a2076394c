"""One exception hierarchy for everything the package raises on purpose.

``SocialCreditError`` is the root; the CLI turns any of them into a one-paragraph message and exit
code 2. Each subclass carries the context a user needs to act: the file and key path of a bad
scenario value, the resource that ran out, the shard and day a worker was lost on.
"""

from __future__ import annotations


class SocialCreditError(Exception):
    """Root of every error this package raises deliberately."""


class ConfigError(SocialCreditError):
    """A scenario file or a command-line value is wrong.

    The message always names where (file and key path, or the option), what was found, what was
    expected, and the likely fix.
    """

    def __init__(
        self,
        problem: str,
        *,
        file: str | None = None,
        path: str | None = None,
        expected: str | None = None,
        fix: str | None = None,
    ) -> None:
        self.file = file
        self.path = path
        self.problem = problem
        self.expected = expected
        self.fix = fix
        super().__init__(self._compose())

    def _compose(self) -> str:
        where = ": ".join(part for part in (self.file, self.path) if part)
        text = f"{where}: {self.problem}" if where else self.problem
        if self.expected:
            text += f"; expected {self.expected}"
        text = text.rstrip(".") + "."
        if self.fix:
            fix = self.fix.rstrip(".")
            text += f" Fix: {fix}" + ("" if fix.endswith("?") else ".")
        return text


class ResourceError(SocialCreditError):
    """A run would not fit the machine (memory, disk); raised before any work is done."""


class BackendError(SocialCreditError):
    """An engine or execution backend failed or is unavailable."""


class WorkerLostError(BackendError):
    """A worker holding a shard died, and the shard's state with it (a node ran out of memory,
    was preempted, crashed).

    Raised by a shard backend (``engine/backends.py``) on any call that reaches the dead worker;
    the run replaces it and goes on from its last checkpoint (``runner.advance``), so a user sees
    this only where recovery itself failed.
    """

    def __init__(self, detail: str, *, shard: int, day: int | None = None) -> None:
        self.detail = detail  # what the backend said about the loss
        self.shard = shard
        self.day = day  # the day being run or saved; None outside the days (e.g. the summary)
        super().__init__(
            f"{self.where}: the worker holding this shard was lost ({detail or 'no detail'}). "
            "Fix: check the nodes' memory and logs (`ray status`); `socialcredit resume OUT` "
            "continues from the last checkpoint."
        )

    @property
    def where(self) -> str:
        return f"shard {self.shard}" + (f", day {self.day}" if self.day is not None else "")


class OutputError(SocialCreditError):
    """The run folder cannot be written (exists already, unwritable, disk full)."""
