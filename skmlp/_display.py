"""LossCurveDisplay: the training history of a fitted MLP, in one figure.

The display follows scikit-learn's visualisation API: the constructor stores
the curves, :meth:`LossCurveDisplay.plot` draws them, and
:meth:`LossCurveDisplay.from_estimator` reads them off a fitted estimator.
matplotlib is imported only when something is drawn, so it stays an optional
dependency of skmlp.
"""

import numpy as np
from sklearn.base import is_classifier, is_regressor
from sklearn.utils.validation import check_is_fitted

_MISSING_MATPLOTLIB = (
    "LossCurveDisplay needs matplotlib to draw, and it is not installed. "
    'Install it with `pip install matplotlib` (or `pip install "skmlp[docs]"`).'
)


def _pyplot():
    """``matplotlib.pyplot``, or an ImportError that says how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(_MISSING_MATPLOTLIB) from exc
    return plt


def _final_estimator(estimator):
    """The estimator whose training history is shown.

    A fitted search (``GridSearchCV``, ...) gives its ``best_estimator_`` and a
    :class:`~sklearn.pipeline.Pipeline` its last step, so the display works on
    whatever object the user fitted.
    """
    while True:
        if hasattr(estimator, "best_estimator_"):
            estimator = estimator.best_estimator_
        elif hasattr(estimator, "steps") and hasattr(estimator, "_final_estimator"):
            estimator = estimator._final_estimator
        else:
            return estimator


def _as_curve(values, name):
    """A 1-D float array from a list of per-epoch values (None stays None)."""
    if values is None:
        return None
    curve = np.asarray(values, dtype=float)
    if curve.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional, got shape {curve.shape}.")
    return curve


class LossCurveDisplay:
    """Training loss, validation loss and validation score, epoch by epoch.

    It is recommended to create a display with :meth:`from_estimator`, which
    reads the curves off a fitted :class:`~skmlp.MLPClassifier` or
    :class:`~skmlp.MLPRegressor` (scikit-learn's own MLPs work too). All
    parameters are stored as attributes.

    The losses share the left axis; the validation score, which lives on a
    different scale (accuracy or R^2, higher is better), is drawn against a
    second y-axis on the right.

    Parameters
    ----------
    loss_curve : array-like of shape (n_epochs,)
        Training loss after each epoch (each iteration for ``'lbfgs'``), the
        estimator's ``loss_curve_``.

    validation_loss_curve : array-like of shape (n_epochs,), default=None
        Loss on the validation data after each epoch, the estimator's
        ``validation_loss_curve_``. Not drawn when None.

    validation_scores : array-like of shape (n_epochs,), default=None
        Score on the validation data after each epoch, the estimator's
        ``validation_scores_``. Not drawn when None.

    estimator_name : str, default=None
        Shown in the title. None: no title.

    score_name : str, default=None
        Label of the validation score. None: ``"validation score"``.

    Attributes
    ----------
    ax_ : matplotlib Axes
        Axes with the loss curves.

    figure_ : matplotlib Figure
        Figure containing the plot.

    line_ : matplotlib Line2D
        The training loss curve.

    validation_line_ : matplotlib Line2D or None
        The validation loss curve, or None when there is none.

    score_ax_ : matplotlib Axes or None
        Twin axes of the validation score, or None when there is no score.

    score_line_ : matplotlib Line2D or None
        The validation score curve, or None when there is none.

    lines_ : list of matplotlib Line2D
        Every curve drawn, in the order above.

    See Also
    --------
    LossCurveDisplay.from_estimator : Plot the curves of a fitted estimator.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from skmlp import LossCurveDisplay
    >>> display = LossCurveDisplay(
    ...     loss_curve=[0.9, 0.5, 0.3, 0.25],
    ...     validation_loss_curve=[0.95, 0.6, 0.4, 0.42],
    ... )
    >>> display = display.plot()
    >>> [line.get_label() for line in display.lines_]
    ['training loss', 'validation loss']
    >>> plt.close(display.figure_)
    """

    def __init__(
        self,
        *,
        loss_curve,
        validation_loss_curve=None,
        validation_scores=None,
        estimator_name=None,
        score_name=None,
    ):
        self.loss_curve = loss_curve
        self.validation_loss_curve = validation_loss_curve
        self.validation_scores = validation_scores
        self.estimator_name = estimator_name
        self.score_name = score_name

    def plot(
        self,
        ax=None,
        *,
        name=None,
        log_scale=False,
        loss_kwargs=None,
        validation_loss_kwargs=None,
        score_kwargs=None,
    ):
        """Draw the curves.

        Parameters
        ----------
        ax : matplotlib Axes, default=None
            Axes to draw on. None: a new figure and axes.

        name : str, default=None
            Title of the plot; overrides ``estimator_name``.

        log_scale : bool, default=False
            Draw the losses on a logarithmic y-axis.

        loss_kwargs : dict, default=None
            Keyword arguments for the ``plot`` call of the training loss.

        validation_loss_kwargs : dict, default=None
            Keyword arguments for the ``plot`` call of the validation loss.

        score_kwargs : dict, default=None
            Keyword arguments for the ``plot`` call of the validation score.

        Returns
        -------
        display : LossCurveDisplay
            The display, with ``ax_``, ``figure_`` and the lines set.
        """
        plt = _pyplot()
        loss = _as_curve(self.loss_curve, "loss_curve")
        if loss is None or loss.size == 0:
            raise ValueError("loss_curve is empty: there is nothing to plot.")
        validation_loss = _as_curve(self.validation_loss_curve, "validation_loss_curve")
        scores = _as_curve(self.validation_scores, "validation_scores")

        if ax is None:
            # Constrained layout keeps the label of a second y-axis in view.
            _, ax = plt.subplots(layout="constrained")
        epochs = np.arange(1, loss.size + 1)

        (self.line_,) = ax.plot(
            epochs, loss, **{"label": "training loss", **(loss_kwargs or {})}
        )
        self.validation_line_ = None
        if validation_loss is not None and validation_loss.size:
            (self.validation_line_,) = ax.plot(
                np.arange(1, validation_loss.size + 1),
                validation_loss,
                **{
                    "label": "validation loss",
                    "linestyle": "--",
                    **(validation_loss_kwargs or {}),
                },
            )
        if log_scale:
            ax.set_yscale("log")
        ax.set_xlabel("Epoch")
        ax.set_ylabel("Loss")

        self.score_ax_ = self.score_line_ = None
        if scores is not None and scores.size:
            self.score_ax_ = ax.twinx()
            # The colour after those of the loss curves keeps all curves distinct.
            color = f"C{len(ax.get_lines())}"
            (self.score_line_,) = self.score_ax_.plot(
                np.arange(1, scores.size + 1),
                scores,
                **{
                    "label": self.score_name or "validation score",
                    "color": color,
                    "linestyle": ":",
                    **(score_kwargs or {}),
                },
            )
            self.score_ax_.set_ylabel(self.score_name or "Validation score")

        self.lines_ = [
            line
            for line in (self.line_, self.validation_line_, self.score_line_)
            if line is not None
        ]
        # One legend for the curves of both y-axes, drawn above all of them.
        # Losses usually fall from the top left and scores rise to the top
        # right, which leaves the middle of the right side free.
        legend_location = "best"
        if self.score_ax_ is not None:
            ax.set_zorder(self.score_ax_.get_zorder() + 1)
            ax.patch.set_visible(False)
            legend_location = "center right"
        ax.legend(
            self.lines_,
            [line.get_label() for line in self.lines_],
            loc=legend_location,
        )
        title = name if name is not None else self.estimator_name
        if title:
            ax.set_title(title)

        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_estimator(cls, estimator, *, ax=None, name=None, **kwargs):
        """Plot the training history of a fitted estimator.

        Parameters
        ----------
        estimator : estimator instance
            A fitted :class:`~skmlp.MLPClassifier` or
            :class:`~skmlp.MLPRegressor`, or a fitted
            :class:`~sklearn.pipeline.Pipeline` ending in one, or a fitted
            search (such as :class:`~sklearn.model_selection.GridSearchCV`)
            whose best estimator is one of those. Any estimator with a
            ``loss_curve_`` works, scikit-learn's MLPs included.

        ax : matplotlib Axes, default=None
            Axes to draw on. None: a new figure and axes.

        name : str, default=None
            Title of the plot. None: the class name of the estimator.

        **kwargs : dict
            Passed on to :meth:`plot`: ``log_scale``, ``loss_kwargs``,
            ``validation_loss_kwargs`` and ``score_kwargs``.

        Returns
        -------
        display : LossCurveDisplay
            The display, with ``ax_``, ``figure_`` and the lines set.

        Examples
        --------
        >>> import matplotlib.pyplot as plt
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.pipeline import make_pipeline
        >>> from sklearn.preprocessing import StandardScaler
        >>> from skmlp import LossCurveDisplay, MLPClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> model = make_pipeline(
        ...     StandardScaler(),
        ...     MLPClassifier(max_iter=300, early_stopping=True, random_state=0),
        ... ).fit(X, y)
        >>> display = LossCurveDisplay.from_estimator(model)
        >>> display.ax_.get_xlabel()
        'Epoch'
        >>> display.score_line_.get_label()
        'validation accuracy'
        >>> plt.close(display.figure_)
        """
        _pyplot()
        final = _final_estimator(estimator)
        check_is_fitted(final)
        loss_curve = getattr(final, "loss_curve_", None)
        if loss_curve is None:
            raise TypeError(
                f"{type(final).__name__} has no loss_curve_ to plot. "
                "LossCurveDisplay needs a fitted MLPClassifier or MLPRegressor "
                "(or a Pipeline or search ending in one)."
            )
        if is_classifier(final):
            score_name = "validation accuracy"
        elif is_regressor(final):
            score_name = "validation $R^2$"
        else:
            score_name = None
        display = cls(
            loss_curve=loss_curve,
            validation_loss_curve=getattr(final, "validation_loss_curve_", None),
            validation_scores=getattr(final, "validation_scores_", None),
            estimator_name=type(final).__name__,
            score_name=score_name,
        )
        return display.plot(ax=ax, name=name, **kwargs)
