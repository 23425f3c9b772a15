"""Predict speed and fit memory: ``python -m benchmarks.tabular.speed --quick``.

The quick run goes through a subprocess from the repository root, as CI runs
it, and must print every table with its columns and numbers in each cell. No
timing or memory assertions: the machine running the tests may be busy.
"""

import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
# The benchmarks live beside the package, not in it: make them importable
# when pytest runs from anywhere. Appended, so that skmlp still comes from
# the installed package.
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))

from benchmarks.tabular import speed  # noqa: E402

NUMBER = re.compile(r"[\d,]+\.?\d*x?")
PREDICT_HEADERS = ["skmlp tabular", "drop-in", "ours/drop-in", "target"]
METRICS = ("1-row latency (ms)", "100-row latency (ms)", "throughput (rows/s)")


def sections(out: str) -> dict[str, list[str]]:
    """Table title -> its lines, from the plain-text output."""
    found, title = {}, None
    for line in out.splitlines():
        if line.startswith("== ") and line.endswith(" =="):
            title = line[3:-3]
            found[title] = []
        elif title is not None:
            found[title].append(line)
    return found


def table(found: dict, prefix: str) -> tuple[list[str], dict[str, list[str]]]:
    """Headers and rows (first cell -> other cells) of the table ``prefix``."""
    lines = next(v for k, v in found.items() if k.startswith(prefix))
    headers = re.split(r"\s{2,}", lines[0].strip())
    rows = {}
    for line in lines[2:]:
        if not line.strip() or line.startswith("  * "):
            break
        first, *cells = re.split(r"\s{2,}", line.strip())
        rows[first] = cells
    return headers, rows


@pytest.fixture(scope="module")
def quick_output() -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.tabular.speed", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    return proc.stdout


@pytest.mark.parametrize(
    "prefix", ["predict_proba on a mixed", "predict_proba on a numeric"]
)
def test_predict_tables_compare_every_engine(quick_output, prefix):
    headers, rows = table(sections(quick_output), prefix)
    assert headers[1:] == PREDICT_HEADERS
    engines = speed.skmlp_engines()
    assert set(rows) == {f"{e}: {m}" for e in engines for m in METRICS}
    for cells in rows.values():
        assert all(NUMBER.fullmatch(c) for c in cells[:3]), cells
        assert cells[3] in ("met", "missed"), cells


def test_memory_table_has_the_bound_and_the_peak(quick_output):
    found = sections(quick_output)
    headers, rows = table(found, "Peak memory during fit")
    assert headers[1:] == ["skmlp tabular", "drop-in pipeline"]
    for label in (
        "traced peak during fit",
        "peak / bound",
        "bound: the sum of the six lines above",
        "target: peak <= bound",
    ):
        assert label in rows, (label, list(rows))
    labels = list(rows)
    at = labels.index("bound: the sum of the six lines above")
    parts = [float(rows[label][0]) for label in labels[at - 6 : at]]
    bound = float(rows[labels[at]][0])
    assert bound == pytest.approx(sum(parts), abs=0.06)
    assert NUMBER.fullmatch(rows["traced peak during fit"][0])
    assert NUMBER.fullmatch(rows["traced peak during fit"][1])  # the drop-in's
    assert rows["target: peak <= bound"][0] in ("met", "missed")
    encoded = next(k for k in rows if k.startswith("one encoded copy"))
    width = int(rows["encoded width (columns)"][0])
    expected = speed.QUICK.memory_rows * width * 4 / 2**20
    assert float(rows[encoded][0]) == pytest.approx(expected, abs=0.05)
    headers, phases = table(found, "Where the tabular fit's memory goes")
    assert {"encoder transform", "training loop"} <= set(phases)
    assert any(t.startswith("Largest live allocations") for t in found)


def test_the_mixed_frame_has_what_the_targets_speak_of():
    X, y_class, y_reg = speed.make_frame(3000)
    assert X.shape == (3000, speed.N_NUMERIC + 4)
    assert X.isna().any().sum() >= 4
    levels = {c: X[c].cat.categories.size for c in X.select_dtypes("category")}
    assert levels == {"color": 5, "region": 40, "zip": 5000}
    assert set(np.unique(y_class)) == {0, 1, 2} and np.isfinite(y_reg).all()
    pd.testing.assert_frame_equal(speed.make_frame(3000)[0], X)  # seeded


def test_unknown_sections_are_refused():
    with pytest.raises(SystemExit):
        speed.parse_args(["--only", "gemm"])
    assert speed.parse_args(["--only", "memory"]).sections == ["memory"]
