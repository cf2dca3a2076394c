"""Read a scenario file's text, refusing anything that is not a small regular file.

Only regular files are opened (a FIFO or a device would block or never end), never anything under
/proc, /sys or /dev, and never more than ``MAX_FILE_BYTES``. A file reached through ``extend:``
must also be named like a scenario (``.yaml`` or ``.yml``), so a scenario cannot make the loader
read (and a message echo) an arbitrary file such as /etc/shadow.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from socialcredit.errors import ConfigError
from socialcredit.scenario.limits import MAX_FILE_BYTES, SCENARIO_SUFFIXES, SYSTEM_FOLDERS
from socialcredit.scenario.shown import brief_text


def real_path(path: Path) -> Path | None:
    """The file's absolute path with links and '..' resolved; None where it does not exist."""
    try:
        real = Path(os.path.realpath(path))
        return real if real.exists() else None
    except (OSError, ValueError):  # a name too long, a NUL byte: no such file
        return None


def check_extend_name(written: str, *, file: str) -> None:
    """An extend: target that is not a preset must be named like a scenario file."""
    if not written.lower().endswith(SCENARIO_SUFFIXES):
        raise ConfigError(
            f"'{brief_text(written)}' is neither a preset nor a scenario file name",
            file=file,
            path="extend",
            expected="a preset name or a path to a file ending in .yaml or .yml",
            fix="run `socialcredit presets` for the names, or extend a .yaml scenario file",
        )


def read_scenario_text(real: Path, label: str) -> str:
    """The UTF-8 text of the regular file at ``real`` (resolved), at most MAX_FILE_BYTES long."""
    if any(real == Path(top) or Path(top) in real.parents for top in SYSTEM_FOLDERS):
        raise ConfigError(
            f"is a system file under {real.parts[0]}{real.parts[1]}, not a scenario",
            file=label,
            expected="a YAML scenario file",
            fix="give the path of a scenario file",
        )
    try:
        fd = os.open(real, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise _unreadable(label, exc) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            kind = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
            raise ConfigError(
                f"is {kind}",
                file=label,
                expected="a YAML scenario file",
                fix="give the path of a scenario file",
            )
        if info.st_size > MAX_FILE_BYTES:
            raise _too_large(label, f"{info.st_size:,} bytes")
        with os.fdopen(os.dup(fd), "rb") as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise _unreadable(label, exc) from None
    finally:
        os.close(fd)
    if len(data) > MAX_FILE_BYTES:  # st_size may understate (a file still growing)
        raise _too_large(label, "more than that")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _unreadable(label, exc) from None


def _too_large(label: str, size: str) -> ConfigError:
    return ConfigError(
        f"is {size}, over the limit of {MAX_FILE_BYTES:,} bytes for a scenario file",
        file=label,
        expected="a scenario of at most a few thousand lines",
        fix="check that this is the scenario you meant; a preset is about 20 KB",
    )


def _unreadable(label: str, exc: Exception) -> ConfigError:
    return ConfigError(
        f"cannot be read ({exc.__class__.__name__})",
        file=label,
        expected="a readable UTF-8 YAML file",
        fix="check the file's permissions and encoding",
    )
