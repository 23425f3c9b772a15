"""Fused element-wise kernels of the tabular network, and their NumPy twins.

A hidden layer's element-wise work, bias, activation, its slope, the
parametric mix and dropout, is one pass over the layer's output in a compiled
loop instead of a dozen NumPy passes; the NumPy twins compute the same
formulas with whole-array operations. :mod:`skmlp._engine` compiles the loops
with the drop-in estimators' kernels and picks the set of the configured
engine.

The one transcendental function, an exponential, is computed by NumPy for
both engines (:func:`activate`): NumPy's vectorised ``exp`` is several times
faster than the scalar one a loop calls, and with the same exponentials the
two engines do the same arithmetic in the same order: their results agree
bit for bit (``tests/test_tabular_kernels.py``). Each activation is
written with one exponential ``e`` that cannot overflow:

* SELU: ``e = exp(min(z, 0))``; ``g = s z`` or ``s a (e - 1)``.
* Mish: ``e = exp(min(z, 20))``; ``tanh(softplus(z)) = e (e + 2) / (e (e +
  2) + 2)``, and ``g = z`` above 20, where that is 1 in float64.
* SiLU: ``e = exp(-|z|)``; ``sigmoid(z) = 1 / (1 + e)`` for ``z >= 0``, ``e /
  (1 + e)`` below.
* ReLU needs none.

The activations are numbered, as the loops take plain numbers: see
:data:`ACTIVATION_CODES`.
"""

import numpy as np

from ._tabular_math import SELU_ALPHA, SELU_SCALE

ACTIVATION_CODES = {"selu": 0, "mish": 1, "relu": 2, "silu": 3}
_MISH_LINEAR = 20.0
_SELU_NEGATIVE = SELU_SCALE * SELU_ALPHA


def activate(kernels, Z, b, alpha, kind, constants, noise, threshold, scale, D, S):
    """Bias, the exponentials, then the engine's :func:`parametric_forward`."""
    Z += b
    # One temporary, exponentiated in place.
    if kind == 0:
        E = np.minimum(Z, 0)
    elif kind == 1:
        E = np.minimum(Z, constants[2])
    elif kind == 3:
        E = np.abs(Z)
        np.negative(E, out=E)
    if kind != 2:
        np.exp(E, out=E)
    else:
        E = Z
    kernels.parametric_forward(
        Z, E, alpha, kind, constants, noise, threshold, scale, D, S
    )


# -- Loops, compiled by the Numba engine ---------------------------------------


def parametric_forward(Z, E, alpha, kind, constants, noise, threshold, scale, D, S):
    """In place: ``Z <- z + alpha (g(z) - z)`` for the biased ``z``, then dropout.

    ``E`` holds the exponentials of :func:`activate`. ``constants`` holds
    :func:`constants_for` in ``Z``'s dtype, so that the loop computes in that
    type. Dropout, unless ``noise`` has no rows: a unit whose random byte in
    ``noise`` is below ``threshold`` is zeroed, the others are multiplied by
    ``scale``. Keeps ``D = g(z) - z`` and the slope ``S = 1 + alpha (g'(z) -
    1)``, both times the unit's dropout factor, for the backward pass, unless
    ``D`` has no rows (prediction).
    """
    keep = D.shape[0] > 0
    drop = noise.shape[0] > 0
    # Numbers of Z's dtype: a literal 1 would promote float32 to float64.
    selu_scale, selu_negative, mish_linear = constants[0], constants[1], constants[2]
    one = constants[3]
    zero = one - one
    two = one + one
    for i in range(Z.shape[0]):
        for j in range(Z.shape[1]):
            z = Z[i, j]
            e = E[i, j]
            if kind == 0:
                if z > zero:
                    g, slope = selu_scale * z, selu_scale
                else:
                    slope = selu_negative * e
                    g = slope - selu_negative
            elif kind == 1:
                if z > mish_linear:
                    g, slope = z, one
                else:
                    n2 = e * (e + two)
                    t = n2 / (n2 + two)
                    g = z * t
                    slope = t + z * (e / (one + e)) * (one - t * t)
            elif kind == 2:
                if z > zero:
                    g, slope = z, one
                else:
                    g, slope = zero, zero
            else:
                sigmoid = one / (one + e) if z >= zero else e / (one + e)
                g = z * sigmoid
                slope = sigmoid * (one + z * (one - sigmoid))
            d = g - z
            factor = one
            if drop:
                factor = zero if noise[i, j] < threshold else scale
            Z[i, j] = (z + alpha[j] * d) * factor
            if keep:
                D[i, j] = d * factor
                S[i, j] = (one + alpha[j] * (slope - one)) * factor


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


def parametric_forward_numpy(
    Z, E, alpha, kind, constants, noise, threshold, scale, D, S
):
    """:func:`parametric_forward` in whole-array operations.

    In prediction (``D`` without rows) the slope is not computed at all.
    """
    selu_scale, selu_negative, mish_linear, _ = constants
    keep = D.shape[0] > 0
    positive = Z > 0
    slope = None
    if kind == 0:
        negative = E * selu_negative
        g = np.where(positive, selu_scale * Z, negative - selu_negative)
        if keep:
            slope = np.where(positive, selu_scale, negative)
    elif kind == 1:
        linear = Z > mish_linear
        n2 = E * (E + 2)
        t = n2 / (n2 + 2)
        g = np.where(linear, Z, Z * t)
        if keep:
            slope = np.where(linear, 1, t + Z * (E / (1 + E)) * (1 - t * t))
    elif kind == 2:
        g = np.where(positive, Z, 0)
        slope = positive
    else:
        sigmoid = np.where(Z >= 0, 1 / (1 + E), E / (1 + E))
        g = Z * sigmoid
        if keep:
            slope = sigmoid * (1 + Z * (1 - sigmoid))
    g = g.astype(Z.dtype, copy=False)
    g -= Z
    factor = None
    if noise.shape[0] > 0:
        factor = np.where(noise < threshold, Z.dtype.type(0), scale)
    if keep:
        np.subtract(slope, 1, out=S, casting="unsafe")
        S *= alpha
        S += 1
        D[...] = g
        if factor is not None:
            S *= factor
            D *= factor
    g *= alpha
    Z += g
    if factor is not None:
        Z *= factor


def parametric_backward_numpy(delta, D, S, dalpha, dbias):
    """:func:`parametric_backward` in whole-array operations."""
    # Column sums of C-ordered arrays add row after row, as the loop does.
    np.sum(delta * D, axis=0, out=dalpha)
    delta *= S
    np.sum(delta, axis=0, out=dbias)


LOOPS = {
    "parametric_forward": parametric_forward,
    "parametric_backward": parametric_backward,
}

NUMPY_TWINS = {name: globals()[f"{name}_numpy"] for name in LOOPS}


def constants_for(dtype):
    """The activations' constants in ``dtype``, as the kernels take them."""
    return np.array([SELU_SCALE, _SELU_NEGATIVE, _MISH_LINEAR, 1.0], dtype=dtype)


def dropout_noise(rng, shape, rate, dtype):
    """Random bytes, threshold and scale for the kernels' dropout.

    A unit drops when its byte is below ``round(256 * rate)``: the rate is
    rounded to a multiple of 1/256, and the survivors are scaled by the
    inverse of the rounded keep probability, so the layer's expected output
    is unchanged. Bytes cost a quarter of the memory and a fraction of the
    time of uniform floats.
    """
    threshold = int(round(256 * rate))
    noise = np.frombuffer(rng.bytes(int(np.prod(shape))), np.uint8).reshape(shape)
    return noise, threshold, np.dtype(dtype).type(256 / (256 - threshold))


NO_NOISE = np.empty((0, 0), np.uint8)


def try_once(namespace):
    """Run every kernel of ``namespace`` on a few numbers, compiling each."""
    for dtype in (np.float64, np.float32):
        Z = np.linspace(-1.0, 1.0, 6).reshape(2, 3).astype(dtype)
        noise = np.array([[0, 200, 30], [90, 255, 1]], np.uint8)
        constants = constants_for(dtype)
        for kind in ACTIVATION_CODES.values():
            for bytes_ in (noise, NO_NOISE):
                activate(
                    namespace,
                    Z.copy(),
                    Z[0],
                    Z[1],
                    kind,
                    constants,
                    bytes_,
                    38,
                    dtype(1.2),
                    np.empty_like(Z),
                    np.empty_like(Z),
                )
        namespace.parametric_backward(Z.copy(), Z, Z, Z[0].copy(), Z[0].copy())
