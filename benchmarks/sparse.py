"""Training on sparse TF-IDF-like input (measurement 3)."""

from __future__ import annotations

import gc

from .common import Sizes, fit_timed, load_estimators, make_sparse, median, safe_call
from .report import Table, fmt, fmt_ratio

HIDDEN = (100,)
BATCH = 200
N_CLASSES = 5


def run(sizes: Sizes, markdown: bool) -> None:
    estimators = load_estimators()
    rows, cols = sizes.sparse_shape
    X, y = make_sparse(sizes.sparse_shape, sizes.sparse_density, N_CLASSES)
    table = Table(
        f"Sparse input: CSR {rows} x {cols}, density {sizes.sparse_density:.1%}, "
        f"{N_CLASSES} classes, {sizes.sparse_epochs} epoch(s), "
        f"median of {sizes.sparse_repeats}",
        [
            "config",
            "skmlp s/epoch",
            "scikit-learn s/epoch",
            "vs sklearn",
            "skmlp loss_",
            "scikit-learn loss_",
        ],
    )
    times: dict[str, list] = {lib: [] for lib in estimators}
    loss: dict[str, float] = {}
    for _ in range(sizes.sparse_repeats):
        for lib, cls in estimators.items():
            if cls is None:
                continue
            gc.collect()
            res = safe_call(f"sparse {lib}", fit_timed, cls, X, y, HIDDEN, BATCH,
                            sizes.sparse_epochs, wait=True)  # fmt: skip
            if res is not None:
                times[lib].append(res[0])
                loss[lib] = float(res[1].loss_)
    ours, theirs = median(times["skmlp"]), median(times["scikit-learn"])
    table.add(
        f"{X.dtype.name} (100,) b={BATCH}",
        fmt(ours),
        fmt(theirs),
        fmt_ratio(theirs, ours),
        fmt(loss.get("skmlp"), ".4f"),
        fmt(loss.get("scikit-learn"), ".4f"),
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
