"""Command line: ``python -m benchmarks [--quick] [--only ...] [--markdown]``."""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time

from . import (
    cold_start,
    common,
    gemm,
    machine,
    memory,
    predict,
    sparse,
    torch_mlp,
    train,
)

SECTIONS = ("gemm", "train", "sparse", "predict", "memory", "quality", "cold_start")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="skmlp vs scikit-learn MLPClassifier (vs PyTorch eager CPU, "
        "if torch is importable): training speed, sparse input, predict_proba, "
        "peak memory, quality, and import plus first fit in a fresh process.",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="tiny sizes, 1 epoch, 1 repeat, no torch unless --torch (smoke test)",
    )
    parser.add_argument("--repeats", type=int, help="repeats per timing (median)")
    parser.add_argument(
        "--epochs", type=int, help="epochs per fit of the train and sparse sections"
    )
    parser.add_argument(
        "--only",
        action="append",
        metavar="SECTION",
        help=f"run only these sections (repeatable or comma list): "
        f"{','.join(SECTIONS)}",
    )
    parser.add_argument("--markdown", action="store_true", help="Markdown tables")
    parser.add_argument(
        "--threads",
        type=int,
        help="BLAS (and torch) threads; default: the BLAS library's current count",
    )
    parser.add_argument(
        "--max-wait",
        type=float,
        help="seconds to wait for other processes to go idle before each timing "
        "(default 30, 0 with --quick)",
    )
    torch_group = parser.add_mutually_exclusive_group()
    torch_group.add_argument(
        "--torch", action="store_true", help="include torch even with --quick"
    )
    torch_group.add_argument("--no-torch", action="store_true", help="skip torch")
    args = parser.parse_args(argv)
    chosen = []
    for item in args.only or []:
        chosen += [s.strip() for s in item.split(",") if s.strip()]
    unknown = sorted(set(chosen) - set(SECTIONS))
    if unknown:
        parser.error(f"unknown section(s) {unknown}; choose from {SECTIONS}")
    args.sections = [s for s in SECTIONS if s in chosen] if chosen else SECTIONS
    for name in ("repeats", "epochs", "threads"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            parser.error(f"--{name} must be >= 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sizes = common.QUICK if args.quick else common.FULL
    if args.repeats:
        sizes = dataclasses.replace(
            sizes, repeats=args.repeats, sparse_repeats=args.repeats
        )
    if args.epochs:
        sizes = dataclasses.replace(
            sizes, epochs=args.epochs, sparse_epochs=args.epochs
        )
    machine.QUIET["max_wait"] = (
        args.max_wait if args.max_wait is not None else 0.0 if args.quick else 30.0
    )
    wants_torch = not args.no_torch and (args.torch or not args.quick)
    use_torch = wants_torch and torch_mlp.available()

    from threadpoolctl import threadpool_limits

    threads = args.threads or machine.blas_threads()
    limiter = threadpool_limits(limits=threads, user_api="blas")
    if use_torch:
        torch_mlp.set_threads(threads)
    started = time.perf_counter()
    mode = "quick" if args.quick else "full"
    print(f"skmlp benchmarks ({mode} run, sections: {', '.join(args.sections)})")
    for line in machine.environment_lines(
        threads, common.skmlp_status(), torch_mlp.version() if use_torch else None
    ):
        print(("- " if args.markdown else "  ") + line)
    if wants_torch and not use_torch:
        print("  torch requested but not importable: torch columns are n/a")
    print(flush=True)

    sections = set(args.sections)
    peaks: dict = {}
    if sections & {"gemm", "train"}:
        peaks = gemm.run(sizes.gemm_size, args.markdown, "gemm" in sections, threads)
    data = None
    if sections & {"train", "predict", "quality"}:
        data = common.DenseData(sizes.n_train, sizes.n_test)
    if "train" in sections:
        train.run_train(data, sizes, peaks, use_torch, args.markdown)
    if "sparse" in sections:
        sparse.run(sizes, args.markdown)
    if "predict" in sections:
        predict.run(data, sizes, args.markdown)
    if "memory" in sections:
        memory.run(sizes, threads, use_torch, args.markdown)
    if "quality" in sections:
        train.run_quality(data, sizes, use_torch, args.markdown)
    if "cold_start" in sections:
        cold_start.run(args.quick, args.repeats, args.markdown)
    limiter.restore_original_limits()

    print(machine.quiet_summary())
    print(f"total benchmark time: {time.perf_counter() - started:.1f} s")
    if common.ERRORS:
        print(f"{len(common.ERRORS)} measurement(s) failed:", file=sys.stderr)
        for err in common.ERRORS:
            print(f"  {err}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
