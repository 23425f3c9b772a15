"""Loss of each output head, per sample, and the output-layer delta.

Each head (the output activation) is paired with its *canonical* loss: softmax
with categorical cross-entropy, logistic with binary cross-entropy, identity
with half the squared error and exp with the Poisson deviance (log link). For
every one of these pairs the derivative of the loss with respect to the output
layer's pre-activation ``Z_L`` simplifies to the same expression,

    dLoss / dZ_L = A_L - Y,

which is why :func:`output_delta` needs no per-loss branch. The losses here
return one value per sample; the network averages them with the sample weights.
"""

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


# Keyed by the output activation: the head decides the loss.
LOSSES = {
    "softmax": categorical_cross_entropy,
    "logistic": binary_cross_entropy,
    "identity": half_squared_error,
    "exp": poisson_deviance,
}


def output_delta(Y, A, scale, out):
    """``(A_L - Y) * scale`` into ``out``; ``scale`` is a column of weights.

    With ``scale = sample_weight / sum(sample_weight)`` this is the gradient of
    the weighted mean loss with respect to ``Z_L`` for every canonical pair in
    :data:`LOSSES`.
    """
    np.subtract(A, Y, out=out)
    out *= scale
    return out
