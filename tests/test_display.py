"""LossCurveDisplay: construction, drawing, estimators and a missing matplotlib."""

import sys
import warnings

import matplotlib
import numpy as np
import pytest
from sklearn.datasets import load_iris, make_regression
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import LossCurveDisplay, MLPClassifier, MLPRegressor

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def _fit(estimator, X, y):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y)


def test_constructor_only_stores_parameters():
    display = LossCurveDisplay(loss_curve=[1.0, 0.5], estimator_name="net")
    assert display.loss_curve == [1.0, 0.5]
    assert display.validation_loss_curve is None
    assert display.validation_scores is None
    assert not hasattr(display, "ax_")


def test_plot_training_loss_only():
    display = LossCurveDisplay(loss_curve=[1.0, 0.6, 0.4]).plot()
    assert display.ax_ is display.line_.axes
    assert display.figure_ is display.ax_.figure
    assert display.validation_line_ is None
    assert display.score_ax_ is None and display.score_line_ is None
    assert display.lines_ == [display.line_]
    np.testing.assert_array_equal(display.line_.get_xdata(), [1, 2, 3])
    np.testing.assert_allclose(display.line_.get_ydata(), [1.0, 0.6, 0.4])
    assert display.ax_.get_xlabel() == "Epoch"
    assert display.ax_.get_ylabel() == "Loss"
    assert display.ax_.get_legend() is not None


def test_plot_all_curves_and_twin_axis():
    display = LossCurveDisplay(
        loss_curve=[1.0, 0.6, 0.4],
        validation_loss_curve=[1.1, 0.7, 0.5],
        validation_scores=[0.5, 0.7, 0.8],
        score_name="validation accuracy",
    ).plot(name="my net", log_scale=True)
    assert display.validation_line_.axes is display.ax_
    assert display.score_ax_ is not display.ax_
    assert display.score_line_.axes is display.score_ax_
    np.testing.assert_allclose(display.score_line_.get_ydata(), [0.5, 0.7, 0.8])
    assert [line.get_label() for line in display.lines_] == [
        "training loss",
        "validation loss",
        "validation accuracy",
    ]
    legend_labels = [t.get_text() for t in display.ax_.get_legend().get_texts()]
    assert legend_labels == [line.get_label() for line in display.lines_]
    assert len({line.get_color() for line in display.lines_}) == 3
    assert display.ax_.get_yscale() == "log"
    assert display.ax_.get_title() == "my net"


def test_plot_on_given_axes_and_style_kwargs():
    fig, (left, right) = plt.subplots(1, 2)
    display = LossCurveDisplay(loss_curve=[0.3, 0.2]).plot(
        ax=right, loss_kwargs={"color": "black", "label": "train"}
    )
    assert display.ax_ is right and display.figure_ is fig
    assert display.line_.get_color() == "black"
    assert display.line_.get_label() == "train"
    assert not left.get_lines()


@pytest.mark.parametrize("loss_curve", [[], None])
def test_plot_rejects_empty_curve(loss_curve):
    with pytest.raises(ValueError, match="loss_curve is empty"):
        LossCurveDisplay(loss_curve=loss_curve).plot()


def test_plot_rejects_two_dimensional_curve():
    with pytest.raises(ValueError, match="one-dimensional"):
        LossCurveDisplay(loss_curve=[[1.0, 2.0]]).plot()


def test_from_estimator_classifier(iris):
    X, y = iris
    clf = _fit(MLPClassifier(max_iter=30, random_state=0), X, y)
    display = LossCurveDisplay.from_estimator(clf)
    np.testing.assert_allclose(display.line_.get_ydata(), clf.loss_curve_)
    assert display.ax_.get_title() == "MLPClassifier"
    assert display.score_line_ is None


def test_from_estimator_early_stopping_shows_validation_scores(iris):
    X, y = iris
    clf = _fit(MLPClassifier(max_iter=50, early_stopping=True, random_state=0), X, y)
    display = LossCurveDisplay.from_estimator(clf, name="with early stopping")
    np.testing.assert_allclose(display.score_line_.get_ydata(), clf.validation_scores_)
    assert display.score_line_.get_label() == "validation accuracy"
    assert display.ax_.get_title() == "with early stopping"
    validation_loss = getattr(clf, "validation_loss_curve_", None)
    if validation_loss is not None:
        np.testing.assert_allclose(
            display.validation_line_.get_ydata(), validation_loss
        )


def test_from_estimator_regressor_score_name():
    X, y = make_regression(n_samples=120, n_features=4, random_state=0)
    reg = _fit(
        MLPRegressor(max_iter=30, early_stopping=True, random_state=0),
        X,
        y / y.std(),
    )
    display = LossCurveDisplay.from_estimator(reg)
    assert display.score_line_.get_label() == "validation $R^2$"


def test_from_estimator_pipeline_and_search(iris):
    X, y = iris
    pipe = make_pipeline(StandardScaler(), MLPClassifier(max_iter=20, random_state=0))
    _fit(pipe, X, y)
    display = LossCurveDisplay.from_estimator(pipe)
    np.testing.assert_allclose(display.line_.get_ydata(), pipe[-1].loss_curve_)

    search = GridSearchCV(pipe, {"mlpclassifier__alpha": [1e-4, 1e-2]}, cv=2)
    _fit(search, X, y)
    display = LossCurveDisplay.from_estimator(search)
    np.testing.assert_allclose(
        display.line_.get_ydata(), search.best_estimator_[-1].loss_curve_
    )


def test_from_estimator_accepts_scikit_learn_mlp(iris):
    X, y = iris
    clf = _fit(SklearnMLPClassifier(max_iter=20, random_state=0), X, y)
    display = LossCurveDisplay.from_estimator(clf)
    np.testing.assert_allclose(display.line_.get_ydata(), clf.loss_curve_)


def test_from_estimator_draws_on_given_axes(iris):
    X, y = iris
    clf = _fit(MLPClassifier(max_iter=10, random_state=0), X, y)
    fig, ax = plt.subplots()
    display = LossCurveDisplay.from_estimator(clf, ax=ax)
    assert display.ax_ is ax and display.figure_ is fig


def test_from_estimator_unfitted():
    with pytest.raises(NotFittedError):
        LossCurveDisplay.from_estimator(MLPClassifier())
    pipe = make_pipeline(StandardScaler(), MLPClassifier())
    with pytest.raises(NotFittedError):
        LossCurveDisplay.from_estimator(pipe)


def test_from_estimator_without_loss_curve(iris):
    X, y = iris
    model = LogisticRegression().fit(X, y)
    with pytest.raises(TypeError, match="LogisticRegression has no loss_curve_"):
        LossCurveDisplay.from_estimator(model)


def test_clear_error_without_matplotlib(monkeypatch, iris):
    # A None entry in sys.modules makes `import` raise ImportError, as it
    # would on a machine where matplotlib is not installed.
    for module in list(sys.modules):
        if module == "matplotlib" or module.startswith("matplotlib."):
            monkeypatch.setitem(sys.modules, module, None)
    display = LossCurveDisplay(loss_curve=[1.0, 0.5])
    with pytest.raises(ImportError, match="pip install matplotlib"):
        display.plot()
    X, y = iris
    clf = _fit(MLPClassifier(max_iter=5, random_state=0), X, y)
    with pytest.raises(ImportError, match=r"skmlp\[docs\]"):
        LossCurveDisplay.from_estimator(clf)
