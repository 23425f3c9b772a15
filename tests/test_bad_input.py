"""Bad input: every case raises a clear error and changes nothing.

Each row of ``CASES`` is one row of the table in ``docs/errors.md`` (a test
keeps the two in step). For every case the test checks the exception class
and that the message names what is wrong, then that the estimator's state,
every attribute in ``vars(est)``, is byte-for-byte what it was before the
call: a failed ``fit`` or ``partial_fit`` on a fitted model keeps the old
model (its weights, optimizer state, classes, feature names), and one on a
fresh estimator leaves it unfitted. Several failing calls pass data of another
width or with column names on purpose, so that metadata set before the
failure would show.
"""

import pickle
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.utils._param_validation import InvalidParameterError

from skmlp import MLPClassifier, MLPRegressor

ERRORS_DOC = Path(__file__).resolve().parents[1] / "docs" / "errors.md"

rng = np.random.RandomState(0)
X = rng.normal(size=(30, 3))
Y_CLASS = np.arange(30) % 3
Y_REG = X @ np.array([1.0, -2.0, 0.5])
COLUMNS = ["age", "income", "height"]


def with_value(array, value, index=0):
    """A copy of ``array`` with ``value`` at flat position ``index``."""
    array = np.array(array, dtype=float)
    array.flat[index] = value
    return array


SMALL = {"hidden_layer_sizes": (5,), "max_iter": 5, "random_state": 0}


def clf(**params):
    return MLPClassifier(**{**SMALL, **params})


def reg(**params):
    return MLPRegressor(**{**SMALL, **params})


def frame(data=X, columns=COLUMNS):
    return pd.DataFrame(data, columns=columns)


X_NAN, X_INF = with_value(X, np.nan), with_value(X, np.inf)
Y_NAN, Y_INF = with_value(Y_REG, np.nan), with_value(Y_REG, -np.inf)
LABEL_NAN = with_value(Y_CLASS, np.nan)
ONES = np.ones(30)
W_NAN, W_INF, W_NEG = (with_value(ONES, v) for v in (np.nan, np.inf, -1))
DAYS = pd.date_range("2024-01-01", periods=30)
PF = "partial_fit"


@dataclass
class Case:
    """A call that must fail, on an estimator prepared by ``setup``.

    ``setup`` is None (a fresh estimator), "fit", "fit_frame" (fitted on a
    DataFrame) or "partial_fit"; ``make`` builds the estimator.
    """

    id: str
    action: Callable
    match: str
    error: type = ValueError
    make: Callable = clf
    setup: str | None = "fit"


CASES = [
    # -- non-finite values ----------------------------------------------------
    Case("nan-in-X", lambda e: e.fit(X_NAN, Y_CLASS), "Input X contains NaN"),
    Case("inf-in-X", lambda e: e.fit(X_INF, Y_CLASS), "Input X contains infinity"),
    Case("nan-in-X-at-predict", lambda e: e.predict_proba(X_NAN), "X contains NaN"),
    Case("nan-in-y", lambda e: e.fit(X, Y_NAN), "Input y contains NaN", make=reg),
    Case("inf-in-y", lambda e: e.fit(X, Y_INF), "Input y contains infinity", make=reg),
    Case("nan-label", lambda e: e.fit(X, LABEL_NAN), "Input y contains NaN"),
    Case(
        "nan-in-sample_weight",
        lambda e: e.fit(X, Y_CLASS, sample_weight=W_NAN),
        "Input sample_weight contains NaN",
    ),
    Case(
        "inf-in-sample_weight",
        lambda e: e.fit(X, Y_CLASS, sample_weight=W_INF),
        "Input sample_weight contains infinity",
    ),
    # -- shapes ---------------------------------------------------------------
    Case(
        "empty-X",
        lambda e: e.fit(np.empty((0, 3)), []),
        r"Found array with 0 sample\(s\)",
    ),
    Case(
        "no-features",
        lambda e: e.fit(np.empty((30, 0)), Y_REG),
        r"Found array with 0 feature\(s\)",
        make=reg,
        setup=None,
    ),
    Case(
        "empty-X-at-predict",
        lambda e: e.predict(np.empty((0, 3))),
        r"Found array with 0 sample\(s\)",
        make=reg,
    ),
    Case(
        "1d-X",
        lambda e: e.fit(X[:, 0], Y_CLASS),
        "Expected 2D array, got 1D array",
        setup=None,
    ),
    Case(
        "y-length",
        lambda e: e.fit(X, Y_REG[:-1]),
        r"inconsistent numbers of samples: \[30, 29\]",
        make=reg,
    ),
    Case(
        "n-features-at-predict",
        lambda e: e.predict(X[:, :2]),
        "X has 2 features, but MLPClassifier is expecting 3 features",
    ),
    Case(
        "n-features-at-partial_fit",
        lambda e: e.partial_fit(np.hstack([X, X]), Y_REG),
        "X has 6 features, but MLPRegressor is expecting 3 features",
        make=reg,
        setup=PF,
    ),
    Case(
        "feature-names-at-predict",
        lambda e: e.predict(frame(columns=["age", "income", "weight"])),
        "(?s)feature names should match.*unseen at fit time:.*weight",
        setup="fit_frame",
    ),
    Case(
        "feature-order-at-predict",
        lambda e: e.predict(frame()[["income", "age", "height"]]),
        "must be in the same order",
        setup="fit_frame",
    ),
    # -- types ----------------------------------------------------------------
    Case(
        "text-column",
        lambda e: e.fit(frame().assign(city=["paris", "rome", "oslo"] * 10), Y_CLASS),
        r"Column\(s\) 'city' \(.*\) of X are not numeric.*OneHotEncoder",
    ),
    Case(
        "category-column",
        lambda e: e.fit(frame().assign(size=pd.Categorical(["S", "M"] * 15)), Y_CLASS),
        r"Column\(s\) 'size' \(category\) of X are not numeric",
    ),
    Case(
        "datetime-column",
        lambda e: e.fit(frame().assign(day=DAYS), Y_REG),
        r"Column\(s\) 'day' \(datetime64.*\) of X are not numeric",
        error=TypeError,
        make=reg,
    ),
    Case(
        "text-array",
        lambda e: e.fit(np.array([["1.5", "a"]] * 30), Y_CLASS),
        "could not convert string to float: .*'a'",
        setup=None,
    ),
    Case(
        "complex-X",
        lambda e: e.fit(X + 1j, Y_CLASS),
        "Complex data not supported: input X contains complex numbers",
    ),
    Case(
        "complex-y",
        lambda e: e.fit(X, Y_REG + 1j),
        "Complex data not supported: input y contains complex numbers",
        make=reg,
    ),
    Case(
        "complex-X-at-predict",
        lambda e: e.predict(X.astype(np.complex64)),
        "input X contains complex numbers",
        make=reg,
    ),
    # -- targets --------------------------------------------------------------
    Case(
        "single-class",
        # Two features where the fit had three: validate_data records the
        # new width before the labels fail, and the failed call must undo it.
        lambda e: e.fit(X[:, :2], np.zeros(30)),
        r"at least 2 classes; y has only one class: \[0.0\]",
    ),
    Case(
        "single-class-partial_fit",
        lambda e: e.partial_fit(X, ONES, classes=[1]),
        r"at least 2 classes; classes has only one class: \[1\]",
        setup=None,
    ),
    Case("continuous-labels", lambda e: e.fit(X, Y_REG), "Unknown label type"),
    Case(
        "multiclass-multioutput",
        lambda e: e.fit(X, np.c_[Y_CLASS, 2 - Y_CLASS]),
        "y is a multiclass-multioutput target",
    ),
    Case(
        "multilabel-after-single-label",
        lambda e: e.partial_fit(X, np.c_[Y_CLASS == 0, Y_CLASS == 1].astype(int)),
        "the model was fitted on one label per sample",
        setup=PF,
    ),
    Case(
        "poisson-negative-target",
        lambda e: e.fit(X, with_value(np.abs(Y_REG), -1.0)),
        r"loss='poisson' needs non-negative targets, but y has 1 negative",
        make=lambda: reg(loss="poisson"),
    ),
    Case(
        "unknown-class-partial_fit",
        lambda e: e.partial_fit(X, np.where(Y_CLASS == 2, 7, Y_CLASS)),
        r"`y` has classes not in `self.classes_`: \[7\]",
        setup=PF,
    ),
    Case(
        "classes-changed-partial_fit",
        lambda e: e.partial_fit(X, Y_CLASS, classes=[0, 1, 2, 3]),
        "is not the same as on last call to partial_fit",
        setup=PF,
    ),
    Case(
        "no-classes-partial_fit",
        lambda e: e.partial_fit(X, Y_CLASS),
        "classes must be passed on the first call to partial_fit",
        setup=None,
    ),
    Case(
        "classes-changed-warm_start",
        lambda e: e.fit(X, Y_CLASS % 2),
        "warm_start can only be used where `y` has the same classes",
        make=lambda: clf(warm_start=True),
    ),
    # -- sample_weight --------------------------------------------------------
    Case(
        "sample_weight-length",
        # A DataFrame: its feature names would be recorded before the weights
        # fail, on a model fitted without any.
        lambda e: e.fit(frame(), Y_CLASS, sample_weight=np.ones(29)),
        r"sample_weight.shape == \(29,\), expected \(30,\)",
    ),
    Case(
        "sample_weight-negative",
        lambda e: e.partial_fit(X, Y_REG, sample_weight=W_NEG),
        "Negative values in data passed to `sample_weight`",
        make=reg,
        setup=PF,
    ),
    Case(
        "sample_weight-all-zero",
        lambda e: e.fit(frame(), Y_CLASS, sample_weight=np.zeros(30)),
        "(?i)sample.weights? must (contain at least one non-zero|not be all zero)",
        setup=None,  # must stay unfitted: no n_features_in_, no classes_
    ),
    # -- parameters -----------------------------------------------------------
    Case(
        "hidden_layer_sizes-zero",
        lambda e: e.set_params(hidden_layer_sizes=(10, 0)).fit(X, Y_CLASS),
        r"hidden_layer_sizes must be positive integers .*invalid: \[0\]",
    ),
    Case(
        "hidden_layer_sizes-fraction",
        lambda e: e.fit(X, Y_REG),
        r"hidden_layer_sizes must be positive integers .*invalid: \[2.5\]",
        make=lambda: reg(hidden_layer_sizes=[4, 2.5]),
        setup=None,
    ),
    Case(
        "hidden_layer_sizes-type",
        lambda e: e.set_params(hidden_layer_sizes="big").fit(X, Y_CLASS),
        "The 'hidden_layer_sizes' parameter of MLPClassifier must be",
        error=InvalidParameterError,
    ),
    Case(
        "unknown-activation",
        lambda e: e.set_params(activation="sigmoid").fit(X, Y_CLASS),
        "The 'activation' parameter of MLPClassifier must be a str among .*"
        "Got 'sigmoid'",
        error=InvalidParameterError,
    ),
    Case(
        "unknown-solver",
        lambda e: e.set_params(solver="newton").fit(X, Y_REG),
        "The 'solver' parameter of MLPRegressor must be",
        error=InvalidParameterError,
        make=reg,
    ),
    Case(
        "unknown-loss",
        lambda e: e.set_params(loss="gamma").fit(X, Y_REG),
        "The 'loss' parameter of MLPRegressor must be",
        error=InvalidParameterError,
        make=reg,
    ),
    Case(
        "out-of-range-number",
        lambda e: e.set_params(learning_rate_init=0.0).fit(X, Y_CLASS),
        r"The 'learning_rate_init' parameter of MLPClassifier must be a float "
        r"in the range \(0.0, inf\)",
        error=InvalidParameterError,
    ),
    Case(
        "layer-sizes-changed-warm_start",
        lambda e: e.set_params(hidden_layer_sizes=(6,)).fit(X, Y_REG),
        r"need the same layer sizes as the previous fit: it had \[3, 5, 1\], now "
        r"\[3, 6, 1\]",
        make=lambda: reg(warm_start=True),
    ),
    Case(
        "early_stopping-partial_fit",
        lambda e: e.partial_fit(X, Y_CLASS, classes=[0, 1, 2]),
        "partial_fit does not support early_stopping=True",
        make=lambda: clf(early_stopping=True),
        setup=None,
    ),
    Case(
        "partial_fit-lbfgs",
        lambda e: e.partial_fit(X, Y_CLASS, classes=[0, 1, 2]),
        "has no attribute 'partial_fit'",
        error=AttributeError,
        make=lambda: clf(solver="lbfgs"),
        setup=None,
    ),
    # -- not fitted -----------------------------------------------------------
    Case(
        "predict-before-fit",
        lambda e: e.predict(X),
        "This MLPClassifier instance is not fitted yet",
        error=NotFittedError,
        setup=None,
    ),
    Case(
        "predict_proba-before-fit",
        lambda e: e.predict_proba(X_NAN),
        "This MLPClassifier instance is not fitted yet",
        error=NotFittedError,
        setup=None,
    ),
    Case(
        "predict_log_proba-before-fit",
        lambda e: e.predict_log_proba(X),
        "not fitted yet",
        error=NotFittedError,
        setup=None,
    ),
    Case(
        "score-before-fit",
        lambda e: e.score(X, Y_REG),
        "This MLPRegressor instance is not fitted yet",
        error=NotFittedError,
        make=reg,
        setup=None,
    ),
    # -- divergence -----------------------------------------------------------
    Case(
        "diverging-fit",
        lambda e: e.set_params(learning_rate_init=1e3).fit(X, Y_REG),
        r"Training diverged: .*lower learning_rate_init \(now 1000.0\)",
        make=lambda: reg(solver="sgd"),
    ),
    Case(
        "diverging-partial_fit",
        lambda e: e.partial_fit(X * 1e3, Y_REG),
        "Training diverged: .*left as it was before this call",
        make=lambda: reg(solver="sgd", batch_size=1),
        setup=PF,
    ),
]


def state(estimator):
    """Every attribute of ``estimator``, pickled: equal bytes, equal state."""
    return {name: pickle.dumps(value) for name, value in vars(estimator).items()}


def prepared(case):
    """The case's estimator, fitted as its ``setup`` says."""
    estimator = case.make()
    if case.setup is None:
        return estimator
    params = estimator.get_params()
    if case.setup == "partial_fit":
        y = Y_REG if isinstance(estimator, MLPRegressor) else Y_CLASS
        kwargs = {} if isinstance(estimator, MLPRegressor) else {"classes": [0, 1, 2]}
        estimator.partial_fit(X, y, **kwargs)
    else:
        data = frame() if case.setup == "fit_frame" else X
        if params.get("loss") == "poisson":
            y = np.abs(Y_REG)
        else:
            y = Y_REG if isinstance(estimator, MLPRegressor) else Y_CLASS
        estimator.fit(data, y)
    return estimator


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_input_raises_clear_error_and_changes_nothing(case):
    estimator = prepared(case)
    params = estimator.get_params()
    before = state(estimator)
    with pytest.raises(case.error, match=case.match):
        case.action(estimator)
    # The estimator's state is exactly what it was (set_params inside the
    # action is a parameter change, not fitted state: undo it first).
    estimator.set_params(**params)
    assert state(estimator) == before


def test_every_case_is_in_the_documented_table():
    text = ERRORS_DOC.read_text()
    documented = re.findall(r"^\| `([^`]+)` \|", text, flags=re.MULTILINE)
    assert sorted(documented) == sorted(case.id for case in CASES)
