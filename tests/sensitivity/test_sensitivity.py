"""Sensitivity on a scenario where the answer is known (known.yaml), and its folder and errors.

- The court's bookkeeping error rate drives the wrongful share and the people sanctioned: it
  ranks first there, its interval clear of zero.
- The bins' records feed no rule, so their error rate has no path to any output: with common
  random numbers (every run has the same seed) its index is exactly zero, Morris and Sobol alike.
- The folder has the documented files and columns and verifies against its manifest; an
  analysis interrupted after a few runs resumes to the same indices, bit for bit.
- Bad inputs exit 2 with a message naming the option or file and the key path.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from socialcredit.ensemble.sensitivity.run import COLUMNS, resume, sensitivity
from socialcredit.output.run_folder import staging_path, verify_folder

KNOWN = Path(__file__).parent / "known.yaml"
DRIVER = "sources[court].errors.bookkeeping"
NO_PATH = "sources[bins].errors.bookkeeping"
SIZE = dict(people=1500, days=45)
CLI = [sys.executable, "-m", "socialcredit"]


@pytest.fixture(scope="module")
def morris(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("sens") / "morris"
    sensitivity(KNOWN, samples=4, workers=1, out=out, **SIZE)
    return out


def indices(folder: Path, output: str, index: str) -> dict[str, dict[str, float]]:
    rows = pq.read_table(folder / "sensitivity.parquet").to_pylist()
    return {r["factor"]: r for r in rows if r["output"] == output and r["index"] == index}


def test_default_factors_are_the_assumptions(morris: Path) -> None:
    summary = json.loads((morris / "sensitivity.json").read_text())
    # litter's rate and the two error rates say "assumption"; everything else cites a source,
    # and the response and appeals are off, so their time scales are not varied
    assert sorted(f["path"] for f in summary["factors"]) == sorted(
        ["behaviours[litter].rate", DRIVER, NO_PATH]
    )
    assert summary["runs"] == 4 * (3 + 1)


@pytest.mark.parametrize("output", ["wrongful_share", "people_ever_sanctioned"])
def test_morris_ranks_the_driver_first_and_the_pathless_rate_at_zero(
    morris: Path, output: str
) -> None:
    mu = indices(morris, output, "mu_star")
    assert mu[DRIVER]["rank"] == 1 and mu[DRIVER]["ci_low"] > 0
    assert mu[NO_PATH]["value"] == 0.0 and mu[NO_PATH]["ci_low"] <= 0.0  # exactly: same seed


def test_sobol_gives_the_pathless_rate_no_share(tmp_path: Path) -> None:
    vary = tmp_path / "vary.yaml"
    vary.write_text(
        f"{DRIVER}: {{low: 0.0005, high: 0.002}}\n{NO_PATH}: {{low: 0.5, high: 2, scale: true}}\n"
    )
    result = sensitivity(KNOWN, vary=vary, method="sobol", samples=4, workers=1,
                         out=tmp_path / "sobol", **SIZE)  # fmt: skip
    assert result.summary["runs"] == 4 * (2 + 2)
    st = indices(tmp_path / "sobol", "wrongful_share", "ST")
    s1 = indices(tmp_path / "sobol", "wrongful_share", "S1")
    assert st[DRIVER]["rank"] == 1 and st[DRIVER]["value"] > 0
    assert st[NO_PATH]["value"] == 0.0 and s1[NO_PATH]["value"] == 0.0


def test_the_folder_has_the_documented_files_and_columns(morris: Path) -> None:
    names = {p.name for p in morris.iterdir()}
    assert {"sensitivity.parquet", "sensitivity.html", "sensitivity.json", "samples.parquet",
            "scenario.yaml", "manifest.json"} <= names  # fmt: skip
    assert "members" not in names and verify_folder(morris) == []
    table = pq.read_table(morris / "sensitivity.parquet")
    assert tuple(table.column_names) == COLUMNS
    assert set(table.column("method").to_pylist()) == {"morris"}
    samples = pq.read_table(morris / "samples.parquet")
    assert samples.num_rows == 16 and {DRIVER, NO_PATH, "wrongful_share"} <= set(
        samples.column_names
    )
    page = (morris / "sensitivity.html").read_text()
    assert "depends mostly on" in page and "bookkeeping error rate of court" in page
    assert 'src="http' not in page  # offline: plotly is inside the file


def test_an_interrupted_analysis_resumes_to_the_same_indices(morris: Path, tmp_path: Path) -> None:
    out = tmp_path / "again"

    def stop_after_five(plan: object, done: int, total: int) -> None:
        if done == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sensitivity(KNOWN, samples=4, workers=1, out=out, on_member=stop_after_five, **SIZE)
    assert len(list((staging_path(out) / "members").iterdir())) == 5
    resume(out, workers=1)
    assert pq.read_table(out / "sensitivity.parquet").equals(
        pq.read_table(morris / "sensitivity.parquet")
    )


@pytest.mark.parametrize(
    ("vary", "args", "words"),
    [
        ("sources[courts].errors.bookkeeping: {low: 0.1, high: 0.2}", [], "no item named"),
        (f"{DRIVER}: {{low: 0.5, high: 2.0}}", [], "outside 0..1"),
        (f"{DRIVER}: {{low: 0.002, high: 0.001}}", [], "is not below high"),
        (None, ["--method", "sobol", "--samples", "6"], "power of two"),
        (None, ["--method", "fast"], "unknown method"),
    ],
)
def test_bad_inputs_exit_2_with_a_clear_message(
    tmp_path: Path, vary: str | None, args: list[str], words: str
) -> None:
    extra = []
    if vary is not None:
        (tmp_path / "vary.yaml").write_text(vary + "\n")
        extra = ["--vary", str(tmp_path / "vary.yaml")]
    done = subprocess.run(
        [*CLI, "sensitivity", str(KNOWN), "--out", str(tmp_path / "x"), *extra, *args],
        capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert words in done.stderr and "Traceback" not in done.stderr
    if vary is not None:
        assert "--vary" in done.stderr and "sources[" in done.stderr
    assert not (tmp_path / "x").exists() and not staging_path(tmp_path / "x").exists()
