"""The kernels' disk cache cannot go stale: it is keyed on every source the kernels compile in.

Numba keys its cache on the one file that defines a kernel; ours are stamped with a hash of
kernel_cache.DEPENDENCIES. These tests prove that list covers everything the kernels
import from the package (transitively, as compiled code or baked-in constants), that an edit to
any of those files changes the stamp, and that the compiled kernels carry the stamped cache.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

from socialcredit import kernel_cache
from socialcredit.engine import kernels, learned_kernels
from socialcredit.metrics import day_kernels

PACKAGE = kernel_cache.PACKAGE


def _runtime_imports(path: Path) -> set[str]:
    """socialcredit modules ``path`` imports when it runs (not under ``if TYPE_CHECKING``)."""
    found: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.startswith("socialcredit")
        ):
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("socialcredit"))
    return found


def _file_of(module: str) -> Path | None:
    """The file of a module; None for a name inside a module, and for packages (their
    ``__init__`` is import machinery: the kernels read nothing from it)."""
    parts = module.split(".")[1:]
    candidate = PACKAGE.joinpath(*parts).with_suffix(".py") if parts else None
    return candidate if candidate is not None and candidate.is_file() else None


def test_every_source_the_kernels_import_is_in_the_stamp() -> None:
    seen: set[Path] = set()
    todo = [
        PACKAGE / "engine/kernels.py",
        PACKAGE / "engine/learned_kernels.py",
        PACKAGE / "metrics/day_kernels.py",
    ]
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        todo += [f for m in _runtime_imports(path) if (f := _file_of(m)) is not None]
    stamped = {PACKAGE / name for name in kernel_cache.DEPENDENCIES}
    assert seen <= stamped, sorted(str(p) for p in seen - stamped)


def test_an_edit_to_any_dependency_changes_the_stamp(tmp_path: Path) -> None:
    copies = []
    for name in kernel_cache.DEPENDENCIES:
        copy = tmp_path / name.replace("/", "_")
        shutil.copy(PACKAGE / name, copy)
        copies.append(copy)
    before = kernel_cache.sources_digest(copies)
    assert kernel_cache.sources_digest(copies) == before
    for copy in copies:
        text = copy.read_bytes()
        copy.write_bytes(text + b"\n# an edit\n")
        assert kernel_cache.sources_digest(copies) != before, copy.name
        copy.write_bytes(text)
    assert kernel_cache.sources_digest(copies) == before


def test_the_kernels_carry_the_stamped_cache() -> None:
    for dispatcher in (kernels.run_day, kernels.run_day_serial, kernels._run_lane,
                       kernels._first_draws, kernels.collect_entered,
                       day_kernels.sum_columns, day_kernels.score_stats,
                       learned_kernels.learned_scores, learned_kernels._learned_chunk):  # fmt: skip
        locator = dispatcher._cache._impl.locator
        assert locator.get_source_stamp() == kernel_cache.sources_digest(
            PACKAGE / name for name in kernel_cache.DEPENDENCIES
        )
