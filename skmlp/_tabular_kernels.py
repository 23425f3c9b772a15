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

import math

import numpy as np

from ._tabular_math import SELU_ALPHA, SELU_SCALE
from ._tabular_math import embedding_backward as reference_embedding_backward

ACTIVATION_CODES = {"selu": 0, "mish": 1, "relu": 2, "silu": 3}
_MISH_LINEAR = 20.0
_SELU_NEGATIVE = SELU_SCALE * SELU_ALPHA


def activate(kernels, Z, b, alpha, kind, constants, dropout=None, D=None, S=None):
    """Bias, the exponentials, then the engine's kernel, in place on ``Z``.

    Training passes ``dropout = (noise, threshold, scale)`` and the arrays
    ``D`` and ``S`` to fill (:func:`parametric_train`); prediction passes
    neither (:func:`parametric_predict`).
    """
    if kind == 2:
        Z += b
        E = Z
    else:
        E = np.empty_like(Z)
        kernels.bias_and_exponent(Z, b, E, kind, constants[2])
        np.exp(E, out=E)
    if D is None:
        kernels.parametric_predict(Z, E, alpha, kind, constants)
    else:
        kernels.parametric_train(Z, E, alpha, kind, constants, *dropout, D, S)


# -- Loops, compiled by the Numba engine ---------------------------------------


def bias_and_exponent(Z, b, E, kind, mish_linear):
    """In place ``Z <- Z + b``, and in ``E`` the argument of its exponential.

    ``min(z, 0)`` for SELU (``kind`` 0), ``min(z, mish_linear)`` for Mish
    (1), ``-|z|`` for SiLU (3): one pass instead of two. A NaN stays NaN, as
    with ``np.minimum``.
    """
    n, m = Z.shape
    limit = mish_linear - mish_linear if kind == 0 else mish_linear
    if kind == 3:
        for i in range(n):
            for j in range(m):
                z = Z[i, j] + b[j]
                Z[i, j] = z
                E[i, j] = -abs(z)
    else:
        for i in range(n):
            for j in range(m):
                z = Z[i, j] + b[j]
                Z[i, j] = z
                E[i, j] = limit if z > limit else z


def parametric_train(Z, E, alpha, kind, constants, noise, threshold, scale, D, S):
    """In place: ``Z <- (z + alpha (g(z) - z)) f`` for the biased ``z``.

    ``E`` holds the exponentials of :func:`activate`; ``constants`` holds
    :func:`constants_for` in ``Z``'s dtype, so that the loop computes in
    that type. ``f`` is the unit's dropout factor: 0 where its random byte
    in ``noise`` is below ``threshold``, ``scale`` elsewhere. Keeps ``D =
    (g(z) - z) f`` and the slope ``S = (1 + alpha (g'(z) - 1)) f`` for the
    backward pass. One loop per activation, with no test of ``kind`` inside:
    the compiler can then vectorise it.
    """
    selu_scale, selu_negative, mish_linear = constants[0], constants[1], constants[2]
    # Numbers of Z's dtype: a literal 1 would promote float32 to float64.
    one = constants[3]
    zero = one - one
    two = one + one
    n, m = Z.shape
    if kind == 0:
        for i in range(n):
            for j in range(m):
                z = Z[i, j]
                negative = E[i, j] * selu_negative
                g = selu_scale * z if z > zero else negative - selu_negative
                slope = selu_scale if z > zero else negative
                d = g - z
                f = zero if noise[i, j] < threshold else scale
                Z[i, j] = (z + alpha[j] * d) * f
                D[i, j] = d * f
                S[i, j] = (one + alpha[j] * (slope - one)) * f
    elif kind == 1:
        for i in range(n):
            for j in range(m):
                z = Z[i, j]
                e = E[i, j]
                n2 = e * (e + two)
                t = n2 / (n2 + two)
                linear = z > mish_linear
                g = z if linear else z * t
                slope = one if linear else t + z * (e / (one + e)) * (one - t * t)
                d = g - z
                f = zero if noise[i, j] < threshold else scale
                Z[i, j] = (z + alpha[j] * d) * f
                D[i, j] = d * f
                S[i, j] = (one + alpha[j] * (slope - one)) * f
    elif kind == 2:
        for i in range(n):
            for j in range(m):
                z = Z[i, j]
                g = z if z > zero else zero
                slope = one if z > zero else zero
                d = g - z
                f = zero if noise[i, j] < threshold else scale
                Z[i, j] = (z + alpha[j] * d) * f
                D[i, j] = d * f
                S[i, j] = (one + alpha[j] * (slope - one)) * f
    else:
        for i in range(n):
            for j in range(m):
                z = Z[i, j]
                e = E[i, j]
                sigmoid = one / (one + e) if z >= zero else e / (one + e)
                g = z * sigmoid
                slope = sigmoid * (one + z * (one - sigmoid))
                d = g - z
                f = zero if noise[i, j] < threshold else scale
                Z[i, j] = (z + alpha[j] * d) * f
                D[i, j] = d * f
                S[i, j] = (one + alpha[j] * (slope - one)) * f


def parametric_predict(Z, E, alpha, kind, constants):
    """In place: ``Z <- z + alpha (g(z) - z)``, as :func:`parametric_train`
    computes it, without dropout and without keeping anything."""
    selu_scale, selu_negative, mish_linear = constants[0], constants[1], constants[2]
    one = constants[3]
    zero = one - one
    two = one + one
    n, m = Z.shape
    if kind == 0:
        for i in range(n):
            for j in range(m):
                z = Z[i, j]
                negative = E[i, j] * selu_negative
                g = selu_scale * z if z > zero else negative - selu_negative
                Z[i, j] = z + alpha[j] * (g - z)
    elif kind == 1:
        for i in range(n):
            for j in range(m):
                z = Z[i, j]
                e = E[i, j]
                n2 = e * (e + two)
                g = z if z > mish_linear else z * (n2 / (n2 + two))
                Z[i, j] = z + alpha[j] * (g - z)
    elif kind == 2:
        for i in range(n):
            for j in range(m):
                z = Z[i, j]
                g = z if z > zero else zero
                Z[i, j] = z + alpha[j] * (g - z)
    else:
        for i in range(n):
            for j in range(m):
                z = Z[i, j]
                e = E[i, j]
                sigmoid = one / (one + e) if z >= zero else e / (one + e)
                Z[i, j] = z + alpha[j] * (z * sigmoid - z)


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


def embedding_backward(dE, codes, dtable):
    """``dtable <- 0``, then add each row of ``dE`` into ``dtable[code]``.

    Row after row, in order, as ``np.add.at`` adds them, which makes that
    call the twin: :func:`skmlp._tabular_math.embedding_backward`.
    """
    dtable[...] = 0
    for i in range(dE.shape[0]):
        row = codes[i]
        for j in range(dE.shape[1]):
            dtable[row, j] += dE[i, j]


# -- NumPy twins ---------------------------------------------------------------


def bias_and_exponent_numpy(Z, b, E, kind, mish_linear):
    """:func:`bias_and_exponent` in whole-array operations."""
    Z += b
    if kind == 3:
        np.abs(Z, out=E)
        np.negative(E, out=E)
    else:
        np.minimum(Z, 0 if kind == 0 else mish_linear, out=E)


def _activation_numpy(Z, E, kind, constants, with_slope):
    """``g(z)`` and, if asked, ``g'(z)``, as the loops compute them."""
    selu_scale, selu_negative, mish_linear, _ = constants
    positive = Z > 0
    slope = None
    if kind == 0:
        negative = E * selu_negative
        g = np.where(positive, selu_scale * Z, negative - selu_negative)
        if with_slope:
            slope = np.where(positive, selu_scale, negative)
    elif kind == 1:
        linear = Z > mish_linear
        n2 = E * (E + 2)
        t = n2 / (n2 + 2)
        g = np.where(linear, Z, Z * t)
        if with_slope:
            slope = np.where(linear, 1, t + Z * (E / (1 + E)) * (1 - t * t))
    elif kind == 2:
        # As the loop's 0 for z <= 0 up to NaN, which stays NaN either way
        # in what the caller computes from g.
        g = np.maximum(Z, 0)
        slope = positive
    else:
        sigmoid = np.where(Z >= 0, 1 / (1 + E), E / (1 + E))
        g = Z * sigmoid
        if with_slope:
            slope = sigmoid * (1 + Z * (1 - sigmoid))
    return g.astype(Z.dtype, copy=False), slope


def parametric_train_numpy(Z, E, alpha, kind, constants, noise, threshold, scale, D, S):
    """:func:`parametric_train` in whole-array operations."""
    g, slope = _activation_numpy(Z, E, kind, constants, with_slope=True)
    g -= Z
    factor = np.where(noise < threshold, Z.dtype.type(0), scale)
    np.subtract(slope, 1, out=S, casting="unsafe")
    S *= alpha
    S += 1
    S *= factor
    np.multiply(g, factor, out=D)
    g *= alpha
    Z += g
    Z *= factor


def parametric_predict_numpy(Z, E, alpha, kind, constants):
    """:func:`parametric_predict` in whole-array operations.

    Without ``np.where``, whose selection between two arrays costs more
    than the rest of the layer's element-wise work together; each
    activation's ``g`` is written so that it needs no selection, with the
    loop's roundings:

    * SELU: ``s max(z, 0) + (e sn - sn)``; above 0, ``e = 1`` makes the
      second term an exact 0, at or below 0 the first term is a zero.
    * Mish: ``z t``; above the linear threshold ``e (e + 2)`` is so large
      that ``t = n2 / (n2 + 2)`` rounds to exactly 1 (in float32 and float64).
    * ReLU: ``max(z, 0)``.

    A NaN stays NaN in each. SiLU keeps the selection of its two sigmoid
    forms.
    """
    selu_scale, selu_negative, _, one = constants
    if kind == 0:
        g = np.maximum(Z, 0)
        g *= selu_scale
        E *= selu_negative
        E -= selu_negative
        g += E
    elif kind == 1:
        two = one + one
        g = E + two
        g *= E
        E[...] = g
        E += two
        g /= E
        g *= Z
    elif kind == 2:
        g = np.maximum(Z, 0)
    else:
        g, _ = _activation_numpy(Z, E, kind, constants, with_slope=False)
    g -= Z
    g *= alpha
    Z += g


def parametric_backward_numpy(delta, D, S, dalpha, dbias):
    """:func:`parametric_backward` in whole-array operations."""
    # Column sums of C-ordered arrays add row after row, as the loop does.
    np.sum(delta * D, axis=0, out=dalpha)
    delta *= S
    np.sum(delta, axis=0, out=dbias)


# np.add.at adds the rows one after the other, as the loop does: the reference
# function is the loop's twin.
embedding_backward_numpy = reference_embedding_backward

LOOPS = {
    "bias_and_exponent": bias_and_exponent,
    "parametric_train": parametric_train,
    "parametric_predict": parametric_predict,
    "parametric_backward": parametric_backward,
    "embedding_backward": embedding_backward,
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
    n = math.prod(shape)
    # The generator's raw 64-bit words, seen as bytes: twice as fast as
    # rng.bytes, which copies them into a Python bytes object first.
    words = rng.bit_generator.random_raw(-(-n // 8))
    noise = words.view(np.uint8)[:n].reshape(shape)
    return noise, threshold, np.dtype(dtype).type(256 / (256 - threshold))


def try_once(namespace):
    """Run every kernel of ``namespace`` on a few numbers, compiling each."""
    for dtype in (np.float64, np.float32):
        Z = np.linspace(-1.0, 1.0, 6).reshape(2, 3).astype(dtype)
        noise = np.array([[0, 200, 30], [90, 255, 1]], np.uint8)
        constants = constants_for(dtype)
        for kind in ACTIVATION_CODES.values():
            activate(namespace, Z.copy(), Z[0], Z[1], kind, constants)
            activate(
                namespace,
                Z.copy(),
                Z[0],
                Z[1],
                kind,
                constants,
                (noise, 38, dtype(1.2)),
                np.empty_like(Z),
                np.empty_like(Z),
            )
        namespace.parametric_backward(Z.copy(), Z, Z, Z[0].copy(), Z[0].copy())
        # Column views, as the network passes them.
        codes = np.array([[1, 0], [0, 1]], np.intp)[:, 0]
        namespace.embedding_backward(Z[:, :2], codes, np.empty((2, 2), dtype))
