"""TabularMLPRegressor: a DataFrame in, numbers out."""

import numpy as np
from sklearn.base import RegressorMixin, _fit_context
from sklearn.utils.validation import check_array

from ._tabular_base import BaseTabularMLP
from ._tabular_docs import ATTRIBUTES, INPUT, NETWORK, OPTIMIZER
from ._tabular_math import squared_error
from ._validation import fail_safe


class TabularMLPRegressor(RegressorMixin, BaseTabularMLP):
    __doc__ = f"""Multi-layer perceptron regressor for tables as they are.

    Takes a pandas or polars DataFrame (or an array) with numeric, boolean
    and categorical columns and missing values, and learns with a modern
    tabular recipe: robust scaling with smooth clipping, periodic numeric
    embeddings, learned category embeddings, a learned feature scale, ReLU
    units with a learned shape, NTK learning rates per parameter group,
    scheduled dropout and weight decay, a standardised target with
    predictions clamped to the training range, and the best epoch on
    held-out rows. Read more in :ref:`tabular`.

    Parameters
    ----------
    hidden_layer_sizes : array-like of int, default=(256, 256, 256)
        Units of each hidden layer.

    {INPUT}
    activation : {{'relu', 'selu', 'mish', 'silu'}}, default='relu'
        The hidden units' activation ``g``.

    {NETWORK}
    clamp_output : bool, default=True
        Clamp predictions to the range of the training targets.

    learning_rate_init : float, default=0.2
        Peak learning rate (see ``parametrization``).

    {OPTIMIZER}
    Attributes
    ----------
    target_mean_, target_scale_ : ndarray of shape (n_outputs,)
        The network learns ``(y - target_mean_) / target_scale_``.

    target_min_, target_max_ : ndarray of shape (n_outputs,)
        Range of the training targets, the clamp of the predictions.

    {ATTRIBUTES}
    See Also
    --------
    TabularMLPClassifier : The same for classification.
    TabularEncoder : The preprocessing alone.
    MLPRegressor : The drop-in for scikit-learn's MLP, on numeric arrays.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from skmlp import TabularMLPRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({{
    ...     "area": rng.uniform(30, 200, 300),
    ...     "city": pd.Categorical(rng.choice(["Lyon", "Paris", None], 300)),
    ... }})
    >>> y = 3000 * X["area"] + np.where(X["city"] == "Paris", 1e5, 0)
    >>> reg = TabularMLPRegressor(max_iter=60, random_state=0).fit(X, y)
    >>> reg.score(X, y) > 0.9
    True
    """

    _parameter_constraints: dict = {
        **BaseTabularMLP._parameter_constraints,
        "clamp_output": ["boolean"],
    }

    def __init__(
        self,
        hidden_layer_sizes=(256, 256, 256),
        *,
        categorical_features="from_dtype",
        max_onehot_categories=8,
        embedding_dim=8,
        numeric_embedding="periodic",
        n_frequencies=16,
        numeric_embedding_dim=3,
        frequency_scale=0.1,
        feature_scale=True,
        activation="relu",
        parametric_activation=True,
        parametrization="ntk",
        init="data",
        dropout=0.15,
        dropout_schedule="flat_cosine",
        weight_decay=0.02,
        weight_decay_schedule="flat_cosine",
        clamp_output=True,
        learning_rate_init=0.2,
        learning_rate_schedule="cosine_log4",
        beta_1=0.9,
        beta_2=0.95,
        epsilon=1e-8,
        batch_size=256,
        max_iter=256,
        validation_fraction=0.2,
        random_state=None,
        verbose=False,
        warm_start=False,
        dtype="float32",
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.categorical_features = categorical_features
        self.max_onehot_categories = max_onehot_categories
        self.embedding_dim = embedding_dim
        self.numeric_embedding = numeric_embedding
        self.n_frequencies = n_frequencies
        self.numeric_embedding_dim = numeric_embedding_dim
        self.frequency_scale = frequency_scale
        self.feature_scale = feature_scale
        self.activation = activation
        self.parametric_activation = parametric_activation
        self.parametrization = parametrization
        self.init = init
        self.dropout = dropout
        self.dropout_schedule = dropout_schedule
        self.weight_decay = weight_decay
        self.weight_decay_schedule = weight_decay_schedule
        self.clamp_output = clamp_output
        self.learning_rate_init = learning_rate_init
        self.learning_rate_schedule = learning_rate_schedule
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.batch_size = batch_size
        self.max_iter = max_iter
        self.validation_fraction = validation_fraction
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start
        self.dtype = dtype

    @_fit_context(prefer_skip_nested_validation=True)
    @fail_safe
    def fit(
        self, X, y, sample_weight=None, X_val=None, y_val=None, sample_weight_val=None
    ):
        """Fit the encoder and the network to a table and its targets.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            The raw table: numbers, booleans, categories, strings, missing
            values.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples in the loss and the validation score.
        X_val, y_val : default=None
            Held-out data to pick the best epoch on, instead of a split of
            ``X`` (which then trains on all of its rows).
        sample_weight_val : array-like of shape (n_val_samples,), default=None
            Weights of the held-out samples.

        Returns
        -------
        self : TabularMLPRegressor
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, X_val, y_val, sample_weight_val)

    def _encode_target(self, y, fitting):
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target "
                "y is None."
            )
        y = check_array(y, ensure_2d=False, dtype=np.float64, input_name="y")
        Y = y.reshape(-1, 1) if y.ndim == 1 else y
        if fitting:
            self._y_ndim = y.ndim
            self.target_mean_ = Y.mean(axis=0)
            scale = Y.std(axis=0)
            self.target_scale_ = np.where(scale > 0, scale, 1.0)
            self.target_min_, self.target_max_ = Y.min(axis=0), Y.max(axis=0)
        elif Y.shape[1] != self.target_mean_.size:
            raise ValueError(
                f"y has {Y.shape[1]} outputs, the first fit had "
                f"{self.target_mean_.size}."
            )
        # One new array, divided in place: a million rows cost 8 MB, not 16.
        Y = Y - self.target_mean_
        Y /= self.target_scale_
        return Y

    def _target_attributes(self):
        return {
            name: getattr(self, name)
            for name in (
                "target_mean_",
                "target_scale_",
                "target_min_",
                "target_max_",
                "_y_ndim",
            )
        }

    def _loss_function(self):
        return squared_error

    def _validation_score(self, S, Y, sample_weight):
        # In place on S, the network's fresh scores: one array fewer.
        S -= Y
        S *= S
        squared = S.sum(axis=1, dtype=np.float64)
        return -float(np.sqrt(np.average(squared, weights=sample_weight)))

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    def predict(self, X):
        """Predicted targets.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Rows with the columns seen in fit.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predictions, on the scale of the training targets.
        """
        y = self._scores(X).astype(np.float64)
        y *= self.target_scale_
        y += self.target_mean_
        if self.clamp_output:
            np.clip(y, self.target_min_, self.target_max_, out=y)
        return y.ravel() if self._y_ndim == 1 else y
