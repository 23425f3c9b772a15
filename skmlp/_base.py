"""BaseMLP: parameters, validation and the wiring of fit / partial_fit.

The estimator wires; the network computes; the optimizer updates. This module
turns scikit-learn conventions (parameter constraints, ``validate_data``,
random states, fitted attributes) into a :class:`~skmlp._network.Network`
and hands it to :mod:`skmlp._fitting`, which runs the solver.
"""

from abc import ABCMeta, abstractmethod
from numbers import Integral, Real

import numpy as np
from sklearn import get_config
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.callback import CallbackSupportMixin
from sklearn.metrics import get_scorer_names
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

from ._activations import HIDDEN_ACTIVATIONS
from ._fitting import (
    CallbackBridge,
    make_validation,
    run_lbfgs,
    run_stochastic,
    split_validation,
)
from ._network import Network
from ._optimizers import SCHEDULES
from ._predict import predict_in_chunks
from ._validation import (
    STOCHASTIC_SOLVERS,
    TRAINING_ERRSTATE,
    check_hidden_layer_sizes,
    check_training_outcome,
    divergence_error,
    validate_input,
)

_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))
WEIGHT_INITS = ("glorot_uniform", "glorot_normal", "he_uniform", "he_normal")


class BaseMLP(CallbackSupportMixin, TransformerMixin, BaseEstimator, metaclass=ABCMeta):
    """Shared machinery of :class:`MLPClassifier` and :class:`MLPRegressor`.

    Not meant to be used directly.
    """

    _parameter_constraints: dict = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions(set(HIDDEN_ACTIVATIONS))],
        "solver": [StrOptions({"lbfgs", "sgd", "adam"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "learning_rate": [StrOptions(set(SCHEDULES))],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "power_t": [Interval(Real, 0, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "n_iter_no_change": [
            Interval(Integral, 1, None, closed="left"),
            Options(Real, {np.inf}),
        ],
        "max_fun": [Interval(Integral, 1, None, closed="left")],
        "warmup_iter": [Interval(Integral, 0, None, closed="left")],
        "max_grad_norm": [Interval(Real, 0, None, closed="neither"), None],
        "dropout": [Interval(Real, 0, 1, closed="left"), "array-like"],
        "weight_init": [StrOptions(set(WEIGHT_INITS))],
        "early_stopping_metric": [
            StrOptions({"score", "loss"} | set(get_scorer_names()))
        ],
    }

    @abstractmethod
    def __init__(self):
        """Subclasses store their parameters unchanged, as scikit-learn asks."""

    # -- hooks the subclasses provide ---------------------------------------

    @abstractmethod
    def _validate_input(self, X, y, incremental, reset):
        """Validated ``X`` and the 2-D encoded target ``Y``."""

    @abstractmethod
    def _encode_validation_target(self, y_val, n_outputs):
        """``y_val`` encoded like the training target of ``n_outputs`` columns."""

    @abstractmethod
    def _output_activation(self):
        """Name of the head for the target seen in ``_validate_input``."""

    @abstractmethod
    def _decode(self, output):
        """Turn network outputs (or encoded targets) into predictions."""

    @abstractmethod
    def _score_function(self, y_true, y_pred, sample_weight=None):
        """The estimator's own score (accuracy or R^2)."""

    def _make_loss(self):
        """The loss to train with; None for the head's canonical loss."""
        return None

    def _stratify_labels(self, Y):
        """Labels to stratify the validation split on (None: don't)."""
        return None

    def _weighted(self, Y, sample_weight, incremental, training=True):
        """Sample weights with any class weights folded in."""
        return sample_weight

    # -- fitting ------------------------------------------------------------

    def _fit(
        self,
        X,
        y,
        sample_weight=None,
        incremental=False,
        X_val=None,
        y_val=None,
        sample_weight_val=None,
    ):
        # Callers wrap fit and partial_fit in ``fail_safe``: nothing below
        # needs to undo what it set if a later step raises.
        hidden_layer_sizes = check_hidden_layer_sizes(self.hidden_layer_sizes)
        dropout = self._dropout_rates(len(hidden_layer_sizes))
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")
        first_pass = not hasattr(self, "coefs_") or (
            not self.warm_start and not incremental
        )
        # Callbacks see the data as the user passed it (feature names, labels).
        X_given, y_given = X, y
        X, Y = self._validate_input(X, y, incremental, reset=first_pass)
        sample_weight = self._weighted(
            Y, self._checked_weight(sample_weight, X), incremental
        )
        if sample_weight is not None:
            sample_weight = sample_weight.astype(X.dtype, copy=False)
        validation_data = None
        if X_val is not None or y_val is not None:
            validation_data = self._validation_input(
                X_val, y_val, sample_weight_val, Y.shape[1]
            )
            validation_data[0] = validation_data[0].astype(X.dtype, copy=False)
        layer_units = [X.shape[1], *hidden_layer_sizes, Y.shape[1]]
        random_state = check_random_state(self.random_state)

        output_activation = (
            self._output_activation() if first_pass else self.out_activation_
        )
        network = Network(
            layer_units,
            self.activation,
            output_activation,
            X.dtype,
            loss=self._make_loss(),
            dropout=dropout,
        )
        if first_pass:
            network.initialize(random_state, self.weight_init)
        else:
            self._check_warm_start_shapes(layer_units)
            network.set_layers(self.coefs_, self.intercepts_)

        stochastic = self.solver in STOCHASTIC_SOLVERS
        train = (X, Y, sample_weight)
        if stochastic and self.early_stopping and validation_data is None:
            train, validation_data = split_validation(
                self, X, Y, sample_weight, random_state
            )
        validation = None
        if validation_data is not None:
            validation = make_validation(self, network, *validation_data)
            validation.early_stopping = stochastic and self.early_stopping

        bridge = CallbackBridge(
            self,
            X_given,
            y_given,
            None if sample_weight is None else {"sample_weight": sample_weight},
            max_epochs=1 if incremental else self.max_iter,
        )
        resumed = incremental and not first_pass
        try:
            # An overflow or a NaN anywhere in training means the weights have
            # left the range where the network computes anything: stop at the
            # first one instead of training on NaN for the remaining epochs.
            with np.errstate(**TRAINING_ERRSTATE):
                if stochastic:
                    results = run_stochastic(
                        self,
                        network,
                        train,
                        validation,
                        random_state,
                        incremental=incremental,
                        resume=not first_pass,
                        bridge=bridge,
                    )
                else:
                    results = run_lbfgs(
                        self, network, *train, validation=validation, bridge=bridge
                    )
        except FloatingPointError as exc:
            raise divergence_error(self, str(exc), resumed) from exc
        check_training_outcome(self, network, results, *train[1:], resumed)

        # Only a successful fit reaches this point and changes the estimator.
        network.release_buffers()
        for name, value in results.items():
            setattr(self, name, value)
        self.coefs_, self.intercepts_ = network.coefs, network.intercepts
        self.n_layers_ = len(layer_units)
        self.n_outputs_ = Y.shape[1]
        self.out_activation_ = network.output_activation
        bridge.close()
        return self

    def _checked_weight(self, sample_weight, X):
        if sample_weight is None:
            return None
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=X.dtype, ensure_non_negative=True
        )
        if not sample_weight.sum() > 0:
            raise ValueError("sample_weight must not be all zero.")
        return sample_weight

    def _validation_input(self, X_val, y_val, sample_weight_val, n_outputs):
        """The user's validation set, validated like the training data."""
        if X_val is None or y_val is None:
            raise ValueError("X_val and y_val must be given together.")
        X_val = validate_input(
            self,
            X_val,
            accept_sparse=["csr", "csc"],
            dtype=(np.float64, np.float32),
            reset=False,
        )
        Y_val = self._encode_validation_target(y_val, n_outputs)
        if Y_val.shape[0] != X_val.shape[0]:
            raise ValueError(
                f"X_val has {X_val.shape[0]} samples but y_val has {Y_val.shape[0]}."
            )
        weight = self._weighted(
            Y_val,
            self._checked_weight(sample_weight_val, X_val),
            incremental=False,
            training=False,
        )
        return [X_val, Y_val, weight]

    def _dropout_rates(self, n_hidden):
        """``dropout`` as one rate per hidden layer."""
        rates = self.dropout
        rates = [float(r) for r in rates] if np.iterable(rates) else [rates] * n_hidden
        if len(rates) != n_hidden or not all(0 <= r < 1 for r in rates):
            raise ValueError(
                "dropout must be a rate in [0, 1) or one such rate per hidden "
                f"layer ({n_hidden}), got {self.dropout!r}."
            )
        if any(rates) and self.solver not in STOCHASTIC_SOLVERS:
            raise ValueError(
                "dropout needs a stochastic solver ('sgd' or 'adam'): it makes "
                "the loss random, which L-BFGS's line search cannot handle."
            )
        return tuple(float(r) for r in rates)

    def _check_warm_start_shapes(self, layer_units):
        previous = [self.coefs_[0].shape[0]] + [c.shape[1] for c in self.coefs_]
        if previous != layer_units:
            raise ValueError(
                "warm_start and partial_fit need the same layer sizes as the "
                f"previous fit: it had {previous}, now {layer_units}. Set "
                "warm_start=False to train a new network."
            )

    # -- prediction and hidden features -------------------------------------

    def _predict_input(self, X):
        """Validated ``X`` for prediction.

        The fitted check comes first, so an unfitted estimator raises
        ``NotFittedError`` whatever ``X`` is. A plain float array of the right
        width, from a model fitted without feature names, needs no conversion:
        it only has to be finite, which one sum tells (a finite sum means
        finite entries; otherwise the full validation names the problem).
        That fast path is what makes one-row predictions quick.
        """
        if not hasattr(self, "coefs_"):
            check_is_fitted(self)
        if (
            type(X) is np.ndarray
            and X.ndim == 2
            and X.dtype in _FLOAT_DTYPES
            and X.shape[0] > 0
            and X.shape[1] == self.n_features_in_
            and not hasattr(self, "feature_names_in_")
            and (get_config()["assume_finite"] or np.isfinite(X.sum()))
        ):
            return X
        return validate_input(
            self,
            X,
            accept_sparse=["csr", "csc"],
            dtype=(np.float64, np.float32),
            reset=False,
        )

    def _forward(self, X, output_activation=None, n_layers=None):
        """Network output for validated ``X``, in bounded-memory chunks.

        ``output_activation='identity'`` gives the raw scores of the output
        layer, from which the classifier computes stable log-probabilities;
        ``n_layers`` stops after that many layers (hidden features).
        """
        n_layers = len(self.coefs_) if n_layers is None else n_layers
        return predict_in_chunks(
            X,
            self.coefs_[:n_layers],
            self.intercepts_[:n_layers],
            self.activation,
            output_activation or self.out_activation_,
        )

    def _hidden_layer_index(self, layer):
        n_hidden = len(self.coefs_) - 1
        if n_hidden == 0:
            raise ValueError(
                "This network has no hidden layer (hidden_layer_sizes=()), so it "
                "has no hidden features to transform into."
            )
        if not isinstance(layer, Integral) or not -n_hidden <= layer < n_hidden:
            raise ValueError(
                f"layer must be an integer in [-{n_hidden}, {n_hidden - 1}] for "
                f"this network's {n_hidden} hidden layer(s), got {layer!r}."
            )
        return int(layer) % n_hidden

    def transform(self, X, layer=-1):
        """Hidden-layer activations of ``X``: the network as a feature extractor.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            The input data.
        layer : int, default=-1
            Which hidden layer: 0 is the first, -1 the last (the features the
            output layer sees).

        Returns
        -------
        X_hidden : ndarray of shape (n_samples, hidden_layer_sizes[layer])
            The activations ``g(Z)`` of that layer (without dropout).
        """
        check_is_fitted(self)
        index = self._hidden_layer_index(layer)
        X = self._predict_input(X)
        return self._forward(X, output_activation=self.activation, n_layers=index + 1)

    def get_feature_names_out(self, input_features=None):
        """Names of the features :meth:`transform` returns (last hidden layer).

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Ignored; present for API consistency.

        Returns
        -------
        feature_names_out : ndarray of str
            ``<estimator name in lower case><i>`` for each unit ``i`` of the
            last hidden layer, e.g. ``mlpclassifier0``.
        """
        check_is_fitted(self)
        width = self.coefs_[self._hidden_layer_index(-1)].shape[1]
        prefix = type(self).__name__.lower()
        return np.asarray([f"{prefix}{i}" for i in range(width)], dtype=object)

    def _check_solver(self):
        if self.solver not in STOCHASTIC_SOLVERS:
            raise AttributeError(
                "partial_fit is only available for stochastic optimizers. "
                f"{self.solver} is not stochastic."
            )
        return True

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags
