"""One exception hierarchy for everything the package raises on purpose.

``SocialCreditError`` is the root; the CLI turns any of them into a one-paragraph message and exit
code 2. Each subclass carries the context a user needs to act: the file and key path of a bad
scenario value, the resource that ran out, the day a model invariant broke.
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


class ModelError(SocialCreditError):
    """The simulation reached a state the model forbids (an internal invariant broke)."""


class BackendError(SocialCreditError):
    """An engine or execution backend failed or is unavailable."""


class OutputError(SocialCreditError):
    """The run folder cannot be written (exists already, unwritable, disk full)."""
