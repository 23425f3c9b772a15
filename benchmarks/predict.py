"""predict_proba latency and throughput (measurement 4)."""

from __future__ import annotations

import statistics
import time
import warnings

import numpy as np

from .common import DenseData, Sizes, fit_timed, load_estimators, make_dense, safe_call
from .machine import wait_quiet
from .report import Table, fmt, fmt_ratio

DTYPES = (np.float64, np.float32)
HIDDEN = (100,)
BATCH = 200
FIT_ROWS = 10000
THROUGHPUT_REPEATS = 5


def one_row_latency(est, X, calls: int) -> float:
    """Median seconds of ``predict_proba`` on a single row (rows cycle)."""
    samples = []
    for i in range(calls):
        row = X[i % len(X) : i % len(X) + 1]
        start = time.perf_counter()
        est.predict_proba(row)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def throughput(est, X) -> float:
    """Rows per second of ``predict_proba`` on all of ``X`` (best of a few)."""
    est.predict_proba(X[:1000])  # warm-up
    best = min(_timed(est.predict_proba, X) for _ in range(THROUGHPUT_REPEATS))
    return len(X) / best


def _timed(fn, X) -> float:
    start = time.perf_counter()
    fn(X)
    return time.perf_counter() - start


def _fit_and_measure(cls, X, y, X_many, calls):
    """Fit a (100,) network for one epoch; return (latency s, rows/s)."""
    est = fit_timed(cls, X, y, HIDDEN, BATCH, 1)[1]
    wait_quiet()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return one_row_latency(est, X, calls), throughput(est, X_many)


def run(data: DenseData, sizes: Sizes, markdown: bool) -> None:
    estimators = load_estimators()
    X_big64, _ = make_dense(sizes.predict_rows, seed=1)
    table = Table(
        f"predict_proba: 1-row latency (median of {sizes.predict_calls} calls) and "
        f"throughput on {sizes.predict_rows} rows, (100,) network, "
        f"fitted on {min(data.n_train, FIT_ROWS)} rows, 1 epoch",
        ["metric", "skmlp", "scikit-learn", "speed-up"],
    )
    for dtype in DTYPES:
        X, y = data.train(dtype)
        X, y = X[:FIT_ROWS], y[:FIT_ROWS]
        X_big = X_big64.astype(dtype, copy=False)
        result: dict[str, tuple | None] = {}
        for lib, cls in estimators.items():
            if cls is None:
                continue
            label = f"predict {lib} {np.dtype(dtype).name}"
            result[lib] = safe_call(
                label, _fit_and_measure, cls, X, y, X_big, sizes.predict_calls
            )
        ours = result.get("skmlp") or (None, None)
        theirs = result.get("scikit-learn") or (None, None)
        us = [None if v is None else v * 1e6 for v in (ours[0], theirs[0])]
        name = np.dtype(dtype).name
        table.add(
            f"{name} 1-row latency (us)",
            fmt(us[0], ".1f"),
            fmt(us[1], ".1f"),
            fmt_ratio(us[1], us[0]),
        )
        table.add(
            f"{name} throughput (rows/s)",
            fmt(ours[1], ",.0f"),
            fmt(theirs[1], ",.0f"),
            fmt_ratio(ours[1], theirs[1]),
        )
    table.note(
        "speed-up > 1: skmlp is faster (latency sklearn/skmlp, "
        "throughput skmlp/sklearn)"
    )
    table.note(f"throughput: best of {THROUGHPUT_REPEATS} calls on the whole array")
    table.print(markdown)
