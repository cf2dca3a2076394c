"""``run-request.json``: how a run was asked for, kept while it runs so `resume` can rebuild it.

`resume` reads it from a folder that anyone may have changed, so it trusts nothing in it: the file
carries a SHA-256 of its own fields and of ``scenario.yaml``, and every field is checked for its
type and range before use. A cluster address in it is only a record; `resume` connects to a
cluster only where the user names one again (runner.resume).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from socialcredit.errors import OutputError
from socialcredit.output.run_folder import sha256_of, write_json

REQUEST = "run-request.json"
SCENARIO = "scenario.yaml"
MAX_SHARDS = 4096
MAX_DAYS = 32_000
MAX_TRACES = 10_000
MAX_REPLICATES = 1_000_000


def _digest(fields: dict[str, Any]) -> str:
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def write_request(staging: Path, request: dict[str, Any]) -> None:
    """Write the request, sealed with a digest of its fields and of the staged scenario.yaml."""
    fields = request | {"scenario_sha256": sha256_of(staging / SCENARIO)}
    write_json(staging / REQUEST, fields | {"sha256": _digest(fields)})


def _whole(value: Any, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def read_request(staging: Path, engines: Sequence[str]) -> dict[str, Any]:
    """The checked request of the run staged in ``staging`` (OutputError where anything in it,
    or in scenario.yaml, is not what this version wrote)."""
    path = staging / REQUEST

    def refuse(problem: str, file: Path = path) -> OutputError:
        return OutputError(
            f"{file}: {problem}, so this run cannot be resumed safely. Fix: restore the file "
            "if you have a copy; otherwise delete the folder and start the run again."
        )

    try:
        request = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise refuse(f"cannot be read ({exc.__class__.__name__})") from None
    except ValueError as exc:  # json.JSONDecodeError, or a number too long to convert
        raise refuse(f"is not valid JSON ({str(exc)[:80]})") from None
    if not isinstance(request, dict):
        raise refuse("holds no JSON object")
    checks: dict[str, tuple[str, Any]] = {
        "scenario_ref": ("a text", lambda v: isinstance(v, str)),
        "engine": (f"one of: {', '.join(engines)}", lambda v: v in engines),
        "shards": (f"null or 1 .. {MAX_SHARDS}", lambda v: v is None or _whole(v, 1, MAX_SHARDS)),
        "cluster": ("null or a text", lambda v: v is None or isinstance(v, str)),
        "checkpoint_every": (f"0 .. {MAX_DAYS}", lambda v: _whole(v, 0, MAX_DAYS)),
        "trace": (f"0 .. {MAX_TRACES}", lambda v: _whole(v, 0, MAX_TRACES)),
        "started_at": ("a text", lambda v: isinstance(v, str)),
        "command": (
            "a list of texts",
            lambda v: isinstance(v, list) and all(isinstance(a, str) for a in v),
        ),  # fmt: skip
        "scenario_sha256": ("a SHA-256 in hex", lambda v: isinstance(v, str) and len(v) == 64),
        "sha256": ("a SHA-256 in hex", lambda v: isinstance(v, str) and len(v) == 64),
    }
    optional: dict[str, tuple[str, Any]] = {  # absent from plain runs (one replicate)
        "replicates": (f"2 .. {MAX_REPLICATES}", lambda v: _whole(v, 2, MAX_REPLICATES)),
    }
    for key, (expected, ok) in [*checks.items(), *optional.items()]:
        if key not in request and key in optional:
            continue
        if key not in request:
            raise refuse(f"the key '{key}' is missing (expected {expected})")
        if not ok(request[key]):
            raise refuse(f"'{key}' is {str(request[key])[:60]!r}, not {expected}")
    unknown = sorted(set(request) - set(checks) - set(optional))
    if unknown:
        raise refuse(f"it holds unknown keys ({', '.join(unknown)[:80]})")
    fields = {k: v for k, v in request.items() if k != "sha256"}
    if _digest(fields) != request["sha256"]:
        raise refuse("its fields do not match its digest: it was changed or damaged")
    scenario = staging / SCENARIO
    if not scenario.is_file() or scenario.is_symlink():
        raise refuse("is missing", scenario)
    if sha256_of(scenario) != request["scenario_sha256"]:
        raise refuse(f"does not match the digest in {REQUEST}: it was changed", scenario)
    return fields
