"""Divergence ends in a clear error or the best validated weights, never NaN.

A learning rate that blows the weights up must stop ``fit`` (and a warm
start) with a ``ValueError`` that says what to change, and a ``partial_fit``
that blows up must keep the weights, optimizer state and loss curve of the
previous call, so that training can go on as if the bad call never happened.
With validation data (early stopping or a user validation set), a fit that
diverges after complete epochs instead keeps the weights of the best
validated epoch and warns, as scikit-learn does since its issue #29504.
Every run here turns NumPy's floating-point warnings into errors: divergence
is reported once, by skmlp, not as a stream of overflow warnings.
"""

import pickle
import re
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.exceptions import ConvergenceWarning

import skmlp._base
from skmlp import MLPClassifier, MLPRegressor

DIVERGED = "Training diverged"
# scikit-learn's message for the same failure, which skmlp's error carries.
SKLEARN_MESSAGE = (
    "Solver produced non-finite parameter weights. The input data may contain large"
    " values and need to be preprocessed."
)
KEPT = r"Training diverged at epoch (\d+) .*kept the weights of epoch (\d+)"

rng = np.random.RandomState(0)
X = rng.normal(size=(200, 5))
Y_CLASS = (X[:, 0] > 0).astype(int) + (X[:, 1] > 0)
COEF = rng.normal(size=5)
Y_REG = X @ COEF
X_VAL = rng.normal(size=(100, 5))
YV_CLASS = (X_VAL[:, 0] > 0).astype(int) + (X_VAL[:, 1] > 0)
YV_REG = X_VAL @ COEF


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


# SGD whose learning rate warms up, over ``warmup_iter`` epochs, to a value far
# too large: the first epochs learn, later ones blow the weights up.
RAMP_TO_DIVERGENCE = {
    "classifier": {"learning_rate_init": 300.0, "warmup_iter": 100},
    "regressor": {"learning_rate_init": 3.0, "warmup_iter": 20},
}
# How the fit is validated: the internal split, a user validation set only
# watched, a user validation set deciding when to stop.
VALIDATIONS = ["split", "user", "user-early-stopping"]


def diverging(kind, validation, **params):
    """An estimator that diverges under ``validation``, and its fit kwargs."""
    params = (
        {
            "solver": "sgd",
            "max_iter": 100,
            "n_iter_no_change": 100,
            "early_stopping": validation != "user",
        }
        | RAMP_TO_DIVERGENCE[kind]
        | params
    )
    return make(kind, **params)


def validation_set(kind, validation, dtype):
    if validation == "split":
        return {}
    y_val = YV_CLASS if kind == "classifier" else YV_REG
    return {"X_val": X_VAL.astype(dtype), "y_val": y_val}


def fit_diverging(estimator, kind, validation, dtype):
    """Fit; return the epoch that diverged and the epoch whose weights were kept."""
    with pytest.warns(ConvergenceWarning, match=KEPT) as record:
        estimator.fit(
            X.astype(dtype), target(kind), **validation_set(kind, validation, dtype)
        )
    messages = [str(w.message) for w in record if DIVERGED in str(w.message)]
    assert len(messages) == 1
    diverged_at, kept = (int(n) for n in re.search(KEPT, messages[0]).groups())
    return diverged_at, kept


@pytest.mark.parametrize("validation", VALIDATIONS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_divergence_with_validation_keeps_best_validated_weights(
    kind, dtype, validation
):
    estimator = diverging(kind, validation)
    diverged_at, kept = fit_diverging(estimator, kind, validation, dtype)

    # Training stopped at the divergence: the diverged epoch is not recorded,
    # everything recorded is finite, and the curves agree with n_iter_.
    scores = estimator.validation_scores_
    assert diverged_at == estimator.n_iter_ + 1
    assert 1 <= kept <= estimator.n_iter_
    assert len(estimator.loss_curve_) == len(scores) == estimator.n_iter_
    assert len(estimator.validation_loss_curve_) == estimator.n_iter_
    assert np.isfinite(estimator.loss_curve_).all()
    assert np.isfinite(scores).all()
    assert estimator.loss_ == estimator.loss_curve_[-1]
    n_held_out = np.ceil(estimator.validation_fraction * X.shape[0])
    n_train = X.shape[0] - (n_held_out if validation == "split" else 0)
    assert estimator.t_ == estimator.n_iter_ * n_train
    # The kept epoch is the last one that improved the validation score.
    assert kept == np.argmax(scores) + 1
    assert estimator.best_validation_score_ == max(scores)

    # Its weights are exactly those of a run stopped at that epoch.
    reference = clone(estimator).set_params(max_iter=kept)
    reference.fit(
        X.astype(dtype), target(kind), **validation_set(kind, validation, dtype)
    )
    assert reference.n_iter_ == kept
    for ours, theirs in zip(
        estimator.coefs_ + estimator.intercepts_,
        reference.coefs_ + reference.intercepts_,
        strict=True,
    ):
        assert ours.dtype == dtype
        np.testing.assert_array_equal(ours, theirs)
    assert np.isfinite(predictions(estimator, X.astype(dtype))).all()
    if validation != "split":
        # Scored afresh, the kept weights give the best validation score.
        y_val = validation_set(kind, validation, dtype)["y_val"]
        assert estimator.score(X_VAL.astype(dtype), y_val) == pytest.approx(
            estimator.best_validation_score_, rel=1e-5
        )


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_divergence_warning_is_a_convergence_warning_with_advice(kind):
    estimator = diverging(kind, "split")
    with pytest.warns(ConvergenceWarning, match=KEPT) as record:
        estimator.fit(X, target(kind))
    (warning,) = [w for w in record if DIVERGED in str(w.message)]
    assert issubclass(warning.category, ConvergenceWarning)
    assert warning.category is not ConvergenceWarning  # its own subclass
    message = str(warning.message)
    lr = RAMP_TO_DIVERGENCE[kind]["learning_rate_init"]
    assert f"lower learning_rate_init (now {lr})" in message
    assert "the best on the validation data" in message
    assert warning.filename == __file__  # points at the caller's fit


@pytest.mark.parametrize("validation", VALIDATIONS)
@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_model_kept_after_divergence_is_fully_usable(kind, validation):
    fit_kwargs = validation_set(kind, validation, np.float64)
    estimator = diverging(kind, validation)
    _, kept = fit_diverging(estimator, kind, validation, np.float64)
    expected = predictions(estimator, X)
    restored = pickle.loads(pickle.dumps(estimator))
    np.testing.assert_array_equal(predictions(restored, X), expected)

    # The optimizer state of the diverged run (the momentum that drove the
    # weights away) is dropped: a warm start goes on from the kept weights
    # with a fresh optimizer, exactly like one from a run stopped at the kept
    # epoch whose optimizer state is dropped the same way.
    assert estimator._optimizer_state is None
    reference = clone(estimator).set_params(max_iter=kept)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reference.fit(X, target(kind), **fit_kwargs)
    reference._optimizer_state = None
    n_iter, curve = estimator.n_iter_, list(estimator.loss_curve_)
    gentle = {"warm_start": True, "learning_rate_init": 1e-3, "warmup_iter": 0}
    for model in (estimator, reference):
        model.set_params(max_iter=5, **gentle)
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)  # no divergence
            warnings.filterwarnings("ignore", "Stochastic Optimizer: Maximum")
            model.fit(X, target(kind), **fit_kwargs)
    for ours, theirs in zip(estimator.coefs_, reference.coefs_, strict=True):
        np.testing.assert_array_equal(ours, theirs)
    assert estimator.loss_curve_[:n_iter] == curve
    assert len(estimator.loss_curve_) == n_iter + 5
    assert np.isfinite(estimator.loss_curve_).all()
    state = estimator._optimizer_state["state"]
    arrays = [v for v in state.values() if isinstance(v, np.ndarray)]
    assert arrays and all(np.isfinite(a).all() for a in arrays)

    # partial_fit, too, goes on from the kept weights, at the learning rate
    # now set (it would otherwise keep that of its first call).
    again = diverging(kind, validation)
    fit_diverging(again, kind, validation, np.float64)
    before = [W.copy() for W in again.coefs_]
    again.set_params(learning_rate_init=1e-6, early_stopping=False)
    again.partial_fit(X, target(kind))
    assert np.isfinite(again.loss_)
    for W_before, W_after in zip(before, again.coefs_, strict=True):
        np.testing.assert_allclose(W_after, W_before, rtol=0, atol=1e-3)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_divergence_without_validation_raises_scikit_learn_message(kind, dtype):
    estimator = diverging(kind, "user")  # no validation set passed
    with pytest.raises(ValueError, match=SKLEARN_MESSAGE) as raised:
        estimator.fit(X.astype(dtype), target(kind))
    message = str(raised.value)
    assert message.startswith(DIVERGED)
    assert "lower learning_rate_init" in message
    assert "left as it was before this call" in message
    assert not hasattr(estimator, "coefs_")


@pytest.mark.parametrize("validation", VALIDATIONS)
def test_divergence_in_first_epoch_raises_even_with_validation(validation):
    """No epoch ended with finite results: there is nothing to fall back on."""
    # One step per sample on features 1e18 times too large overflows at once.
    estimator = make(
        "regressor",
        solver="sgd",
        batch_size=1,
        learning_rate_init=0.01,
        early_stopping=validation != "user",
    )
    fit_kwargs = validation_set("regressor", validation, np.float64)
    if fit_kwargs:
        fit_kwargs["X_val"] = fit_kwargs["X_val"] * 1e18
    with pytest.raises(ValueError, match=SKLEARN_MESSAGE):
        estimator.fit(X * 1e18, Y_REG, **fit_kwargs)
    assert not hasattr(estimator, "coefs_")


@pytest.mark.parametrize("validation", VALIDATIONS)
def test_overflow_after_good_epochs_keeps_best_weights(validation, monkeypatch):
    """A floating-point error mid-epoch (here while validating) ends the fit."""
    fail_at = 4
    real_make_validation = skmlp._base.make_validation

    def failing_make_validation(*args):
        checker = real_make_validation(*args)
        evaluate, calls = checker.evaluate, []

        def evaluate_then_overflow():
            calls.append(None)
            if len(calls) == fail_at:
                raise FloatingPointError("overflow encountered in matmul")
            return evaluate()

        checker.evaluate = evaluate_then_overflow
        return checker

    params = {"solver": "sgd", "early_stopping": validation != "user"}
    fit_kwargs = validation_set("regressor", validation, np.float64)
    reference = make("regressor", max_iter=fail_at - 1, **params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        reference.fit(X, Y_REG, **fit_kwargs)

    monkeypatch.setattr(skmlp._base, "make_validation", failing_make_validation)
    estimator = make("regressor", **params)
    with pytest.warns(ConvergenceWarning, match=f"diverged at epoch {fail_at} "):
        estimator.fit(X, Y_REG, **fit_kwargs)
    assert estimator.n_iter_ == fail_at - 1
    assert estimator.validation_scores_ == reference.validation_scores_
    assert estimator.loss_curve_ == reference.loss_curve_
    # The reference's scores rise every epoch here, so its last weights are
    # the best ones, with or without early stopping.
    assert np.all(np.diff(reference.validation_scores_) > 0)
    for ours, theirs in zip(estimator.coefs_, reference.coefs_, strict=True):
        np.testing.assert_array_equal(ours, theirs)


def test_mlp_diverging_loss():
    """scikit-learn's non-regression test for its issue #29504, for skmlp.

    The fit returns the best validated weights instead of raising. Unlike
    scikit-learn, which trains on through the NaN epochs and records a NaN
    validation score for each, skmlp stops at the diverging epoch, which it
    does not record: every recorded score is finite.
    """
    X_iris, y_iris = load_iris(return_X_y=True)
    mlp = MLPRegressor(
        hidden_layer_sizes=100,
        activation="identity",
        solver="sgd",
        alpha=0.0001,
        learning_rate="constant",
        learning_rate_init=1,
        shuffle=True,
        max_iter=20,
        early_stopping=True,
        n_iter_no_change=10,
        random_state=0,
    )
    with pytest.warns(ConvergenceWarning, match=KEPT):
        mlp.fit(X_iris, y_iris)
    assert isinstance(mlp.validation_scores_[-1], float)
    assert np.isfinite(mlp.validation_scores_).all()
    assert len(mlp.validation_scores_) == mlp.n_iter_ < 20
    assert mlp.best_validation_score_ == max(mlp.validation_scores_)
    assert np.isfinite(mlp.predict(X_iris)).all()


@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_large_but_falling_loss_is_not_divergence(kind):
    """Unscaled features make a bad start, not a divergence."""
    estimator = make(kind, solver="adam").fit(X * 1e6, target(kind))
    assert estimator.loss_curve_[-1] < estimator.loss_curve_[0]
    assert np.isfinite(predictions(estimator, X * 1e6)).all()
