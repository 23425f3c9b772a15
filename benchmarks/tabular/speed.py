"""Predict speed and peak fit memory of the tabular MLPs, next to the drop-in.

Run from the repository root::

    python -m benchmarks.tabular.speed            # full run, about 10 minutes
    python -m benchmarks.tabular.speed --quick    # smoke run, seconds
    python -m benchmarks.tabular.speed --only memory --memory-rows 200000

Two measurements behind two targets of the tabular estimators:

* **predict** (``predict_speed.py``): ``predict_proba`` latency on 1 and on
  100 rows (median over many calls) and throughput on 100,000 rows (median
  over repeats) of
  ``TabularMLPClassifier(hidden_layer_sizes=(256, 256, 256))`` on a raw mixed
  DataFrame, against ``skrub.tabular_pipeline(skmlp.MLPClassifier(...))`` of
  the same width on the same frame; then both on an all-numeric float32
  array (the drop-in ``MLPClassifier`` alone, on the array scaled
  beforehand). Target: no worse than the drop-in, on every engine.
* **memory** (``fit_memory.py``): the tracemalloc peak during one epoch of
  ``TabularMLPRegressor().fit`` on a 1,000,000-row mixed frame, beyond the
  frame itself, against one encoded copy of the data plus the buffers of a
  batch. Each fit runs in its own subprocess (``--memory-child``), which
  prints one JSON line; the drop-in pipeline's peak is shown for reference.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time

from .. import machine
from ..common import skmlp_engines, skmlp_status
from .fit_memory import CHILDREN, child, run_memory
from .predict_speed import run_predict
from .synthetic import FULL, N_NUMERIC, QUICK, make_frame, make_numeric

SECTIONS = ("predict", "memory")

# Names the smoke test reads from here, defined in the modules that use them.
__all__ = ["N_NUMERIC", "QUICK", "make_frame", "make_numeric", "skmlp_engines"]


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
