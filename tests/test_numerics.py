"""Numerical robustness: huge feature scales and saturated logits.

Features on a 1e6 scale and logits far beyond the range where the softmax or
the logistic function saturates must give finite losses, probabilities in
[0, 1] that sum to 1, and finite log-probabilities, in float32 and float64,
without a single NumPy warning. Training runs with floating-point overflow,
invalid operations and division by zero turned into errors (a diverging run
would raise), so a fit that succeeds here is itself the proof that nothing
overflowed along the way; prediction is checked the same way, by running it
under ``np.errstate(all="raise")`` with warnings turned into errors.
"""

import warnings

import numpy as np
import pytest
from scipy.special import log_expit, log_softmax
from sklearn.exceptions import ConvergenceWarning

from skmlp import MLPClassifier, MLPRegressor

DTYPES = [np.float32, np.float64]

rng = np.random.RandomState(0)
X = rng.normal(size=(300, 5))
TARGETS = {
    "multiclass": (X[:, 0] > 0).astype(int) + (X[:, 1] > 0),
    "binary": (X[:, 0] + X[:, 2] > 0).astype(int),
    "multilabel": np.c_[X[:, 0] > 0, X[:, 1] > 0, X[:, 0] * X[:, 1] > 0].astype(int),
}


@pytest.fixture(autouse=True)
def no_warnings():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def assert_valid_probabilities(clf, X):
    with np.errstate(all="raise", under="ignore"):
        proba = clf.predict_proba(X)
        log_proba = clf.predict_log_proba(X)
    assert proba.dtype == log_proba.dtype
    assert np.isfinite(proba).all()
    assert ((proba >= 0) & (proba <= 1)).all()
    assert np.isfinite(log_proba).all()
    assert (log_proba <= 0).all()
    if clf.out_activation_ == "softmax" or proba.shape[1] == 2 and clf.n_outputs_ == 1:
        np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=0, atol=1e-6)
    # The two agree: log(predict_proba) is finite and equals predict_log_proba
    # (to the precision of the log of a rounded probability).
    np.testing.assert_allclose(np.log(proba), log_proba, rtol=1e-4, atol=1e-6)
    return proba, log_proba


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
@pytest.mark.parametrize("target", sorted(TARGETS))
def test_classifier_on_features_of_scale_1e6(target, solver, dtype):
    Xs = (X * 1e6).astype(dtype)
    clf = MLPClassifier(hidden_layer_sizes=(10,), solver=solver, max_iter=30)
    clf.set_params(random_state=0).fit(Xs, TARGETS[target])
    assert np.isfinite(clf.loss_)
    assert np.isfinite(clf.loss_curve_).all()
    assert all(np.isfinite(c).all() for c in clf.coefs_)
    assert_valid_probabilities(clf, Xs)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_regressor_on_features_of_scale_1e6(solver, dtype):
    Xs = (X * 1e6).astype(dtype)
    reg = MLPRegressor(hidden_layer_sizes=(10,), solver=solver, max_iter=30)
    reg.set_params(random_state=0).fit(Xs, X @ np.arange(5.0))
    assert np.isfinite(reg.loss_)
    with np.errstate(all="raise", under="ignore"):
        assert np.isfinite(reg.predict(Xs)).all()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "identity"])
def test_separable_data_trained_to_saturation(activation, dtype):
    """No penalty, separable classes: L-BFGS drives the logits apart."""
    y = TARGETS["multiclass"]
    clf = MLPClassifier(
        hidden_layer_sizes=(20,),
        activation=activation,
        solver="lbfgs",
        alpha=0.0,
        max_iter=300,
        random_state=0,
    ).fit((X * 10).astype(dtype), y)
    assert np.isfinite(clf.loss_)
    proba, _ = assert_valid_probabilities(clf, (X * 10).astype(dtype))
    assert proba.dtype == dtype


def saturated(target, dtype, scale):
    """A fitted classifier whose output layer is multiplied by ``scale``."""
    clf = MLPClassifier(hidden_layer_sizes=(8,), max_iter=20, random_state=0)
    clf.fit(X.astype(dtype), TARGETS[target])
    clf.coefs_[-1] *= scale
    clf.intercepts_[-1] *= scale
    return clf


def logits(clf, X):
    """The output layer's scores, computed independently of skmlp's heads."""
    A = X
    for W, b in zip(clf.coefs_[:-1], clf.intercepts_[:-1], strict=True):
        A = np.maximum(A @ W + b, 0)  # relu, the default activation
    return A @ clf.coefs_[-1] + clf.intercepts_[-1]


@pytest.mark.parametrize("scale", [1e3, 1e6, 1e30])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("target", sorted(TARGETS))
def test_saturated_logits_give_exact_finite_log_probabilities(target, dtype, scale):
    clf = saturated(target, dtype, scale)
    Xd = X.astype(dtype)
    proba, log_proba = assert_valid_probabilities(clf, Xd)

    z = logits(clf, Xd).astype(np.float64)
    if clf.out_activation_ == "softmax":
        exact = log_softmax(z, axis=1)
    elif clf.n_outputs_ == 1:
        exact = np.c_[log_expit(-z[:, 0]), log_expit(z[:, 0])]
    else:
        exact = log_expit(z)
    # Exact wherever the result lies above the documented floor (the log of
    # the smallest normal float) and below the logistic ceiling (log of the
    # float just below 1).
    finfo = np.finfo(dtype)
    floor = np.log(finfo.tiny)
    ceiling = np.log(np.nextafter(dtype(1), dtype(0)))
    expected = np.clip(exact, floor, 0 if clf.out_activation_ == "softmax" else ceiling)
    tol = 1e3 * finfo.eps
    np.testing.assert_allclose(log_proba, expected, rtol=tol, atol=tol * 10)
    assert (log_proba >= floor).all()
    if scale >= 1e6:
        # Truly saturated: some probabilities are below the floor.
        assert (exact < floor).any()


@pytest.mark.parametrize("dtype", DTYPES)
def test_logits_at_the_edge_of_the_float_range(dtype):
    """Scores near the float maximum (and their differences) do not overflow."""
    clf = saturated("multiclass", dtype, 1.0)
    clf.coefs_[-1][...] = 0
    big = np.finfo(dtype).max / 2
    clf.intercepts_[-1][...] = [big, -big, 0]
    proba, log_proba = assert_valid_probabilities(clf, X.astype(dtype))
    np.testing.assert_array_equal(clf.predict(X), np.zeros(len(X), dtype=int))
    assert (proba[:, 0] == 1).all()
    assert (log_proba[:, 1] == np.log(np.finfo(dtype).tiny)).all()


@pytest.mark.parametrize("dtype", DTYPES)
def test_binary_probabilities_keep_small_values(dtype):
    """P(negative) comes from expit(-z), not 1 - expit(z) (which would be 0)."""
    clf = saturated("binary", dtype, 1.0)
    clf.coefs_[-1][...] = 0
    clf.intercepts_[-1][...] = 30.0  # P(negative) = expit(-30), about 9.4e-14
    proba = clf.predict_proba(X[:3].astype(dtype))
    np.testing.assert_allclose(proba[:, 0], np.exp(-30.0), rtol=1e-5)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=0, atol=np.finfo(dtype).eps)


@pytest.mark.parametrize("dtype", DTYPES)
def test_poisson_predictions_stay_finite_for_huge_scores(dtype):
    reg = MLPRegressor(loss="poisson", hidden_layer_sizes=(5,), max_iter=20)
    reg.set_params(random_state=0).fit(X.astype(dtype), np.abs(np.round(X[:, 0])))
    reg.intercepts_[-1][...] = 1e4  # exp(1e4) is far beyond the float range
    with np.errstate(all="raise", under="ignore"):
        pred = reg.predict(X.astype(dtype))
    assert np.isfinite(pred).all()
    assert (pred > 0).all()
