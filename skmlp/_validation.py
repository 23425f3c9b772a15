"""Input checks whose errors say what is wrong, and calls that fail cleanly.

scikit-learn's ``validate_data`` already rejects NaN, infinity, empty arrays
and a changed number or order of features with clear messages, and
``_check_sample_weight`` does the same for sample weights; those messages are
kept as they are. This module adds the cases where the message would not point
at the cause (which DataFrame column is not numeric, which input holds complex
numbers, why a network diverged) and :func:`fail_safe`, which leaves an
estimator exactly as it was when a fitting call raises.
"""

import functools
from numbers import Integral

import numpy as np
from sklearn.utils.validation import validate_data

from ._network import Network

STOCHASTIC_SOLVERS = ("sgd", "adam")

# A network that trains well ends below the loss of one whose weights are all
# zero, or a few times above it when it stops early or starts from badly
# scaled input. A loss that grew during training to a million times the zero
# network's is not noise: the weights have run away, even if they are still
# finite (with a bounded loss such as the cross-entropy, only an L2 penalty on
# enormous weights gets there).
BLOW_UP_FACTOR = 1e6

# Floating-point events that mean training has left the representable range.
# Underflow is not among them: an activation or probability rounding to zero is
# normal and harmless.
TRAINING_ERRSTATE = {"over": "raise", "invalid": "raise", "divide": "raise"}

# scikit-learn's message when its solver ends with non-finite weights, kept
# word for word in skmlp's divergence error.
NON_FINITE_WEIGHTS = (
    "Solver produced non-finite parameter weights. The input data may contain "
    "large values and need to be preprocessed."
)


def fail_safe(method):
    """Make a fitting method leave the estimator unchanged when it raises.

    Fitting sets attributes step by step: ``validate_data(reset=True)`` records
    ``n_features_in_`` before the targets are checked, and the first
    ``partial_fit`` records ``classes_`` before ``X`` is looked at. An error
    half-way through would leave old weights next to new metadata, or an
    estimator that looks fitted but is not. The attribute dictionary is copied
    before the call and put back, whole, on any exception.

    A shallow copy is enough because fitting never mutates an object the
    estimator holds: it replaces it. The network copies ``coefs_`` into fresh
    memory before training, the optimizer state is copied before it steps and
    the history lists are copied before they grow.

    Parameters
    ----------
    method : callable
        ``fit`` or ``partial_fit`` of an estimator.

    Returns
    -------
    wrapper : callable
        The method, made all-or-nothing.
    """

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        state = dict(vars(self))
        try:
            return method(self, *args, **kwargs)
        except BaseException:
            vars(self).clear()
            vars(self).update(state)
            raise

    return wrapper


def check_hidden_layer_sizes(hidden_layer_sizes):
    """Hidden layer sizes as a list of positive ints.

    The parameter constraints only check the container, so a zero, negative
    or fractional size is caught here, before any work is done.

    Parameters
    ----------
    hidden_layer_sizes : int or sequence of int
        The estimator's ``hidden_layer_sizes`` parameter.

    Returns
    -------
    sizes : list of int
        One entry per hidden layer; empty for a network without hidden layers.
    """
    sizes = hidden_layer_sizes
    sizes = list(sizes) if np.iterable(sizes) else [sizes]
    bad = [
        s
        for s in sizes
        if isinstance(s, bool | np.bool_) or not isinstance(s, Integral) or s < 1
    ]
    if bad:
        raise ValueError(
            "hidden_layer_sizes must be positive integers (units per hidden "
            f"layer), got {sizes}; invalid: {bad}."
        )
    return [int(s) for s in sizes]


def _dtypes(data):
    """The dtypes of an array, sparse matrix, Series or DataFrame; no copy."""
    dtype = getattr(data, "dtype", None)
    if dtype is not None:
        return [dtype]
    dtypes = getattr(data, "dtypes", None)
    return [] if dtypes is None else list(dtypes)


def reject_complex(data, what, estimator):
    """Raise ``ValueError`` if ``data`` has a complex dtype.

    scikit-learn reports "Complex data not supported" followed by the array,
    without saying whether ``X`` or ``y`` is at fault; its first words are
    kept, as scikit-learn's own estimator checks look for them. Only the dtype
    is read, so this costs nothing; lists are left to ``validate_data``.
    """
    if any(getattr(dtype, "kind", None) == "c" for dtype in _dtypes(data)):
        raise ValueError(
            f"Complex data not supported: input {what} contains complex numbers "
            f"and {type(estimator).__name__} needs real values. Pass the real "
            "part, the modulus, or the real and imaginary parts as separate "
            "columns."
        )


def _non_numeric_columns(X):
    """Names and dtypes of the DataFrame columns that do not convert to float."""
    columns, dtypes = getattr(X, "columns", None), getattr(X, "dtypes", None)
    if columns is None or dtypes is None:
        return []
    bad = []
    for column, dtype in zip(columns, dtypes, strict=False):
        kind = getattr(dtype, "kind", None)
        if kind in ("b", "i", "u", "f"):
            continue
        # Dates and durations convert to numbers (nanoseconds) but numpy will
        # not mix them with floats; text and categories may not convert.
        convertible = kind not in ("M", "m")
        if convertible:
            try:
                np.asarray(X[column], dtype=np.float64)
            except (TypeError, ValueError):
                convertible = False
        if not convertible:
            bad.append(f"{column!r} ({dtype})")
    return bad


def validate_input(estimator, X, y="no_validation", **kwargs):
    """``validate_data`` with clearer errors for complex and text features.

    Parameters
    ----------
    estimator : BaseMLP
        The estimator whose fitted metadata (``n_features_in_``,
        ``feature_names_in_``) is set or checked.
    X : {array-like, sparse matrix, DataFrame}
        The features.
    y : array-like or "no_validation", default="no_validation"
        The targets, or "no_validation" to validate ``X`` alone.
    **kwargs : dict
        Passed on to :func:`sklearn.utils.validation.validate_data`.

    Returns
    -------
    X or (X, y)
        The validated input, as ``validate_data`` returns it.
    """
    reject_complex(X, "X", estimator)
    reject_complex(y, "y", estimator)
    try:
        return validate_data(estimator, X, y, **kwargs)
    except (TypeError, ValueError) as exc:
        # Only on failure: a DataFrame's text or other non-numeric columns are
        # named, where the conversion error shows one offending value.
        bad = _non_numeric_columns(X)
        if not bad:
            raise
        error = TypeError if isinstance(exc, TypeError) else ValueError
        raise error(
            f"Column(s) {', '.join(bad)} of X are not numeric; "
            f"{type(estimator).__name__} needs numbers. Encode them first, e.g. "
            "with OneHotEncoder or OrdinalEncoder in a ColumnTransformer."
        ) from exc


def divergence_error(estimator, detail, resumed=False):
    """The ``ValueError`` raised when training leaves the finite range.

    Parameters
    ----------
    estimator : BaseMLP
        The estimator being fitted, for its current hyper-parameters.
    detail : str
        What went wrong, e.g. "overflow encountered in matmul".
    resumed : bool, default=False
        Whether this is a ``partial_fit`` continuing a stored optimizer, which
        keeps the learning rate of the first call whatever the parameter says.

    Returns
    -------
    error : ValueError
        The error to raise; the estimator keeps its state from before the call.
        Its message also carries scikit-learn's own sentence for this failure
        (``NON_FINITE_WEIGHTS``), so code that matches scikit-learn's error
        keeps matching.
    """
    return ValueError(
        f"Training diverged: {detail}. {NON_FINITE_WEIGHTS} To fix it, "
        f"{divergence_advice(estimator, resumed)}. The estimator was left as it "
        "was before this call."
    )


def divergence_advice(estimator, resumed=False):
    """What to change after a divergence, as one clause naming the values.

    Parameters
    ----------
    estimator : BaseMLP
        The estimator being fitted, for its current hyper-parameters.
    resumed : bool, default=False
        Whether a ``partial_fit`` continued a stored optimizer.

    Returns
    -------
    advice : str
        E.g. "scale the input features (e.g. with StandardScaler), lower
        learning_rate_init (now 1000.0) or raise alpha (now 0.0001)".
    """
    advice = ["scale the input features (e.g. with StandardScaler)"]
    if estimator.solver in STOCHASTIC_SOLVERS:
        lower = f"lower learning_rate_init (now {estimator.learning_rate_init})"
        if resumed:
            lower += " and train afresh (partial_fit keeps its first learning rate)"
        advice.append(lower)
    advice.append(f"raise alpha (now {estimator.alpha})")
    return f"{', '.join(advice[:-1])} or {advice[-1]}"


def check_training_outcome(
    estimator, network, results, Y, sample_weight, resumed=False
):
    """Raise the divergence error unless training ended finite and sane.

    Parameters
    ----------
    estimator : BaseMLP
        The estimator being fitted, for the error message.
    network : Network
        The trained network.
    results : dict
        The fitted attributes the solver produced (``loss_``,
        ``loss_curve_``, ...), not yet set on the estimator.
    Y : ndarray of shape (n_samples, n_outputs)
        The encoded targets the network was trained on (without the part
        held out for early stopping: the loss curve is measured on the rest).
    sample_weight : ndarray of shape (n_samples,) or None
        Their sample weights.
    resumed : bool, default=False
        Whether a ``partial_fit`` continued a stored optimizer.
    """
    if not np.isfinite(network.params).all():
        raise divergence_error(estimator, "the weights became inf or NaN", resumed)
    # L-BFGS may stop at finite weights whose loss is NaN; a stochastic run
    # interrupted before its first epoch has no loss yet (NaN).
    loss = results["loss_"]
    known = estimator.solver == "lbfgs" or bool(results["loss_curve_"])
    if known and not np.isfinite(loss):
        raise divergence_error(estimator, f"the loss is {loss}", resumed)
    check_blow_up(estimator, results["loss_curve_"], Y, sample_weight, network, resumed)


def check_blow_up(estimator, loss_curve, Y, sample_weight, network, resumed=False):
    """Raise the divergence error if the loss ran away during training.

    That is: the last loss is above the first one recorded and more than
    ``BLOW_UP_FACTOR`` times the loss of a network with all weights zero (see
    :func:`_zero_network_loss`). A loss that is huge but falling (a fit that
    starts far off, e.g. on unscaled features, and is slowly recovering) is
    not a divergence.

    Parameters
    ----------
    estimator : BaseMLP
        The estimator being fitted, for the error message.
    loss_curve : list of float
        The loss after each epoch or iteration, first to last.
    Y : ndarray of shape (n_samples, n_outputs)
        The encoded targets the network was trained on.
    sample_weight : ndarray of shape (n_samples,) or None
        The sample weights.
    network : Network
        The trained network, for its head, loss and dtype.
    resumed : bool, default=False
        Whether a ``partial_fit`` continued a stored optimizer.
    """
    if len(loss_curve) < 2:
        return
    detail = runaway_check(network, Y, sample_weight)(loss_curve[0], loss_curve[-1])
    if detail is not None:
        raise divergence_error(estimator, detail, resumed)


def runaway_check(network, Y, sample_weight):
    """The test of :func:`check_blow_up`, for one loss at a time.

    Training with validation data applies it after every epoch, so that it
    can stop at the first runaway epoch and keep the best validated weights.

    Parameters
    ----------
    network : Network
        The network being trained, for its head, loss and dtype.
    Y : ndarray of shape (n_samples, n_outputs)
        The encoded targets the network is trained on.
    sample_weight : ndarray of shape (n_samples,) or None
        The sample weights.

    Returns
    -------
    check : callable
        ``check(first, loss)`` says why ``loss``, recorded after the loss
        ``first``, means the weights have run away, or returns None. The loss
        of the all-zero network is computed when first needed, then reused.
    """
    reference = []

    def check(first, loss):
        if not loss > first:
            return None
        if not reference:
            reference.append(_zero_network_loss(network, Y, sample_weight))
        # A floor of 1 keeps targets that are all (nearly) zero from making
        # any positive loss look like a blow-up.
        if not loss > BLOW_UP_FACTOR * max(reference[0], 1.0):
            return None
        return (
            f"the loss grew from {first:.3g} to {loss:.3g}, over "
            f"{BLOW_UP_FACTOR:.0e} times that of a network with all weights "
            f"zero ({reference[0]:.3g}), so the weights have run away"
        )

    return check


def _zero_network_loss(network, Y, sample_weight):
    """The loss on ``Y`` of a network whose weights and biases are all zero.

    Its output layer's scores are 0 for every sample, so its loss depends on
    ``Y`` alone: log(n_classes) for a softmax head, log(2) per output for a
    logistic one, half the mean squared target for the identity. It is
    computed with the network's own loss on a one-input network fed zeros, in
    O(n_samples x n_outputs).
    """
    n_samples, n_outputs = Y.shape
    zero_network = Network(
        [1, n_outputs],
        "identity",
        network.output_activation,
        network.dtype,
        loss=network.loss,
    )
    zero_input = np.zeros((n_samples, 1), dtype=network.dtype)
    with np.errstate(over="ignore"):  # an infinite reference judges nothing
        return zero_network.loss_and_gradient(zero_input, Y, sample_weight, 0.0)
