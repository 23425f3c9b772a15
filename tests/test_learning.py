"""Behaviour tests: the estimators learn, and expose scikit-learn's attributes."""

import warnings

import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import (
    load_diabetes,
    load_digits,
    load_iris,
    make_classification,
    make_multilabel_classification,
    make_regression,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import mean_poisson_deviance, r2_score
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPRegressor as SklearnMLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import MLPClassifier, MLPRegressor

IGNORE_CONVERGENCE = pytest.mark.filterwarnings(
    # The tests below use deliberately small iteration budgets to stay fast;
    # not converging within them is expected and not what they check.
    "ignore::sklearn.exceptions.ConvergenceWarning"
)


@pytest.fixture(scope="module")
def easy_binary():
    X, y = make_classification(
        n_samples=200, n_features=10, n_informative=5, random_state=0
    )
    return StandardScaler().fit_transform(X), y


@pytest.fixture(scope="module")
def iris_split():
    X, y = load_iris(return_X_y=True)
    return train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)


# ---------------------------------------------------------------------------
# Learning on classic problems
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_xor_is_learned_perfectly(activation):
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    y = np.array([0, 1, 1, 0])
    # A small network can land in a poor local minimum for an unlucky
    # initialisation, so several seeds are tried and most must succeed.
    perfect = 0
    for seed in range(5):
        clf = MLPClassifier(
            hidden_layer_sizes=(8,),
            activation=activation,
            solver="lbfgs",
            max_iter=1000,
            random_state=seed,
        )
        clf.fit(X, y)
        perfect += bool(np.array_equal(clf.predict(X), y))
    assert perfect >= 4, f"XOR learned perfectly for only {perfect} of 5 seeds"


@IGNORE_CONVERGENCE
def test_iris_held_out_accuracy(iris_split):
    X_train, X_test, y_train, y_test = iris_split
    model = make_pipeline(
        StandardScaler(),
        MLPClassifier(hidden_layer_sizes=(10,), max_iter=500, random_state=0),
    )
    model.fit(X_train, y_train)
    assert model.score(X_test, y_test) >= 0.95


@IGNORE_CONVERGENCE
def test_digits_held_out_accuracy():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    model = make_pipeline(
        StandardScaler(),
        MLPClassifier(hidden_layer_sizes=(64,), max_iter=100, random_state=0),
    )
    model.fit(X_train, y_train)
    assert model.score(X_test, y_test) >= 0.95


def test_diabetes_regression_matches_sklearn():
    X, y = load_diabetes(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0
    )
    # A well-regularised network: its solution hardly depends on the
    # initialisation, so the comparison does not hinge on the random stream.
    settings = dict(
        hidden_layer_sizes=(10,),
        activation="tanh",
        solver="lbfgs",
        alpha=30.0,
        max_iter=500,
        random_state=0,
    )

    def held_out_r2(regressor_class):
        model = TransformedTargetRegressor(
            regressor=make_pipeline(StandardScaler(), regressor_class(**settings)),
            transformer=StandardScaler(),
        )
        model.fit(X_train, y_train)
        return r2_score(y_test, model.predict(X_test))

    ours = held_out_r2(MLPRegressor)
    reference = held_out_r2(SklearnMLPRegressor)
    assert ours > 0.3
    assert abs(ours - reference) <= 0.05, (ours, reference)


# ---------------------------------------------------------------------------
# Target types
# ---------------------------------------------------------------------------


@IGNORE_CONVERGENCE
def test_multilabel_indicator_targets():
    X, Y = make_multilabel_classification(
        n_samples=200, n_features=10, n_classes=4, random_state=0
    )
    clf = MLPClassifier(hidden_layer_sizes=(20,), max_iter=200, random_state=0)
    clf.fit(X, Y)

    pred = clf.predict(X)
    assert pred.shape == Y.shape
    assert set(np.unique(pred)) <= {0, 1}
    proba = clf.predict_proba(X)
    assert proba.shape == Y.shape
    assert np.all((proba >= 0) & (proba <= 1))
    # Labels are predicted independently: rows need not sum to one, and the
    # fit must beat always predicting the most frequent value per label.
    baseline = np.mean(Y == (Y.mean(axis=0) >= 0.5))
    assert np.mean(pred == Y) > baseline
    assert clf.out_activation_ == "logistic"
    assert clf.n_outputs_ == 4


@IGNORE_CONVERGENCE
@pytest.mark.parametrize("incremental", [False, True])
def test_sparse_multilabel_targets_give_sparse_predictions(incremental):
    # As scikit-learn's MLP: a model fitted on a sparse indicator matrix
    # predicts a sparse one, with the same labels as from the dense matrix.
    X, Y = make_multilabel_classification(
        n_samples=100, n_features=10, n_classes=4, random_state=0
    )
    models = [MLPClassifier(max_iter=50, random_state=0) for _ in range(2)]
    for model, target in zip(models, [Y, sp.csr_matrix(Y)], strict=True):
        if incremental:
            model.partial_fit(X, target, classes=np.arange(4))
        else:
            model.fit(X, target)
    dense, sparse = (model.predict(X) for model in models)
    assert isinstance(dense, np.ndarray) and sp.issparse(sparse)
    np.testing.assert_array_equal(sparse.toarray(), dense)


@IGNORE_CONVERGENCE
def test_multi_output_regression():
    X, Y = make_regression(
        n_samples=200, n_features=5, n_targets=3, noise=0.1, random_state=0
    )
    Y = StandardScaler().fit_transform(Y)
    reg = MLPRegressor(
        hidden_layer_sizes=(20,), solver="lbfgs", max_iter=500, random_state=0
    )
    reg.fit(X, Y)
    pred = reg.predict(X)
    assert pred.shape == (200, 3)
    assert reg.n_outputs_ == 3
    assert reg.out_activation_ == "identity"
    assert r2_score(Y, pred) > 0.9


@IGNORE_CONVERGENCE
def test_poisson_loss_on_counts():
    rng = np.random.RandomState(0)
    X = rng.normal(size=(300, 3))
    y = rng.poisson(np.exp(0.5 + X @ np.array([0.6, -0.4, 0.3]))).astype(float)
    reg = MLPRegressor(
        loss="poisson",
        hidden_layer_sizes=(8,),
        solver="lbfgs",
        max_iter=300,
        random_state=0,
    )
    reg.fit(X, y)
    pred = reg.predict(X)
    assert reg.out_activation_ == "exp"
    assert np.all(pred > 0)
    constant = np.full_like(y, y.mean())
    assert mean_poisson_deviance(y, pred) < 0.8 * mean_poisson_deviance(y, constant)


@IGNORE_CONVERGENCE
def test_binary_predict_proba(easy_binary):
    X, y = easy_binary
    clf = MLPClassifier(hidden_layer_sizes=(10,), max_iter=50, random_state=0)
    clf.fit(X, y)
    proba = clf.predict_proba(X)
    assert proba.shape == (X.shape[0], 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], clf.predict(X))
    np.testing.assert_allclose(
        clf.predict_log_proba(X), np.log(proba), rtol=1e-7, atol=1e-12
    )
    assert clf.out_activation_ == "logistic"
    assert clf.n_outputs_ == 1


# ---------------------------------------------------------------------------
# Solvers, schedules and stopping
# ---------------------------------------------------------------------------


@IGNORE_CONVERGENCE
@pytest.mark.parametrize(
    "solver, learning_rate, learning_rate_init",
    [
        ("adam", "constant", 0.01),
        ("sgd", "constant", 0.1),
        ("sgd", "invscaling", 0.1),
        ("sgd", "adaptive", 0.1),
    ],
)
def test_stochastic_solvers_decrease_loss(
    easy_binary, solver, learning_rate, learning_rate_init
):
    X, y = easy_binary
    clf = MLPClassifier(
        hidden_layer_sizes=(10,),
        solver=solver,
        learning_rate=learning_rate,
        learning_rate_init=learning_rate_init,
        max_iter=50,
        random_state=0,
    )
    clf.fit(X, y)
    curve = np.asarray(clf.loss_curve_)
    assert len(curve) == clf.n_iter_
    assert np.all(np.isfinite(curve))
    assert curve[-1] < 0.9 * curve[0]
    assert curve[-1] == pytest.approx(clf.loss_)
    assert clf.score(X, y) > 0.6


@IGNORE_CONVERGENCE
def test_lbfgs_decreases_loss(easy_binary):
    X, y = easy_binary

    def loss_after(max_iter):
        clf = MLPClassifier(
            hidden_layer_sizes=(10,),
            solver="lbfgs",
            max_iter=max_iter,
            random_state=0,
        )
        clf.fit(X, y)
        assert 1 <= clf.n_iter_ <= max_iter
        return clf.loss_

    first, later = loss_after(1), loss_after(20)
    assert np.isfinite(first)
    assert later < 0.5 * first


def test_early_stopping_sets_validation_scores(easy_binary):
    X, y = easy_binary
    max_iter = 500
    clf = MLPClassifier(
        hidden_layer_sizes=(10,),
        early_stopping=True,
        learning_rate_init=0.01,
        max_iter=max_iter,
        random_state=0,
    )
    clf.fit(X, y)
    assert clf.n_iter_ < max_iter
    assert len(clf.validation_scores_) == clf.n_iter_
    assert len(clf.loss_curve_) == clf.n_iter_
    assert clf.best_validation_score_ == pytest.approx(max(clf.validation_scores_))
    assert clf.best_validation_score_ > 0.8


@IGNORE_CONVERGENCE
def test_without_early_stopping_there_are_no_validation_scores(easy_binary):
    X, y = easy_binary
    clf = MLPClassifier(hidden_layer_sizes=(10,), max_iter=20, random_state=0)
    clf.fit(X, y)
    assert clf.validation_scores_ is None
    assert clf.best_validation_score_ is None
    assert clf.best_loss_ == pytest.approx(min(clf.loss_curve_))


def test_partial_fit_over_chunks_learns(iris_split):
    X_train, X_test, y_train, y_test = iris_split
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    classes = np.unique(y_train)

    clf = MLPClassifier(
        hidden_layer_sizes=(10,), learning_rate_init=0.01, random_state=0
    )
    for _ in range(30):
        for chunk in np.array_split(np.arange(len(X_train)), 5):
            clf.partial_fit(X_train[chunk], y_train[chunk], classes=classes)

    np.testing.assert_array_equal(clf.classes_, classes)
    assert clf.score(X_test, y_test) >= 0.85


@IGNORE_CONVERGENCE
def test_warm_start_continues_from_previous_coefs(easy_binary):
    X, y = easy_binary
    params = dict(hidden_layer_sizes=(10,), max_iter=5, random_state=0)

    warm = MLPClassifier(warm_start=True, **params).fit(X, y)
    first_coefs = [c.copy() for c in warm.coefs_]
    first_loss = warm.loss_
    warm.fit(X, y)

    cold = MLPClassifier(warm_start=False, **params).fit(X, y)
    cold.fit(X, y)

    # A cold refit starts over and reproduces the first fit exactly ...
    for a, b in zip(first_coefs, cold.coefs_, strict=True):
        np.testing.assert_array_equal(a, b)
    assert cold.loss_ == first_loss
    # ... while a warm refit moves on from where the first fit stopped.
    assert warm.loss_ < first_loss
    assert len(warm.loss_curve_) == 10
    assert not all(
        np.array_equal(a, b) for a, b in zip(first_coefs, warm.coefs_, strict=True)
    )


# ---------------------------------------------------------------------------
# Fitted attributes
# ---------------------------------------------------------------------------


@IGNORE_CONVERGENCE
def test_fitted_attributes_multiclass(iris_split):
    X, _, y, _ = iris_split
    clf = MLPClassifier(hidden_layer_sizes=(5, 3), max_iter=10, random_state=0)
    clf.fit(X, y)

    assert clf.n_layers_ == 4
    assert clf.n_outputs_ == 3
    assert clf.out_activation_ == "softmax"
    assert clf.n_features_in_ == 4
    assert not hasattr(clf, "feature_names_in_")
    np.testing.assert_array_equal(clf.classes_, [0, 1, 2])
    assert [c.shape for c in clf.coefs_] == [(4, 5), (5, 3), (3, 3)]
    assert [b.shape for b in clf.intercepts_] == [(5,), (3,), (3,)]
    assert isinstance(clf.coefs_, list) and isinstance(clf.intercepts_, list)
    assert clf.n_iter_ == 10
    assert isinstance(clf.loss_, float)
    assert isinstance(clf.loss_curve_, list) and len(clf.loss_curve_) == 10
    assert clf.t_ == clf.n_iter_ * X.shape[0]
    proba = clf.predict_proba(X)
    assert proba.shape == (X.shape[0], 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)


@IGNORE_CONVERGENCE
@pytest.mark.parametrize(
    "make_data, estimator, n_outputs, out_activation",
    [
        (
            lambda: make_classification(n_samples=60, n_features=4, random_state=0),
            MLPClassifier,
            1,
            "logistic",
        ),
        (
            lambda: make_multilabel_classification(
                n_samples=60, n_features=4, n_classes=3, random_state=0
            ),
            MLPClassifier,
            3,
            "logistic",
        ),
        (
            lambda: make_regression(n_samples=60, n_features=4, random_state=0),
            MLPRegressor,
            1,
            "identity",
        ),
        (
            lambda: (
                np.arange(60.0).reshape(30, 2) / 60,
                np.arange(30) % 4,
            ),
            lambda **kw: MLPRegressor(loss="poisson", **kw),
            1,
            "exp",
        ),
    ],
    ids=["binary", "multilabel", "regression", "poisson"],
)
def test_fitted_attributes_per_target_type(
    make_data, estimator, n_outputs, out_activation
):
    X, y = make_data()
    est = estimator(hidden_layer_sizes=(6,), max_iter=5, random_state=0)
    est.fit(X, y)
    assert est.n_layers_ == 3
    assert est.n_outputs_ == n_outputs
    assert est.out_activation_ == out_activation
    assert [c.shape for c in est.coefs_] == [(X.shape[1], 6), (6, n_outputs)]
    assert [b.shape for b in est.intercepts_] == [(6,), (n_outputs,)]
    assert est.n_features_in_ == X.shape[1]


@IGNORE_CONVERGENCE
@pytest.mark.parametrize("solver", ["adam", "sgd"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_is_preserved(easy_binary, solver, dtype):
    X, y = easy_binary
    X = X.astype(dtype)

    clf = MLPClassifier(
        hidden_layer_sizes=(10,), solver=solver, max_iter=5, random_state=0
    )
    clf.fit(X, y)
    assert all(c.dtype == dtype for c in clf.coefs_)
    assert all(b.dtype == dtype for b in clf.intercepts_)
    assert clf.predict_proba(X).dtype == dtype

    reg = MLPRegressor(
        hidden_layer_sizes=(10,), solver=solver, max_iter=5, random_state=0
    )
    reg.fit(X, y.astype(dtype))
    assert all(c.dtype == dtype for c in reg.coefs_)
    assert reg.predict(X).dtype == dtype


@pytest.mark.parametrize("solver", ["lbfgs", "sgd", "adam"])
def test_convergence_warning_when_max_iter_is_reached(easy_binary, solver):
    X, y = easy_binary
    clf = MLPClassifier(
        hidden_layer_sizes=(10,), solver=solver, max_iter=2, random_state=0
    )
    with pytest.warns(ConvergenceWarning):
        clf.fit(X, y)
    assert clf.n_iter_ == 2


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_no_convergence_warning_when_converged(solver):
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]] * 10)
    y = np.array([0, 1, 1, 1] * 10)
    clf = MLPClassifier(
        hidden_layer_sizes=(4,),
        solver=solver,
        learning_rate_init=0.1,
        max_iter=2000,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        clf.fit(X, y)
    assert clf.n_iter_ < 2000


@IGNORE_CONVERGENCE
def test_unit_sample_weight_matches_no_weight(easy_binary):
    X, y = easy_binary
    params = dict(hidden_layer_sizes=(10,), max_iter=10, random_state=0)
    unweighted = MLPClassifier(**params).fit(X, y)
    weighted = MLPClassifier(**params).fit(X, y, sample_weight=np.ones(len(y)))
    np.testing.assert_allclose(
        weighted.predict_proba(X), unweighted.predict_proba(X), rtol=1e-10
    )
