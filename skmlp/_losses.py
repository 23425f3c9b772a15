"""Losses: the value per sample and the gradient at the output layer.

Each loss is paired with the output activation (the head) it is used with.
For the canonical pairs, softmax with categorical cross-entropy, logistic with
binary cross-entropy, identity with half the squared error and exp with the
Poisson deviance (log link), the derivative of the loss with respect to the
output layer's pre-activation ``Z_L`` simplifies to the same expression,

    dLoss / dZ_L = A_L - Y.

The robust regression losses (Huber, absolute error) use the identity head, so
their delta is simply the derivative of the loss with respect to the output.
The losses return one value per sample; the network averages them with the
sample weights and scales the delta by ``sample_weight / sum(sample_weight)``.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import xlogy


def _clip_probabilities(P):
    # log(0) would give -inf; clipping at the dtype's machine epsilon keeps the
    # loss finite for saturated outputs while changing nothing for sane ones.
    eps = np.finfo(P.dtype).eps
    return np.clip(P, eps, 1 - eps)


def categorical_cross_entropy(Y, P):
    """``-log p`` of the true class; ``Y`` is one-hot.

    Only the true class's probability is needed, so the per-sample loss is a
    row sum of ``Y * P`` followed by one log, not a log of the whole matrix.
    """
    p_true = np.einsum("ij,ij->i", Y, P)
    return -np.log(_clip_probabilities(p_true))


def binary_cross_entropy(Y, P):
    """``-(y log p + (1 - y) log(1 - p))`` summed over the outputs."""
    P = _clip_probabilities(P)
    return -(xlogy(Y, P) + xlogy(1 - Y, 1 - P)).sum(axis=1)


def half_squared_error(Y, A):
    """``0.5 * ||y - a||^2``: the 0.5 makes the gradient exactly ``a - y``."""
    diff = A - Y
    return 0.5 * np.einsum("ij,ij->i", diff, diff)


def poisson_deviance(Y, A):
    """Half the Poisson deviance, ``y log(y / a) - y + a``, summed over outputs.

    ``a`` is clipped at the smallest positive float so that an underflowed
    ``exp`` gives a large finite loss instead of ``inf``.
    """
    A = np.maximum(A, np.finfo(A.dtype).tiny)
    return (xlogy(Y, Y / A) - Y + A).sum(axis=1)


def absolute_error(Y, A):
    """``|y - a|`` summed over the outputs; its minimiser is the median."""
    return np.abs(A - Y).sum(axis=1)


def huber(Y, A, delta):
    """Quadratic for residuals up to ``delta``, linear beyond (Huber, 1964).

    ``0.5 r^2`` for ``|r| <= delta``, else ``delta (|r| - delta / 2)``: the
    two pieces meet with equal value and slope, so outliers pull on the fit
    with a force of at most ``delta``.
    """
    r = np.abs(A - Y)
    quadratic = np.minimum(r, delta)
    return (quadratic * (r - 0.5 * quadratic)).sum(axis=1)


def residual_delta(Y, A, out):
    """``A - Y``: the delta of every canonical head/loss pair."""
    return np.subtract(A, Y, out=out)


def absolute_error_delta(Y, A, out):
    """``sign(A - Y)``, the subgradient of ``|a - y|`` (0 at the kink)."""
    np.subtract(A, Y, out=out)
    return np.sign(out, out=out)


def huber_delta(Y, A, out, delta):
    """``clip(A - Y, -delta, delta)``."""
    np.subtract(A, Y, out=out)
    return np.clip(out, -delta, delta, out=out)


@dataclass(frozen=True)
class Loss:
    """A loss with the head it is paired with.

    ``per_sample(Y, A)`` gives one loss value per row; ``delta(Y, A, out)``
    writes ``dLoss / dZ_L`` per row (before sample weighting) into ``out``.
    """

    name: str
    head: str
    per_sample: Callable
    delta: Callable


def make_loss(name, huber_delta_value=1.0):
    """The :class:`Loss` called ``name``.

    Names are the estimators' own: ``'log_loss'`` (softmax head),
    ``'binary_log_loss'`` (logistic head), ``'squared_error'``, ``'poisson'``,
    ``'huber'`` and ``'absolute_error'``.
    """
    if name == "huber":
        d = float(huber_delta_value)
        return Loss(
            "huber",
            "identity",
            lambda Y, A: huber(Y, A, d),
            lambda Y, A, out: huber_delta(Y, A, out, d),
        )
    head, per_sample, delta = _LOSSES[name]
    return Loss(name, head, per_sample, delta)


_LOSSES = {
    "log_loss": ("softmax", categorical_cross_entropy, residual_delta),
    "binary_log_loss": ("logistic", binary_cross_entropy, residual_delta),
    "squared_error": ("identity", half_squared_error, residual_delta),
    "poisson": ("exp", poisson_deviance, residual_delta),
    "absolute_error": ("identity", absolute_error, absolute_error_delta),
}

# The canonical loss of each head.
HEAD_LOSS = {
    "softmax": "log_loss",
    "logistic": "binary_log_loss",
    "identity": "squared_error",
    "exp": "poisson",
}
