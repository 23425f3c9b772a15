"""Peak memory of out-of-core training with ``skmlp.streaming.fit_stream``.

Writes a synthetic 3-class data set to a temporary directory as Parquet files,
one row group at a time (the whole data set is never in memory), then trains an
``MLPClassifier`` on it with ``fit_stream`` in a child process whose memory is
capped with ``RLIMIT_DATA``: on Linux that limit covers the heap and private
anonymous mappings, where NumPy and Arrow allocate their arrays, so a process
that tries to hold more gets a ``MemoryError`` (the children use Arrow's
system allocator: its default one reserves about 1 GiB of address space up
front, which the limit would count). A second child, under the same
cap, reads the same chunks but keeps them all, as a control.

Each child reports its peak resident set size (``VmHWM`` from
``/proc/self/status``), its RSS after the imports, and its times::

    python benchmarks/streaming_memory.py                # about 3 GiB of data
    python benchmarks/streaming_memory.py --rows 200000  # a quick run

Linux only (``RLIMIT_DATA`` and ``/proc``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

N_CLASSES = 3
MIB = 2**20


def _status_mib(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024  # kB -> MiB
    raise RuntimeError(f"{field} not in /proc/self/status")


def _teacher(n_features):
    """A fixed random network whose noisy decisions are the labels."""
    rng = np.random.RandomState(0)
    return rng.standard_normal((n_features, 16)), rng.standard_normal((16, N_CLASSES))


def write_dataset(directory, rows, features, chunk_rows, groups_per_file=8):
    """Write ``rows`` rows as Parquet row groups of ``chunk_rows`` rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    W1, W2 = _teacher(features)
    names = [f"x{j}" for j in range(features)] + ["label"]
    rng = np.random.RandomState(1)
    writer, n_written, n_file = None, 0, 0
    while n_written < rows:
        n = min(chunk_rows, rows - n_written)
        X = rng.standard_normal((n, features))
        scores = np.tanh(X @ W1) @ W2 + 0.5 * rng.standard_normal((n, N_CLASSES))
        columns = [pa.array(X[:, j]) for j in range(features)]
        columns.append(pa.array(scores.argmax(axis=1).astype(np.int8)))
        if writer is None or n_written % (chunk_rows * groups_per_file) == 0:
            if writer is not None:
                writer.close()
            path = Path(directory) / f"part-{n_file:04d}.parquet"
            writer, n_file = (
                pq.ParquetWriter(
                    path,
                    pa.schema(
                        [
                            (name, col.type)
                            for name, col in zip(names, columns, strict=True)
                        ]
                    ),
                ),
                n_file + 1,
            )
        writer.write_table(pa.table(columns, names=names), row_group_size=chunk_rows)
        n_written += n
    writer.close()


def child_train(directory, epochs):
    """Stream the Parquet files through fit_stream; report memory and times."""
    from skmlp import MLPClassifier
    from skmlp.streaming import fit_stream, parquet_chunks

    baseline = _status_mib("VmRSS")
    chunks = parquet_chunks(directory, target="label")
    start = time.perf_counter()
    clf = fit_stream(
        MLPClassifier(hidden_layer_sizes=(32,), random_state=0),
        chunks,
        classes=np.arange(N_CLASSES),
        epochs=epochs,
        validation=-1,
        random_state=0,
    )
    return {
        "chunks": len(chunks),
        "baseline_rss_mib": baseline,
        "peak_rss_mib": _status_mib("VmHWM"),
        "train_seconds": time.perf_counter() - start,
        "validation_scores": clf.stream_history_["validation_score"],
    }


def child_load_all(directory):
    """The control: hold every chunk in memory at once, as ``fit`` would."""
    from skmlp.streaming import parquet_chunks

    baseline = _status_mib("VmRSS")
    held, n_rows = [], 0
    try:
        for X, y in parquet_chunks(directory, target="label"):
            held.append((X, y))
            n_rows += len(y)
        outcome = f"held all {n_rows:,} rows"
    except MemoryError as error:
        outcome = f"{type(error).__name__} after {n_rows:,} rows"
    del held
    return {
        "baseline_rss_mib": baseline,
        "peak_rss_mib": _status_mib("VmHWM"),
        "outcome": outcome,
    }


# The capped children use malloc for Arrow too (its default pool, mimalloc,
# reserves about 1 GiB of address space up front, which RLIMIT_DATA counts
# although it is never used) and make glibc return every freed block of 1 MiB
# or more to the system at once (by default it keeps such blocks in its heap
# for reuse, and the resident size then grows well past what is in use).
TIGHT_ALLOCATORS = {
    "ARROW_DEFAULT_MEMORY_POOL": "system",
    "MALLOC_MMAP_THRESHOLD_": str(MIB),
}


def run_child(mode, directory, budget_mib, epochs, env=None):
    """Run one measurement in a fresh process (capped unless budget_mib is 0)."""
    command = [sys.executable, __file__, "--child", mode, "--dir", str(directory)]
    command += ["--budget-mib", str(budget_mib), "--epochs", str(epochs)]
    done = subprocess.run(
        command,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
        timeout=3600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"{mode} child failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _describe(report, epochs, chunk_rows):
    return (
        f"{epochs} epochs over {report['chunks']} chunks of {chunk_rows:,} rows: "
        f"peak RSS {report['peak_rss_mib']:.0f} MiB (after imports "
        f"{report['baseline_rss_mib']:.0f} MiB), {report['train_seconds']:.0f} s, "
        "validation accuracy per epoch "
        + ", ".join(f"{s:.3f}" for s in report["validation_scores"])
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=6_600_000)
    parser.add_argument("--features", type=int, default=60)
    parser.add_argument("--chunk-rows", type=int, default=50_000)
    parser.add_argument("--budget-mib", type=int, default=512)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--dir", help=argparse.SUPPRESS)
    parser.add_argument(
        "--child", choices=["train", "load-all"], help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)

    if args.child:
        if args.budget_mib:
            cap = args.budget_mib * MIB
            resource.setrlimit(resource.RLIMIT_DATA, (cap, cap))
        if args.child == "train":
            report = child_train(args.dir, args.epochs)
        else:
            report = child_load_all(args.dir)
        print(json.dumps(report))
        return

    in_memory_mib = args.rows * (args.features * 8 + 1) / MIB
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"{os.sysconf('SC_PHYS_PAGES') * os.sysconf('SC_PAGE_SIZE') / 2**30:.0f} "
        f"GiB, Python {platform.python_version()}, NumPy {np.__version__}"
    )
    with tempfile.TemporaryDirectory() as directory:
        start = time.perf_counter()
        write_dataset(directory, args.rows, args.features, args.chunk_rows)
        on_disk = sum(p.stat().st_size for p in Path(directory).iterdir()) / MIB
        print(
            f"data set: {args.rows:,} rows x {args.features} float64 features "
            f"+ int8 label = {in_memory_mib:,.0f} MiB in memory, "
            f"{on_disk:,.0f} MiB of Parquet on disk "
            f"(written in {time.perf_counter() - start:.0f} s)"
        )
        budget, epochs = args.budget_mib, args.epochs
        print(
            f"memory cap (RLIMIT_DATA) of the capped runs: {budget} MiB, "
            f"the data set is {in_memory_mib / budget:.1f} times that"
        )
        report = run_child("train", directory, budget, epochs, TIGHT_ALLOCATORS)
        print("capped fit_stream, " + _describe(report, epochs, args.chunk_rows))
        report = run_child("load-all", directory, budget, epochs, TIGHT_ALLOCATORS)
        print(
            "capped control, the same chunks all kept in memory: "
            f"{report['outcome']} (peak RSS {report['peak_rss_mib']:.0f} MiB)"
        )
        report = run_child("train", directory, 0, epochs)
        print(
            "uncapped fit_stream, default allocators, "
            + _describe(report, epochs, args.chunk_rows)
        )


if __name__ == "__main__":
    main()
