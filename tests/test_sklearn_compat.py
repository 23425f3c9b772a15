"""scikit-learn's own estimator checks, on the defaults and other solvers.

No check is marked as an expected failure: every configuration below passes
the full ``parametrize_with_checks`` suite of the installed scikit-learn.
"""

import pytest
from sklearn.utils.estimator_checks import (
    check_param_validation,
    parametrize_with_checks,
)

from skmlp import MLPClassifier, MLPRegressor

ESTIMATORS = [
    MLPClassifier(),
    MLPRegressor(),
    MLPClassifier(solver="lbfgs"),
    MLPRegressor(solver="lbfgs"),
    MLPClassifier(solver="sgd"),
    MLPRegressor(solver="sgd"),
    MLPClassifier(activation="tanh"),
    MLPRegressor(activation="tanh", loss="poisson"),
]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks(ESTIMATORS)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


@pytest.mark.parametrize("estimator", [MLPClassifier(), MLPRegressor()], ids=repr)
def test_param_validation(estimator):
    check_param_validation(type(estimator).__name__, estimator)
