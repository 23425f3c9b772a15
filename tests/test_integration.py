"""Integration tests: the estimators inside scikit-learn's tooling and with pandas."""

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_iris, make_classification
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score, train_test_split
from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier
from sklearn.neural_network import MLPRegressor as SklearnMLPRegressor
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.utils.validation import check_is_fitted

from skmlp import MLPClassifier, MLPRegressor

IGNORE_CONVERGENCE = pytest.mark.filterwarnings(
    # Small iteration budgets keep these tests fast; not converging within
    # them is expected and not what they check.
    "ignore::sklearn.exceptions.ConvergenceWarning"
)


@pytest.fixture(scope="module")
def iris():
    return load_iris(return_X_y=True)


def _mixed_frame(n=240, seed=0):
    """A frame with numeric and string-categorical columns and a target
    that depends on both."""
    rng = np.random.RandomState(seed)
    colour = rng.choice(["red", "green", "blue"], size=n)
    size = rng.choice(["S", "M", "L"], size=n)
    x1 = rng.normal(size=n)
    x2 = rng.normal(loc=50.0, scale=10.0, size=n)
    score = x1 + (x2 - 50.0) / 10.0 + np.where(colour == "red", 2.0, -1.0)
    frame = pd.DataFrame({"x1": x1, "x2": x2, "colour": colour, "size": size})
    return frame, (score > 0).astype(int)


# ---------------------------------------------------------------------------
# scikit-learn tooling
# ---------------------------------------------------------------------------


@IGNORE_CONVERGENCE
def test_pipeline_with_standard_scaler(iris):
    X, y = iris
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.3, stratify=y, random_state=0
    )
    pipe = Pipeline(
        [
            ("scale", StandardScaler()),
            ("mlp", MLPClassifier(max_iter=300, random_state=0)),
        ]
    )
    pipe.fit(X_train, y_train)
    assert pipe.score(X_test, y_test) >= 0.9
    assert pipe.predict_proba(X_test).shape == (len(X_test), 3)


@IGNORE_CONVERGENCE
def test_grid_search_over_hidden_layer_sizes_and_alpha(iris):
    X, y = iris
    pipe = make_pipeline(
        StandardScaler(), MLPClassifier(solver="lbfgs", max_iter=200, random_state=0)
    )
    grid = {
        "mlpclassifier__hidden_layer_sizes": [(5,), (10,)],
        "mlpclassifier__alpha": [1e-4, 1e-1],
    }
    search = GridSearchCV(pipe, grid, cv=3)
    search.fit(X, y)

    assert search.best_params_["mlpclassifier__hidden_layer_sizes"] in [(5,), (10,)]
    assert search.best_params_["mlpclassifier__alpha"] in [1e-4, 1e-1]
    assert len(search.cv_results_["mean_test_score"]) == 4
    assert search.best_score_ > 0.85
    best = search.best_estimator_
    assert isinstance(best[-1], MLPClassifier)
    pred = best.predict(X)
    assert pred.shape == y.shape
    assert np.mean(pred == y) > 0.9


@IGNORE_CONVERGENCE
def test_cross_val_score(iris):
    X, y = iris
    model = make_pipeline(
        StandardScaler(), MLPClassifier(solver="lbfgs", max_iter=200, random_state=0)
    )
    scores = cross_val_score(model, X, y, cv=3)
    assert scores.shape == (3,)
    assert scores.mean() > 0.85


@IGNORE_CONVERGENCE
@pytest.mark.parametrize("estimator_class", [MLPClassifier, MLPRegressor])
def test_clone_of_fitted_estimator_is_unfitted(iris, estimator_class):
    X, y = iris
    est = estimator_class(hidden_layer_sizes=(7,), alpha=0.01, max_iter=5)
    est.set_params(random_state=3)
    est.fit(X, y)
    check_is_fitted(est)

    cloned = clone(est)
    assert cloned is not est
    assert cloned.get_params() == est.get_params()
    with pytest.raises(NotFittedError):
        check_is_fitted(cloned)
    assert not hasattr(cloned, "coefs_")
    with pytest.raises(NotFittedError):
        cloned.predict(X)


@pytest.mark.parametrize(
    "ours, reference",
    [(MLPClassifier, SklearnMLPClassifier), (MLPRegressor, SklearnMLPRegressor)],
)
def test_default_params_match_sklearn(ours, reference):
    """Every scikit-learn parameter exists with its default; the additions
    are exactly the documented extras (whose defaults reproduce scikit-learn,
    as tests/test_drop_in.py shows)."""
    mine, theirs = ours().get_params(), reference().get_params()
    assert {name: mine[name] for name in theirs} == theirs
    extras = {
        "warmup_iter": 0,
        "max_grad_norm": None,
        "dropout": 0.0,
        "weight_init": "glorot_uniform",
        "early_stopping_metric": "score",
    }
    extras.update(
        {"class_weight": None} if ours is MLPClassifier else {"huber_delta": 1.0}
    )
    assert {name: mine[name] for name in mine.keys() - theirs.keys()} == extras


def test_estimator_types():
    assert is_classifier(MLPClassifier())
    assert is_regressor(MLPRegressor())


# ---------------------------------------------------------------------------
# pandas input and labels
# ---------------------------------------------------------------------------


@IGNORE_CONVERGENCE
def test_column_transformer_with_numeric_and_categorical_columns():
    frame, y = _mixed_frame()
    X_train, X_test, y_train, y_test = train_test_split(
        frame, y, test_size=0.25, stratify=y, random_state=0
    )
    preprocess = ColumnTransformer(
        [
            ("num", StandardScaler(), ["x1", "x2"]),
            ("cat", OneHotEncoder(handle_unknown="ignore"), ["colour", "size"]),
        ]
    )
    model = make_pipeline(
        preprocess,
        MLPClassifier(
            hidden_layer_sizes=(10,), solver="lbfgs", max_iter=300, random_state=0
        ),
    )
    model.fit(X_train, y_train)
    assert model[-1].n_features_in_ == 2 + 3 + 3
    assert model.score(X_test, y_test) >= 0.85


@IGNORE_CONVERGENCE
def test_dataframe_records_and_checks_feature_names():
    frame, y = _mixed_frame()
    X = frame[["x1", "x2"]]
    clf = MLPClassifier(hidden_layer_sizes=(5,), max_iter=5, random_state=0)
    clf.fit(X, y)

    np.testing.assert_array_equal(clf.feature_names_in_, ["x1", "x2"])
    assert clf.n_features_in_ == 2
    assert clf.predict(X).shape == (len(X),)

    with pytest.raises(ValueError, match="feature names"):
        clf.predict(X[["x2", "x1"]])
    with pytest.raises(ValueError, match="feature names"):
        clf.predict(X.rename(columns={"x2": "other"}))


@IGNORE_CONVERGENCE
def test_string_labels_round_trip(iris):
    X, y = iris
    names = np.array(["cat", "dog", "bird"])
    labels = names[y]
    clf = make_pipeline(
        StandardScaler(), MLPClassifier(solver="lbfgs", max_iter=200, random_state=0)
    )
    clf.fit(X, labels)

    np.testing.assert_array_equal(clf.classes_, ["bird", "cat", "dog"])
    pred = clf.predict(X)
    assert set(pred) <= set(names)
    assert np.mean(pred == labels) > 0.9
    proba = clf.predict_proba(X)
    np.testing.assert_array_equal(clf.classes_[proba.argmax(axis=1)], pred)


@IGNORE_CONVERGENCE
def test_pandas_categorical_labels_round_trip(iris):
    X, y = iris
    labels = pd.Series(
        pd.Categorical.from_codes(y, categories=["setosa", "versicolor", "virginica"])
    )
    clf = make_pipeline(
        StandardScaler(), MLPClassifier(solver="lbfgs", max_iter=200, random_state=0)
    )
    clf.fit(X, labels)

    np.testing.assert_array_equal(clf.classes_, ["setosa", "versicolor", "virginica"])
    pred = clf.predict(X)
    assert set(pred) <= {"setosa", "versicolor", "virginica"}
    assert np.mean(pred == labels.to_numpy()) > 0.9


# ---------------------------------------------------------------------------
# Sparse input and reproducibility
# ---------------------------------------------------------------------------


@IGNORE_CONVERGENCE
@pytest.mark.parametrize("sparse_format", [sp.csr_matrix, sp.csc_matrix])
@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_sparse_input_matches_dense(sparse_format, solver):
    X, y = make_classification(n_samples=200, n_features=10, random_state=0)
    X[np.abs(X) < 0.8] = 0.0  # mostly zeros
    X_sparse = sparse_format(X)
    params = dict(hidden_layer_sizes=(10,), solver=solver, max_iter=30)

    dense = MLPClassifier(random_state=0, **params).fit(X, y)
    sparse = MLPClassifier(random_state=0, **params).fit(X_sparse, y)

    for a, b in zip(dense.coefs_, sparse.coefs_, strict=True):
        np.testing.assert_allclose(b, a, rtol=0, atol=1e-10)
    np.testing.assert_allclose(
        sparse.predict_proba(X_sparse), dense.predict_proba(X), rtol=0, atol=1e-10
    )
    np.testing.assert_array_equal(sparse.predict(X_sparse), dense.predict(X))


@IGNORE_CONVERGENCE
@pytest.mark.parametrize("solver", ["lbfgs", "sgd", "adam"])
def test_same_random_state_is_bitwise_reproducible(solver):
    X, y = make_classification(n_samples=150, n_features=8, random_state=1)
    X_reg = X[:, :4]

    def fit_classifier():
        return MLPClassifier(
            hidden_layer_sizes=(8, 4), solver=solver, max_iter=20, random_state=42
        ).fit(X, y)

    def fit_regressor():
        return MLPRegressor(
            hidden_layer_sizes=(8,), solver=solver, max_iter=20, random_state=42
        ).fit(X_reg, X[:, 5])

    for fit, data in [(fit_classifier, X), (fit_regressor, X_reg)]:
        first, second = fit(), fit()
        for a, b in zip(first.coefs_, second.coefs_, strict=True):
            np.testing.assert_array_equal(a, b)
        for a, b in zip(first.intercepts_, second.intercepts_, strict=True):
            np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(first.predict(data), second.predict(data))
