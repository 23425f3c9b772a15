"""Element-wise training work fused into one compiled loop each.

Between its matrix products a training step does a dozen small element-wise
jobs: add the biases and apply the activation, turn scores into
probabilities, the loss and the output delta, multiply deltas by the
activation's derivative, sum deltas into bias gradients, and update every
weight with the optimizer. In NumPy each operation of each job is a separate
pass over its array, with a temporary in between; Numba compiles each job
below into a single vectorised pass. The optimizer steps alone became 2.5 to 6
times faster (more for float32); fusing the ReLU and softmax work and the L2
term then made training another 1.08 to 1.24 times as fast (see
``benchmarks/``). The loops compute the formulas of ``skmlp._optimizers``,
``skmlp._activations`` and ``skmlp._losses`` in IEEE arithmetic (no
fast-math), so they agree with the NumPy functions up to rounding, except
that the optimizer steps flush values below the smallest normal number to
zero.

Subnormal numbers are slow: on x86 every operation on one takes a microcode
assist of about a hundred times the normal cost, in these loops and in the
matrix products that read the weights. Training makes them: the weights into
a dead ReLU unit get only the L2 term as gradient, on which Adam's normalised
step shrinks them geometrically, and the moments of a weight whose gradient is
zero decay by ``beta_1`` every step. Without flushing, a float32 epoch of batch 32
on MNIST-sized data took 2.4 times as long by the fourth epoch. A subnormal
value is below the rounding error of anything it is added to, so flushing it
changes no result that matters.

The functions here are plain Python; :func:`compiled` returns their compiled
versions and imports Numba on first use, so ``import skmlp`` and prediction
never pay for it.
"""

import functools
from types import SimpleNamespace

import numpy as np


@functools.cache
def compiled():
    """The functions below compiled by Numba, compiling them on the first call.

    ``error_model="numpy"`` lets a division by zero give inf instead of
    raising, as in NumPy, which is what allows the loops to be vectorised;
    ``nogil=True`` lets fits in several threads run at once; ``cache=True``
    keeps the machine code on disk, so only the first fit after installing
    compiles.
    """
    import numba

    jit = numba.njit(error_model="numpy", nogil=True, cache=True)
    return SimpleNamespace(
        **{name: jit(function) for name, function in _KERNELS.items()}
    )


def adam_step(
    params, grad, u, w, beta_1, beta_2, epsilon, scale, penalty, smallest_normal
):
    """One Adam step on the rescaled moments ``u`` and ``w``, in place.

    With ``g = grad + penalty * params`` (the L2 term's gradient added on the
    fly): ``u <- b1 u + g``, ``w <- b2 w + g^2``, ``params -= scale u /
    (sqrt(w) + epsilon)``; :class:`skmlp._optimizers.Adam` says why this is
    Adam. All three are flushed to zero below ``smallest_normal``.
    """
    for i in range(params.size):
        g = grad[i] + penalty * params[i]
        u_i = beta_1 * u[i] + g
        w_i = beta_2 * w[i] + g * g
        p_i = params[i] - scale * u_i / (np.sqrt(w_i) + epsilon)
        # x - x: a zero of x's own type, which keeps float32 loops float32.
        u[i] = u_i if abs(u_i) >= smallest_normal else u_i - u_i
        w[i] = w_i if w_i >= smallest_normal else w_i - w_i
        params[i] = p_i if abs(p_i) >= smallest_normal else p_i - p_i


def sgd_step(
    params,
    grad,
    velocity,
    learning_rate,
    momentum,
    nesterov,
    penalty,
    smallest_normal,
):
    """One SGD step with momentum, optionally Nesterov's, in place.

    With ``g = grad + penalty * params``: ``v <- momentum v - lr g``;
    ``params`` moves by ``v``, or with Nesterov's momentum by ``momentum v -
    lr g``. Both are flushed to zero below ``smallest_normal``.
    """
    for i in range(params.size):
        lr_grad = learning_rate * (grad[i] + penalty * params[i])
        v = momentum * velocity[i] - lr_grad
        p_i = params[i] + (momentum * v - lr_grad if nesterov else v)
        velocity[i] = v if abs(v) >= smallest_normal else v - v
        params[i] = p_i if abs(p_i) >= smallest_normal else p_i - p_i


def add_l2_gradient(grad, weights, penalty):
    """``grad += penalty * weights`` in one pass, with no temporary."""
    for i in range(weights.size):
        grad[i] += penalty * weights[i]


def bias_relu(Z, b):
    """``Z <- max(Z + b, 0)`` in place: a ReLU layer's forward pass after ``A W``.

    A NaN stays NaN, as with ``np.maximum``, so a diverging fit still shows.
    """
    zero = Z.dtype.type(0)
    for i in range(Z.shape[0]):
        for j in range(Z.shape[1]):
            z = Z[i, j] + b[j]
            Z[i, j] = zero if z < zero else z


def relu_delta(delta, A, bias_grad):
    """``delta *= (A > 0)`` in place, and ``bias_grad`` = its column sums.

    ReLU's derivative is 1 where the unit was active and 0 elsewhere; the
    inactive entries are multiplied by 0 rather than set to it, so that an
    infinite delta turns into NaN exactly as in NumPy.
    """
    zero = delta.dtype.type(0)
    bias_grad[:] = zero
    for i in range(delta.shape[0]):
        for j in range(delta.shape[1]):
            d = delta[i, j]
            if not A[i, j] > zero:
                d = d * zero
            delta[i, j] = d
            bias_grad[j] += d


def softmax_cross_entropy(Z, Y, row_scale, epsilon, delta, bias_grad):
    """The softmax head, its loss, delta and bias gradient, row by row.

    ``Z`` holds the output layer's scores and is overwritten with the
    probabilities ``P`` (:func:`skmlp._activations.softmax`). Writes
    ``delta = (P - Y) * row_scale[:, None]`` and ``bias_grad`` = the column
    sums of ``delta``; returns ``sum_i row_scale[i] * -log(p_i)``, ``p_i`` the
    probability of the true class clipped to ``[epsilon, 1 - epsilon]``
    (:func:`skmlp._losses.categorical_cross_entropy`). With ``row_scale =
    sample_weight / sum(sample_weight)`` that is the weighted mean loss.
    """
    zero, one = Z.dtype.type(0), Z.dtype.type(1)
    bias_grad[:] = zero
    loss = 0.0
    for i in range(Z.shape[0]):
        top = Z[i, 0]
        for j in range(1, Z.shape[1]):
            top = max(top, Z[i, j])
        total = zero
        for j in range(Z.shape[1]):
            e = np.exp(Z[i, j] - top)
            Z[i, j] = e
            total += e
        p_true = zero
        for j in range(Z.shape[1]):
            p = Z[i, j] / total
            Z[i, j] = p
            p_true += Y[i, j] * p
        if p_true < epsilon:
            p_true = epsilon
        elif p_true > one - epsilon:
            p_true = one - epsilon
        scale = row_scale[i]
        loss -= scale * np.log(p_true)
        for j in range(Z.shape[1]):
            d = (Z[i, j] - Y[i, j]) * scale
            delta[i, j] = d
            bias_grad[j] += d
    return loss


_KERNELS = {
    function.__name__: function
    for function in (
        adam_step,
        sgd_step,
        add_l2_gradient,
        bias_relu,
        relu_delta,
        softmax_cross_entropy,
    )
}
