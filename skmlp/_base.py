"""BaseMLP: parameters, validation and the wiring of fit / partial_fit.

The estimator wires; the network computes; the optimizer updates. This module
turns scikit-learn conventions (parameter constraints, ``validate_data``,
random states, warnings, fitted attributes) into calls on
:mod:`skmlp._network`, :mod:`skmlp._optimizers` and :mod:`skmlp._training`.
"""

import copy
import warnings
from abc import ABCMeta, abstractmethod
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, Options, StrOptions
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

from ._network import Network, forward
from ._optimizers import SGD, Adam, LearningRateSchedule
from ._predict import predict_in_chunks
from ._training import History, Validation, fit_lbfgs, fit_stochastic
from ._validation import (
    STOCHASTIC_SOLVERS,
    TRAINING_ERRSTATE,
    check_hidden_layer_sizes,
    check_training_outcome,
    divergence_error,
    validate_input,
)


class BaseMLP(BaseEstimator, metaclass=ABCMeta):
    """Shared machinery of :class:`MLPClassifier` and :class:`MLPRegressor`.

    Not meant to be used directly.
    """

    _parameter_constraints: dict = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "activation": [StrOptions({"identity", "logistic", "tanh", "relu"})],
        "solver": [StrOptions({"lbfgs", "sgd", "adam"})],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [
            StrOptions({"auto"}),
            Interval(Integral, 1, None, closed="left"),
        ],
        "learning_rate": [StrOptions({"constant", "invscaling", "adaptive"})],
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
    }

    @abstractmethod
    def __init__(self):
        """Subclasses store their parameters unchanged, as scikit-learn asks."""

    # -- hooks the subclasses provide ---------------------------------------

    @abstractmethod
    def _validate_input(self, X, y, incremental, reset):
        """Validated ``X`` and the 2-D encoded target ``Y``."""

    @abstractmethod
    def _output_activation(self):
        """Name of the head for the target seen in ``_validate_input``."""

    @abstractmethod
    def _decode(self, output):
        """Turn network outputs (or encoded targets) into predictions."""

    @abstractmethod
    def _score_function(self, y_true, y_pred, sample_weight=None):
        """Metric used by early stopping (accuracy or R^2)."""

    # -- fitting ------------------------------------------------------------

    def _fit(self, X, y, sample_weight=None, incremental=False):
        # Callers wrap fit and partial_fit in ``fail_safe``: nothing below
        # needs to undo what it set if a later step raises.
        hidden_layer_sizes = check_hidden_layer_sizes(self.hidden_layer_sizes)
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")
        first_pass = not hasattr(self, "coefs_") or (
            not self.warm_start and not incremental
        )
        X, Y = self._validate_input(X, y, incremental, reset=first_pass)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=X.dtype, ensure_non_negative=True
            )
            if not sample_weight.sum() > 0:
                raise ValueError("sample_weight must not be all zero.")
        Y = np.ascontiguousarray(Y, dtype=X.dtype)
        layer_units = [X.shape[1], *hidden_layer_sizes, Y.shape[1]]
        random_state = check_random_state(self.random_state)

        if first_pass:
            network = Network(
                layer_units, self.activation, self._output_activation(), X.dtype
            ).initialize(random_state)
        else:
            self._check_warm_start_shapes(layer_units)
            network = Network(
                layer_units, self.activation, self.out_activation_, X.dtype
            ).set_layers(self.coefs_, self.intercepts_)

        resumed = incremental and not first_pass
        try:
            # An overflow or a NaN anywhere in training means the weights have
            # left the range where the network computes anything: stop at the
            # first one instead of training on NaN for the remaining epochs.
            with np.errstate(**TRAINING_ERRSTATE):
                if self.solver == "lbfgs":
                    results = self._fit_lbfgs(network, X, Y, sample_weight)
                else:
                    results = self._fit_stochastic(
                        network,
                        X,
                        Y,
                        sample_weight,
                        random_state,
                        incremental,
                        first_pass,
                    )
        except FloatingPointError as exc:
            raise divergence_error(self, str(exc), resumed) from exc
        check_training_outcome(self, network, results, Y, sample_weight, resumed)

        # Only a successful fit reaches this point and changes the estimator.
        network.release_buffers()
        for name, value in results.items():
            setattr(self, name, value)
        self.coefs_, self.intercepts_ = network.coefs, network.intercepts
        self.n_layers_ = len(layer_units)
        self.n_outputs_ = Y.shape[1]
        self.out_activation_ = network.output_activation
        return self

    def _check_warm_start_shapes(self, layer_units):
        previous = [self.coefs_[0].shape[0]] + [c.shape[1] for c in self.coefs_]
        if previous != layer_units:
            raise ValueError(
                "warm_start and partial_fit need the same layer sizes as the "
                f"previous fit: it had {previous}, now {layer_units}. Set "
                "warm_start=False to train a new network."
            )

    def _fit_lbfgs(self, network, X, Y, sample_weight):
        loss, n_iter, reached_limit, loss_curve, _ = fit_lbfgs(
            network,
            X,
            Y,
            sample_weight,
            alpha=self.alpha,
            max_iter=self.max_iter,
            max_fun=self.max_fun,
            tol=self.tol,
            verbose=self.verbose,
        )
        if reached_limit:
            warnings.warn(
                f"L-BFGS reached max_iter={self.max_iter} or max_fun="
                f"{self.max_fun} before converging. Increase them or scale "
                "the data.",
                ConvergenceWarning,
                stacklevel=2,
            )
        return {
            "loss_": loss,
            "best_loss_": min(loss_curve, default=loss),
            "loss_curve_": loss_curve,
            "n_iter_": n_iter,
            "t_": 0,
            "validation_scores_": None,
            "best_validation_score_": None,
            "_no_improvement_count": 0,
            "_optimizer": None,
        }

    def _make_optimizer(self, n_params, dtype):
        # scikit-learn applies learning_rate schedules to 'sgd' only.
        schedule = LearningRateSchedule(
            self.learning_rate if self.solver == "sgd" else "constant",
            self.learning_rate_init,
            self.power_t,
            self.max_iter,
        )
        if self.solver == "sgd":
            return SGD(
                n_params, dtype, schedule, self.momentum, self.nesterovs_momentum
            )
        return Adam(n_params, dtype, schedule, self.beta_1, self.beta_2, self.epsilon)

    def _resumed_history(self):
        return History(
            loss_curve=list(self.loss_curve_),
            best_loss=self.best_loss_,
            validation_scores=(
                None
                if self.validation_scores_ is None
                else list(self.validation_scores_)
            ),
            best_validation_score=self.best_validation_score_,
            no_improvement_count=self._no_improvement_count,
            samples_seen=self.t_,
        )

    def _fit_stochastic(
        self, network, X, Y, sample_weight, random_state, incremental, first_pass
    ):
        resume = not first_pass and getattr(self, "_optimizer", None) is not None
        if incremental and resume:
            # A copy, so that a failed call leaves the stored state untouched.
            optimizer = copy.deepcopy(self._optimizer)
        else:
            optimizer = self._make_optimizer(network.params.size, network.dtype)
        if resume and (self.validation_scores_ is not None) == self.early_stopping:
            history = self._resumed_history()
        else:
            history = History.start(self.early_stopping, self.early_stopping)

        validation = None
        if self.early_stopping:
            X, Y, sample_weight, validation_score = self._split_validation(
                network, X, Y, sample_weight, random_state
            )
            validation = Validation(lambda: (validation_score(), np.nan))

        n_samples = X.shape[0]
        if self.batch_size == "auto":
            batch_size = min(200, n_samples)
        else:
            if self.batch_size > n_samples:
                warnings.warn(
                    f"batch_size={self.batch_size} is larger than the "
                    f"{n_samples} training samples; using {n_samples}.",
                    stacklevel=2,
                )
            batch_size = min(self.batch_size, n_samples)

        outcome = fit_stochastic(
            network,
            optimizer,
            history,
            X,
            Y,
            sample_weight,
            alpha=self.alpha,
            batch_size=batch_size,
            max_iter=self.max_iter,
            shuffle=self.shuffle,
            tol=self.tol,
            n_iter_no_change=self.n_iter_no_change,
            random_state=random_state,
            incremental=incremental,
            verbose=self.verbose,
            validation=validation,
        )
        n_iter = outcome.n_iter
        reached_max_iter = outcome.reached_max_iter
        if outcome.interrupted:
            warnings.warn("Training interrupted by user.", stacklevel=2)
        elif reached_max_iter and not incremental:
            warnings.warn(
                f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) "
                "reached and the optimization hasn't converged yet.",
                ConvergenceWarning,
                stacklevel=2,
            )
        return {
            "loss_": history.loss_curve[-1] if history.loss_curve else np.nan,
            "best_loss_": history.best_loss,
            "loss_curve_": history.loss_curve,
            "validation_scores_": history.validation_scores,
            "best_validation_score_": history.best_validation_score,
            "n_iter_": n_iter,
            "t_": history.samples_seen,
            "_no_improvement_count": history.no_improvement_count,
            "_optimizer": optimizer,
        }

    def _split_validation(self, network, X, Y, sample_weight, random_state):
        """Hold out ``validation_fraction`` of the data for early stopping."""
        stratify = self._stratify_labels(Y)
        arrays = (X, Y) if sample_weight is None else (X, Y, sample_weight)
        split = train_test_split(
            *arrays,
            random_state=random_state,
            test_size=self.validation_fraction,
            stratify=stratify,
        )
        X_train, X_val, Y_train, Y_val = split[:4]
        sw_train, sw_val = split[4:] if sample_weight is not None else (None, None)
        if X_val.shape[0] < 2:
            raise ValueError(
                "The validation set is too small. Increase 'validation_fraction' "
                "or the size of your dataset."
            )
        y_val = self._decode(Y_val)

        def validation_score():
            output = forward(
                X_val,
                network.coefs,
                network.intercepts,
                network.hidden_activation,
                network.output_activation,
            )
            if not np.isfinite(output).all():
                return np.nan
            return self._score_function(
                y_val, self._decode(output), sample_weight=sw_val
            )

        return X_train, Y_train, sw_train, validation_score

    def _stratify_labels(self, Y):
        """Labels to stratify the validation split on (None: don't)."""
        return None

    # -- prediction ---------------------------------------------------------

    def _predict_input(self, X):
        """Validated ``X`` for prediction.

        The fitted check comes first, so an unfitted estimator raises
        ``NotFittedError`` whatever ``X`` is.
        """
        check_is_fitted(self)
        return validate_input(
            self,
            X,
            accept_sparse=["csr", "csc"],
            dtype=(np.float64, np.float32),
            reset=False,
        )

    def _forward(self, X, output_activation=None):
        """Network output for validated ``X``, in bounded-memory chunks.

        ``output_activation='identity'`` gives the raw scores of the output
        layer, from which the classifier computes stable log-probabilities.
        """
        return predict_in_chunks(
            X,
            self.coefs_,
            self.intercepts_,
            self.activation,
            output_activation or self.out_activation_,
        )

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
