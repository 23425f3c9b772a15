"""Predict latency and throughput of the tabular MLP against the drop-in.

Part of ``python -m benchmarks.tabular.speed``; see that module.
"""

from __future__ import annotations

import statistics
import time
import warnings

import pandas as pd

from .. import machine
from ..common import engine_context, skmlp_engines
from ..report import Table, fmt, fmt_ratio
from .synthetic import (
    HIDDEN,
    LATENCY_ROWS,
    N_NUMERIC,
    SEED,
    Sizes,
    make_frame,
    make_numeric,
    quiet_fit,
)


def _median_seconds(fn, inputs, calls: int, budget: float) -> tuple[float, int]:
    """Median seconds of ``fn(x)`` cycling ``inputs``; stops after ``budget`` s."""
    fn(inputs[0])  # warm-up
    samples, started = [], time.perf_counter()
    for i in range(calls):
        x = inputs[i % len(inputs)]
        start = time.perf_counter()
        fn(x)
        samples.append(time.perf_counter() - start)
        if start - started > budget and len(samples) >= 5:
            break
    return statistics.median(samples), len(samples)


def _wait():
    if machine.QUIET["max_wait"] > 0:
        machine.wait_quiet()


def measure(est, X, sizes: Sizes) -> dict:
    """Latency on 1 row and on a batch (s), throughput on all of ``X`` (rows/s)."""
    take = (lambda a, b: X.iloc[a:b]) if isinstance(X, pd.DataFrame) else None
    take = take or (lambda a, b: X[a:b])
    ones = [take(i, i + 1) for i in range(LATENCY_ROWS)]
    b = sizes.batch_rows
    batches = [take(i * b, (i + 1) * b) for i in range(8)]
    out = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _wait()
        out["one"], out["one_calls"] = _median_seconds(
            est.predict_proba, ones, sizes.one_row_calls, sizes.cell_seconds
        )
        _wait()
        out["batch"], out["batch_calls"] = _median_seconds(
            est.predict_proba, batches, sizes.batch_calls, sizes.cell_seconds
        )
        _wait()
        est.predict_proba(batches[0])
        times = []
        for _ in range(sizes.throughput_repeats):
            start = time.perf_counter()
            est.predict_proba(X)
            times.append(time.perf_counter() - start)
        out["rows_per_s"] = len(X) / statistics.median(times)
    return out


def _models(kind: str, n_fit: int):
    """Fitted (ours, drop-in) of the same width; the drop-in's input transform."""
    import skrub
    from sklearn.preprocessing import StandardScaler

    import skmlp

    common = {"hidden_layer_sizes": HIDDEN, "max_iter": 1, "random_state": SEED}
    ours = skmlp.TabularMLPClassifier(**common)
    if kind == "frame":
        X, y, _ = make_frame(n_fit)
        theirs = skrub.tabular_pipeline(skmlp.MLPClassifier(**common))
        return quiet_fit(ours, X, y), quiet_fit(theirs, X, y), None
    X, y = make_numeric(n_fit)
    scaler = StandardScaler().fit(X)
    theirs = skmlp.MLPClassifier(**common)
    return quiet_fit(ours, X, y), quiet_fit(theirs, scaler.transform(X), y), scaler


def _add_rows(table: Table, engine: str, ours: dict, theirs: dict, b: int):
    for key, label, unit, spec in (
        ("one", "1-row latency", "ms", ".2f"),
        ("batch", f"{b}-row latency", "ms", ".2f"),
        ("rows_per_s", "throughput", "rows/s", ",.0f"),
    ):
        a, c = ours.get(key), theirs.get(key)
        scale = 1e3 if unit == "ms" else 1.0
        a, c = (None if v is None else v * scale for v in (a, c))
        met = None
        if a is not None and c is not None:
            met = a >= c if key == "rows_per_s" else a <= c
        table.add(
            f"{engine}: {label} ({unit})",
            fmt(a, spec),
            fmt(c, spec),
            fmt_ratio(a, c),
            "n/a" if met is None else ("met" if met else "missed"),
        )


def run_predict(sizes: Sizes, markdown: bool) -> None:
    headers = ["engine: metric", "skmlp tabular", "drop-in", "ours/drop-in", "target"]
    for kind in ("frame", "numeric"):
        ours, theirs, scaler = _models(kind, sizes.fit_rows)
        if kind == "frame":
            X = make_frame(sizes.throughput_rows, seed=SEED + 1)[0]
            X_theirs = X
            title = (
                f"predict_proba on a mixed DataFrame ({N_NUMERIC} numeric with "
                "NaN, a boolean, categories of 5, 40 and 5,000 levels): "
                "TabularMLPClassifier vs skrub.tabular_pipeline(MLPClassifier), "
                f"both {HIDDEN}"
            )
        else:
            X = make_numeric(sizes.throughput_rows, seed=SEED + 1)[0]
            X_theirs = scaler.transform(X)
            title = (
                f"predict_proba on a numeric float32 array ({N_NUMERIC} "
                "columns): TabularMLPClassifier on the raw array vs "
                f"MLPClassifier on the array scaled beforehand, both {HIDDEN}"
            )
        table = Table(title, headers)
        calls = {}
        for engine in skmlp_engines():
            with engine_context(engine):
                a = measure(ours, X, sizes)
                c = measure(theirs, X_theirs, sizes)
            _add_rows(table, engine, a, c, sizes.batch_rows)
            calls[engine] = (a["one_calls"], c["one_calls"])
        table.note(
            f"fitted on {sizes.fit_rows:,} rows for 1 epoch (the weights' values "
            "do not change the speed); latency: median over calls (1-row calls "
            "per engine, ours/drop-in: "
            + ", ".join(f"{e} {o}/{t}" for e, (o, t) in calls.items())
            + f"; {sizes.batch_calls} at most on {sizes.batch_rows} rows, each "
            f"cell cut after {sizes.cell_seconds:.0f} s)"
        )
        table.note(
            f"throughput: {sizes.throughput_rows:,} rows, median of "
            f"{sizes.throughput_repeats} predict_proba calls"
        )
        table.note(
            "target met: ours/drop-in <= 1 for latency, >= 1 for throughput; "
            "the drop-in is skmlp's MLPClassifier, so it runs on the same engine"
        )
        if kind == "numeric":
            table.note("both compute in float32; the drop-in's scaling is not timed")
        table.print(markdown)
