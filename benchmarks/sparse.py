"""Training on sparse TF-IDF-like input (measurement 3)."""

from __future__ import annotations

import gc

from .common import (
    Sizes,
    fit_timed,
    load_estimators,
    make_sparse,
    median,
    safe_call,
    skmlp_engines,
)
from .report import Table, fmt, fmt_ratio

HIDDEN = (100,)
BATCH = 200
N_CLASSES = 5


def run(sizes: Sizes, markdown: bool) -> None:
    estimators = load_estimators()
    # skmlp once per engine it has here, each with its own row.
    runs = {("scikit-learn", None): estimators["scikit-learn"]}
    if estimators["skmlp"] is not None:
        runs |= {("skmlp", e): estimators["skmlp"] for e in skmlp_engines()}
    rows, cols = sizes.sparse_shape
    X, y = make_sparse(sizes.sparse_shape, sizes.sparse_density, N_CLASSES)
    table = Table(
        f"Sparse input: CSR {rows} x {cols}, density {sizes.sparse_density:.1%}, "
        f"{N_CLASSES} classes, {sizes.sparse_epochs} epoch(s), "
        f"median of {sizes.sparse_repeats}",
        [
            "config",
            "engine",
            "skmlp s/epoch",
            "scikit-learn s/epoch",
            "vs sklearn",
            "skmlp loss_",
            "scikit-learn loss_",
        ],
    )
    times: dict[tuple, list] = {run: [] for run in runs}
    loss: dict[tuple, float] = {}
    for _ in range(sizes.sparse_repeats):
        for (lib, engine), cls in runs.items():
            gc.collect()
            res = safe_call(f"sparse {lib} {engine}", fit_timed, cls, X, y, HIDDEN,
                            BATCH, sizes.sparse_epochs, wait=True,
                            engine=engine)  # fmt: skip
            if res is not None:
                times[lib, engine].append(res[0])
                loss[lib, engine] = float(res[1].loss_)
    reference = ("scikit-learn", None)
    theirs = median(times[reference])
    for run in runs:
        if run == reference:
            continue
        ours = median(times[run])
        table.add(
            f"{X.dtype.name} (100,) b={BATCH}",
            run[1],
            fmt(ours),
            fmt(theirs),
            fmt_ratio(theirs, ours),
            fmt(loss.get(run), ".4f"),
            fmt(loss.get(reference), ".4f"),
        )
    table.note(
        f"scipy.sparse.random(random_state=0), rows l2-normalised, "
        f"{X.nnz} stored values; labels = argmax of a random linear teacher"
    )
    table.note(
        "vs sklearn = scikit-learn s/epoch / skmlp s/epoch (>1: skmlp is "
        "faster); loss_ after the last epoch of the last repeat"
    )
    table.print(markdown)
