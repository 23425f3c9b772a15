"""MLPClassifier: label encoding, logistic or softmax head, probabilities."""

import numpy as np
from scipy.special import expit
from sklearn import get_config
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.metrics import accuracy_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import (
    _check_partial_fit_first_call,
    type_of_target,
    unique_labels,
)
from sklearn.utils.validation import column_or_1d

from ._base import BaseMLP
from ._docs import ATTRIBUTES, PARAMETERS
from ._validation import fail_safe, validate_input


class MLPClassifier(ClassifierMixin, BaseMLP):
    __doc__ = f"""Multi-layer perceptron classifier.

    Minimises the cross-entropy (log-loss) of a softmax head for multi-class
    targets, or of one logistic output per column for binary and multi-label
    targets, with L-BFGS, SGD or Adam. A drop-in for
    :class:`sklearn.neural_network.MLPClassifier`: same parameters, defaults,
    fitted attributes and methods.

    Parameters
    ----------
    {PARAMETERS}

    Attributes
    ----------
    classes_ : ndarray or list of ndarray of shape (n_classes,)
        Class labels, sorted.

    {ATTRIBUTES}

    out_activation_ : str
        'softmax' for multi-class targets, 'logistic' for binary and
        multi-label ones.

    See Also
    --------
    MLPRegressor : Multi-layer perceptron regressor.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.model_selection import train_test_split
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skmlp import MLPClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> X_train, X_test, y_train, y_test = train_test_split(
    ...     X, y, stratify=y, random_state=0)
    >>> clf = make_pipeline(
    ...     StandardScaler(), MLPClassifier(solver="lbfgs", random_state=0))
    >>> clf.fit(X_train, y_train).score(X_test, y_test) > 0.9
    True
    >>> clf.predict_proba(X_test[:2]).shape
    (2, 3)
    """

    def __init__(
        self,
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
    ):
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

    # -- fitting ------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=True)
    @fail_safe
    def fit(self, X, y, sample_weight=None):
        """Fit the model to data matrix X and target(s) y.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Class labels, or a binary indicator matrix for multi-label
            classification.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the samples in the loss.

        Returns
        -------
        self : MLPClassifier
            The fitted estimator.
        """
        return self._fit(X, y, sample_weight=sample_weight, incremental=False)

    @available_if(lambda est: est._check_solver())
    @_fit_context(prefer_skip_nested_validation=True)
    @fail_safe
    def partial_fit(self, X, y, sample_weight=None, classes=None):
        """Update the model with one epoch over the given data.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            The target labels.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the samples in the loss.
        classes : array-like of shape (n_classes,), default=None
            Every class that can appear in any call. Required on the first
            call; ``y`` need not contain all of them.

        Returns
        -------
        self : MLPClassifier
            The updated estimator.
        """
        if _check_partial_fit_first_call(self, classes):
            self._label_binarizer = LabelBinarizer()
            if type_of_target(y).startswith("multilabel"):
                self._label_binarizer.fit(y)
            else:
                self._label_binarizer.fit(classes)
                self._check_two_classes(self._label_binarizer.classes_, "classes")
        return self._fit(X, y, sample_weight=sample_weight, incremental=True)

    def _check_two_classes(self, classes, what):
        if len(classes) < 2:
            raise ValueError(
                f"MLPClassifier needs samples of at least 2 classes; {what} has "
                f"only one class: {classes.tolist()}."
            )

    def _validate_input(self, X, y, incremental, reset):
        X, y = validate_input(
            self,
            X,
            y,
            accept_sparse=["csr", "csc"],
            multi_output=True,
            dtype=(np.float64, np.float32),
            reset=reset,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)

        if not hasattr(self, "classes_") or (not self.warm_start and not incremental):
            binarizer = LabelBinarizer().fit(y)
            self._check_two_classes(binarizer.classes_, "y")
            self._label_binarizer = binarizer
            self.classes_ = binarizer.classes_
        else:
            classes = unique_labels(y)
            if self.warm_start and not incremental:
                if set(classes) != set(self.classes_):
                    raise ValueError(
                        "warm_start can only be used where `y` has the same "
                        "classes as in the previous call to fit. Previously "
                        f"got {self.classes_}, `y` has {classes}"
                    )
            else:
                unknown = np.setdiff1d(classes, self.classes_)
                if len(unknown):
                    raise ValueError(
                        f"`y` has classes not in `self.classes_`: {unknown}. "
                        f"`self.classes_` is {self.classes_}, fixed by the "
                        "`classes` of the first partial_fit call."
                    )
        return X, self._label_binarizer.transform(y)

    def _output_activation(self):
        if self._label_binarizer.y_type_ == "multiclass":
            return "softmax"
        return "logistic"

    def _stratify_labels(self, Y):
        # Stratify on the encoded rows (one class per distinct row), as
        # scikit-learn does, so that the same seed gives the same split.
        if self._label_binarizer.y_type_ in ("binary", "multiclass"):
            return Y
        return None  # multi-label: no stratification

    def _decode(self, output):
        if output.shape[1] == 1:
            output = output.ravel()
        return self._label_binarizer.inverse_transform(output)

    def _score_function(self, y_true, y_pred, sample_weight=None):
        return accuracy_score(y_true, y_pred, sample_weight=sample_weight)

    # -- prediction ---------------------------------------------------------

    def predict(self, X):
        """Predict class labels for samples in X.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_classes)
            The predicted classes (an indicator matrix for multi-label).
        """
        return self._decode(self._forward(self._predict_input(X)))

    def _scores(self, X):
        """Pre-activation output of the last layer: the logits."""
        return self._forward(self._predict_input(X), output_activation="identity")

    def predict_proba(self, X):
        """Probability estimates.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        y_prob : ndarray of shape (n_samples, n_classes)
            Probability of each class, in the order of ``classes_``. Rows sum
            to 1 except for multi-label targets, where each column is the
            independent probability of its label.
        """
        return _probabilities(self._scores(X), self.out_activation_)

    def predict_log_proba(self, X):
        """Logarithm of the probability estimates.

        Computed from the logits, not as ``log(predict_proba(X))``, so it
        stays finite where a probability rounds to exactly 0.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.

        Returns
        -------
        log_y_prob : ndarray of shape (n_samples, n_classes)
            The natural logarithm of :meth:`predict_proba`.
        """
        return _log_probabilities(self._scores(X), self.out_activation_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


# -- heads on the logits ------------------------------------------------------
#
# Both functions work in place on the freshly computed logits (n_samples x
# n_outputs) and allocate at most one column per row besides the result, so
# the memory of prediction stays bounded by the chunked forward pass.
#
# No finite logit means certainty, so probabilities that underflow are floored
# at the smallest normal float of the dtype (about 2.2e-308 in float64,
# 1.2e-38 in float32) and log-probabilities at its log (-708.4, -87.3).
# Logistic outputs are also capped at the float just below 1, so each one is
# strictly inside (0, 1) as scikit-learn's multi-label checks require, and
# their log-probabilities at its log. The two methods then agree everywhere:
# log(predict_proba(X)) is finite and matches predict_log_proba(X), with the
# same ties and the same ordering.


def _probabilities(scores, head):
    """Softmax or logistic probabilities from the logits."""
    _bound_scores(scores)
    if head == "softmax":
        # Shifting by the row maximum changes nothing mathematically but keeps
        # every exponent <= 0: no overflow, and the row sum is at least 1.
        scores -= scores.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        proba = scores
    elif scores.shape[1] > 1:  # multi-label: one independent logistic a column
        proba = expit(scores, out=scores)
    else:
        # Binary: P(negative) = expit(-z) rather than 1 - expit(z), which
        # cancels to 0 for large z and loses the digits of a small probability.
        proba = np.empty((scores.shape[0], 2), dtype=scores.dtype)
        expit(np.negative(scores[:, 0]), out=proba[:, 0])
        expit(scores[:, 0], out=proba[:, 1])
    low, high = _bounds(proba.dtype, head)
    return np.clip(proba, low, high, out=proba)


def _log_probabilities(scores, head):
    """Log-softmax or log-sigmoid from the logits, never log of a rounded 0."""
    _bound_scores(scores)
    if head == "softmax":
        # log p_k = z_k - max(z) - log(sum_j exp(z_j - max(z))); the sum is at
        # least 1 (the max term is exp(0)), so its log is finite and >= 0.
        scores -= scores.max(axis=1, keepdims=True)
        log_norm = np.empty(scores.shape[0], dtype=scores.dtype)
        for rows in _row_blocks(scores):
            log_norm[rows] = np.log(np.exp(scores[rows]).sum(axis=1))
        scores -= log_norm[:, np.newaxis]
        log_proba = scores
    elif scores.shape[1] > 1:
        # log expit(z) = -log(1 + exp(-z)) = -logaddexp(0, -z), computed
        # without overflow for any finite z.
        np.negative(scores, out=scores)
        np.logaddexp(0, scores, out=scores)
        log_proba = np.negative(scores, out=scores)
    else:
        # log(1 - expit(z)) = log expit(-z) = -logaddexp(0, z).
        log_proba = np.empty((scores.shape[0], 2), dtype=scores.dtype)
        np.logaddexp(0, scores[:, 0], out=log_proba[:, 0])
        np.logaddexp(0, np.negative(scores[:, 0]), out=log_proba[:, 1])
        np.negative(log_proba, out=log_proba)
    low, high = _bounds(log_proba.dtype, head)
    return np.clip(log_proba, np.log(low), np.log(high), out=log_proba)


def _bound_scores(scores):
    """Clip logits to a quarter of the float range, in place.

    Subtracting the row maximum could otherwise overflow (``-1e308 - 1e308``);
    no logit that large carries information beyond its sign, and an infinite
    one (from weights that overflow on this input) becomes merely saturated.
    """
    bound = np.finfo(scores.dtype).max / 4
    np.clip(scores, -bound, bound, out=scores)


def _bounds(dtype, head):
    """Smallest and largest probability a head reports, in ``dtype``."""
    one = np.ones((), dtype=dtype)
    high = one if head == "softmax" else np.nextafter(one, 0 * one)
    return np.finfo(dtype).tiny, high


def _row_blocks(array):
    """Row slices small enough for a temporary copy to fit working_memory."""
    row_bytes = max(1, array.shape[1] * array.itemsize)
    n_rows = max(1, int(get_config()["working_memory"] * 2**20 // row_bytes))
    for start in range(0, array.shape[0], n_rows):
        yield slice(start, start + n_rows)
