"""GEMM peak of this machine, measured with ``np.matmul`` in the same run.

The best GFLOP/s over a large square product and the actual layer shapes of the
training benchmark is the roofline against which skmlp's training throughput is
reported ("% of GEMM peak"). :func:`epoch_floor` times the matrix products of a
whole training epoch on their own, the least time any implementation built on
``np.matmul`` can take.
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


def epoch_floor(X, n_classes: int, hidden, batch_size: int, seed: int = 0) -> float:
    """Seconds of one epoch's matrix products and row gathers, nothing else.

    The same products as a training epoch of an MLP on ``X`` (forward, weight
    gradients, deltas sent back) on the shuffled rows of each batch, into
    reused buffers; no activations, loss or optimizer step. Operands are
    random but normal (no NaN or subnormal values, which would slow the
    products down).
    """
    rng = np.random.default_rng(seed)
    dtype = X.dtype
    units = [X.shape[1], *hidden, n_classes]
    weights = [
        rng.standard_normal((fan_in, fan_out)).astype(dtype) * 0.01
        for fan_in, fan_out in zip(units[:-1], units[1:], strict=True)
    ]
    grads = [np.empty_like(W) for W in weights]
    outputs = [np.zeros((batch_size, u), dtype) for u in units[1:]]
    deltas = [rng.standard_normal((batch_size, u)).astype(dtype) for u in units[1:]]
    order = rng.permutation(len(X))
    start = time.perf_counter()
    for first in range(0, len(X), batch_size):
        rows = X[order[first : first + batch_size]]
        n = len(rows)
        A = rows
        for W, Z in zip(weights, outputs, strict=True):
            A = np.matmul(A, W, out=Z[:n])
        for layer in range(len(weights) - 1, -1, -1):
            below = rows if layer == 0 else outputs[layer - 1][:n]
            np.matmul(below.T, deltas[layer][:n], out=grads[layer])
            if layer:
                delta = deltas[layer][:n]
                np.matmul(delta, weights[layer].T, out=deltas[layer - 1][:n])
    return time.perf_counter() - start
