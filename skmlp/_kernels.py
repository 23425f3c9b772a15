"""The training work between the matrix products, as loops and as NumPy.

Between its matrix products a training step does a dozen small element-wise
jobs: add the biases and apply the activation, turn scores into
probabilities, the loss and the output delta, multiply deltas by the
activation's derivative, sum deltas into bias gradients, and update every
weight with the optimizer. Each job is written here twice:

- as a loop over the elements (``adam_step``, ``bias_relu``, ...), which the
  optional Numba engine compiles into a single vectorised pass;
- as its NumPy twin (``adam_step_numpy``, ...), whole-array operations on the
  same formulas: the reference engine, which runs wherever NumPy does.

:mod:`skmlp._engine` chooses between them. In NumPy each operation of a job is
a separate pass over its array; compiled, the optimizer steps are 2.5 to 6
times faster (more for float32), and the fused ReLU and softmax work and L2
term make training another 1.08 to 1.24 times as fast (see ``benchmarks/``).
The loops use IEEE arithmetic (no fast-math) and the twins perform the same
operations on each element in the same order, so the optimizer steps agree
bit for bit and the softmax head up to rounding (NumPy sums a row in another
order).

Subnormal numbers are slow: on x86 every operation on one takes a microcode
assist of about a hundred times the normal cost, in these loops and in the
matrix products that read the weights. Training makes them: the weights into
a dead ReLU unit get only the L2 term as gradient, on which Adam's normalised
step shrinks them geometrically, and the moments of a weight whose gradient is
zero decay by ``beta_1`` every step. Without flushing, a float32 epoch of
batch 32 on MNIST-sized data took 2.4 times as long by the fourth epoch. Both
versions of the optimizer steps therefore flush weights, velocities and
Adam's first moments below the ``smallest_normal`` they are given to zero
(the optimizers pass the dtype's smallest normal number every few steps and
0, which flushes nothing, on the others); a subnormal value is below the
rounding error of anything it is added to, so flushing it changes no result
that matters.
"""

import threading

import numpy as np

from ._activations import relu, relu_derivative, softmax
from ._losses import categorical_cross_entropy

# -- Loops, compiled by the Numba engine ---------------------------------------


def adam_step(
    params, grad, u, w, beta_1, beta_2, epsilon, scale, penalty, smallest_normal
):
    """One Adam step on the rescaled moments ``u`` and ``w``, in place.

    With ``g = grad + penalty * params`` (the L2 term's gradient added on the
    fly): ``u <- b1 u + g``, ``w <- b2 w + g^2``, ``params -= scale u /
    (sqrt(w) + epsilon)``; :class:`skmlp._optimizers.Adam` says why this is
    Adam. ``params`` and ``u`` are flushed to zero below ``smallest_normal``;
    ``w`` is not: it decays by ``beta_2`` (0.999) a step, so it would take
    hundreds of thousands of steps to become subnormal, and a flush would cost
    the NumPy engine two more passes over it on every step.
    """
    for i in range(params.size):
        g = grad[i] + penalty * params[i]
        u_i = beta_1 * u[i] + g
        w_i = beta_2 * w[i] + g * g
        p_i = params[i] - scale * u_i / (np.sqrt(w_i) + epsilon)
        # x - x: a zero of x's own type, which keeps float32 loops float32.
        u[i] = u_i if abs(u_i) >= smallest_normal else u_i - u_i
        w[i] = w_i
        params[i] = p_i if abs(p_i) >= smallest_normal else p_i - p_i


def decayed_adam_step(
    params, grad, u, w, keep, beta_1, beta_2, epsilon, scale, smallest_normal
):
    """Decoupled weight decay, then one Adam step, in one pass, in place.

    ``params <- keep params``, then :func:`adam_step` without its L2 term,
    with the same flushes to zero. The tabular estimators' optimizer
    (:class:`skmlp._tabular_training.GroupAdam`) steps with it.
    """
    for i in range(params.size):
        g = grad[i]
        u_i = beta_1 * u[i] + g
        w_i = beta_2 * w[i] + g * g
        p_i = params[i] * keep - scale * u_i / (np.sqrt(w_i) + epsilon)
        u[i] = u_i if abs(u_i) >= smallest_normal else u_i - u_i
        w[i] = w_i
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


# -- NumPy twins ---------------------------------------------------------------
#
# The optimizer steps go through the vector in blocks of _BLOCK_BYTES per
# array: an Adam step makes about twelve passes, and on a block the arrays
# stay in the core's cache between them instead of streaming from memory each
# time. The block buffers belong to the thread, so that fits running in
# several threads at once never share them.

_BLOCK_BYTES = 1 << 17
_scratch = threading.local()


def _block_buffers(dtype):
    """Two float buffers and a boolean one, of one block each, for this thread."""
    buffers = getattr(_scratch, "by_dtype", None)
    if buffers is None:
        buffers = _scratch.by_dtype = {}
    dtype = np.dtype(dtype)
    if dtype not in buffers:
        size = _BLOCK_BYTES // dtype.itemsize
        buffers[dtype] = (
            np.empty(size, dtype),
            np.empty(size, dtype),
            np.empty(size, dtype=bool),
        )
    return buffers[dtype]


def _in_blocks(params, *arrays):
    """Yield each block of ``params`` and ``arrays``, with buffers to match."""
    first, second, mask = _block_buffers(params.dtype)
    block = first.size
    for start in range(0, params.size, block):
        part = slice(start, start + block)
        n = min(block, params.size - start)
        yield (
            params[part],
            *(array[part] for array in arrays),
            first[:n],
            second[:n],
            mask[:n],
        )


def _flush_to_zero(x, smallest_normal, mask, magnitude):
    """Set the entries of ``x`` below ``smallest_normal`` in size to +0.

    ``magnitude`` is a buffer for ``|x|``. NaN compares false and stays NaN,
    as in the loops, which write ``x - x``: +0 for every finite ``x``. The
    twins skip this where ``smallest_normal`` is 0, below which no size falls.
    """
    np.less(np.abs(x, out=magnitude), smallest_normal, out=mask)
    np.copyto(x, 0, where=mask)


def adam_step_numpy(
    params, grad, u, w, beta_1, beta_2, epsilon, scale, penalty, smallest_normal
):
    """:func:`adam_step` in whole-array operations, block by block."""
    for P, G, U, W, g, step, mask in _in_blocks(params, grad, u, w):
        np.multiply(P, penalty, out=g)
        np.add(G, g, out=g)
        _adam_update(
            P, g, U, W, beta_1, beta_2, epsilon, scale, smallest_normal, g, step, mask
        )


def decayed_adam_step_numpy(
    params, grad, u, w, keep, beta_1, beta_2, epsilon, scale, smallest_normal
):
    """:func:`decayed_adam_step` in whole-array operations, block by block."""
    for P, G, U, W, g, step, mask in _in_blocks(params, grad, u, w):
        P *= keep
        _adam_update(
            P, G, U, W, beta_1, beta_2, epsilon, scale, smallest_normal, g, step, mask
        )


def _adam_update(
    P, grad, U, W, beta_1, beta_2, epsilon, scale, smallest_normal, g, step, mask
):
    """Both Adam twins' step on one block, from its gradient ``grad``.

    ``U <- beta_1 U + grad``, ``W <- beta_2 W + grad^2``, ``P -= scale U /
    (sqrt(W) + epsilon)``, then the flushes to zero of ``U`` and ``P``.
    ``g``, ``step`` and ``mask`` are the block's buffers; ``grad`` may be
    ``g`` itself, which the square overwrites once ``U`` has it.
    """
    U *= beta_1
    U += grad
    W *= beta_2
    np.multiply(grad, grad, out=g)
    W += g
    # The move uses the moments before they are flushed, as the loops do.
    denominator = np.sqrt(W, out=g)
    denominator += epsilon
    np.multiply(U, scale, out=step)
    step /= denominator
    P -= step
    if smallest_normal:
        _flush_to_zero(U, smallest_normal, mask, magnitude=g)
        _flush_to_zero(P, smallest_normal, mask, magnitude=g)


def sgd_step_numpy(
    params,
    grad,
    velocity,
    learning_rate,
    momentum,
    nesterov,
    penalty,
    smallest_normal,
):
    """:func:`sgd_step` in whole-array operations, block by block."""
    for P, G, V, lr_grad, step, mask in _in_blocks(params, grad, velocity):
        np.multiply(P, penalty, out=lr_grad)
        np.add(G, lr_grad, out=lr_grad)
        lr_grad *= learning_rate
        V *= momentum
        V -= lr_grad
        if nesterov:
            np.multiply(V, momentum, out=step)
            step -= lr_grad
            P += step
        else:
            P += V
        if smallest_normal:
            _flush_to_zero(V, smallest_normal, mask, magnitude=step)
            _flush_to_zero(P, smallest_normal, mask, magnitude=step)


def add_l2_gradient_numpy(grad, weights, penalty):
    """:func:`add_l2_gradient`: ``grad += penalty * weights``, block by block."""
    for W, G, product, _, _ in _in_blocks(weights, grad):
        np.multiply(W, penalty, out=product)
        G += product


def bias_relu_numpy(Z, b):
    """:func:`bias_relu`: ``Z <- max(Z + b, 0)`` in place."""
    Z += b
    relu(Z)


def relu_delta_numpy(delta, A, bias_grad):
    """:func:`relu_delta`: ``delta *= (A > 0)`` in place, its column sums."""
    relu_derivative(None, A, delta)
    np.sum(delta, axis=0, out=bias_grad)


def softmax_cross_entropy_numpy(Z, Y, row_scale, epsilon, delta, bias_grad):
    """:func:`softmax_cross_entropy` through the NumPy softmax and loss.

    ``epsilon`` is the dtype's machine epsilon, where
    :func:`~skmlp._losses.categorical_cross_entropy` clips too.
    """
    P = softmax(Z)
    loss = float(categorical_cross_entropy(Y, P) @ row_scale)
    np.subtract(P, Y, out=delta)
    delta *= row_scale[:, np.newaxis]
    np.sum(delta, axis=0, out=bias_grad)
    return loss


LOOPS = {
    function.__name__: function
    for function in (
        adam_step,
        decayed_adam_step,
        sgd_step,
        add_l2_gradient,
        bias_relu,
        relu_delta,
        softmax_cross_entropy,
    )
}
"""The loops by name, for the compiled engine (:mod:`skmlp._engine`)."""

NUMPY_TWINS = {name: globals()[f"{name}_numpy"] for name in LOOPS}
"""The NumPy twin of each loop, under the loop's name."""
