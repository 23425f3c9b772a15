"""What a tabular fit is built from: architecture, factors, recipe, split.

Helpers of :class:`~skmlp._tabular_base.BaseTabularMLP` that turn its
parameters and the encoded data into the pieces :mod:`skmlp._tabular_network`
and :mod:`skmlp._tabular_training` take, and the network's parameters back
into fitted attributes.
"""

import math
import warnings

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import _check_sample_weight

from ._divergence import DivergenceWarning
from ._tabular_architecture import Architecture
from ._tabular_network import TabularNetwork
from ._tabular_training import Recipe

# (learning-rate factor, weight-decay factor) per parameter group. With the
# NTK parametrisation the scales learn 6 times faster than the weights, the
# periodic embeddings, activation shapes and biases 10 times slower (the
# category tables, outside these groups, at the base rate); the decay
# factors are the squares of the rate factors, and biases are not decayed.
NTK_FACTORS = {
    "scale": (6.0, 36.0),
    "embedding": (0.1, 0.01),
    "activation": (0.1, 0.01),
    "bias": (0.1, 0.0),
}
UNIFORM_FACTORS = {
    "scale": (1.0, 1.0),
    "embedding": (1.0, 1.0),
    "activation": (1.0, 1.0),
    "bias": (1.0, 0.0),
}


def architecture(est, encoder, hidden, Y):
    """The network's shape from the fitted encoder's layout and ``est``."""
    slices = encoder.output_slices_
    n_numeric = encoder.n_numeric_
    cardinalities = tuple(int(c) for c in encoder.embedding_cardinalities_)
    periodic = est.numeric_embedding == "periodic"
    return Architecture(
        n_numeric=n_numeric,
        n_dense=slices["embedding"].start - n_numeric,
        cardinalities=cardinalities,
        embedding_dim=est.embedding_dim,
        n_frequencies=est.n_frequencies if periodic else 0,
        numeric_embedding_dim=est.numeric_embedding_dim,
        hidden_layer_sizes=hidden,
        n_outputs=Y.shape[1],
        activation=est.activation,
    )


def network_arguments(est, dtype):
    """``(factors, dtype, ntk)`` for :class:`TabularNetwork`.

    A switched-off feature scale or parametric activation gets a learning
    rate of 0: its parameters stay at their initial 1.
    """
    factors = dict(NTK_FACTORS if est.parametrization == "ntk" else UNIFORM_FACTORS)
    if not est.feature_scale:
        factors["scale"] = (0.0, 0.0)
    if not est.parametric_activation:
        factors["activation"] = (0.0, 0.0)
    return factors, dtype, est.parametrization == "ntk"


def recipe(est):
    """The training schedule's parameters."""
    return Recipe(
        learning_rate=est.learning_rate_init,
        learning_rate_schedule=est.learning_rate_schedule,
        dropout=est.dropout,
        dropout_schedule=est.dropout_schedule,
        weight_decay=est.weight_decay,
        weight_decay_schedule=est.weight_decay_schedule,
        label_smoothing=est._label_smoothing(),
        batch_size=est.batch_size,
        max_iter=est.max_iter,
    )


def held_out_split(est, Y, rng):
    """Training and held-out row indices (stratified when it can be)."""
    stratify = est._stratify(Y)
    if stratify is not None and np.bincount(stratify).min() < 2:
        stratify = None
    seed = int(rng.integers(np.iinfo(np.int32).max))
    train_rows = held_out = None
    if stratify is not None:
        try:
            train_rows, held_out = train_test_split(
                row_indices(Y.shape[0]),
                test_size=est.validation_fraction,
                random_state=seed,
                stratify=stratify,
            )
        except ValueError:
            pass  # too few rows of a class for the fraction: split at random
    if train_rows is None:
        train_rows, held_out = shuffled_split(Y.shape[0], est.validation_fraction, seed)
    if held_out.size < 1 or train_rows.size < 1:
        raise ValueError(
            f"validation_fraction={est.validation_fraction} leaves no rows to "
            f"train or to validate on among {Y.shape[0]} samples. Pass more "
            "data, or validation_fraction=None to train on all of it."
        )
    train_rows.sort()
    held_out.sort()
    return train_rows, held_out


def shuffled_split(n_rows, fraction, seed):
    """``train_test_split`` of ``0 .. n_rows - 1`` without stratification,
    with one index array in place of three.

    scikit-learn shuffles an int64 ``arange`` with ``RandomState(seed)`` and
    copies its two parts: on a million rows, 15 MiB at the peak of a fit
    whose model weighs 4. Shuffling an int32 ``arange`` draws the same
    numbers, so the order is the same (``tests/test_tabular_memory.py``
    checks it against ``train_test_split``). Returns views ``(train,
    held_out)`` of that one array.
    """
    order = row_indices(n_rows)
    np.random.RandomState(seed).shuffle(order)
    n_held_out = math.ceil(fraction * n_rows)
    return order[n_held_out:], order[:n_held_out]


def row_indices(n_rows):
    """``0 .. n_rows - 1`` in int32 when it fits: half the memory of int64."""
    return np.arange(n_rows, dtype=row_index_dtype(n_rows))


def row_index_dtype(n_rows):
    """int32 for fewer than 2**31 - 1 rows, int64 beyond."""
    return np.dtype(np.int32 if n_rows < np.iinfo(np.int32).max else np.int64)


def fitted_attributes(network):
    """The public view of the network's parameters (arrays share memory)."""
    p, arch = network.p, network.arch
    numeric = None
    if arch.periodic:
        numeric = {
            "frequencies": p["frequencies"],
            "phases": p["phases"],
            "weights": p["mix_weights"],
            "biases": p["mix_biases"],
        }
    hidden = range(len(arch.hidden_layer_sizes))
    layers = range(network.n_layers)
    return {
        "numeric_embedding_": numeric,
        "category_embeddings_": [
            p[f"table{c}"] for c in range(len(arch.cardinalities))
        ],
        "feature_scale_": p["scale"],
        "coefs_": [p[f"W{layer}"] for layer in layers],
        "intercepts_": [p[f"b{layer}"] for layer in layers],
        "activation_weights_": [p[f"alpha{layer}"] for layer in hidden],
    }


def rows_of(sample_weight, rows):
    """The weights of ``rows``, or None without weights."""
    return None if sample_weight is None else sample_weight[rows]


def checked_weight(sample_weight, X, dtype):
    """Validated non-negative weights, not all zero, or None."""
    if sample_weight is None:
        return None
    sample_weight = _check_sample_weight(
        sample_weight, X, dtype=dtype, ensure_non_negative=True
    )
    if not sample_weight.sum() > 0:
        raise ValueError("sample_weight must not be all zero.")
    return sample_weight


def copy_network(network):
    """A network with its own copy of ``network``'s parameters.

    A warm start trains the copy, so that a failing fit leaves the fitted
    estimator's weights as they were.
    """
    copy = TabularNetwork.__new__(TabularNetwork)
    copy.__setstate__(network.__getstate__())
    return copy


def warn_outcome(est, history):
    """Warn of a divergence or an interruption, and of what was kept."""
    if history.diverged is not None:
        warnings.warn(
            f"Training diverged: {history.diverged}. Kept the weights of epoch "
            f"{history.best_epoch}, the best on the validation data. Lower "
            "learning_rate_init to train further.",
            DivergenceWarning,
            stacklevel=4,
        )
    elif history.interrupted:
        warnings.warn(
            f"Training interrupted by the user after {len(history.loss_curve)} "
            "complete epochs; kept "
            + (
                f"the weights of epoch {history.best_epoch}, the best on the "
                "validation data."
                if history.best_epoch
                else "the last weights."
            ),
            stacklevel=4,
        )
