"""Memory: prediction on many rows stays within scikit-learn's working_memory.

A forward pass over ``n`` rows at once would hold an ``n x width`` array per
layer: for 2,000,000 rows and 100 hidden units, 1.5 GiB in float64. skmlp
predicts in chunks of rows sized by ``sklearn.get_config()['working_memory']``
(MiB), so the peak beyond the input and the output is bounded by that
setting plus a few per-row vectors (a row maximum, a row sum), whatever ``n``.
NumPy reports its allocations to ``tracemalloc``, which measures the peak.

Measured on 2,000,000 rows x 20 features, hidden_layer_sizes=(100,), 3
classes, float64: one unchunked pass peaks at 1572 MiB; with the default
working_memory of 1024 MiB (chunks of 671,088 rows) at 573 MiB, with 64 MiB
at 79 MiB, of which 46 MiB is the returned probabilities.
"""

import tracemalloc
import warnings

import numpy as np
import pytest
from sklearn import config_context
from sklearn.exceptions import ConvergenceWarning

from skmlp import MLPClassifier, MLPRegressor

N_ROWS = 200_000
N_FEATURES = 20
WIDEST = 100
WORKING_MEMORY_MIB = 8
MIB = 2**20

rng = np.random.RandomState(0)
X_TRAIN = rng.normal(size=(500, N_FEATURES))


def fitted(target):
    params = {"hidden_layer_sizes": (WIDEST,), "max_iter": 3, "random_state": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        if target == "regression":
            return MLPRegressor(**params).fit(X_TRAIN, X_TRAIN[:, 0])
        y = (X_TRAIN[:, 0] > 0).astype(int)
        if target == "multiclass":
            y = y + (X_TRAIN[:, 1] > 0)
        return MLPClassifier(**params).fit(X_TRAIN, y)


def peak_beyond_output(function, X):
    """Peak bytes allocated by ``function(X)``, less the returned array."""
    tracemalloc.start()
    try:
        output = function(X)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - output.nbytes, output


@pytest.fixture(scope="module")
def X_big():
    # Allocated before tracing starts: the input is not counted.
    return np.random.RandomState(1).normal(size=(N_ROWS, N_FEATURES))


@pytest.mark.parametrize(
    "target, method",
    [
        ("multiclass", "predict_proba"),
        ("multiclass", "predict_log_proba"),
        ("multiclass", "predict"),
        ("binary", "predict_proba"),
        ("binary", "predict_log_proba"),
        ("regression", "predict"),
    ],
)
def test_prediction_peak_is_bounded_by_working_memory(target, method, X_big):
    estimator = fitted(target)
    with config_context(working_memory=WORKING_MEMORY_MIB):
        extra, output = peak_beyond_output(getattr(estimator, method), X_big)
    unchunked = N_ROWS * WIDEST * X_big.itemsize  # one hidden layer, whole input
    # The chunks' layer outputs fit in working_memory; besides them only a
    # few vectors of one value per row (row maxima and sums, binary columns,
    # the probabilities behind predicted labels) are alive at once.
    per_row_vectors = 4 * N_ROWS * X_big.itemsize
    bound = WORKING_MEMORY_MIB * MIB + per_row_vectors + MIB
    assert extra <= bound, f"{extra / MIB:.1f} MiB > {bound / MIB:.1f} MiB"
    assert extra < unchunked / 8
    assert len(output) == N_ROWS


def test_chunked_and_unchunked_predictions_agree(X_big):
    estimator = fitted("multiclass")
    X = X_big[:20_000]
    with config_context(working_memory=1):  # chunks of a few thousand rows
        chunked = estimator.predict_proba(X)
    whole = estimator.predict_proba(X)
    np.testing.assert_allclose(chunked, whole, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(estimator.predict(X), whole.argmax(axis=1))


def test_peak_does_not_grow_with_the_number_of_rows(X_big):
    """Twice the rows: only the output and the per-row vectors grow."""
    estimator = fitted("multiclass")
    with config_context(working_memory=WORKING_MEMORY_MIB):
        half, _ = peak_beyond_output(estimator.predict_proba, X_big[: N_ROWS // 2])
        full, _ = peak_beyond_output(estimator.predict_proba, X_big)
    per_row_growth = 4 * (N_ROWS // 2) * X_big.itemsize
    assert full - half <= per_row_growth + MIB
