"""GEMM peak of this machine, measured with ``np.matmul`` in the same run.

The best GFLOP/s over a large square product and the actual layer shapes of the
training benchmark is the roofline against which skmlp's training throughput is
reported ("% of GEMM peak").
"""

from __future__ import annotations

import time

import numpy as np

from .machine import wait_quiet
from .report import Table

DTYPES = (np.float32, np.float64)


def shapes(big: int) -> list[tuple[int, int, int, str]]:
    """(m, k, n, description) for ``A(m, k) @ B(k, n)``."""
    return [
        (big, big, big, "square"),
        (256, 784, 256, "(256,256) b=256: input layer forward"),
        (784, 256, 256, "(256,256) b=256: input layer weight grad"),
        (256, 256, 256, "(256,256) b=256: hidden layer"),
        (200, 784, 100, "(100,) b=200: input layer forward"),
        (32, 784, 100, "(100,) b=32: input layer forward"),
    ]


def gflops(m: int, k: int, n: int, dtype, min_time: float = 0.25) -> float:
    """Best GFLOP/s of ``np.matmul(a, b, out=c)`` over repeated calls."""
    rng = np.random.default_rng(0)
    a = rng.standard_normal((m, k)).astype(dtype)
    b = rng.standard_normal((k, n)).astype(dtype)
    c = np.empty((m, n), dtype=dtype)
    np.matmul(a, b, out=c)  # warm-up: thread pool start, page faults
    best = float("inf")
    spent, calls = 0.0, 0
    while calls < 5 or (spent < min_time and calls < 10000):
        start = time.perf_counter()
        np.matmul(a, b, out=c)
        elapsed = time.perf_counter() - start
        best = min(best, elapsed)
        spent += elapsed
        calls += 1
    return 2.0 * m * k * n / best / 1e9


def measure_peaks(big: int, table: Table | None = None, rounds: int = 3) -> dict:
    """Return ``{dtype: best GFLOP/s}``; fill ``table`` with every shape.

    All shapes are measured in ``rounds`` passes and the best pass is kept, so a
    short disturbance of a shared machine does not lower the peak.
    """
    best: dict = {}
    for _ in range(rounds):
        wait_quiet()
        for m, k, n, _what in shapes(big):
            for dt in DTYPES:
                value = gflops(m, k, n, dt, min_time=0.1)
                best[m, k, n, dt] = max(best.get((m, k, n, dt), 0.0), value)
    peaks = {dt: max(v for key, v in best.items() if key[3] is dt) for dt in DTYPES}
    if table is not None:
        for m, k, n, what in shapes(big):
            row = [f"{best[m, k, n, dt]:.1f}" for dt in DTYPES]
            table.add(f"{m}x{k} @ {k}x{n}", *row, what)
        table.add("peak (best of above)", *(f"{peaks[dt]:.1f}" for dt in DTYPES), "")
    return peaks


def run(big: int, markdown: bool, show: bool, threads: int) -> dict:
    table = Table(
        f"GEMM peak, np.matmul, {threads} BLAS thread(s)",
        ["A @ B", "float32 GFLOP/s", "float64 GFLOP/s", "shape used by"],
    )
    peaks = measure_peaks(big, table)
    table.note(
        "2*m*k*n flops / fastest call; 3 passes over all shapes, each "
        ">= 0.1 s of repeated calls per shape and dtype"
    )
    if show:
        table.print(markdown)
    return peaks
