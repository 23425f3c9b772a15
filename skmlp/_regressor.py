"""MLPRegressor: identity head (squared error, Huber, absolute error) or exp head
(Poisson)."""

from numbers import Real

import numpy as np
from sklearn.base import RegressorMixin, _fit_context
from sklearn.metrics import r2_score
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_array, column_or_1d

from ._base import BaseMLP
from ._docs import ATTRIBUTES, PARAMETERS
from ._losses import make_loss
from ._validation import fail_safe, validate_input


class MLPRegressor(RegressorMixin, BaseMLP):
    __doc__ = f"""Multi-layer perceptron regressor.

    Minimises half the squared error of an identity head, or the Poisson
    deviance of an exponential head, with L-BFGS, SGD or Adam. A drop-in for
    :class:`sklearn.neural_network.MLPRegressor`: same parameters, defaults,
    fitted attributes and methods.

    Parameters
    ----------
    loss : {{'squared_error', 'poisson', 'huber', 'absolute_error'}}, \
default='squared_error'
        'squared_error' minimises ``0.5 * ||y - y_pred||^2`` summed over the
        outputs; 'poisson' minimises half the Poisson deviance with a log
        link, so predictions are always positive (targets must be >= 0);
        'huber' is quadratic for residuals up to ``huber_delta`` and linear
        beyond, so outliers pull on the fit with bounded force;
        'absolute_error' minimises ``|y - y_pred|`` and predicts a
        conditional median.

    {PARAMETERS}

    huber_delta : float, default=1.0
        Residual size where the 'huber' loss turns from quadratic to linear,
        in the units of ``y``. Only used with ``loss='huber'``.

    Attributes
    ----------
    {ATTRIBUTES}

    out_activation_ : str
        'identity' for the squared error, 'exp' for the Poisson loss.

    See Also
    --------
    MLPClassifier : Multi-layer perceptron classifier.

    Notes
    -----
    With several outputs, ``loss_`` is the squared error summed over the
    outputs: the quantity whose gradient the solvers follow. scikit-learn
    reports the mean over outputs while following the gradient of the sum,
    so its ``loss_`` is smaller by a factor ``n_outputs_``; the training
    itself is the same.

    Examples
    --------
    >>> from sklearn.datasets import make_regression
    >>> from sklearn.model_selection import train_test_split
    >>> from skmlp import MLPRegressor
    >>> X, y = make_regression(n_samples=200, n_features=5, noise=1.0,
    ...                        random_state=0)
    >>> X_train, X_test, y_train, y_test = train_test_split(
    ...     X, y / y.std(), random_state=0)
    >>> reg = MLPRegressor(hidden_layer_sizes=(20,), solver="lbfgs", random_state=0)
    >>> reg.fit(X_train, y_train).score(X_test, y_test) > 0.9
    True
    """

    _parameter_constraints: dict = {
        **BaseMLP._parameter_constraints,
        "loss": [StrOptions({"squared_error", "poisson", "huber", "absolute_error"})],
        "huber_delta": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(
        self,
        loss="squared_error",
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        solver="adam",
        alpha=0.0001,
        batch_size="auto",
        learning_rate="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        shuffle=True,
        random_state=None,
        tol=1e-4,
        verbose=False,
        warm_start=False,
        momentum=0.9,
        nesterovs_momentum=True,
        early_stopping=False,
        validation_fraction=0.1,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
        n_iter_no_change=10,
        max_fun=15000,
        warmup_iter=0,
        max_grad_norm=None,
        dropout=0.0,
        weight_init="glorot_uniform",
        early_stopping_metric="score",
        huber_delta=1.0,
    ):
        self.loss = loss
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun
        self.warmup_iter = warmup_iter
        self.max_grad_norm = max_grad_norm
        self.dropout = dropout
        self.weight_init = weight_init
        self.early_stopping_metric = early_stopping_metric
        self.huber_delta = huber_delta

    @_fit_context(prefer_skip_nested_validation=True)
    @fail_safe
    def fit(
        self,
        X,
        y,
        sample_weight=None,
        *,
        X_val=None,
        y_val=None,
        sample_weight_val=None,
    ):
        """Fit the model to data matrix X and target(s) y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the samples in the loss.
        X_val : {array-like, sparse matrix} of shape (n_val, n_features), \
default=None
            A validation set, as in HistGradientBoostingRegressor: its score
            and loss are recorded after every epoch, and with
            ``early_stopping=True`` it replaces the ``validation_fraction``
            split.
        y_val : array-like of shape (n_val,) or (n_val, n_outputs), default=None
            Targets of ``X_val``.
        sample_weight_val : array-like of shape (n_val,), default=None
            Weights of the validation samples.

        Returns
        -------
        self : MLPRegressor
            The fitted estimator.
        """
        return self._fit(
            X,
            y,
            sample_weight=sample_weight,
            incremental=False,
            X_val=X_val,
            y_val=y_val,
            sample_weight_val=sample_weight_val,
        )

    @available_if(lambda est: est._check_solver())
    @_fit_context(prefer_skip_nested_validation=True)
    @fail_safe
    def partial_fit(self, X, y, sample_weight=None):
        """Update the model with one epoch over the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the samples in the loss.

        Returns
        -------
        self : MLPRegressor
            The updated estimator.
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def _validate_input(self, X, y, incremental, reset):
        X, y = validate_input(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            y_numeric=True,
            dtype=(np.float64, np.float32),
            reset=reset,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        self._check_poisson_target(y, "y")
        return X, y.reshape(len(y), -1).astype(X.dtype, copy=False)

    def _check_poisson_target(self, y, name):
        if self.loss == "poisson" and np.any(y < 0):
            raise ValueError(
                f"loss='poisson' needs non-negative targets, but {name} has "
                f"{int(np.sum(y < 0))} negative value(s)."
            )

    def _encode_validation_target(self, y_val, n_outputs):
        y_val = check_array(y_val, ensure_2d=False, dtype="numeric")
        Y_val = y_val.reshape(len(y_val), -1)
        if Y_val.shape[1] != n_outputs:
            raise ValueError(
                f"y_val has {Y_val.shape[1]} output(s) but y has {n_outputs}."
            )
        self._check_poisson_target(y_val, "y_val")
        return Y_val

    def _make_loss(self):
        if self.loss in ("huber", "absolute_error"):
            return make_loss(self.loss, self.huber_delta)
        return None

    def _output_activation(self):
        return "exp" if self.loss == "poisson" else "identity"

    def _decode(self, output):
        return output.ravel() if output.shape[1] == 1 else output

    def _score_function(self, y_true, y_pred, sample_weight=None):
        return r2_score(y_true, y_pred, sample_weight=sample_weight)

    def predict(self, X):
        """Predict using the multi-layer perceptron model.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            The predicted values.
        """
        return self._decode(self._forward(self._predict_input(X)))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.positive_only = self.loss == "poisson"
        return tags
