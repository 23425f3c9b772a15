"""Shared helpers: run sizes, estimators, fit timing, synthetic data."""

from __future__ import annotations

import contextlib
import os
import statistics
import sys
import time
import traceback
import warnings
from dataclasses import dataclass

import numpy as np

from .machine import wait_quiet

N_FEATURES = 784
N_CLASSES = 10
SEED = 0
ALPHA = 1e-4
LEARNING_RATE = 1e-3
BETAS = (0.9, 0.999)
EPSILON = 1e-8
NO_EARLY_STOP = 10**9
LIBS = ("skmlp", "scikit-learn")

ERRORS: list[str] = []


@dataclass(frozen=True)
class Sizes:
    """Problem sizes of one run (full or quick)."""

    n_train: int
    n_test: int
    epochs: int
    repeats: int
    sparse_shape: tuple[int, int]
    sparse_density: float
    sparse_epochs: int
    sparse_repeats: int
    predict_calls: int
    predict_rows: int
    memory_n: int
    memory_epochs: int
    quality_epochs: int
    gemm_size: int


FULL = Sizes(
    n_train=60000,
    n_test=10000,
    epochs=5,
    repeats=3,
    sparse_shape=(20000, 50000),
    sparse_density=0.002,
    sparse_epochs=2,
    sparse_repeats=2,
    predict_calls=2000,
    predict_rows=100000,
    memory_n=60000,
    memory_epochs=1,
    quality_epochs=20,
    gemm_size=2048,
)
QUICK = Sizes(
    n_train=2000,
    n_test=500,
    epochs=1,
    repeats=1,
    sparse_shape=(2000, 5000),
    sparse_density=0.002,
    sparse_epochs=1,
    sparse_repeats=1,
    predict_calls=200,
    predict_rows=5000,
    memory_n=2000,
    memory_epochs=1,
    quality_epochs=1,
    gemm_size=512,
)


_ESTIMATORS: dict[str, object] = {}
_REASONS: dict[str, str] = {}


def load_estimators() -> dict[str, type | None]:
    """Return ``{library name: MLPClassifier class or None}``.

    skmlp is optional for the harness: if it cannot be imported its column shows
    ``n/a`` and the reason is printed in the header.
    """
    if not _ESTIMATORS:
        try:
            from skmlp import MLPClassifier as SkmlpClassifier
        except Exception as exc:  # noqa: BLE001 - any import failure means n/a
            SkmlpClassifier = None
            _REASONS["skmlp"] = f"{type(exc).__name__}: {exc}"
        from sklearn.neural_network import MLPClassifier

        _ESTIMATORS["skmlp"] = SkmlpClassifier
        _ESTIMATORS["scikit-learn"] = MLPClassifier
    return dict(_ESTIMATORS)


def skmlp_status() -> str:
    """One-line description of the skmlp package under test."""
    if load_estimators()["skmlp"] is None:
        return f"not importable ({_REASONS.get('skmlp', 'unknown')}), column is n/a"
    import skmlp

    where = os.path.dirname(getattr(skmlp, "__file__", "") or "?")
    return f"{getattr(skmlp, '__version__', 'unknown version')} from {where}"


def mlp_params(hidden: tuple[int, ...], batch_size: int, epochs: int) -> dict:
    """Identical constructor arguments for skmlp and scikit-learn."""
    return {
        "hidden_layer_sizes": hidden,
        "activation": "relu",
        "solver": "adam",
        "alpha": ALPHA,
        "batch_size": batch_size,
        "learning_rate_init": LEARNING_RATE,
        "max_iter": epochs,
        "shuffle": True,
        "random_state": SEED,
        "tol": 0.0,
        "n_iter_no_change": NO_EARLY_STOP,
        "early_stopping": False,
        "beta_1": BETAS[0],
        "beta_2": BETAS[1],
        "epsilon": EPSILON,
    }


def skmlp_engines() -> list[str]:
    """skmlp's engines this machine can run: Numba's when installed, and NumPy."""
    import importlib.util

    compiled = ["numba"] if importlib.util.find_spec("numba") is not None else []
    return [*compiled, "numpy"]


def engine_context(engine: str | None):
    """A context that trains skmlp on ``engine`` (None: leave the setting)."""
    if engine is None:
        return contextlib.nullcontext()
    import skmlp

    return skmlp.config_context(engine=engine)


def fit_timed(
    cls, X, y, hidden, batch_size, epochs, *, wait: bool = False, engine=None
):
    """Fit a fresh estimator; return (seconds per epoch, fitted estimator).

    With ``wait`` the fit starts once other processes leave the CPUs idle;
    ``engine`` is skmlp's engine to train on (ignored by other libraries).
    """
    est = cls(**mlp_params(hidden, batch_size, epochs))
    if wait:
        wait_quiet()
    with warnings.catch_warnings(), engine_context(engine):
        warnings.simplefilter("ignore")  # ConvergenceWarning: max_iter reached
        start = time.perf_counter()
        est.fit(X, y)
        elapsed = time.perf_counter() - start
    return elapsed / max(getattr(est, "n_iter_", epochs), 1), est


def safe_call(label: str, fn, *args, **kwargs):
    """Run ``fn``; on failure record the error, print the traceback, return None."""
    try:
        return fn(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - a benchmark row must not kill the run
        ERRORS.append(f"{label}: {type(exc).__name__}: {exc}")
        traceback.print_exc(file=sys.stderr)
        return None


def median(values) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


# ---------------------------------------------------------------------------- data
def make_dense(n: int, dtype=np.float64, seed: int = SEED, chunk: int = 2000):
    """MNIST-shaped synthetic data: pixels in [0, 1), labels from a teacher MLP.

    A fixed random ReLU network (784 -> 64 -> 10) labels the rows (argmax), then
    5 % of the labels are replaced by random classes.  The array is filled chunk by
    chunk so that creating it needs hardly more memory than the result; the pixels
    of row ``i`` are the same whatever ``n``, ``dtype`` and ``chunk`` are (float32
    holds the rounded float64 values).
    """
    teacher = np.random.default_rng(seed)
    w1 = teacher.standard_normal((N_FEATURES, 64)) / np.sqrt(N_FEATURES / 12)
    w2 = teacher.standard_normal((64, N_CLASSES)) / 8.0
    pixels = np.random.default_rng([seed, 1])
    noise = np.random.default_rng([seed, 2])
    X = np.empty((n, N_FEATURES), dtype=dtype)
    y = np.empty(n, dtype=np.int64)
    for start in range(0, n, chunk):
        block = pixels.random((min(chunk, n - start), N_FEATURES))
        logits = np.maximum((block - 0.5) @ w1, 0.0) @ w2
        labels = logits.argmax(axis=1)
        flip = noise.random(len(labels)) < 0.05
        labels[flip] = noise.integers(0, N_CLASSES, flip.sum())
        X[start : start + len(block)] = block
        y[start : start + len(block)] = labels
    return X, y


class DenseData:
    """Train/test split of ``make_dense`` with cached float32 copies."""

    def __init__(self, n_train: int, n_test: int):
        X, y = make_dense(n_train + n_test)
        self.n_train = n_train
        self._X = {np.float64: X}
        self._y = y

    def _get(self, dtype):
        if dtype not in self._X:
            self._X[dtype] = self._X[np.float64].astype(dtype)
        return self._X[dtype]

    def train(self, dtype=np.float64):
        return self._get(dtype)[: self.n_train], self._y[: self.n_train]

    def test(self, dtype=np.float64):
        return self._get(dtype)[self.n_train :], self._y[self.n_train :]


def make_sparse(shape, density, n_classes=5, seed=SEED):
    """TF-IDF-like CSR matrix (non-negative, rows l2-normalised) and labels."""
    import scipy.sparse as sp
    from sklearn.preprocessing import normalize

    X = sp.random(*shape, density=density, format="csr", random_state=seed)
    X = normalize(X, norm="l2", copy=False)
    w = np.random.default_rng([seed, 3]).standard_normal((shape[1], n_classes))
    y = np.asarray(X @ w).argmax(axis=1)
    return X, y
