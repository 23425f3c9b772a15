"""Predict speed and peak fit memory of the tabular MLPs, next to the drop-in.

Run from the repository root::

    python -m benchmarks.tabular.speed            # full run, about 10 minutes
    python -m benchmarks.tabular.speed --quick    # smoke run, seconds
    python -m benchmarks.tabular.speed --only memory --memory-rows 200000

Two measurements behind two targets of the tabular estimators:

* **predict**: ``predict_proba`` latency on 1 and on 100 rows (median over
  many calls) and throughput on 100,000 rows (median over repeats) of
  ``TabularMLPClassifier(hidden_layer_sizes=(256, 256, 256))`` on a raw mixed
  DataFrame, against ``skrub.tabular_pipeline(skmlp.MLPClassifier(...))`` of
  the same width on the same frame; then both on an all-numeric float32
  array (the drop-in ``MLPClassifier`` alone, on the array scaled
  beforehand). Target: no worse than the drop-in, on every engine.
* **memory**: the tracemalloc peak during one epoch of
  ``TabularMLPRegressor().fit`` on a 1,000,000-row mixed frame, beyond the
  frame itself, against one encoded copy of the data plus the buffers of a
  batch. Each fit runs in its own subprocess (``--memory-child``), which
  prints one JSON line; the drop-in pipeline's peak is shown for reference.
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import statistics
import subprocess
import sys
import time
import tracemalloc
import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .. import machine
from ..common import engine_context, skmlp_engines, skmlp_status
from ..memory import _reset_peak, _status_kib
from ..report import Table, fmt, fmt_ratio

ROOT = Path(__file__).resolve().parents[2]
SECTIONS = ("predict", "memory")
HIDDEN = (256, 256, 256)
SEED = 0
N_NUMERIC = 20
LATENCY_ROWS = 64  # distinct rows the 1-row calls cycle through


@dataclass(frozen=True)
class Sizes:
    fit_rows: int
    one_row_calls: int
    batch_rows: int
    batch_calls: int
    throughput_rows: int
    throughput_repeats: int
    cell_seconds: float  # time budget of one latency cell (fewer calls if slow)
    memory_rows: int
    dropin_timeout: float  # seconds before the drop-in memory child is skipped


FULL = Sizes(10000, 300, 100, 100, 100_000, 3, 10.0, 1_000_000, 180.0)
QUICK = Sizes(600, 10, 100, 5, 2000, 1, 2.0, 5000, 60.0)


# ---------------------------------------------------------------------- data
def make_frame(n: int, seed: int = SEED):
    """A mixed table as users have them: ``(X, y_class, y_reg)``.

    20 numeric columns (every fourth log-normal, every fifth with 10 %
    missing), a boolean, a 5-level category (one-hot), a 40-level category
    with missing values (embedded) and a 5,000-level Zipf-distributed zip
    code (embedded). Column by column, so creating 1,000,000 rows needs
    little more memory than the frame.
    """
    rng = np.random.default_rng(seed)
    cols = {}
    for j in range(N_NUMERIC):
        x = rng.standard_normal(n)
        if j % 4 == 1:
            x = np.exp(x)
        if j % 5 == 2:
            x[rng.random(n) < 0.1] = np.nan
        cols[f"num{j:02d}"] = x
    cols["flag"] = rng.random(n) < 0.3
    colors = ["red", "green", "blue", "black", "white"]
    cols["color"] = pd.Categorical.from_codes(rng.integers(0, 5, n), colors)
    region = rng.integers(-1, 40, n)  # -1: missing
    cols["region"] = pd.Categorical.from_codes(
        region, [f"region_{k:02d}" for k in range(40)]
    )
    zips = np.minimum(rng.zipf(1.3, n), 5000) - 1
    cols["zip"] = pd.Categorical.from_codes(zips, [f"{k:05d}" for k in range(5000)])
    X = pd.DataFrame(cols)
    signal = np.nan_to_num(X["num00"].to_numpy()) - 0.5 * np.log1p(
        np.nan_to_num(X["num01"].to_numpy())
    )
    signal += (region % 3 == 0) + 0.3 * cols["flag"] + 0.2 * (zips < 10)
    y_reg = signal + 0.5 * rng.standard_normal(n)
    y_class = np.digitize(y_reg, np.quantile(y_reg, [1 / 3, 2 / 3]))
    return X, y_class, y_reg


def make_numeric(n: int, seed: int = SEED):
    """An all-numeric float32 array (20 columns, no missing values) and labels."""
    rng = np.random.default_rng([seed, 1])
    X = rng.standard_normal((n, N_NUMERIC))
    X[:, 1::4] = np.exp(X[:, 1::4])
    y = X[:, 0] - 0.5 * np.log1p(X[:, 1]) + 0.5 * rng.standard_normal(n) > 0.3
    return X.astype(np.float32), y.astype(np.int64)


# ------------------------------------------------------------------- predict
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


def _fit(est, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning: 1 epoch
        return est.fit(X, y)


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
        return _fit(ours, X, y), _fit(theirs, X, y), None
    X, y = make_numeric(n_fit)
    scaler = StandardScaler().fit(X)
    theirs = skmlp.MLPClassifier(**common)
    return _fit(ours, X, y), _fit(theirs, scaler.transform(X), y), scaler


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


# -------------------------------------------------------------------- memory
CHILDREN = ("tabular", "drop-in")
MIB = 1024.0 * 1024.0


def _where(frame) -> str:
    name = frame.filename
    for root in (str(ROOT) + "/", "site-packages/"):
        if root in name:
            name = name.split(root, 1)[1]
    return f"{name}:{frame.lineno}"


def top_allocations(limit: int = 6) -> list:
    """The largest live allocations, by line: ``[[file:line, MiB, blocks]]``."""
    snap = tracemalloc.take_snapshot().filter_traces(
        [tracemalloc.Filter(False, tracemalloc.__file__)]
    )
    return [
        [_where(s.traceback[0]), s.size / MIB, s.count]
        for s in snap.statistics("lineno")[:limit]
    ]


class Phases:
    """tracemalloc peaks per phase of ``fit``, from wrappers around skmlp's
    functions (only while measuring; a missing name is skipped)."""

    def __init__(self):
        self.stack, self.peaks, self.entry, self.snapshots = ["other"], {}, {}, {}
        self._undo = []

    def _close(self):
        label = self.stack[-1]
        peak = tracemalloc.get_traced_memory()[1]
        self.peaks[label] = max(self.peaks.get(label, 0), peak)
        tracemalloc.reset_peak()

    def wrap(self, owner, name, label, snapshot=None):
        """Record ``owner.name`` as phase ``label``; ``snapshot``: 'entry' to
        list the live allocations when it starts, or a phase in which to list
        them right after ``owner.name`` returns."""
        original = getattr(owner, name, None)
        if original is None:
            return

        @functools.wraps(original)
        def wrapper(*args, **kwargs):
            if label is None:  # a point inside another phase, not a phase
                out = original(*args, **kwargs)
                key = f"in {snapshot}, after {name}"
                if self.stack[-1] == snapshot and key not in self.snapshots:
                    self.snapshots[key] = top_allocations()
                return out
            self._close()
            self.entry.setdefault(label, tracemalloc.get_traced_memory()[0])
            if snapshot == "entry" and label not in self.snapshots:
                self.snapshots[f"{label} starts"] = top_allocations()
            self.stack.append(label)
            try:
                return original(*args, **kwargs)
            finally:
                self._close()
                self.stack.pop()

        setattr(owner, name, wrapper)
        self._undo.append((owner, name, original))

    def peak(self) -> float:
        self._close()
        return max(self.peaks.values())

    def restore(self):
        for owner, name, original in reversed(self._undo):
            setattr(owner, name, original)


def _tabular_phases() -> Phases:
    import skmlp
    import skmlp._tabular_base as base
    import skmlp._tabular_network as network

    phases = Phases()
    phases.wrap(base.TabularEncoder, "fit", "encoder fit")
    phases.wrap(base.TabularEncoder, "transform", "encoder transform")
    for cls in (skmlp.TabularMLPClassifier, skmlp.TabularMLPRegressor):
        phases.wrap(cls, "_encode_target", "target encoding")
    phases.wrap(base, "held_out_split", "validation split")
    phases.wrap(base.BaseTabularMLP, "_split", "validation split")  # older name
    phases.wrap(base.TabularNetwork, "initialize", "weights from data")
    phases.wrap(base, "train", "training loop", snapshot="entry")
    phases.wrap(base.TabularNetwork, "scores", "validation scores")
    phases.wrap(network, "periodic_embedding", None, snapshot="validation scores")
    return phases


def batch_buffers(network, width: int, batch: int) -> tuple[float, float]:
    """Estimated bytes of one batch's arrays, and of the network's state.

    Per row: the gathered input and target rows, scores and their gradient;
    the periodic embedding's angles, cosines, their gradient and sine (``F x
    k`` each) and the embedding with its reshaped copy (``F x m``); ``H0`` and
    ``H0 * scale``; per hidden layer ``Z``, ``D``, ``S`` and ``dA``; integer
    codes. State: parameters, gradient, Adam's two moments, best-epoch copy.
    """
    arch, item = network.arch, network.dtype.itemsize
    per_row = width + 3 * arch.n_outputs + 2 * arch.n_inputs
    if arch.periodic:
        F, k, m = arch.n_numeric, arch.n_frequencies, arch.numeric_embedding_dim
        per_row += 4 * F * k + 2 * F * m
    per_row += 4 * sum(arch.hidden_layer_sizes)
    per_row_bytes = (
        per_row * item + len(arch.cardinalities) * np.dtype(np.intp).itemsize
    )
    return batch * per_row_bytes, 5 * network.params.nbytes


def _memory_model(model: str):
    import skrub

    import skmlp

    if model == "tabular":
        return skmlp.TabularMLPRegressor(
            hidden_layer_sizes=HIDDEN, max_iter=1, random_state=SEED
        )
    return skrub.tabular_pipeline(
        skmlp.MLPRegressor(hidden_layer_sizes=HIDDEN, max_iter=1, random_state=SEED)
    )


def child(model: str, rows: int, threads: int) -> dict:
    """One fit of ``model`` on ``rows`` rows, measured; a JSON-able dict."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=threads)
    X, _, y = make_frame(rows)
    warm = min(rows, 2000)
    _fit(_memory_model(model), X.iloc[:warm], y[:warm])  # imports, compilation
    est = _memory_model(model)
    gc.collect()
    exact = _reset_peak()
    rss_before = _status_kib("VmRSS") if exact else None
    phases = _tabular_phases() if model == "tabular" else Phases()
    tracemalloc.start()
    start = time.perf_counter()
    try:
        _fit(est, X, y)
        seconds = time.perf_counter() - start
        peak = phases.peak()
    finally:
        tracemalloc.stop()
        phases.restore()
    rss = _status_kib("VmHWM") - rss_before if exact else None
    result = {
        "model": model,
        "rows": rows,
        "seconds": seconds,
        "peak_mib": peak / MIB,
        "rss_mib": None if rss is None else rss / MIB,
        "frame_mib": float(X.memory_usage(deep=True).sum()) / MIB,
        "phases": [
            [label, phases.entry.get(label, 0) / MIB, value / MIB]
            for label, value in phases.peaks.items()
        ],
        "snapshots": phases.snapshots,
    }
    if model == "tabular":
        width = est.encoder_.output_slices_["embedding"].stop
        itemsize = np.dtype(est.dtype).itemsize
        activations, state = batch_buffers(est._network, width, est.batch_size)
        result |= {
            "width": width,
            "n_inputs": est._network.arch.n_inputs,
            "batch": est.batch_size,
            "dtype": np.dtype(est.dtype).name,
            "encoded_mib": rows * width * itemsize / MIB,
            "activations_mib": activations / MIB,
            "state_mib": state / MIB,
        }
    else:
        mlp = est[-1]
        result |= {
            "width": mlp.coefs_[0].shape[0],
            "batch": min(200, rows),
            "dtype": mlp.coefs_[0].dtype.name,
        }
    return result


def print_memory(ours, theirs, skipped, threads, markdown) -> None:
    rows = ours["rows"]
    table = Table(
        f"Peak memory during fit: {rows:,} rows, 1 epoch, {HIDDEN}, "
        f"one subprocess per model, {threads} thread(s)",
        ["MiB unless said", "skmlp tabular", "drop-in pipeline"],
    )

    def other(key, spec=".1f"):
        return fmt(theirs.get(key), spec) if theirs else "n/a"

    bound = ours["encoded_mib"] + ours["activations_mib"] + ours["state_mib"]
    ratio = ours["peak_mib"] / bound
    table.add(
        "input DataFrame (not counted)", f"{ours['frame_mib']:.1f}", other("frame_mib")
    )
    table.add("encoded width (columns)", ours["width"], other("width", "d"))
    table.add(
        f"one encoded copy (rows x width x {ours['dtype']})",
        f"{ours['encoded_mib']:.1f}",
        "",
    )
    table.add(
        f"batch buffers (b={ours['batch']}, estimated)",
        f"{ours['activations_mib']:.1f}",
        "",
    )
    table.add("network + Adam state (estimated)", f"{ours['state_mib']:.1f}", "")
    table.add("bound: encoded copy + buffers + state", f"{bound:.1f}", "")
    table.add("traced peak during fit", f"{ours['peak_mib']:.1f}", other("peak_mib"))
    table.add("peak / bound", f"{ratio:.2f}x", "")
    table.add(
        "peak RSS growth during fit", fmt(ours["rss_mib"], ".1f"), other("rss_mib")
    )
    table.add("fit seconds (traced)", f"{ours['seconds']:.1f}", other("seconds"))
    table.add("target: peak <= bound", "met" if ratio <= 1 else "missed", "")
    table.note(
        "traced: tracemalloc peak during fit (NumPy and Python allocations, not "
        "BLAS internals), started after the frame was made and a warm-up fit ran"
    )
    table.note(
        "RSS growth: VmHWM reset before fit minus VmRSS then; it includes "
        "tracemalloc's own bookkeeping"
    )
    table.note(
        "drop-in: skrub.tabular_pipeline(skmlp.MLPRegressor) of the same "
        "width, batch_size 200" + (f"; skipped: {skipped}" if skipped else "")
    )
    table.print(markdown)

    phases = Table(
        "Where the tabular fit's memory goes: tracemalloc peak per phase",
        ["phase", "alive at start", "peak", "peak - alive at start"],
    )
    for label, entry, peak in ours["phases"]:
        phases.add(
            label,
            f"{entry:.1f}" if label != "other" else "",
            f"{peak:.1f}",
            f"{peak - entry:+.1f}" if label != "other" else "",
        )
    phases.note("MiB; 'other': fit outside the listed functions")
    phases.print(markdown)

    top = Table(
        "Largest live allocations of the tabular fit",
        ["when", "allocated at", "MiB", "blocks"],
    )
    for when, entries in ours["snapshots"].items():
        for where, mib, count in entries:
            top.add(when, where, f"{mib:.1f}", count)
    top.print(markdown)


def spawn(model: str, rows: int, threads: int, timeout: float) -> dict:
    cmd = [
        sys.executable, "-m", "benchmarks.tabular.speed", "--memory-child", model,
        "--memory-rows", str(rows), "--memory-threads", str(threads),
    ]  # fmt: skip
    proc = subprocess.run(
        cmd, cwd=ROOT, capture_output=True, text=True, timeout=timeout, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[1:])} failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def run_memory(sizes: Sizes, rows: int, threads: int, markdown: bool) -> None:
    ours = spawn("tabular", rows, threads, timeout=1800)
    try:
        theirs = spawn("drop-in", rows, threads, timeout=sizes.dropin_timeout)
        skipped = None
    except subprocess.TimeoutExpired:
        theirs, skipped = None, f"took over {sizes.dropin_timeout:.0f} s, stopped"
    except RuntimeError as exc:
        theirs, skipped = None, f"failed: {str(exc)[-300:]}"
    print_memory(ours, theirs, skipped, threads, markdown)


# ----------------------------------------------------------------------- cli
def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.tabular.speed",
        description="predict_proba latency and throughput of skmlp's tabular "
        "MLP against the drop-in MLP in skrub's tabular_pipeline, and its "
        "peak memory in fit on 1,000,000 rows.",
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes (smoke)")
    parser.add_argument(
        "--only", action="append", metavar="SECTION", help="predict, memory"
    )
    parser.add_argument(
        "--threads",
        type=int,
        help="BLAS/OpenMP threads of the timings (default 2, 1 with --quick: "
        "two threads waiting for each other on a busy machine make tiny "
        "timings erratic)",
    )
    parser.add_argument(
        "--memory-rows", type=int, help="rows of the memory fit (default 1,000,000)"
    )
    parser.add_argument(
        "--memory-threads",
        type=int,
        default=1,
        help="threads of the memory fits (default 1: the allocations do not "
        "depend on it, and one thread keeps the 1,000,000-row fit short on a "
        "busy machine)",
    )
    parser.add_argument(
        "--max-wait",
        type=float,
        help="seconds to wait for idle CPUs before each timing "
        "(default 10, 0 with --quick)",
    )
    parser.add_argument("--markdown", action="store_true", help="Markdown tables")
    parser.add_argument("--memory-child", choices=CHILDREN)
    args = parser.parse_args(argv)
    chosen = [s.strip() for item in args.only or [] for s in item.split(",")]
    unknown = sorted(set(chosen) - set(SECTIONS) - {""})
    if unknown:
        parser.error(f"unknown section(s) {unknown}; choose from {SECTIONS}")
    args.sections = [s for s in SECTIONS if s in chosen] or list(SECTIONS)
    for name in ("threads", "memory_rows", "memory_threads"):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name.replace('_', '-')} must be >= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.memory_child:
        rows = args.memory_rows or FULL.memory_rows
        result = child(args.memory_child, rows, args.memory_threads)
        print(json.dumps(result), flush=True)
        return 0
    sizes = QUICK if args.quick else FULL
    args.threads = args.threads or (1 if args.quick else 2)
    rows = args.memory_rows or sizes.memory_rows
    default_wait = 0.0 if args.quick else 10.0
    machine.QUIET["max_wait"] = (
        args.max_wait if args.max_wait is not None else default_wait
    )
    machine.QUIET["budget"] = 120.0

    from threadpoolctl import threadpool_limits

    limiter = threadpool_limits(limits=args.threads)
    started = time.perf_counter()
    mode = "quick" if args.quick else "full"
    bullet = "- " if args.markdown else "  "
    print(f"skmlp tabular speed and memory ({mode} run, {', '.join(args.sections)})")
    for line in machine.environment_lines(args.threads, skmlp_status(), None):
        print(bullet + line)
    print(bullet + "the machine is shared: timings are medians, read them as such")
    print(flush=True)
    if "predict" in args.sections:
        run_predict(sizes, args.markdown)
    if "memory" in args.sections:
        gc.collect()
        run_memory(sizes, rows, args.memory_threads, args.markdown)
    limiter.restore_original_limits()
    print(machine.quiet_summary())
    print(f"total benchmark time: {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
