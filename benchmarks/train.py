"""Dense training benchmarks: time per epoch (measurement 1) and quality (6)."""

from __future__ import annotations

import gc

import numpy as np

from . import gemm, torch_mlp
from .common import (
    N_CLASSES,
    N_FEATURES,
    DenseData,
    Sizes,
    fit_timed,
    load_estimators,
    median,
    safe_call,
    skmlp_engines,
)
from .machine import wait_quiet
from .report import Table, fmt, fmt_ratio

CONFIGS = [((100,), 200), ((256, 256), 256), ((100,), 32)]
DTYPES = (np.float64, np.float32)
QUALITY_CONFIG = ((100,), 200)
LIBS = ("skmlp numba", "skmlp numpy", "scikit-learn", "torch")
QUALITY_LIBS = ("skmlp", "scikit-learn", "torch")


def config_name(dtype, hidden, batch_size) -> str:
    layers = str(tuple(hidden)).replace(" ", "")
    return f"{np.dtype(dtype).name} {layers} b={batch_size}"


def train_flops(n_samples: int, hidden) -> float:
    """FLOPs of one epoch of forward + backward GEMMs.

    Forward is ``2 * n * fan_in * fan_out`` per layer; backward needs the weight
    gradient (same cost) for every layer and the input gradient (same cost) for
    every layer except the first, whose input is the data.
    """
    sizes = [N_FEATURES, *hidden, N_CLASSES]
    total = 0.0
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:], strict=True)):
        layer = 2.0 * n_samples * fan_in * fan_out
        total += layer * (3 if i > 0 else 2)
    return total


def runners(use_torch: bool, engines: bool = False) -> dict:
    """``{library: MLPClassifier class}`` of the libraries to run; torch -> None.

    With ``engines``, skmlp runs once per engine it has here, as ``'skmlp
    numba'`` and ``'skmlp numpy'``; otherwise once, on its default engine.
    """
    out = {lib: cls for lib, cls in load_estimators().items() if cls is not None}
    if engines and "skmlp" in out:
        skmlp_class = out.pop("skmlp")
        out = {f"skmlp {name}": skmlp_class for name in skmlp_engines()} | out
    if use_torch:
        out["torch"] = None
    return out


def fit_lib(lib, cls, X, y, hidden, batch, epochs, *, wait=False, track=False):
    """Fit one library; return (seconds per epoch, loss_ or None, predict fn)."""
    if lib == "torch":
        per_epoch, loss, model = torch_mlp.fit(
            X, y, hidden, batch, epochs, track_loss=track, wait=wait
        )
        return per_epoch, loss, lambda X_: torch_mlp.predict(model, X_)
    engine = lib.split()[1] if lib.startswith("skmlp ") else None
    per_epoch, est = fit_timed(
        cls, X, y, hidden, batch, epochs, wait=wait, engine=engine
    )
    return per_epoch, float(est.loss_), est.predict


def _spread(times: dict) -> tuple[float, str]:
    """Largest max/min ratio of the repeat timings, and which library."""
    ratios = [(max(v) / min(v), lib) for lib, v in times.items() if v and None not in v]
    return max(ratios, default=(1.0, ""))


def run_train(
    data: DenseData, sizes: Sizes, peaks: dict, use_torch: bool, markdown: bool
) -> None:
    libs = runners(use_torch, engines=True)
    table = Table(
        f"Training time per epoch, Adam, {sizes.n_train} x {N_FEATURES}, "
        f"{N_CLASSES} classes, {sizes.epochs} epoch(s), median of {sizes.repeats}",
        [
            "config",
            "numba s/epoch",
            "numpy s/epoch",
            "scikit-learn s/epoch",
            "torch s/epoch",
            "numba vs sklearn",
            "numpy vs sklearn",
            "numba vs torch",
            "numpy vs torch",
            "skmlp GFLOP/s",
            "% GEMM peak",
            "GEMM-only s/epoch",
            "sklearn / GEMM-only",
        ],
    )
    worst = (1.0, "")
    for dtype in DTYPES:
        X, y = data.train(dtype)
        for lib, cls in libs.items():  # untimed: lazy imports, thread pools
            safe_call(f"warm-up {lib}", fit_lib, lib, cls, X[:1000], y[:1000],
                      (64,), 100, 1)  # fmt: skip
        for hidden, batch in CONFIGS:
            name = config_name(dtype, hidden, batch)
            times: dict[str, list] = {lib: [] for lib in LIBS}
            floors: list = []
            for _ in range(sizes.repeats):
                # Libraries alternate inside each repeat so that slow drifts of
                # the machine affect all of them alike.
                for lib, cls in libs.items():
                    gc.collect()
                    res = safe_call(f"train {name} {lib}", fit_lib, lib, cls, X, y,
                                    hidden, batch, sizes.epochs, wait=True)  # fmt: skip
                    times[lib].append(res and res[0])
                wait_quiet()
                floor = safe_call(f"GEMM-only {name}", gemm.epoch_floor, X, N_CLASSES,
                                  hidden, batch)  # fmt: skip
                floors.append(floor)
            spread = _spread(times)
            if spread[0] > worst[0]:
                worst = (spread[0], f"{name} {spread[1]}")
            compiled, numpy, theirs, torch_s = (median(times[lib]) for lib in LIBS)
            ours = compiled or numpy  # the faster engine, for the GFLOP/s
            rate = train_flops(len(X), hidden) / ours / 1e9 if ours else None
            peak = peaks.get(dtype)
            table.add(
                name,
                fmt(compiled),
                fmt(numpy),
                fmt(theirs),
                fmt(torch_s),
                fmt_ratio(theirs, compiled),
                fmt_ratio(theirs, numpy),
                fmt_ratio(torch_s, compiled),
                fmt_ratio(torch_s, numpy),
                fmt(rate, ".1f"),
                fmt(100 * rate / peak if rate and peak else None, ".0f"),
                fmt(median(floors)),
                fmt_ratio(theirs, median(floors)),
            )
    table.note(
        "s/epoch = wall time of fit (perf_counter) / epochs run; lower is better; "
        "numba, numpy = skmlp on each engine (SKMLP_ENGINE), same model"
    )
    table.note(
        "vs sklearn, vs torch = other s/epoch / skmlp s/epoch (>1: skmlp faster)"
    )
    table.note("skmlp GFLOP/s, % GEMM peak: of the faster engine")
    table.note(
        "fit(): max_iter=epochs, tol=0, n_iter_no_change=1e9, shuffle=True, "
        "alpha=1e-4, learning_rate_init=1e-3, random_state=0"
    )
    table.note(
        "GFLOP/s counts forward 2*n*fan_in*fan_out per layer, backward 2x "
        "forward except the input gradient of the first layer"
    )
    table.note("% GEMM peak = skmlp GFLOP/s / best np.matmul GFLOP/s of the dtype")
    table.note(
        "GEMM-only = one epoch of the same matrix products and shuffled-row "
        "copies alone (no activations, loss or optimizer step), a floor for any "
        "MLP that computes them with np.matmul; sklearn / GEMM-only = the "
        "largest speed-up over scikit-learn such an MLP could reach"
    )
    if sizes.repeats > 1:
        table.note(
            f"largest max/min spread over the repeats: {worst[0]:.2f}x "
            f"({worst[1] or 'all equal'}); medians resist single outliers"
        )
    if not use_torch:
        table.note("torch column n/a: torch not importable or not requested")
    if "skmlp numba" not in libs:
        table.note("numba columns n/a: Numba is not installed")
    table.print(markdown)


def run_quality(data: DenseData, sizes: Sizes, use_torch: bool, markdown: bool) -> None:
    hidden, batch = QUALITY_CONFIG
    table = Table(
        f"Quality after {sizes.quality_epochs} epoch(s): final training loss_ and "
        f"held-out accuracy ({len(data.test()[1])} rows)",
        [
            "config",
            "skmlp loss_",
            "scikit-learn loss_",
            "torch loss",
            "skmlp acc",
            "scikit-learn acc",
            "torch acc",
        ],
    )
    for dtype in DTYPES:
        X, y = data.train(dtype)
        X_test, y_test = data.test(dtype)
        name = config_name(dtype, hidden, batch)
        loss, acc = {}, {}
        for lib, cls in runners(use_torch).items():
            res = safe_call(f"quality {name} {lib}", fit_lib, lib, cls, X, y, hidden,
                            batch, sizes.quality_epochs, track=True)  # fmt: skip
            if res is not None:
                loss[lib] = res[1]
                pred = safe_call(f"quality {name} {lib} predict", res[2], X_test)
                acc[lib] = None if pred is None else float(np.mean(pred == y_test))
        table.add(
            name,
            *(fmt(loss.get(lib), ".4f") for lib in QUALITY_LIBS),
            *(fmt(acc.get(lib), ".4f") for lib in QUALITY_LIBS),
        )
    table.note(
        "same data, hyper-parameters and random_state; labels come from a "
        "random teacher network with 5% label noise (accuracy ceiling ~0.955)"
    )
    table.note(
        "loss_ = mean cross-entropy + L2 penalty over the last epoch, "
        "as sklearn defines it (the torch loop computes the same quantity)"
    )
    table.print(markdown)
