"""Peak memory of one epoch of the tabular MLP's fit, and where it goes.

Part of ``python -m benchmarks.tabular.speed``; see that module. Each fit
runs in a subprocess of its own (``--memory-child``), which prints one JSON
line.
"""

from __future__ import annotations

import functools
import gc
import json
import subprocess
import sys
import time
import tracemalloc

import numpy as np

from ..memory import _reset_peak, _status_kib
from ..report import Table, fmt
from .synthetic import HIDDEN, ROOT, SEED, Sizes, make_frame, quiet_fit

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
        self.exit = {}
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
                self.exit[label] = tracemalloc.get_traced_memory()[0]
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
    k`` each; the embedding itself is written into ``H0``); ``H0`` and ``H0 *
    scale``; per hidden layer ``Z``, ``D``, ``S`` and ``dA``; integer codes.
    State: parameters, gradient, Adam's two moments, best-epoch copy.
    """
    arch, item = network.arch, network.dtype.itemsize
    per_row = width + 3 * arch.n_outputs + 2 * arch.n_inputs
    if arch.periodic:
        F, k = arch.n_numeric, arch.n_frequencies
        per_row += 4 * F * k
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

    from skmlp._tabular_setup import row_index_dtype

    threadpool_limits(limits=threads)
    X, _, y = make_frame(rows)
    warm = min(rows, 2000)
    quiet_fit(_memory_model(model), X.iloc[:warm], y[:warm])  # imports, compilation
    est = _memory_model(model)
    gc.collect()
    exact = _reset_peak()
    rss_before = _status_kib("VmRSS") if exact else None
    phases = _tabular_phases() if model == "tabular" else Phases()
    tracemalloc.start()
    start = time.perf_counter()
    try:
        quiet_fit(est, X, y)
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
        encoder_bytes = phases.exit["encoder fit"] - phases.entry["encoder fit"]
        result |= {
            "width": width,
            "target_mib": rows * est._network.arch.n_outputs * itemsize / MIB,
            "order_mib": rows * row_index_dtype(rows).itemsize / MIB,
            "encoder_mib": encoder_bytes / MIB,
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

    parts = ("encoded_mib", "target_mib", "order_mib", "activations_mib")
    parts += ("state_mib", "encoder_mib")
    bound = sum(ours[key] for key in parts)
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
        f"  and of the target (rows x outputs x {ours['dtype']})",
        f"{ours['target_mib']:.1f}",
        "",
    )
    table.add("row order (rows x int32)", f"{ours['order_mib']:.1f}", "")
    table.add(
        f"batch buffers (b={ours['batch']}, estimated)",
        f"{ours['activations_mib']:.1f}",
        "",
    )
    table.add("network + Adam state (estimated)", f"{ours['state_mib']:.1f}", "")
    table.add("fitted encoder (traced)", f"{ours['encoder_mib']:.1f}", "")
    table.add("bound: the sum of the six lines above", f"{bound:.4g}", "")
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
