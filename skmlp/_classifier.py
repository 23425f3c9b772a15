"""MLPClassifier: label encoding, logistic or softmax head, probabilities."""

import numpy as np
import scipy.sparse as sp
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.metrics import accuracy_score
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import (
    _check_partial_fit_first_call,
    type_of_target,
    unique_labels,
)
from sklearn.utils.validation import check_array, column_or_1d

from ._base import BaseMLP
from ._docs import ATTRIBUTES, PARAMETERS
from ._labels import decode, encode, target_type
from ._proba import log_probabilities, probabilities
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

    class_weight : dict, 'balanced' or None, default=None
        Weights of the classes in the loss, ``{{class_label: weight}}``, or
        'balanced' for ``n_samples / (n_classes * np.bincount(y))``; they
        multiply ``sample_weight`` in ``fit``, ``partial_fit`` (a dict only)
        and the validation score. Not for multi-label targets.

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

    _parameter_constraints: dict = {
        **BaseMLP._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }

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
        warmup_iter=0,
        max_grad_norm=None,
        dropout=0.0,
        weight_init="glorot_uniform",
        early_stopping_metric="score",
        class_weight=None,
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
        self.warmup_iter = warmup_iter
        self.max_grad_norm = max_grad_norm
        self.dropout = dropout
        self.weight_init = weight_init
        self.early_stopping_metric = early_stopping_metric
        self.class_weight = class_weight

    # -- fitting ------------------------------------------------------------

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
            Class labels, or a binary indicator matrix for multi-label
            classification.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative weights of the samples in the loss (multiplied by the
            ``class_weight`` of each sample's class).
        X_val : {array-like, sparse matrix} of shape (n_val, n_features), \
default=None
            A validation set, as in HistGradientBoostingClassifier: its score
            and loss are recorded after every epoch, and with
            ``early_stopping=True`` it replaces the ``validation_fraction``
            split.
        y_val : array-like of shape (n_val,) or (n_val, n_outputs), default=None
            Labels of ``X_val``.
        sample_weight_val : array-like of shape (n_val,), default=None
            Weights of the validation samples.

        Returns
        -------
        self : MLPClassifier
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
            self._sparse_target = sp.issparse(y)
            if type_of_target(y).startswith("multilabel"):
                self._target_type = "multilabel-indicator"
            else:
                self._target_type = target_type(classes, "classes")
                self._check_two_classes(self.classes_, "classes")
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
            kind = target_type(y)
            classes = unique_labels(y)
            self._check_two_classes(classes, "y")
            self._target_type, self.classes_ = kind, classes
            self._sparse_target = sp.issparse(y)
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
        return X, encode(y, self.classes_, self._target_type)

    def _encode_validation_target(self, y_val, n_outputs):
        y_val = check_array(y_val, ensure_2d=False, dtype=None)
        if y_val.ndim == 2 and y_val.shape[1] == 1:
            y_val = column_or_1d(y_val)
        unknown = np.setdiff1d(unique_labels(y_val), self.classes_)
        if len(unknown):
            raise ValueError(
                f"y_val has classes not seen in y: {unknown}. The classes are "
                f"{self.classes_}."
            )
        return encode(y_val, self.classes_, self._target_type)

    def _weighted(self, Y, sample_weight, incremental, training=True):
        if self.class_weight is None:
            return sample_weight
        if self._target_type == "multilabel-indicator":
            raise ValueError("class_weight is not supported for multi-label targets.")
        if training:
            if incremental and self.class_weight == "balanced":
                raise ValueError(
                    "class_weight='balanced' is not supported by partial_fit: "
                    "one chunk does not tell the class frequencies. Compute them "
                    "once with sklearn.utils.class_weight.compute_class_weight("
                    "'balanced', classes=classes, y=y_all) and pass the dict."
                )
            labels = self.classes_[self._class_index(Y)]
            self._class_weights = compute_class_weight(
                self.class_weight, classes=self.classes_, y=labels
            )
        weights = self._class_weights[self._class_index(Y)]
        return weights if sample_weight is None else weights * sample_weight

    def _class_index(self, Y):
        """Index into ``classes_`` of each row of the encoded target."""
        if Y.shape[1] == 1:  # binary: one logistic output for classes_[1]
            return Y[:, 0].astype(np.intp)
        return Y.argmax(axis=1)

    def _output_activation(self):
        if self._target_type == "multiclass":
            return "softmax"
        return "logistic"

    def _stratify_labels(self, Y):
        # Stratify on the encoded rows (one class per distinct row), as
        # scikit-learn does, so that the same seed gives the same split.
        if self._target_type in ("binary", "multiclass"):
            return Y
        return None  # multi-label: no stratification

    def _decode(self, output):
        return decode(output, self.classes_, self._target_type, self._sparse_target)

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
        return probabilities(self._scores(X), self.out_activation_)

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
        return log_probabilities(self._scores(X), self.out_activation_)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags
