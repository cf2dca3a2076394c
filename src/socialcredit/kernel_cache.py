"""The compiled kernels' disk cache, keyed on every source file the kernels depend on.

Numba's own cache (``cache=True``) is keyed on the one file that defines a kernel. Our kernels
also bake in what other modules define: the stream numbers (``rng.py``), the flag bits and day
marks (``state.py``), the plan's markers (``plan.py``) and the records they take
(``kernel_records.py``). An edit to any of those would leave a cached kernel that silently
disagrees with the reference engine. So the cache's source stamp here is a hash of all of them:
an edit anywhere in the kernels' inputs recompiles. ``DEPENDENCIES`` is checked against the
kernel modules' imports by a test (tests/unit/test_kernel_cache.py).

It sits in the foundation (it imports nothing of the package) so that every layer can compile:
the engine's day (``engine/kernels.py``) and the metrics' close of a day
(``metrics/day_kernels.py``).

This reaches into two of Numba's internal classes (``numba.core.caching``), which Numba has kept
since 0.49; only ``kernel`` below depends on them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any

from numba import njit
from numba.core import caching

PACKAGE = Path(__file__).resolve().parent  # src/socialcredit

# Every module whose code or constants the kernels compile in, relative to the package.
DEPENDENCIES = (
    "engine/kernels.py",
    "engine/learned_kernels.py",
    "engine/kernel_records.py",
    "metrics/day_kernels.py",
    "kernel_cache.py",
    "rng.py",
    "state.py",
    "carriers.py",
    "plan.py",
)


def sources_digest(paths: Iterable[Path]) -> str:
    """SHA-256 over the files' names and contents, in the order given."""
    h = hashlib.sha256()
    for path in paths:
        h.update(path.name.encode())
        h.update(path.read_bytes())
    return h.hexdigest()


@cache
def _stamp() -> str:
    # Once per process: a file edited while a process runs is not reloaded by Python either.
    return sources_digest(PACKAGE / name for name in DEPENDENCIES)


class _StampedInTree(caching.InTreeCacheLocator):
    """``__pycache__`` beside the kernels, as Numba does, with the dependencies' stamp."""

    def get_source_stamp(self) -> Any:
        return _stamp()


class _StampedUserProvided(caching.UserProvidedCacheLocator):
    """``NUMBA_CACHE_DIR`` where the user set it, with the dependencies' stamp."""

    def get_source_stamp(self) -> Any:
        return _stamp()


class _StampedUserWide(caching.UserWideCacheLocator):
    """The user-wide cache directory, where the package's folder is read-only."""

    def get_source_stamp(self) -> Any:
        return _stamp()


class _StampedImpl(caching.CompileResultCacheImpl):
    _locator_classes = [_StampedUserProvided, _StampedInTree, _StampedUserWide]


class _StampedCache(caching.FunctionCache):
    _impl_class = _StampedImpl


def kernel(**options: Any) -> Callable[[Callable[..., Any]], Any]:
    """``numba.njit(**options)`` with a disk cache stamped by ``DEPENDENCIES``."""

    def compile_later(fn: Callable[..., Any]) -> Any:
        dispatcher = njit(**options)(fn)  # nothing compiles until the first call
        dispatcher._cache = _StampedCache(fn)  # what Dispatcher.enable_caching() sets
        return dispatcher

    return compile_later


# Stages a kernel inlines: compiled into their callers (and cached with them).
inline = njit(inline="always")
