"""The drop-in promise: same data, parameters and seed, same model.

skmlp draws its initial weights, validation split and shuffling from the
random state in the same order as scikit-learn and applies the same updates,
so switching the import reproduces scikit-learn's fitted weights up to
floating-point rounding.
"""

import warnings

import numpy as np
import pytest
import sklearn.neural_network as sk
from sklearn.datasets import load_digits, make_regression
from sklearn.exceptions import ConvergenceWarning

import skmlp

CONFIGS = [
    dict(solver="adam"),
    dict(solver="sgd", learning_rate="invscaling", learning_rate_init=0.05),
    dict(solver="sgd", learning_rate="adaptive", nesterovs_momentum=False),
    dict(solver="lbfgs"),
    dict(solver="sgd", batch_size=17, activation="logistic", alpha=0.01),
]


def fit_both(name, X, y, sample_weight=None, **params):
    models = []
    for module in (skmlp, sk):
        model = getattr(module, name)(random_state=0, max_iter=15, **params)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(X, y, sample_weight=sample_weight)
        models.append(model)
    return models


def assert_same_model(ours, theirs):
    assert ours.n_iter_ == theirs.n_iter_
    for mine, reference in zip(
        ours.coefs_ + ours.intercepts_,
        theirs.coefs_ + theirs.intercepts_,
        strict=True,
    ):
        np.testing.assert_allclose(mine, reference, rtol=1e-6, atol=1e-9)
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-6)


@pytest.mark.parametrize("params", CONFIGS, ids=repr)
def test_classifier_matches_scikit_learn(params, engine):
    X, y = load_digits(return_X_y=True)
    X = X[:400] / 16.0
    ours, theirs = fit_both("MLPClassifier", X, y[:400], **params)
    assert_same_model(ours, theirs)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
    np.testing.assert_allclose(
        ours.predict_proba(X), theirs.predict_proba(X), atol=1e-8
    )
    if params.get("early_stopping"):
        np.testing.assert_allclose(ours.validation_scores_, theirs.validation_scores_)


@pytest.mark.parametrize("params", CONFIGS[:4], ids=repr)
def test_regressor_matches_scikit_learn_with_sample_weight(params, engine):
    X, y = make_regression(n_samples=150, n_features=6, noise=0.5, random_state=0)
    y = y / y.std()
    weight = np.random.RandomState(0).uniform(0.5, 2.0, size=len(y))
    ours, theirs = fit_both("MLPRegressor", X, y, sample_weight=weight, **params)
    assert_same_model(ours, theirs)


@pytest.mark.parametrize("early_stopping", [False, True])
def test_binary_classifier_matches_scikit_learn(early_stopping, engine):
    # scikit-learn stratifies the early-stopping split of binary targets only;
    # skmlp stratifies multi-class targets too, so only binary splits agree.
    X, y = load_digits(n_class=2, return_X_y=True)
    ours, theirs = fit_both(
        "MLPClassifier",
        X / 16.0,
        y,
        hidden_layer_sizes=(8, 4),
        activation="tanh",
        early_stopping=early_stopping,
    )
    assert_same_model(ours, theirs)
    if early_stopping:
        np.testing.assert_allclose(ours.validation_scores_, theirs.validation_scores_)


def test_multiclass_early_stopping_split_is_stratified():
    X, y = load_digits(return_X_y=True)
    X, y = X[:500] / 16.0, y[:500]
    model = skmlp.MLPClassifier(
        early_stopping=True, validation_fraction=0.2, max_iter=3, random_state=0
    )
    seen = []
    original = model._score_function

    def spy(y_true, y_pred, sample_weight=None):
        seen.append(np.bincount(y_true, minlength=10))
        return original(y_true, y_pred, sample_weight=sample_weight)

    model._score_function = spy
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    expected = np.bincount(y, minlength=10) * 0.2
    assert np.all(np.abs(seen[0] - expected) <= 1)
