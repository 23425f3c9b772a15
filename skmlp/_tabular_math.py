"""The pieces of math the tabular MLPs add, each next to its derivative.

Everything here is a plain NumPy function on whole arrays; the network of
:mod:`skmlp._tabular_network` strings them together and
``tests/test_tabular_math.py`` checks every derivative against finite
differences. ``docs/user_guide/tabular.rst`` gives the equations.
"""

import math

import numpy as np
from scipy.special import expit

# Klambauer et al. (2017): the constants that make SELU self-normalising.
SELU_SCALE = 1.0507009873554804934193349852946
SELU_ALPHA = 1.6732632423543772848170429916717
TWO_PI = 2.0 * math.pi


# -- base activations g and their derivatives g' -------------------------------


def selu(Z):
    """``g(z) = s z`` for ``z > 0``, else ``s a (exp(z) - 1)``."""
    negative = np.expm1(np.minimum(Z, 0))
    negative *= SELU_ALPHA
    return SELU_SCALE * np.where(Z > 0, Z, negative)


def selu_derivative(Z):
    """``g'(z) = s`` for ``z > 0``, else ``s a exp(z)``."""
    negative = np.exp(np.minimum(Z, 0))
    negative *= SELU_ALPHA
    return SELU_SCALE * np.where(Z > 0, 1.0, negative).astype(Z.dtype, copy=False)


def _softplus(Z):
    return np.logaddexp(0, Z)


def mish(Z):
    """``g(z) = z tanh(softplus(z))`` (Misra, 2019)."""
    return Z * np.tanh(_softplus(Z))


def mish_derivative(Z):
    """``g'(z) = tanh(sp(z)) + z sigmoid(z) (1 - tanh(sp(z))^2)``."""
    t = np.tanh(_softplus(Z))
    return t + Z * expit(Z) * (1 - t * t)


def relu(Z):
    """``g(z) = max(z, 0)``."""
    return np.maximum(Z, 0)


def relu_derivative(Z):
    """``g'(z) = 1`` for ``z > 0``, else 0."""
    return (Z > 0).astype(Z.dtype)


def silu(Z):
    """``g(z) = z sigmoid(z)``."""
    return Z * expit(Z)


def silu_derivative(Z):
    """``g'(z) = sigmoid(z) (1 + z (1 - sigmoid(z)))``."""
    s = expit(Z)
    return s * (1 + Z * (1 - s))


BASE_ACTIVATIONS = {
    "selu": (selu, selu_derivative),
    "mish": (mish, mish_derivative),
    "relu": (relu, relu_derivative),
    "silu": (silu, silu_derivative),
}


# -- parametric activation --------------------------------------------------------


def parametric_activation(Z, alpha, name):
    """``f(z) = z + alpha (g(z) - z)`` per unit; returns ``(f(Z), g(Z))``.

    ``alpha`` starts at 1 (plain ``g``); training can move each unit towards
    the identity (``alpha = 0``) or past ``g``. The network keeps ``g(Z)``
    for the backward pass.
    """
    G = BASE_ACTIVATIONS[name][0](Z)
    A = G - Z
    A *= alpha
    A += Z
    return A, G


def parametric_activation_backward(dA, Z, G, alpha, name):
    """Gradients of ``f``: returns ``(dZ, dalpha)``.

    ``df/dz = 1 + alpha (g'(z) - 1)`` and ``df/dalpha = g(z) - z``.
    """
    dalpha = np.einsum("ij,ij->j", dA, G - Z)
    slope = BASE_ACTIVATIONS[name][1](Z)
    slope -= 1
    slope *= alpha
    slope += 1
    return dA * slope, dalpha


# -- periodic numeric embeddings ---------------------------------------------------


def periodic_embedding(X, frequencies, phases, weights, biases, keep=True, out=None):
    """Embed each numeric feature with its own periodic features.

    For feature ``j`` with value ``x``: ``c = cos(2 pi f_j x + p_j)`` (``k``
    frequencies ``f_j`` and phases ``p_j``), then ``e = c V_j + u_j`` (``V_j``
    is ``k x m``). Works feature-major: ``X`` is ``(n, F)``; returns the
    embedding ``(F, n, m)`` and, with ``keep``, what
    :func:`periodic_embedding_backward` needs (None without). With ``out``,
    an ``(F, n, m)`` array or view, the embedding is written there.

    The angles come from one batched product, ``[x, 1] [2 pi f; p]`` per
    feature: a broadcast multiply and add over rows of only ``k`` numbers
    would take twice as long.
    """
    n_features, k = frequencies.shape
    inputs = np.empty((n_features, X.shape[0], 2), X.dtype)
    inputs[:, :, 0] = X.T
    inputs[:, :, 1] = 1
    coefficients = np.empty((n_features, 2, k), X.dtype)
    np.multiply(frequencies, TWO_PI, out=coefficients[:, 0])
    coefficients[:, 1] = phases
    angles = np.matmul(inputs, coefficients)
    cosines = np.cos(angles) if keep else np.cos(angles, out=angles)
    embedded = np.matmul(cosines, weights, out=out)
    embedded += biases[:, np.newaxis, :]
    return embedded, (inputs, angles, cosines) if keep else None


def periodic_embedding_backward(dE, kept, weights):
    """Gradients of :func:`periodic_embedding` from ``dE`` (``(F, n, m)``).

    ``kept`` is what the forward pass returned with the embedding. Returns
    ``(dfrequencies, dphases, dweights, dbiases)``; the input ``X`` is data
    and needs none. Every sum over the rows is a matrix product.
    """
    inputs, angles, cosines = kept
    ones = np.ones((1, dE.shape[1]), dE.dtype)
    dbiases = np.matmul(ones, dE)[:, 0]
    dweights = np.matmul(cosines.transpose(0, 2, 1), dE)
    # The derivative of cos is -sin: the sign goes onto the small results.
    minus_dangles = np.matmul(dE, weights.transpose(0, 2, 1))
    minus_dangles *= np.sin(angles)
    # Against [x, 1]: the frequencies' gradient (times -2 pi) and the phases'.
    both = np.matmul(minus_dangles.transpose(0, 2, 1), inputs)
    dfrequencies = both[:, :, 0] * -TWO_PI
    dphases = -both[:, :, 1]
    return dfrequencies, dphases, dweights, dbiases


# -- categorical embeddings --------------------------------------------------------


def embedding_lookup(codes, table):
    """Rows of ``table`` for integer ``codes``: ``(n, e)``."""
    return table[codes]


def embedding_backward(dE, codes, dtable):
    """Add the rows of ``dE`` into ``dtable`` at ``codes`` (repeats add up)."""
    dtable[...] = 0
    np.add.at(dtable, codes, dE)


# -- heads and losses --------------------------------------------------------------


def log_softmax(S):
    """Row-wise ``log softmax``, shifted by the row maximum (no overflow)."""
    shifted = S - S.max(axis=1, keepdims=True)
    shifted -= np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return shifted


def smoothed_cross_entropy(S, Y, smoothing, row_scale):
    """Cross-entropy of scores ``S`` against one-hot ``Y`` smoothed by ``eps``.

    The target is ``(1 - eps) Y + eps / K``; returns the ``row_scale``
    weighted loss and its gradient ``row_scale (softmax(S) - target)``.
    """
    log_p = log_softmax(S)
    target = Y * (1.0 - smoothing)
    target += smoothing / Y.shape[1]
    loss = -float(np.einsum("ij,ij->i", target, log_p) @ row_scale)
    delta = np.exp(log_p)
    delta -= target
    delta *= row_scale[:, np.newaxis]
    return loss, delta


def squared_error(S, Y, smoothing, row_scale):
    """Half squared error and its gradient, ``row_scale`` weighted."""
    delta = S - Y
    loss = 0.5 * float(np.einsum("ij,ij->i", delta, delta) @ row_scale)
    delta *= row_scale[:, np.newaxis]
    return loss, delta


# -- schedules over training progress t in [0, 1] ------------------------------------


def constant(t):
    """1 throughout."""
    return 1.0


def cosine(t):
    """Half a cosine from 1 down to 0."""
    return 0.5 * (1.0 + math.cos(math.pi * t))


def flat_cosine(t):
    """1 for the first half, then half a cosine down to 0."""
    return 1.0 if t <= 0.5 else 0.5 * (1.0 + math.cos(math.pi * (2.0 * t - 1.0)))


def cosine_log4(t):
    """Four cosine cycles on a log scale, the later ones longer.

    ``(1 - cos(2 pi log2(1 + 15 t))) / 2``: starts at 0 (a warm-up), falls
    back to 0 at ``t = 1/15, 3/15, 7/15`` and 1, and peaks at 1 in between
    (near ``t = 0.03, 0.12, 0.31, 0.69``): cycles that lengthen, exploring
    early and settling late (Holzmüller et al., 2024).
    """
    return 0.5 * (1.0 - math.cos(TWO_PI * math.log2(1.0 + 15.0 * t)))


SCHEDULES = {
    "constant": constant,
    "cosine": cosine,
    "flat_cosine": flat_cosine,
    "cosine_log4": cosine_log4,
}
