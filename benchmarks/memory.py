"""Peak memory of ``fit`` (measurement 5), each library in its own subprocess.

The parent (``run``) starts, for every library, dtype and method::

    python -m benchmarks.memory LIB --method rss|tracemalloc --dtype float64 ...

The child imports the library, creates the data chunk by chunk (so creating it
leaves no large high-water mark), runs a tiny warm-up fit, then measures one
``fit`` on the full data with one of two methods:

* ``rss``: peak resident set size during ``fit`` minus the RSS just before it.
  On Linux the high-water mark is reset right before ``fit`` (``echo 5 >
  /proc/self/clear_refs``) and read back as ``VmHWM`` from ``/proc/self/status``;
  ``resource.getrusage(...).ru_maxrss`` cannot be used directly because a child
  inherits the parent's high-water mark across fork/exec.  Elsewhere ru_maxrss is
  the fallback: its growth during ``fit`` is only a lower bound, shown as
  ``>=``.  RSS includes everything (BLAS buffers, torch's allocator) but misses
  memory the allocator reuses from what it kept earlier.
* ``tracemalloc``: peak of memory traced by ``tracemalloc`` during ``fit``.
  NumPy reports its array buffers to tracemalloc, so this is exact for NumPy and
  Python allocations but blind to BLAS internals and to torch (not measured).

The child prints one JSON line as its last line of output.
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import subprocess
import sys
import tracemalloc
import warnings
from pathlib import Path

import numpy as np

from .common import Sizes, load_estimators, make_dense, mlp_params, safe_call
from .report import Table, fmt, fmt_ratio

ROOT = Path(__file__).resolve().parent.parent
HIDDEN = (100,)
BATCH = 200
MIB = 1024.0 * 1024.0


def _status_kib(field: str) -> float | None:
    """A ``Vm...`` field of /proc/self/status in bytes (None if unavailable)."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return float(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def _max_rss() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return float(peak if sys.platform == "darwin" else peak * 1024)


def _reset_peak() -> bool:
    """Reset the RSS high-water mark (Linux >= 4.0); True if it worked."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        return False
    return _status_kib("VmHWM") is not None


def _fitter(lib: str, hidden, batch: int):
    """Return ``fit(X, y, epochs)`` for the library."""
    if lib == "torch":
        from . import torch_mlp

        return lambda X, y, epochs: torch_mlp.fit(X, y, hidden, batch, epochs)
    cls = load_estimators()[lib]
    if cls is None:
        raise SystemExit(f"{lib} is not importable")

    def fit(X, y, epochs):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return cls(**mlp_params(hidden, batch, epochs)).fit(X, y)

    return fit


def child(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.memory")
    parser.add_argument("lib", choices=["skmlp", "scikit-learn", "torch"])
    parser.add_argument("--method", choices=["rss", "tracemalloc"], default="rss")
    parser.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    parser.add_argument("--n", type=int, default=60000)
    parser.add_argument("--epochs", type=int, default=1)
    parser.add_argument("--hidden", default="100", help="comma list, e.g. 256,256")
    parser.add_argument("--batch", type=int, default=BATCH)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args(argv)
    hidden = tuple(int(h) for h in args.hidden.split(","))
    if args.threads:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=args.threads, user_api="blas")
        if args.lib == "torch":
            import torch

            torch.set_num_threads(args.threads)
    fit = _fitter(args.lib, hidden, args.batch)
    X, y = make_dense(args.n, dtype=np.dtype(args.dtype).type, chunk=256)
    fit(X[:256], y[:256], 1)  # warm-up: lazy imports, thread pools, caches
    gc.collect()
    exact = _reset_peak()
    baseline = _status_kib("VmRSS") if exact else _max_rss()
    before = _max_rss()  # only used without /proc
    if args.method == "tracemalloc":
        tracemalloc.start()
        fit(X, y, args.epochs)
        peak = float(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        bound = False
    elif exact:
        fit(X, y, args.epochs)
        peak = _status_kib("VmHWM") - baseline
        bound = False
    else:  # no /proc: growth of ru_maxrss, a lower bound of the increase
        fit(X, y, args.epochs)
        peak = max(_max_rss() - before, 0.0)
        bound = True
    result = {
        "lib": args.lib,
        "method": args.method,
        "dtype": args.dtype,
        "peak_mib": peak / MIB,
        "lower_bound": bound,
        "baseline_mib": baseline / MIB,
        "data_mib": X.nbytes / MIB,
    }
    print(json.dumps(result), flush=True)
    return result


def spawn(lib: str, method: str, dtype: str, n: int, epochs: int, threads: int) -> dict:
    cmd = [
        sys.executable, "-m", "benchmarks.memory", lib, "--method", method,
        "--dtype", dtype, "--n", str(n), "--epochs", str(epochs),
        "--hidden", ",".join(map(str, HIDDEN)), "--batch", str(BATCH),
        "--threads", str(threads),
    ]  # fmt: skip
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[1:])} failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _cell(res: dict | None) -> str:
    if res is None:
        return "n/a"
    return (">=" if res["lower_bound"] else "") + fmt(res["peak_mib"], ".1f")


def _value(res: dict | None):
    return None if res is None else res["peak_mib"]


def run(sizes: Sizes, threads: int, use_torch: bool, markdown: bool) -> None:
    libs = [lib for lib, cls in load_estimators().items() if cls is not None]
    if use_torch:
        libs.append("torch")
    table = Table(
        f"Peak memory during fit: {sizes.memory_n} x 784, (100,) b={BATCH}, "
        f"{sizes.memory_epochs} epoch(s), one subprocess per cell",
        [
            "config",
            "data MiB",
            "skmlp RSS+",
            "scikit-learn RSS+",
            "torch RSS+",
            "skmlp/sklearn",
            "skmlp traced",
            "scikit-learn traced",
            "skmlp/sklearn",
        ],
    )
    for dtype in ("float64", "float32"):
        res: dict[tuple[str, str], dict | None] = {}
        for lib in libs:
            for method in ("rss", "tracemalloc"):
                if lib == "torch" and method == "tracemalloc":
                    continue
                res[lib, method] = safe_call(
                    f"memory {lib} {method} {dtype}",
                    spawn,
                    lib,
                    method,
                    dtype,
                    sizes.memory_n,
                    sizes.memory_epochs,
                    threads,
                )
        data_mib = sizes.memory_n * 784 * np.dtype(dtype).itemsize / MIB
        rss = {lib: res.get((lib, "rss")) for lib in ("skmlp", "scikit-learn")}
        traced = {lib: res.get((lib, "tracemalloc")) for lib in rss}
        table.add(
            f"{dtype} (100,) b={BATCH}",
            f"{data_mib:.1f}",
            _cell(rss["skmlp"]),
            _cell(rss["scikit-learn"]),
            _cell(res.get(("torch", "rss"))),
            fmt_ratio(_value(rss["skmlp"]), _value(rss["scikit-learn"])),
            _cell(traced["skmlp"]),
            _cell(traced["scikit-learn"]),
            fmt_ratio(_value(traced["skmlp"]), _value(traced["scikit-learn"])),
        )
    table.note(
        "RSS+ = peak RSS during fit (VmHWM, reset just before fit) minus "
        "RSS after the data was created and a warm-up fit ran; MiB"
    )
    table.note(
        "traced = tracemalloc peak during fit (NumPy + Python allocations, "
        "not BLAS internals; torch not traced); MiB"
    )
    table.note("skmlp/sklearn < 1: skmlp needs less memory")
    table.print(markdown)


if __name__ == "__main__":
    child()
