"""Smoke test of the benchmark harness: ``python -m benchmarks --quick``.

Runs the whole harness on tiny sizes in a subprocess from the repository root and
checks that it finishes cleanly and prints every table.  No timing assertions.
"""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

TABLE_TITLES = (
    "GEMM peak",
    "Training time per epoch",
    "Sparse input",
    "predict_proba",
    "Peak memory during fit",
    "Quality after",
    "Cold start: fresh process",
    "Cold start: import alone",
)
COLUMN_HEADERS = (
    "skmlp s/epoch",
    "scikit-learn s/epoch",
    "torch s/epoch",
    "vs sklearn",
    "skmlp GFLOP/s",
    "% GEMM peak",
    "skmlp RSS+",
    "skmlp traced",
    "skmlp loss_",
    "scikit-learn acc",
    "fit+predict s",
    "total/sklearn",
    "import/sklearn",
)


def run_benchmarks(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "benchmarks", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )


def test_quick_run_prints_all_tables():
    proc = run_benchmarks("--quick")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    out = proc.stdout
    for title in TABLE_TITLES:
        assert title in out, title
    for header in COLUMN_HEADERS:
        assert header in out, header
    assert "skmlp" in out
    assert "scikit-learn" in out
    assert "threadpool: blas" in out
    assert "skmlp, SKMLP_ENGINE=numpy" in out


def test_markdown_output_of_one_section():
    proc = run_benchmarks("--quick", "--only", "gemm", "--markdown")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    assert "#### GEMM peak" in proc.stdout
    assert "| A @ B | float32 GFLOP/s | float64 GFLOP/s |" in proc.stdout
    assert "Training time per epoch" not in proc.stdout
