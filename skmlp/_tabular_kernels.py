"""Fused element-wise kernels of the tabular network, and their NumPy twins.

A hidden layer's element-wise work, bias, activation, its slope and the
parametric mix, is one pass over the layer's output in a compiled loop
instead of a dozen NumPy passes; the NumPy twins compute the same formulas
with whole-array operations (results agree to rounding: both call ``exp``,
whose last bit may differ). :mod:`skmlp._engine` compiles the loops with the
drop-in estimators' kernels and picks the set of the configured engine.

The activations are numbered, as the loops take plain numbers: see
:data:`ACTIVATION_CODES`. Mish is written with one exponential,
``tanh(softplus(z)) = n (n + 2) / (n (n + 2) + 2)`` with ``n = exp(z)``.
"""

import numpy as np

from ._tabular_math import SELU_ALPHA, SELU_SCALE

ACTIVATION_CODES = {"selu": 0, "mish": 1, "relu": 2, "silu": 3}
# Above this, mish(z) = z and its slope is 1 to float64 precision; exp(z)
# would overflow float32 soon after.
_MISH_LINEAR = 20.0
_SELU_NEGATIVE = SELU_SCALE * SELU_ALPHA


# -- Loops, compiled by the Numba engine ---------------------------------------


def parametric_forward(Z, b, alpha, kind, D, S):
    """In place: ``Z <- z + alpha (g(z) - z)`` with ``z = Z + b``.

    Keeps ``D = g(z) - z`` and the slope ``S = 1 + alpha (g'(z) - 1)`` for
    the backward pass, unless ``D`` has no rows (prediction).
    """
    keep = D.shape[0] > 0
    for i in range(Z.shape[0]):
        for j in range(Z.shape[1]):
            z = Z[i, j] + b[j]
            if kind == 0:
                if z > 0:
                    g, slope = SELU_SCALE * z, SELU_SCALE
                else:
                    e = _SELU_NEGATIVE * np.exp(z)
                    g, slope = e - _SELU_NEGATIVE, e
            elif kind == 1:
                if z > _MISH_LINEAR:
                    g, slope = z, z - z + 1
                else:
                    n = np.exp(z)
                    n2 = n * (n + 2)
                    t = n2 / (n2 + 2)
                    g = z * t
                    slope = t + z * (n / (1 + n)) * (1 - t * t)
            elif kind == 2:
                if z > 0:
                    g, slope = z, z - z + 1
                else:
                    g, slope = z - z, z - z
            else:
                s = 1 / (1 + np.exp(-z))
                g = z * s
                slope = s * (1 + z * (1 - s))
            d = g - z
            Z[i, j] = z + alpha[j] * d
            if keep:
                D[i, j] = d
                S[i, j] = 1 + alpha[j] * (slope - 1)


def parametric_backward(delta, D, S, dalpha, dbias):
    """In place: ``delta <- delta * S``; ``dalpha`` and ``dbias`` by column.

    ``dalpha = sum over rows of delta * D`` (before the multiplication) and
    ``dbias = sum over rows of delta * S`` (after it).
    """
    dalpha[:] = 0
    dbias[:] = 0
    for i in range(delta.shape[0]):
        for j in range(delta.shape[1]):
            d = delta[i, j]
            dalpha[j] += d * D[i, j]
            d *= S[i, j]
            delta[i, j] = d
            dbias[j] += d


# -- NumPy twins ---------------------------------------------------------------


def parametric_forward_numpy(Z, b, alpha, kind, D, S):
    """:func:`parametric_forward` in whole-array operations."""
    Z += b
    positive = Z > 0
    if kind == 0:
        e = np.exp(np.minimum(Z, 0))
        e *= _SELU_NEGATIVE
        g = np.where(positive, SELU_SCALE * Z, e - _SELU_NEGATIVE)
        slope = np.where(positive, SELU_SCALE, e)
    elif kind == 1:
        linear = Z > _MISH_LINEAR
        n = np.exp(np.minimum(Z, _MISH_LINEAR))
        n2 = n * (n + 2)
        t = n2 / (n2 + 2)
        g = np.where(linear, Z, Z * t)
        slope = np.where(linear, 1, t + Z * (n / (1 + n)) * (1 - t * t))
    elif kind == 2:
        g = np.where(positive, Z, 0)
        slope = positive
    else:
        s = 1 / (1 + np.exp(-Z))
        g = Z * s
        slope = s * (1 + Z * (1 - s))
    g = g.astype(Z.dtype, copy=False)
    g -= Z
    if D.shape[0] > 0:
        D[...] = g
        np.subtract(slope, 1, out=S, casting="unsafe")
        S *= alpha
        S += 1
    g *= alpha
    Z += g


def parametric_backward_numpy(delta, D, S, dalpha, dbias):
    """:func:`parametric_backward` in whole-array operations."""
    np.einsum("ij,ij->j", delta, D, out=dalpha)
    delta *= S
    np.sum(delta, axis=0, out=dbias)


LOOPS = {
    "parametric_forward": parametric_forward,
    "parametric_backward": parametric_backward,
}

NUMPY_TWINS = {name: globals()[f"{name}_numpy"] for name in LOOPS}


def try_once(namespace):
    """Run every kernel of ``namespace`` on a few numbers, compiling each."""
    Z = np.linspace(-1.0, 1.0, 6).reshape(2, 3)
    for kind in ACTIVATION_CODES.values():
        namespace.parametric_forward(
            Z.copy(), Z[0], Z[1], kind, np.empty_like(Z), np.empty_like(Z)
        )
    namespace.parametric_backward(Z.copy(), Z, Z, np.empty(3), np.empty(3))
