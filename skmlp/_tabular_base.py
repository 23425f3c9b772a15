"""BaseTabularMLP: parameters and the wiring of fit for the tabular MLPs.

The estimator wires: :class:`~skmlp.TabularEncoder` turns the DataFrame into
one encoded matrix, :mod:`skmlp._tabular_network` computes, and
:mod:`skmlp._tabular_training` runs the epochs. The subclasses say how the
target is encoded, which loss trains it and how predictions are scored.
"""

from abc import ABCMeta, abstractmethod
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.callback import CallbackSupportMixin
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._fitting import CallbackBridge
from ._tabular_encoder import TabularEncoder
from ._tabular_math import BASE_ACTIVATIONS, SCHEDULES
from ._tabular_network import TabularNetwork
from ._tabular_setup import (
    architecture,
    checked_weight,
    copy_network,
    fitted_attributes,
    held_out_split,
    network_arguments,
    recipe,
    row_indices,
    rows_of,
    warn_outcome,
)
from ._tabular_training import GroupAdam, train
from ._validation import TRAINING_ERRSTATE, check_hidden_layer_sizes

# Rows whose outputs set the initial weights and biases (see
# TabularNetwork.initialize): enough for stable unit variances (a standard
# deviation from 1,024 rows is within 5% of the true one, two standard
# errors), and few enough that the sample's layer outputs take a few MiB.
INIT_ROWS = 1024


class BaseTabularMLP(
    CallbackSupportMixin, TransformerMixin, BaseEstimator, metaclass=ABCMeta
):
    """Shared machinery of the tabular MLPs; not meant to be used directly."""

    _parameter_constraints: dict = {
        "hidden_layer_sizes": [
            "array-like",
            Interval(Integral, 1, None, closed="left"),
        ],
        "categorical_features": TabularEncoder._parameter_constraints[
            "categorical_features"
        ],
        "max_onehot_categories": [Interval(Integral, 0, None, closed="left")],
        "embedding_dim": [Interval(Integral, 1, None, closed="left")],
        "numeric_embedding": [StrOptions({"periodic"}), None],
        "n_frequencies": [Interval(Integral, 1, None, closed="left")],
        "numeric_embedding_dim": [Interval(Integral, 1, None, closed="left")],
        "frequency_scale": [Interval(Real, 0, None, closed="neither")],
        "feature_scale": ["boolean"],
        "activation": [StrOptions(set(BASE_ACTIVATIONS))],
        "parametric_activation": ["boolean"],
        "parametrization": [StrOptions({"ntk", "standard"})],
        "init": [StrOptions({"data", "random"})],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "dropout_schedule": [StrOptions(set(SCHEDULES))],
        "weight_decay": [Interval(Real, 0, None, closed="left")],
        "weight_decay_schedule": [StrOptions(set(SCHEDULES))],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "learning_rate_schedule": [StrOptions(set(SCHEDULES))],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither"), None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "dtype": [StrOptions({"float32", "float64"}), type],
    }

    @abstractmethod
    def __init__(self):
        """Subclasses store their parameters unchanged, as scikit-learn asks."""

    # -- hooks the subclasses provide ---------------------------------------

    @abstractmethod
    def _encode_target(self, y, fitting):
        """The 2-D training target; ``fitting`` learns its encoding."""

    @abstractmethod
    def _loss_function(self):
        """``f(S, Y, smoothing, row_scale) -> (loss, dS)``."""

    @abstractmethod
    def _validation_score(self, S, Y, sample_weight):
        """Score of scores ``S`` against encoded ``Y``: higher is better."""

    def _target_attributes(self):
        """Fitted attributes of the target's encoding (``classes_``...)."""
        return {}

    def _label_smoothing(self):
        return 0.0

    def _stratify(self, Y):
        return None

    def _weighted(self, Y, sample_weight, training=True):
        """Sample weights with any class weights folded in."""
        return sample_weight

    # -- fitting ------------------------------------------------------------

    def _dtype(self):
        return np.dtype(self.dtype)

    def _fit(self, X, y, sample_weight, X_val, y_val, sample_weight_val):
        hidden = check_hidden_layer_sizes(self.hidden_layer_sizes)
        if len(hidden) == 0:
            raise ValueError("hidden_layer_sizes must have at least one layer.")
        warm = self.warm_start and hasattr(self, "_network")
        dtype = self._dtype()
        X_given, y_given = X, y
        # The target first: its temporaries are gone before the encoded
        # copy of X exists, and do not add to the fit's peak memory.
        Y = self._encode_target(y, fitting=not warm).astype(dtype, copy=False)
        if warm:
            encoder = self.encoder_
            X = encoder.transform(X)
        else:
            encoder = TabularEncoder(
                self.categorical_features,
                max_onehot_categories=self.max_onehot_categories,
                dtype=dtype.type,
            )
            X = encoder.fit_transform(X)
        X = X.astype(dtype, copy=False)
        if X.shape[0] != Y.shape[0]:
            raise ValueError(
                f"X has {X.shape[0]} samples but y has {Y.shape[0]}; they must match."
            )
        sample_weight = self._weighted(Y, checked_weight(sample_weight, X, dtype))

        random_state = check_random_state(self.random_state)
        rng = np.random.default_rng(random_state.randint(np.iinfo(np.int32).max))
        validation = None
        if X_val is None and y_val is None and self.validation_fraction is not None:
            # The held-out rows are scored, and their targets read, through
            # their indices: no copy of them.
            rows, held_out = held_out_split(self, Y, rng)
            validation = (X, held_out, Y, rows_of(sample_weight, held_out))
        else:
            rows = row_indices(X.shape[0])
            if X_val is not None or y_val is not None:
                validation = self._user_validation(
                    encoder, X_val, y_val, sample_weight_val, dtype
                )

        if warm:
            network = self._network
            self._check_warm_start_shapes(network, hidden, Y.shape[1])
            network = copy_network(network)
        else:
            arch = architecture(self, encoder, hidden, Y)
            network = TabularNetwork(arch, *network_arguments(self, dtype))
            if self.init == "data":
                sample = rng.choice(rows, min(rows.size, INIT_ROWS), replace=False)
                network.initialize(X[np.sort(sample)], rng, self.frequency_scale)
            else:
                network.initialize_random(rng, self.frequency_scale)
        optimizer = GroupAdam(network, self.beta_1, self.beta_2, self.epsilon)
        if warm and self._optimizer_state is not None:
            optimizer.load_state_dict(self._optimizer_state)

        bridge = CallbackBridge(self, X_given, y_given, None, max_epochs=self.max_iter)
        validate = None
        if validation is not None:
            X_v, rows_v, Y_v, sw_v = validation

            def validate():
                S = network.scores(X_v, rows_v)
                Y_rows = Y_v if rows_v is None else Y_v[rows_v]
                return self._validation_score(S, Y_rows, sw_v)

        def on_epoch_end(epoch, loss, score, seconds):
            def reconstruction():
                copy = copy_network(network)
                return {
                    "encoder_": encoder,
                    "n_features_in_": encoder.n_features_in_,
                    "_network": copy,
                    **self._target_attributes(),
                    **fitted_attributes(copy),
                    "n_iter_": epoch,
                    "loss_": loss,
                }

            return bridge.end_epoch(reconstruction)

        try:
            with np.errstate(**TRAINING_ERRSTATE):
                history = train(
                    network,
                    optimizer,
                    recipe(self),
                    X,
                    Y,
                    sample_weight,
                    rows,
                    self._loss_function(),
                    rng,
                    validate=validate,
                    on_epoch_end=on_epoch_end,
                    verbose=self.verbose,
                )
        except FloatingPointError as exc:
            raise FloatingPointError(
                f"Training diverged ({exc}). Lower learning_rate_init (now "
                f"{self.learning_rate_init}) or check the data for extreme values."
            ) from exc
        warn_outcome(self, history)

        # Only a successful fit reaches this point and changes the estimator.
        self.encoder_ = encoder
        self.n_features_in_ = encoder.n_features_in_
        if hasattr(encoder, "feature_names_in_"):
            self.feature_names_in_ = encoder.feature_names_in_
        else:
            vars(self).pop("feature_names_in_", None)
        self._network = network
        self._optimizer_state = None if history.diverged else optimizer.state_dict()
        for name, value in fitted_attributes(network).items():
            setattr(self, name, value)
        self.loss_curve_ = history.loss_curve
        self.validation_scores_ = history.validation_scores if validate else None
        self.best_epoch_ = history.best_epoch if validate else None
        self.n_iter_ = len(history.loss_curve)
        bridge.close()
        return self

    def _user_validation(self, encoder, X_val, y_val, sample_weight_val, dtype):
        if X_val is None or y_val is None:
            raise ValueError("X_val and y_val must be given together.")
        X_val = encoder.transform(X_val).astype(dtype, copy=False)
        Y_val = self._encode_target(y_val, fitting=False).astype(dtype, copy=False)
        if X_val.shape[0] != Y_val.shape[0]:
            raise ValueError(
                f"X_val has {X_val.shape[0]} samples but y_val has {Y_val.shape[0]}."
            )
        weight = self._weighted(
            Y_val, checked_weight(sample_weight_val, X_val, dtype), training=False
        )
        # No rows: the network scores all of X_val, without indexing it.
        return X_val, None, Y_val, weight

    def _check_warm_start_shapes(self, network, hidden, n_outputs):
        arch = network.arch
        if arch.hidden_layer_sizes != hidden or arch.n_outputs != n_outputs:
            raise ValueError(
                "warm_start needs the same layer sizes as the previous fit: it had "
                f"{arch.hidden_layer_sizes}, now {hidden}. Set warm_start=False "
                "to train a new network."
            )

    # -- prediction ---------------------------------------------------------

    def _encoded(self, X):
        # The attribute test first: check_is_fitted's tag lookups cost more
        # than the rest of a one-row prediction's checks.
        if not hasattr(self, "_network"):
            check_is_fitted(self, "_network")
        # The encoder's own transform, without its fitted check (the model is
        # fitted) and without the set_output wrapper (the network takes an
        # array, whatever output the user chose for the encoder).
        return self.encoder_._transform(X).astype(self._network.dtype, copy=False)

    def _scores(self, X):
        X = self._encoded(X)  # first: it raises NotFittedError if unfitted
        return self._network.scores(X)

    def transform(self, X, layer=-1):
        """Hidden-layer activations of ``X``: the network as a feature extractor.

        Parameters
        ----------
        X : DataFrame or array-like of shape (n_samples, n_features)
            The raw input, as given to ``fit``.
        layer : int, default=-1
            Which hidden layer: 0 is the first, -1 the last.

        Returns
        -------
        X_hidden : ndarray of shape (n_samples, hidden_layer_sizes[layer])
            The activations of that layer (without dropout).
        """
        check_is_fitted(self, "_network")
        n_hidden = len(self._network.arch.hidden_layer_sizes)
        if not isinstance(layer, Integral) or not -n_hidden <= layer < n_hidden:
            raise ValueError(
                f"layer must be an integer in [-{n_hidden}, {n_hidden - 1}] for "
                f"this network's {n_hidden} hidden layer(s), got {layer!r}."
            )
        X = self._encoded(X)
        return self._network.hidden(X, int(layer) % n_hidden)

    def get_feature_names_out(self, input_features=None):
        """Names of the features :meth:`transform` returns (last hidden layer).

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Ignored; present for API consistency.

        Returns
        -------
        feature_names_out : ndarray of str
            ``<estimator name in lower case><i>`` for each unit ``i``.
        """
        check_is_fitted(self, "_network")
        width = self._network.arch.hidden_layer_sizes[-1]
        prefix = type(self).__name__.lower()
        return np.asarray([f"{prefix}{i}" for i in range(width)], dtype=object)

    def __getstate__(self):
        # The network pickles as its plain state (builtins and arrays), so
        # that skops needs to trust no type beyond skmlp's estimators.
        state = super().__getstate__()
        if "_network" in state:
            state = {**state, "_network": state["_network"].__getstate__()}
        return state

    def __setstate__(self, state):
        network = state.get("_network")
        if isinstance(network, dict):
            rebuilt = TabularNetwork.__new__(TabularNetwork)
            rebuilt.__setstate__(network)
            # The public attributes view the rebuilt network's parameters.
            state = {**state, "_network": rebuilt, **fitted_attributes(rebuilt)}
        super().__setstate__(state)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        tags.target_tags.required = True
        # transform computes in the estimator's dtype, whatever the input's.
        tags.transformer_tags.preserves_dtype = [np.dtype(self.dtype).name]
        return tags
