"""Property-based tests: invariants that hold for any architecture and data.

Hypothesis draws the architectures, activations, heads, dtypes, weight scales
and data shapes. The examples are derived from a fixed seed
(``derandomize=True``) so that the suite gives the same verdict on every run
and in CI; raise ``max_examples`` locally to search further.
"""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from sklearn.exceptions import ConvergenceWarning

from skmlp import MLPClassifier, MLPRegressor
from skmlp._activations import ACTIVATIONS, DERIVATIVES
from skmlp._network import Network

HEADS = ["softmax", "logistic", "identity", "exp"]
DTYPES = [np.float32, np.float64]
ESTIMATOR_ACTIVATIONS = ["identity", "logistic", "tanh", "relu"]

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

hidden_sizes = st.lists(st.integers(1, 6), min_size=0, max_size=3)
seeds = st.integers(0, 2**31 - 1)


def quietly(function, *args, **kwargs):
    """Call ``function`` with convergence and small-data warnings silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", UserWarning)
        return function(*args, **kwargs)


# -- finite-difference gradient check -----------------------------------------


def make_targets(head, rng, n_samples, n_outputs):
    if head == "softmax":
        return np.eye(n_outputs)[rng.randint(n_outputs, size=n_samples)]
    if head == "logistic":
        return rng.randint(2, size=(n_samples, n_outputs)).astype(float)
    if head == "exp":
        return rng.poisson(2.0, size=(n_samples, n_outputs)).astype(float)
    return rng.normal(size=(n_samples, n_outputs))


def closest_to_kink(network, X):
    """Smallest |pre-activation| of any hidden unit on ``X``.

    Finite differences straddle a kink (ReLU at 0) when a pre-activation is
    within the step of it; such draws are skipped.
    """
    A, smallest = X, np.inf
    for W, b in zip(network.coefs[:-1], network.intercepts[:-1], strict=True):
        Z = A @ W + b
        smallest = min(smallest, np.abs(Z).min())
        A = ACTIVATIONS[network.hidden_activation](Z.copy())
    return smallest


@SETTINGS
@given(
    hidden=hidden_sizes,
    n_features=st.integers(1, 4),
    n_outputs=st.integers(1, 3),
    n_samples=st.integers(1, 6),
    activation=st.sampled_from(sorted(DERIVATIVES)),
    head=st.sampled_from(HEADS),
    dtype=st.sampled_from(DTYPES),
    weighted=st.booleans(),
    alpha=st.sampled_from([0.0, 0.1, 1.0]),
    seed=seeds,
)
def test_backprop_matches_finite_differences(
    hidden,
    n_features,
    n_outputs,
    n_samples,
    activation,
    head,
    dtype,
    weighted,
    alpha,
    seed,
):
    if head == "softmax":
        n_outputs = max(n_outputs, 2)
    rng = np.random.RandomState(seed)
    units = [n_features, *hidden, n_outputs]
    X = rng.normal(size=(n_samples, n_features))
    Y = make_targets(head, rng, n_samples, n_outputs)
    weights = rng.uniform(0.1, 3.0, size=n_samples) if weighted else None

    # Reference: central differences of the float64 loss.
    exact = Network(units, activation, head, np.float64)
    exact.initialize(np.random.RandomState(seed))
    assume(closest_to_kink(exact, X) > 1e-3)
    base = exact.params.copy()
    numeric = np.empty_like(base)
    step = 1e-6
    for i in range(base.size):
        exact.params[i] = base[i] + step
        up = exact.loss_and_gradient(X, Y, weights, alpha)
        exact.params[i] = base[i] - step
        down = exact.loss_and_gradient(X, Y, weights, alpha)
        exact.params[i] = base[i]
        numeric[i] = (up - down) / (2 * step)

    # Analytic gradient in the dtype under test, at the same weights.
    network = Network(units, activation, head, dtype)
    network.params[...] = base
    cast = None if weights is None else weights.astype(dtype)
    network.loss_and_gradient(X.astype(dtype), Y.astype(dtype), cast, alpha)
    if dtype == np.float64:
        np.testing.assert_allclose(network.grad, numeric, rtol=1e-5, atol=1e-7)
    else:
        scale = max(1.0, np.abs(numeric).max())
        np.testing.assert_allclose(network.grad, numeric, rtol=1e-3, atol=1e-4 * scale)


# -- probabilities --------------------------------------------------------------


@SETTINGS
@given(
    hidden=hidden_sizes,
    n_features=st.integers(1, 4),
    n_classes=st.integers(2, 5),
    multilabel=st.booleans(),
    activation=st.sampled_from(ESTIMATOR_ACTIVATIONS),
    dtype=st.sampled_from(DTYPES),
    log_weight_scale=st.floats(-2, 4),
    log_input_scale=st.floats(-3, 6),
    seed=seeds,
)
def test_predict_proba_rows_are_distributions(
    hidden,
    n_features,
    n_classes,
    multilabel,
    activation,
    dtype,
    log_weight_scale,
    log_input_scale,
    seed,
):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(12, n_features)).astype(dtype)
    if multilabel:
        y = rng.randint(2, size=(12, n_classes))
        y[0], y[1] = 0, 1  # every label column has both values
    else:
        y = np.arange(12) % n_classes
    clf = MLPClassifier(
        hidden_layer_sizes=hidden, activation=activation, max_iter=2, random_state=0
    )
    quietly(clf.fit, X, y)
    # Blow the logits up (or shrink them) and feed inputs of any scale.
    for W in clf.coefs_:
        W *= 10.0**log_weight_scale
    X_test = (rng.normal(size=(20, n_features)) * 10.0**log_input_scale).astype(dtype)

    with np.errstate(all="raise", under="ignore"):
        proba = clf.predict_proba(X_test)
        log_proba = clf.predict_log_proba(X_test)
    assert proba.shape == (20, n_classes)
    assert proba.dtype == dtype
    assert np.isfinite(proba).all()
    assert ((proba >= 0) & (proba <= 1)).all()
    assert np.isfinite(log_proba).all()
    np.testing.assert_allclose(np.log(proba), log_proba, rtol=1e-3, atol=1e-6)
    if not multilabel:
        eps = np.finfo(dtype).eps
        np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=0, atol=8 * eps)
        predicted = clf.predict(X_test)
        np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], predicted)


# -- float32 against float64 ----------------------------------------------------


@SETTINGS
@given(
    hidden=hidden_sizes,
    n_features=st.integers(1, 4),
    n_samples=st.integers(5, 40),
    activation=st.sampled_from(ESTIMATOR_ACTIVATIONS),
    kind=st.sampled_from(["binary", "multiclass", "multilabel", "regression"]),
    solver=st.sampled_from(["sgd", "adam", "lbfgs"]),
    batch_size=st.integers(1, 16),
    seed=seeds,
)
def test_float32_and_float64_fits_agree(
    hidden, n_features, n_samples, activation, kind, solver, batch_size, seed
):
    """The same seed gives the same model, up to float32 rounding.

    L-BFGS is checked on regression only: the cross-entropy clips
    probabilities at the dtype's machine epsilon (as scikit-learn does), so
    where a probability falls below 1.2e-7 the float32 loss is flattened
    while its gradient is not, and L-BFGS's line search may take another step.
    """
    assume(solver != "lbfgs" or kind == "regression")
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_samples, n_features))
    if kind == "regression":
        y, Estimator = X @ rng.normal(size=n_features), MLPRegressor
    else:
        Estimator = MLPClassifier
        y = {
            "binary": np.arange(n_samples) % 2,
            "multiclass": np.arange(n_samples) % 3,
            "multilabel": np.c_[np.arange(n_samples) % 2, np.arange(n_samples) < 3],
        }[kind]
    params = {
        "hidden_layer_sizes": hidden,
        "activation": activation,
        "solver": solver,
        "batch_size": batch_size,
        "learning_rate_init": 0.01,
        "max_iter": 3,
        "random_state": seed,
    }
    single = quietly(Estimator(**params).fit, X.astype(np.float32), y)
    double = quietly(Estimator(**params).fit, X, y)
    assert single.coefs_[0].dtype == np.float32
    # A few float32 roundings (eps = 1.2e-7) per step, over a few steps. The
    # curvature pairs of L-BFGS amplify them by the problem's conditioning
    # (deep, narrow logistic networks are the worst case), hence more room.
    rtol, atol = (1e-3, 1e-4) if solver != "lbfgs" else (1e-2, 1e-3)
    for ours, theirs in zip(single.coefs_, double.coefs_, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=rtol, atol=atol)
    predict = "predict_proba" if Estimator is MLPClassifier else "predict"
    a = getattr(single, predict)(X.astype(np.float32))
    b = getattr(double, predict)(X)
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol)


# -- arbitrary small shapes ------------------------------------------------------


@st.composite
def small_problems(draw):
    n_samples = draw(st.integers(0, 6))
    n_features = draw(st.integers(0, 3))
    dtype = draw(st.sampled_from([np.float32, np.float64, np.int64, bool]))
    values = st.floats(-10, 10, allow_nan=False, width=32)
    X = np.array(
        draw(st.lists(values, min_size=n_samples * n_features, max_size=36)),
        dtype=np.float64,
    )[: n_samples * n_features].reshape(n_samples, n_features)
    X = X.astype(dtype)
    n_targets = draw(st.sampled_from([n_samples, n_samples, max(n_samples - 1, 0)]))
    target = draw(st.sampled_from(["labels", "values", "columns", "strings"]))
    if target == "labels":
        y = np.array(draw(st.lists(st.integers(0, 2), min_size=n_targets)))
    elif target == "values":
        y = np.array(draw(st.lists(values, min_size=n_targets)), dtype=float)
    elif target == "columns":
        y = np.array(draw(st.lists(st.integers(0, 1), min_size=2 * n_targets)))
        y = y[: 2 * n_targets].reshape(n_targets, 2)
    else:
        y = np.array(draw(st.lists(st.sampled_from("ab"), min_size=n_targets)))
    return X, y[:n_targets]


@SETTINGS
@given(
    problem=small_problems(),
    classifier=st.booleans(),
    solver=st.sampled_from(["sgd", "adam", "lbfgs"]),
    hidden=hidden_sizes,
    early_stopping=st.booleans(),
)
@pytest.mark.filterwarnings("ignore")
def test_fit_and_predict_on_small_shapes_work_or_raise_clearly(
    problem, classifier, solver, hidden, early_stopping
):
    X, y = problem
    Estimator = MLPClassifier if classifier else MLPRegressor
    estimator = Estimator(
        hidden_layer_sizes=hidden,
        solver=solver,
        max_iter=3,
        early_stopping=early_stopping and solver != "lbfgs",
        random_state=0,
    )
    try:
        estimator.fit(X, y)
    except (ValueError, TypeError) as error:
        assert str(error).strip(), "an error must say what is wrong"
        assert not hasattr(estimator, "coefs_")
        return
    predictions = estimator.predict(X)
    assert len(predictions) == len(X)
    if classifier:
        proba = estimator.predict_proba(X)
        assert np.isfinite(proba).all()
    else:
        assert np.isfinite(predictions).all()
