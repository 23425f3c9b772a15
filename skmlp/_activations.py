"""Element-wise activations and their derivatives.

Every activation turns a layer's pre-activation ``Z`` into its output
``A = g(Z)``, in place when ``out`` is ``Z`` itself. Every derivative
multiplies the incoming delta by ``g'(Z)`` in place. Most derivatives are
written from the output ``A`` alone, which is what the forward pass keeps; the
few whose derivative cannot be recovered from ``A`` (GELU and SiLU are not
invertible) are listed in :data:`NEEDS_PREACTIVATION`, and the network keeps
their ``Z`` as well.

Keeping both as plain functions in dictionaries lets the network look them up
by the same names the estimators accept as parameters.
"""

import numpy as np
from scipy.special import erf, expit

LEAKY_RELU_SLOPE = 0.01
ELU_ALPHA = 1.0
_SQRT_2 = np.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / np.sqrt(2.0 * np.pi)


def identity(Z, out=None):
    """``g(z) = z``."""
    if out is None or out is Z:
        return Z
    np.copyto(out, Z)
    return out


def logistic(Z, out=None):
    """``g(z) = 1 / (1 + exp(-z))``, via ``expit`` which never overflows."""
    return expit(Z, out=Z if out is None else out)


def tanh(Z, out=None):
    """``g(z) = tanh(z)``."""
    return np.tanh(Z, out=Z if out is None else out)


def relu(Z, out=None):
    """``g(z) = max(z, 0)``."""
    return np.maximum(Z, 0, out=Z if out is None else out)


def leaky_relu(Z, out=None):
    """``g(z) = z`` for ``z > 0``, else ``0.01 z``: negative units keep a slope."""
    return np.maximum(Z, LEAKY_RELU_SLOPE * Z, out=Z if out is None else out)


def elu(Z, out=None):
    """``g(z) = z`` for ``z > 0``, else ``exp(z) - 1`` (Clevert et al., 2016)."""
    out = Z if out is None else out
    negative = np.expm1(np.minimum(Z, 0))
    np.maximum(Z, 0, out=out)
    out += ELU_ALPHA * negative
    return out


def gelu(Z, out=None):
    """``g(z) = z * Phi(z)`` with ``Phi`` the standard normal CDF (exact form)."""
    out = Z if out is None else out
    cdf = erf(Z / _SQRT_2)
    cdf += 1.0
    cdf *= 0.5
    return np.multiply(Z, cdf, out=out)


def silu(Z, out=None):
    """``g(z) = z * sigmoid(z)``, also called swish."""
    out = Z if out is None else out
    return np.multiply(Z, expit(Z), out=out)


def softplus(Z, out=None):
    """``g(z) = log(1 + exp(z))``, computed as ``logaddexp(0, z)`` (no overflow)."""
    return np.logaddexp(0, Z, out=Z if out is None else out)


def softmax(Z, out=None):
    """Row-wise ``exp(z_k) / sum_j exp(z_j)``.

    Subtracting each row's maximum first leaves the result unchanged
    (numerator and denominator share the factor ``exp(-max)``) but keeps every
    exponent <= 0, so nothing overflows however large the scores are; the
    largest score becomes ``exp(0) = 1`` so the sum is never zero.
    """
    out = Z if out is None else out
    np.subtract(Z, Z.max(axis=1, keepdims=True), out=out)
    np.exp(out, out=out)
    out /= out.sum(axis=1, keepdims=True)
    return out


def exponential(Z, out=None):
    """``g(z) = exp(z)``: the inverse of the log link of the Poisson loss.

    Scores are capped just below the largest finite exponent of the dtype so
    that an extreme score gives a huge but finite prediction, not ``inf``.
    """
    out = Z if out is None else out
    np.minimum(Z, np.log(np.finfo(Z.dtype).max) - 1.0, out=out)
    return np.exp(out, out=out)


ACTIVATIONS = {
    "identity": identity,
    "logistic": logistic,
    "tanh": tanh,
    "relu": relu,
    "leaky_relu": leaky_relu,
    "elu": elu,
    "gelu": gelu,
    "silu": silu,
    "softplus": softplus,
    "softmax": softmax,
    "exp": exponential,
}

# Activations a user can choose for the hidden layers (the others are heads).
HIDDEN_ACTIVATIONS = (
    "identity",
    "logistic",
    "tanh",
    "relu",
    "leaky_relu",
    "elu",
    "gelu",
    "silu",
    "softplus",
)

# Derivatives that need the pre-activation Z, not just the output A.
NEEDS_PREACTIVATION = frozenset({"gelu", "silu"})


def identity_derivative(Z, A, delta):
    """``g'(z) = 1``: the delta passes through unchanged."""
    return delta


def logistic_derivative(Z, A, delta):
    """``g'(z) = g(z) (1 - g(z)) = A (1 - A)``."""
    delta *= A
    delta *= 1 - A
    return delta


def tanh_derivative(Z, A, delta):
    """``g'(z) = 1 - tanh(z)^2 = 1 - A^2``."""
    delta *= 1 - A**2
    return delta


def relu_derivative(Z, A, delta):
    """``g'(z) = 1`` where the unit was active (``A > 0``), else 0."""
    delta *= A > 0
    return delta


def leaky_relu_derivative(Z, A, delta):
    """``g'(z) = 1`` for ``z > 0`` (same sign as ``A``), else the slope."""
    delta *= np.where(A > 0, 1.0, LEAKY_RELU_SLOPE).astype(delta.dtype, copy=False)
    return delta


def elu_derivative(Z, A, delta):
    """``g'(z) = 1`` for ``z > 0``, else ``exp(z) = A + alpha``."""
    delta *= np.where(A > 0, 1.0, A + ELU_ALPHA).astype(delta.dtype, copy=False)
    return delta


def gelu_derivative(Z, A, delta):
    """``g'(z) = Phi(z) + z phi(z)``, with ``phi`` the standard normal density."""
    cdf = 0.5 * (1.0 + erf(Z / _SQRT_2))
    density = _INV_SQRT_2PI * np.exp(-0.5 * Z**2)
    delta *= cdf + Z * density
    return delta


def silu_derivative(Z, A, delta):
    """``g'(z) = s (1 + z (1 - s))`` with ``s = sigmoid(z)``."""
    s = expit(Z)
    delta *= s * (1 + Z * (1 - s))
    return delta


def softplus_derivative(Z, A, delta):
    """``g'(z) = sigmoid(z) = 1 - exp(-A)``, since ``exp(A) = 1 + exp(z)``."""
    delta *= -np.expm1(-A)
    return delta


DERIVATIVES = {
    "identity": identity_derivative,
    "logistic": logistic_derivative,
    "tanh": tanh_derivative,
    "relu": relu_derivative,
    "leaky_relu": leaky_relu_derivative,
    "elu": elu_derivative,
    "gelu": gelu_derivative,
    "silu": silu_derivative,
    "softplus": softplus_derivative,
}
