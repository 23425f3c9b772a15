"""Element-wise activations and their derivatives.

Every activation works in place on the pre-activation ``Z`` of a layer and
turns it into the layer's output ``A = g(Z)``. Every derivative is written in
terms of that output ``A`` (not ``Z``), because ``A`` is what the forward pass
keeps; the backward pass multiplies the incoming delta by ``g'(Z)`` in place.

Keeping both as plain functions in dictionaries lets the network look them up
by the same names the estimators accept as parameters.
"""

import numpy as np
from scipy.special import expit


def identity(Z):
    """``g(z) = z``; the buffer is already the output."""
    return Z


def logistic(Z):
    """``g(z) = 1 / (1 + exp(-z))``, via ``expit`` which never overflows."""
    return expit(Z, out=Z)


def tanh(Z):
    """``g(z) = tanh(z)``."""
    return np.tanh(Z, out=Z)


def relu(Z):
    """``g(z) = max(z, 0)``."""
    return np.maximum(Z, 0, out=Z)


def softmax(Z):
    """Row-wise ``exp(z_k) / sum_j exp(z_j)``.

    Subtracting each row's maximum first leaves the result unchanged
    (numerator and denominator share the factor ``exp(-max)``) but keeps every
    exponent <= 0, so nothing overflows however large the scores are; the
    largest score becomes ``exp(0) = 1`` so the sum is never zero.
    """
    Z -= Z.max(axis=1, keepdims=True)
    np.exp(Z, out=Z)
    Z /= Z.sum(axis=1, keepdims=True)
    return Z


def exponential(Z):
    """``g(z) = exp(z)``: the inverse of the log link of the Poisson loss.

    Scores are capped just below the largest finite exponent of the dtype so
    that an extreme score gives a huge but finite prediction, not ``inf``.
    """
    np.minimum(Z, _max_exponent(Z.dtype), out=Z)
    return np.exp(Z, out=Z)


def _max_exponent(dtype):
    return np.log(np.finfo(dtype).max) - 1.0


ACTIVATIONS = {
    "identity": identity,
    "logistic": logistic,
    "tanh": tanh,
    "relu": relu,
    "softmax": softmax,
    "exp": exponential,
}


def identity_derivative(A, delta):
    """``g'(z) = 1``: the delta passes through unchanged."""
    return delta


def logistic_derivative(A, delta):
    """``g'(z) = g(z) (1 - g(z)) = A (1 - A)``."""
    delta *= A
    delta *= 1 - A
    return delta


def tanh_derivative(A, delta):
    """``g'(z) = 1 - tanh(z)^2 = 1 - A^2``."""
    delta *= 1 - A**2
    return delta


def relu_derivative(A, delta):
    """``g'(z) = 1`` where the unit was active (``A > 0``), else 0."""
    delta *= A > 0
    return delta


DERIVATIVES = {
    "identity": identity_derivative,
    "logistic": logistic_derivative,
    "tanh": tanh_derivative,
    "relu": relu_derivative,
}
