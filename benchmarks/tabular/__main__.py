"""Command line: ``python -m benchmarks.tabular [--quick] [--only ...] ...``."""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time

from ..machine import environment_lines
from . import datasets, models, protocol, summary

QUICK_DATASETS = ("credit", "hpc_jobs", "saratoga_price")
QUICK_ROWS, QUICK_BUDGET = 600, 20


def _names(values: list[str] | None, choices, parser, what: str) -> list[str]:
    chosen = []
    for item in values or []:
        chosen += [s.strip() for s in item.split(",") if s.strip()]
    unknown = sorted(set(chosen) - set(choices))
    if unknown:
        parser.error(f"unknown {what} {unknown}; choose from {', '.join(choices)}")
    return [c for c in choices if c in chosen]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.tabular",
        description="Accuracy of skmlp's tabular MLP, the drop-in MLP in "
        "skrub's tabular_pipeline, HistGradientBoosting, RealMLP-TD (when "
        "pytabkit imports) and a linear model on real mixed-type data sets, "
        "by repeated k-fold cross-validation.",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke run: {len(QUICK_DATASETS)} data sets cut to {QUICK_ROWS} "
        f"rows, 2 folds, 1 repeat, {QUICK_BUDGET} iterations per model",
    )
    parser.add_argument(
        "--only",
        action="append",
        metavar="DATASET",
        help="run only these data sets (repeatable or comma list): "
        + ",".join(datasets.SPECS),
    )
    parser.add_argument(
        "--models",
        action="append",
        metavar="MODEL",
        help="run only these models (repeatable or comma list): "
        + ",".join(models.KEYS),
    )
    parser.add_argument("--folds", type=int, help="k of k-fold (default 3)")
    parser.add_argument("--repeats", type=int, help="repeats of k-fold (default 3)")
    parser.add_argument("--rows", type=int, help="subsample each data set to N rows")
    parser.add_argument(
        "--threads",
        type=int,
        help="threads for BLAS, OpenMP and torch, the same for every model "
        "(default 2, or 1 with --quick)",
    )
    parser.add_argument("--markdown", action="store_true", help="Markdown tables")
    parser.add_argument(
        "--save",
        metavar="PATH",
        help="also write every fold's scores and times to PATH as JSON",
    )
    parser.add_argument(
        "--load",
        nargs="+",
        metavar="PATH",
        help="print the tables of runs saved with --save instead of running; "
        "runs on different data sets with the same protocol merge into one "
        "report (for example two halves run side by side, one per core)",
    )
    parser.add_argument(
        "--list", action="store_true", help="print the data-set table and exit"
    )
    args = parser.parse_args(argv)
    args.datasets = _names(args.only, tuple(datasets.SPECS), parser, "data set(s)")
    if not args.datasets:
        args.datasets = list(QUICK_DATASETS if args.quick else datasets.SPECS)
    keys = _names(args.models, tuple(models.KEYS), parser, "model(s)")
    args.model_names = [models.KEYS[k] for k in keys or models.KEYS]
    for name in ("folds", "repeats", "rows", "threads"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            parser.error(f"--{name} must be >= 1")
    if args.folds is not None and args.folds < 2:
        parser.error("--folds must be >= 2")
    args.folds = args.folds or (2 if args.quick else 3)
    args.repeats = args.repeats or (1 if args.quick else 3)
    args.rows = args.rows or (QUICK_ROWS if args.quick else None)
    args.budget = QUICK_BUDGET if args.quick else None
    # One thread in the smoke run: on a machine busy with other work, two
    # OpenMP or torch threads that wait for each other at every barrier can
    # make a tiny fit a hundred times slower.
    args.threads = args.threads or (1 if args.quick else 2)
    return args


def _minutes(seconds: float) -> str:
    return f"{seconds / 60:.1f} min" if seconds >= 60 else f"{seconds:.0f} s"


def load_runs(paths: list[str], parser) -> dict:
    """The saved runs of ``paths``, merged: one protocol, disjoint data sets."""
    merged = None
    for path in paths:
        with open(path) as fh:
            run = json.load(fh)
        if merged is None:
            merged = run
            continue
        for key in ("folds", "repeats", "rows", "threads", "budget"):
            if run.get(key) != merged.get(key):
                parser.error(f"{path} has {key}={run.get(key)}, not {merged.get(key)}")
        shared = set(run["results"]) & set(merged["results"])
        if shared:
            parser.error(f"{path} repeats the data sets {sorted(shared)}")
        merged["results"].update(run["results"])
        merged["unavailable"].update(run["unavailable"])
    return merged


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    saved = None
    if args.load:
        parser = argparse.ArgumentParser(prog="python -m benchmarks.tabular")
        saved = load_runs(args.load, parser)
        for key in ("folds", "repeats", "rows", "threads", "budget"):
            setattr(args, key, saved.get(key))
        args.datasets = [d for d in datasets.SPECS if d in saved["results"]]
        models_run = {m for cells in saved["results"].values() for m in cells}
        models_run |= set(saved["unavailable"])
        args.model_names = [m for m in models.KEYS.values() if m in models_run]
    bullet = "- " if args.markdown else "  "
    mode = "quick" if args.budget else "full"
    print(f"skmlp tabular accuracy benchmark ({mode} run)")
    # The first line names the Python, the CPU and its logical CPU count.
    print(bullet + environment_lines(args.threads, "", None)[0])
    print(bullet + ", ".join(models.library_versions()))
    print(
        f"{bullet}protocol: {args.repeats} x {args.folds}-fold cross-validation "
        f"(stratified for classification), seed {protocol.SEED}, the same folds "
        f"for every model; threads: {args.threads}"
        + (f"; at most {args.rows} rows per data set" if args.rows else "")
        + (f"; {args.budget} iterations per model" if args.budget else "")
    )
    if saved is not None:
        print(f"{bullet}results of the saved runs {', '.join(args.load)}")
    print(flush=True)

    loaded = []
    for name in args.datasets:
        data = datasets.load(name)
        loaded.append(data.subsample(args.rows) if args.rows else data)
    summary.dataset_table(loaded).print(args.markdown)
    if args.list:
        return 0

    started = time.perf_counter()
    if saved is None:
        results, unavailable = run(args, loaded)
    else:
        unavailable = saved["unavailable"]
        results = {
            d: {m: protocol.Cell(**cell) for m, cell in cells.items()}
            for d, cells in saved["results"].items()
        }

    n_folds = args.folds * args.repeats
    tables = summary.metric_tables(
        results, loaded, args.model_names, unavailable, n_folds
    )
    tables.append(summary.time_table(results, args.model_names, unavailable))
    tables += summary.summary_tables(results, loaded, args.model_names, unavailable)
    for table in tables:
        table.print(args.markdown)
    if args.save:
        raw = {
            "folds": args.folds,
            "repeats": args.repeats,
            "rows": args.rows,
            "threads": args.threads,
            "budget": args.budget,
            "unavailable": unavailable,
            "results": {
                d: {m: dataclasses.asdict(cell) for m, cell in cells.items()}
                for d, cells in results.items()
            },
        }
        with open(args.save, "w") as fh:
            json.dump(raw, fh, indent=1)
    if saved is None:
        print(f"Total time: {_minutes(time.perf_counter() - started)}")
    return 0


def run(args: argparse.Namespace, loaded: list) -> tuple[dict, dict]:
    """Every model on every data set; the results and the unavailable models."""
    unavailable = {}
    for name in args.model_names:
        reason = models.unavailable_reason(name)
        if reason:
            unavailable[name] = reason
    runnable = [m for m in args.model_names if m not in unavailable]

    from threadpoolctl import threadpool_limits

    # BLAS and OpenMP (HistGradientBoosting's threads) alike, for every model.
    limiter = threadpool_limits(limits=args.threads)
    if "RealMLP-TD" in runnable:
        import torch

        torch.set_num_threads(args.threads)

    shapes = [data.X.shape for data in loaded]
    estimate = protocol.estimate_seconds(shapes, runnable, args.folds, args.repeats)
    if args.budget is None:
        print(
            f"Estimated run time: about {_minutes(estimate)} (from per-model "
            "costs measured on 2 idle cores; progress on stderr)\n",
            flush=True,
        )

    results = {}
    started = time.perf_counter()
    done_estimate = 0.0
    for i, data in enumerate(loaded, 1):
        results[data.name] = protocol.run_dataset(
            data, runnable, args.folds, args.repeats, args.threads, args.budget
        )
        elapsed = time.perf_counter() - started
        done_estimate += protocol.estimate_seconds(
            [data.X.shape], runnable, args.folds, args.repeats
        )
        left = (estimate - done_estimate) * elapsed / max(done_estimate, 1e-9)
        print(
            f"[{i}/{len(loaded)}] {data.name}: {len(data.y)} rows done; "
            f"{_minutes(elapsed)} so far, about {_minutes(left)} left",
            file=sys.stderr,
            flush=True,
        )
    limiter.restore_original_limits()
    return results, unavailable


if __name__ == "__main__":
    sys.exit(main())
