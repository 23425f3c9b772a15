"""Concurrency: one fitted model serves predictions from many threads at once.

Prediction reads the weights and allocates its own arrays; it shares no
buffer with training or with other threads. So eight threads calling
``predict``, ``predict_proba`` and ``predict_log_proba`` on one model at the
same moment (NumPy releases the GIL in every matrix product) must get exactly,
bit for bit, the results of serial calls, also while chunking the input, and
also while another model trains in the background.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn import config_context
from sklearn.base import clone

from skmlp import MLPClassifier, MLPRegressor

N_THREADS = 8
ROUNDS = 3

# The models are fitted for a few epochs only; warnings are process-wide and
# not thread-safe to catch, so they are ignored for the whole module.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

rng = np.random.RandomState(0)
X = rng.normal(size=(6000, 20))
LABELS = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0) + (X[:, 2] > 0)


def fitted(kind, dtype):
    params = {"hidden_layer_sizes": (64, 32), "max_iter": 3, "random_state": 0}
    if kind == "classifier":
        estimator, y = MLPClassifier(**params), LABELS
    elif kind == "multilabel":
        estimator, y = MLPClassifier(**params), np.c_[LABELS > 1, X[:, 3] > 0]
    else:
        estimator, y = MLPRegressor(**params), X[:, :2] @ [1.0, -1.0]
    return estimator.fit(X.astype(dtype), y)


def methods(estimator):
    names = ["predict", "predict_proba", "predict_log_proba"]
    return [name for name in names if hasattr(estimator, name)]


def all_outputs(estimator, X, working_memory):
    # scikit-learn's configuration is per thread: set it in the caller's.
    with config_context(working_memory=working_memory):
        return {name: getattr(estimator, name)(X) for name in methods(estimator)}


def run_in_threads(function, n_threads=N_THREADS):
    """Start ``function`` in ``n_threads`` threads at the same moment."""
    barrier = threading.Barrier(n_threads)

    def task(index):
        barrier.wait()
        return [function(index) for _ in range(ROUNDS)]

    with ThreadPoolExecutor(n_threads) as pool:
        return [
            result for rounds in pool.map(task, range(n_threads)) for result in rounds
        ]


def assert_bitwise_equal(ours, theirs):
    for name in theirs:
        assert ours[name].dtype == theirs[name].dtype, name
        assert ours[name].tobytes() == theirs[name].tobytes(), name


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", ["classifier", "multilabel", "regressor"])
def test_eight_threads_predict_exactly_like_one(kind, dtype):
    estimator = fitted(kind, dtype)
    Xd = X.astype(dtype)
    # Half the threads predict in one piece, half in chunks of about 40 rows
    # (working_memory is in MiB; 0.02 MiB over a 64-unit layer).
    memory = {0: 1024, 1: 0.02}
    serial = {m: all_outputs(estimator, Xd, memory[m]) for m in memory}

    results = run_in_threads(
        lambda i: (i % 2, all_outputs(estimator, Xd, memory[i % 2]))
    )
    assert len(results) == N_THREADS * ROUNDS
    for mode, outputs in results:
        assert_bitwise_equal(outputs, serial[mode])


def test_threads_on_sparse_input():
    estimator = fitted("classifier", np.float64)
    X_sparse = sp.csr_matrix(np.where(np.abs(X) > 1, X, 0.0))
    serial = all_outputs(estimator, X_sparse, 1024)
    for outputs in run_in_threads(lambda i: all_outputs(estimator, X_sparse, 1024)):
        assert_bitwise_equal(outputs, serial)


def test_predictions_are_unaffected_by_training_in_another_thread():
    """Training another model (and its buffers) alongside changes nothing."""
    estimator = fitted("classifier", np.float64)
    serial = all_outputs(estimator, X, 1024)
    trainee = clone(estimator).set_params(max_iter=1, warm_start=True)

    def work(index):
        if index == 0:
            for _ in range(2):
                trainee.fit(X, LABELS)
            return None
        return all_outputs(estimator, X, 1024)

    for outputs in run_in_threads(work, n_threads=4):
        if outputs is not None:
            assert_bitwise_equal(outputs, serial)


def test_prediction_does_not_change_the_model():
    estimator = fitted("classifier", np.float32)
    before = [w.copy() for w in estimator.coefs_ + estimator.intercepts_]
    run_in_threads(lambda i: all_outputs(estimator, X[:100], 1024))
    after = estimator.coefs_ + estimator.intercepts_
    for a, b in zip(after, before, strict=True):
        assert a.tobytes() == b.tobytes()
