"""Divergence ends in a clear error, never in NaN weights or predictions.

A learning rate that blows the weights up must stop ``fit`` (and a warm
start) with a ``ValueError`` that says what to change, and a ``partial_fit``
that blows up must keep the weights, optimizer state and loss curve of the
previous call, so that training can go on as if the bad call never happened.
Every run here turns NumPy's floating-point warnings into errors: divergence
is reported once, by skmlp, not as a stream of overflow warnings.
"""

import pickle
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from skmlp import MLPClassifier, MLPRegressor

DIVERGED = "Training diverged"

rng = np.random.RandomState(0)
X = rng.normal(size=(200, 5))
Y_CLASS = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0)
Y_REG = X @ rng.normal(size=5)


def make(kind, **params):
    params = {"hidden_layer_sizes": (20,), "max_iter": 20, "random_state": 0} | params
    return MLPClassifier(**params) if kind == "classifier" else MLPRegressor(**params)


def target(kind):
    return Y_CLASS if kind == "classifier" else Y_REG


def predictions(estimator, X):
    if isinstance(estimator, MLPClassifier):
        return estimator.predict_proba(X)
    return estimator.predict(X)


def state(estimator):
    """Every attribute of ``estimator``, pickled: equal bytes, equal state."""
    return {name: pickle.dumps(value) for name, value in vars(estimator).items()}


@pytest.fixture(autouse=True)
def numpy_warnings_are_errors():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_huge_learning_rate_fit_raises_and_leaves_estimator_unfitted(kind, dtype):
    estimator = make(kind, solver="sgd", learning_rate_init=1e3)
    before = state(estimator)
    with pytest.raises(ValueError, match=DIVERGED) as raised:
        estimator.fit(X.astype(dtype), target(kind))
    message = str(raised.value)
    assert "learning_rate_init (now 1000.0)" in message
    assert "StandardScaler" in message
    assert state(estimator) == before
    assert not hasattr(estimator, "coefs_")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_diverging_refit_keeps_the_previous_model(kind, dtype):
    estimator = make(kind, solver="sgd").fit(X.astype(dtype), target(kind))
    expected = predictions(estimator, X.astype(dtype))
    before = state(estimator)
    estimator.set_params(learning_rate_init=1e3)
    with pytest.raises(ValueError, match=DIVERGED):
        estimator.fit(X.astype(dtype), target(kind))
    estimator.set_params(learning_rate_init=0.001)
    assert state(estimator) == before
    np.testing.assert_array_equal(predictions(estimator, X.astype(dtype)), expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_diverging_warm_start_keeps_the_previous_model(kind, dtype):
    estimator = make(kind, solver="sgd", warm_start=True)
    estimator.fit(X.astype(dtype), target(kind))
    expected = predictions(estimator, X.astype(dtype))
    before = state(estimator)
    estimator.set_params(learning_rate_init=1e3)
    with pytest.raises(ValueError, match=DIVERGED):
        estimator.fit(X.astype(dtype), target(kind))
    estimator.set_params(learning_rate_init=0.001)
    assert state(estimator) == before
    np.testing.assert_array_equal(predictions(estimator, X.astype(dtype)), expected)
    # The kept model trains on as usual.
    estimator.fit(X.astype(dtype), target(kind))
    assert all(np.isfinite(c).all() for c in estimator.coefs_)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "kind, solver",
    # Adam's steps are bounded by its learning rate, and the cross-entropy by
    # its clipping: an Adam classifier does not blow up on this data.
    [("classifier", "sgd"), ("regressor", "sgd"), ("regressor", "adam")],
)
def test_diverging_partial_fit_keeps_previous_weights(kind, solver, dtype):
    # One step per sample on features 1e18 times too large: the weights
    # overflow within the call.
    def fresh():
        return make(kind, solver=solver, batch_size=1, learning_rate_init=0.01)

    Xd = X.astype(dtype)
    classes = {"classes": [0, 1, 2]} if kind == "classifier" else {}
    estimator = fresh().partial_fit(Xd, target(kind), **classes)
    expected = predictions(estimator, Xd)
    before = state(estimator)
    with pytest.raises(ValueError, match=DIVERGED):
        estimator.partial_fit(Xd * 1e18, target(kind))
    assert state(estimator) == before
    got = predictions(estimator, Xd)
    assert np.isfinite(got).all()
    np.testing.assert_array_equal(got, expected)

    # Going on with good data gives exactly the model that never saw the
    # bad chunk: the optimizer state was kept too.
    estimator.partial_fit(Xd, target(kind))
    reference = fresh().partial_fit(Xd, target(kind), **classes)
    reference.partial_fit(Xd, target(kind))
    for ours, theirs in zip(estimator.coefs_, reference.coefs_, strict=True):
        np.testing.assert_array_equal(ours, theirs)
    assert estimator.loss_curve_ == reference.loss_curve_


def test_finite_but_runaway_weights_are_divergence():
    """float64 weights can grow to 1e31 without overflowing: still an error."""
    estimator = make("classifier", solver="sgd", learning_rate_init=1e3)
    with pytest.raises(ValueError, match="the loss grew from .* to .*run away"):
        estimator.fit(X, Y_CLASS)


def test_lbfgs_with_non_finite_loss_is_divergence():
    # exp(scores of 1e6-scaled inputs) overflows: the Poisson loss cannot be
    # evaluated, so L-BFGS cannot make progress.
    estimator = make("regressor", solver="lbfgs", loss="poisson")
    with pytest.raises(ValueError, match=DIVERGED) as raised:
        estimator.fit(X * 1e6, np.abs(Y_REG))
    assert "learning_rate_init" not in str(raised.value)  # not an L-BFGS knob
    assert not hasattr(estimator, "coefs_")


def test_early_stopping_run_that_diverges_raises():
    estimator = make("classifier", solver="sgd", learning_rate_init=1e3)
    estimator.set_params(early_stopping=True)
    with pytest.raises(ValueError, match=DIVERGED):
        estimator.fit(X.astype(np.float32), Y_CLASS)


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_large_but_falling_loss_is_not_divergence(kind):
    """Unscaled features make a bad start, not a divergence."""
    estimator = make(kind, solver="adam").fit(X * 1e6, target(kind))
    assert estimator.loss_curve_[-1] < estimator.loss_curve_[0]
    assert np.isfinite(predictions(estimator, X * 1e6)).all()
