"""TabularMLPClassifier: a DataFrame in, class probabilities out."""

from numbers import Real

import numpy as np
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import type_of_target, unique_labels
from sklearn.utils.validation import check_array, column_or_1d

from ._labels import target_type
from ._tabular_base import BaseTabularMLP
from ._tabular_docs import ATTRIBUTES, INPUT, NETWORK, OPTIMIZER
from ._tabular_math import log_softmax, smoothed_cross_entropy
from ._validation import fail_safe


class TabularMLPClassifier(ClassifierMixin, BaseTabularMLP):
    __doc__ = f"""Multi-layer perceptron classifier for tables as they are.

    Takes a pandas or polars DataFrame (or an array) with numeric, boolean
    and categorical columns and missing values, and learns with a modern
    tabular recipe: robust scaling with smooth clipping, periodic numeric
    embeddings, learned category embeddings, a learned feature scale, ReLU
    units with a learned shape, NTK learning rates per parameter group,
    scheduled dropout and weight decay, label smoothing, and the best epoch
    on held-out rows. Read more in :ref:`tabular`.

    Parameters
    ----------
    hidden_layer_sizes : array-like of int, default=(256, 256, 256)
        Units of each hidden layer.

    {INPUT}
    activation : {{'relu', 'selu', 'mish', 'silu'}}, default='relu'
        The hidden units' activation ``g``.

    {NETWORK}
    label_smoothing : float, default=0.1
        Train against ``(1 - eps) * one_hot + eps / n_classes``: keeps the
        scores from growing without bound on separable rows.

    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes, multiplied into ``sample_weight``.

    learning_rate_init : float, default=0.04
        Peak learning rate (see ``parametrization``).

    {OPTIMIZER}
    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.

    {ATTRIBUTES}
    See Also
    --------
    TabularMLPRegressor : The same for regression.
    TabularEncoder : The preprocessing alone.
    MLPClassifier : The drop-in for scikit-learn's MLP, on numeric arrays.

    Examples
    --------
    >>> import pandas as pd
    >>> from skmlp import TabularMLPClassifier
    >>> X = pd.DataFrame({{
    ...     "size": [1.0, 2.5, None, 4.0, 0.5, 3.5] * 20,
    ...     "colour": pd.Categorical(["red", "blue", "red", None, "blue", "red"] * 20),
    ... }})
    >>> y = ["small", "large", "small", "large", "small", "large"] * 20
    >>> clf = TabularMLPClassifier(max_iter=20, random_state=0).fit(X, y)
    >>> clf.predict(X.head(2)).tolist()
    ['small', 'large']
    """

    _parameter_constraints: dict = {
        **BaseTabularMLP._parameter_constraints,
        "label_smoothing": [Interval(Real, 0, 1, closed="left")],
        "class_weight": [dict, StrOptions({"balanced"}), None],
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
        label_smoothing=0.1,
        class_weight=None,
        learning_rate_init=0.04,
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
        self.label_smoothing = label_smoothing
        self.class_weight = class_weight
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
        """Fit the encoder and the network to a table and its labels.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            The raw table: numbers, booleans, categories, strings, missing
            values.
        y : array-like of shape (n_samples,)
            Class labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the samples in the loss and the validation score.
        X_val, y_val : default=None
            Held-out data to pick the best epoch on, instead of a split of
            ``X`` (which then trains on all of its rows).
        sample_weight_val : array-like of shape (n_val_samples,), default=None
            Weights of the held-out samples.

        Returns
        -------
        self : TabularMLPClassifier
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight, X_val, y_val, sample_weight_val)

    def _encode_target(self, y, fitting):
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target "
                "y is None."
            )
        y = check_array(y, ensure_2d=False, dtype=None, input_name="y")
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        if fitting:
            kind = target_type(y)
            if kind == "multilabel-indicator" or y.ndim != 1:
                raise ValueError(
                    "TabularMLPClassifier takes one label per sample; got a "
                    f"{type_of_target(y)} target. Fit one model per label column."
                )
            classes = unique_labels(y)
            if len(classes) < 2:
                raise ValueError(
                    "TabularMLPClassifier needs samples of at least 2 classes; "
                    f"y has only one class: {classes.tolist()}."
                )
            self.classes_ = classes
        elif y.ndim != 1:
            raise ValueError(f"y must be one label per sample; got shape {y.shape}.")
        unknown = np.setdiff1d(unique_labels(y), self.classes_)
        if len(unknown):
            raise ValueError(
                f"y has classes not seen in the first fit: {unknown}. The classes "
                f"are {self.classes_}."
            )
        index = np.searchsorted(self.classes_, y)
        Y = np.zeros((len(y), len(self.classes_)), dtype=np.float32)
        Y[np.arange(len(y)), index] = 1
        return Y

    def _weighted(self, Y, sample_weight, training=True):
        if self.class_weight is None:
            return sample_weight
        index = Y.argmax(axis=1)
        if training:
            # Held-out rows are weighted like the training rows, with the
            # class weights the training labels give.
            self._class_weights = compute_class_weight(
                self.class_weight, classes=self.classes_, y=self.classes_[index]
            )
        weights = self._class_weights[index].astype(Y.dtype)
        return weights if sample_weight is None else weights * sample_weight

    def _target_attributes(self):
        return {"classes_": self.classes_}

    def _loss_function(self):
        return smoothed_cross_entropy

    def _label_smoothing(self):
        return self.label_smoothing

    def _stratify(self, Y):
        return Y.argmax(axis=1)

    def _validation_score(self, S, Y, sample_weight):
        right = (S.argmax(axis=1) == Y.argmax(axis=1)).astype(np.float64)
        return float(np.average(right, weights=sample_weight))

    def predict(self, X):
        """Most probable class of each row.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Rows with the columns seen in fit.

        Returns
        -------
        y : ndarray of shape (n_samples,)
            Predicted labels.
        """
        scores = self._scores(X)  # first: it raises NotFittedError if unfitted
        return self.classes_[scores.argmax(axis=1)]

    def predict_log_proba(self, X):
        """Log-probability of each class.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Rows with the columns seen in fit.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities, columns in the order of ``classes_``.
        """
        return log_softmax(self._scores(X).astype(np.float64))

    def predict_proba(self, X):
        """Probability of each class.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            Rows with the columns seen in fit.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities, columns in the order of ``classes_``.
        """
        return np.exp(self.predict_log_proba(X))
