"""The network: one flat parameter vector, per-layer views, forward, backward.

For a batch ``X`` (n x d) layer ``l`` computes ``Z_l = A_{l-1} W_l + b_l`` and
``A_l = g(Z_l)`` with ``A_0 = X``. All weights live in one contiguous vector,
all coefficient matrices first and then all intercepts (the order of
scikit-learn's packed vector); ``coefs[l]`` and ``intercepts[l]`` are views into
it, and the gradient has the same layout. The optimizers therefore update every
parameter with a few whole-vector operations, L-BFGS needs no packing, and the
L2 penalty is a single dot product over the leading coefficient block.

The default network, ReLU hidden layers under a softmax head, does its
element-wise work (biases, activations, softmax, loss, deltas) in the fused
kernels of ``skmlp._kernels``, compiled or NumPy as the engine says; every
other activation and head uses the NumPy functions of ``skmlp._activations``
and ``skmlp._losses``, which compute the same formulas.

Nothing here knows about scikit-learn: the estimators wire this module to
their parameters.
"""

from itertools import pairwise
from typing import NamedTuple

import numpy as np
import scipy.sparse as sp

from ._activations import ACTIVATIONS, DERIVATIVES, NEEDS_PREACTIVATION
from ._engine import kernels
from ._losses import HEAD_LOSS, make_loss
from ._products import matmul_into, sparse_weight_gradient


def layer_views(flat, layer_units):
    """Split a flat vector into per-layer coefficient and intercept views."""
    coefs, intercepts = [], []
    start = 0
    for fan_in, fan_out in pairwise(layer_units):
        end = start + fan_in * fan_out
        coefs.append(flat[start:end].reshape(fan_in, fan_out))
        start = end
    for fan_out in layer_units[1:]:
        intercepts.append(flat[start : start + fan_out])
        start += fan_out
    return coefs, intercepts


def n_parameters(layer_units):
    """Number of weights and biases of a network with these layer sizes."""
    return sum((fan_in + 1) * fan_out for fan_in, fan_out in pairwise(layer_units))


class BatchBuffers(NamedTuple):
    """Views of the work buffers for one batch size (see ``Network._buffers``).

    ``uniform_row_scale`` holds ``1 / n`` per row: the share of each sample in
    the mean loss of an unweighted batch.
    """

    activations: list
    deltas: list
    preactivations: list
    masks: list
    uniform_row_scale: np.ndarray


def forward(X, coefs, intercepts, hidden_activation, output_activation):
    """Output of the network for ``X``, in freshly allocated arrays.

    This is the prediction path: it reads the weights and never writes to any
    shared buffer, so several threads may call it on one fitted model at once.
    """
    A = X
    last = len(coefs) - 1
    for layer, (W, b) in enumerate(zip(coefs, intercepts, strict=True)):
        Z = A @ W
        Z += b
        A = ACTIVATIONS[output_activation if layer == last else hidden_activation](Z)
    return A


class Network:
    """A multi-layer perceptron with its weights in one flat vector.

    Parameters
    ----------
    layer_units : sequence of int
        Units per layer, input features first and outputs last.
    hidden_activation : str
        Key of :data:`~skmlp._activations.ACTIVATIONS` for hidden layers.
    output_activation : str
        The head: ``'softmax'``, ``'logistic'``, ``'identity'`` or ``'exp'``.
    dtype : numpy dtype
        ``float32`` or ``float64``; parameters, gradients and buffers share it.
    loss : :class:`~skmlp._losses.Loss`, optional
        Defaults to the canonical loss of the head.
    dropout : sequence of float, optional
        Dropout rate of each hidden layer (inverted dropout, training only).
    """

    def __init__(
        self,
        layer_units,
        hidden_activation,
        output_activation,
        dtype,
        loss=None,
        dropout=None,
    ):
        self.layer_units = tuple(int(u) for u in layer_units)
        self.hidden_activation = hidden_activation
        self.output_activation = output_activation
        self.loss = make_loss(HEAD_LOSS[output_activation]) if loss is None else loss
        self.dtype = np.dtype(dtype)
        # Where the cross-entropy clips probabilities (see skmlp._losses).
        self._epsilon = np.finfo(self.dtype).eps
        n_hidden = len(self.layer_units) - 2
        self.dropout = tuple(dropout) if dropout is not None else (0.0,) * n_hidden
        self.n_coefs = sum(a * b for a, b in pairwise(self.layer_units))
        self.params = np.zeros(n_parameters(self.layer_units), dtype=self.dtype)
        self.coefs, self.intercepts = layer_views(self.params, self.layer_units)
        self.grad = np.zeros_like(self.params)
        self.coef_grads, self.intercept_grads = layer_views(self.grad, self.layer_units)
        self.release_buffers()

    @property
    def n_layers(self):
        """Number of weight layers (hidden layers + output layer)."""
        return len(self.layer_units) - 1

    def initialize(self, random_state, method="glorot_uniform"):
        """Draw the initial weights, layer by layer.

        ``'glorot_uniform'`` (scikit-learn's) draws weights and biases from
        ``U(-b, b)`` with ``b = sqrt(6 / (fan_in + fan_out))``, which keeps the
        variance of the activations roughly constant across tanh-like layers;
        for the logistic function, whose slope at 0 is 1/4, the factor is 2
        instead of 6. ``'glorot_normal'`` draws ``N(0, 2 / (fan_in +
        fan_out))``; ``'he_uniform'`` ``U(-sqrt(6 / fan_in), sqrt(6 /
        fan_in))`` and ``'he_normal'`` ``N(0, 2 / fan_in)``, which suit
        ReLU-like units (He et al., 2015). The last three start the biases at 0.
        """
        for W, b in zip(self.coefs, self.intercepts, strict=True):
            fan_in, fan_out = W.shape
            if method == "glorot_uniform":
                factor = 2.0 if self.hidden_activation == "logistic" else 6.0
                bound = np.sqrt(factor / (fan_in + fan_out))
                W[...] = random_state.uniform(-bound, bound, (fan_in, fan_out))
                b[...] = random_state.uniform(-bound, bound, fan_out)
                continue
            if method == "glorot_normal":
                W[...] = random_state.normal(
                    0, np.sqrt(2 / (fan_in + fan_out)), W.shape
                )
            elif method == "he_uniform":
                bound = np.sqrt(6 / fan_in)
                W[...] = random_state.uniform(-bound, bound, W.shape)
            elif method == "he_normal":
                W[...] = random_state.normal(0, np.sqrt(2 / fan_in), W.shape)
            else:
                raise ValueError(f"Unknown weight initialisation {method!r}.")
            b[...] = 0
        return self

    def set_layers(self, coefs, intercepts):
        """Copy per-layer arrays (e.g. a previous fit's) into the flat vector."""
        for view, value in zip(
            self.coefs + self.intercepts, coefs + intercepts, strict=True
        ):
            view[...] = value
        return self

    def _buffers(self, n_samples):
        """Work buffers for a batch of ``n_samples`` rows, allocated once.

        Buffers grow to the largest batch seen; smaller batches use their
        leading rows, which stay C-contiguous. The views for each batch size
        are kept as well (an epoch has at most two sizes), so a batch costs
        one dictionary lookup.
        """
        buffers = self._batch_buffers.get(n_samples)
        if buffers is not None:
            return buffers
        if self._activations is None or self._activations[0].shape[0] < n_samples:
            units = self.layer_units[1:]
            self._activations = [np.empty((n_samples, u), self.dtype) for u in units]
            self._deltas = [np.empty_like(A) for A in self._activations]
            keep_z = self.hidden_activation in NEEDS_PREACTIVATION
            self._preactivations = [
                np.empty((n_samples, u), self.dtype) if keep_z else None
                for u in units[:-1]
            ]
            self._masks = [
                np.empty((n_samples, u), self.dtype) if rate > 0 else None
                for u, rate in zip(units[:-1], self.dropout, strict=True)
            ]
            self._batch_buffers = {}

        def rows(buffers):
            return [None if B is None else B[:n_samples] for B in buffers]

        buffers = BatchBuffers(
            rows(self._activations),
            rows(self._deltas),
            rows(self._preactivations),
            rows(self._masks),
            np.full(n_samples, 1.0 / n_samples, dtype=self.dtype),
        )
        self._batch_buffers[n_samples] = buffers
        return buffers

    def release_buffers(self):
        """Drop the training buffers (they are rebuilt when needed)."""
        self._activations = self._deltas = None
        self._preactivations = self._masks = None
        self._batch_buffers = {}

    @property
    def _fused_relu(self):
        return self.hidden_activation == "relu"

    @property
    def _fused_head(self):
        return self.output_activation == "softmax" and self.loss.name == "log_loss"

    def forward_train(self, X, dropout_rng=None, head=True):
        """Forward pass into the reused buffers; returns every layer's output.

        With ``dropout_rng``, each hidden unit is zeroed with its layer's
        dropout rate ``p`` and the survivors are scaled by ``1 / (1 - p)``
        (inverted dropout), so nothing needs rescaling at prediction time.
        With ``head=False`` the last output holds the scores ``Z_L``, for a
        caller that applies the head itself.
        """
        buffers = self._buffers(X.shape[0])
        activations, preactivations = buffers.activations, buffers.preactivations
        A = X
        last = self.n_layers - 1
        for layer, (W, b) in enumerate(zip(self.coefs, self.intercepts, strict=True)):
            if layer == last:
                Z = matmul_into(A, W, activations[layer])
                Z += b
                if head:
                    ACTIVATIONS[self.output_activation](Z)
                break
            Z = preactivations[layer]
            Z = matmul_into(A, W, activations[layer] if Z is None else Z)
            if self._fused_relu:
                kernels().bias_relu(Z, b)
                A = Z
            else:
                Z += b
                A = ACTIVATIONS[self.hidden_activation](Z, out=activations[layer])
            rate = self.dropout[layer]
            if rate > 0 and dropout_rng is not None:
                mask = buffers.masks[layer]
                np.greater_equal(dropout_rng.random_sample(mask.shape), rate, out=mask)
                mask *= 1.0 / (1.0 - rate)
                A *= mask
        return activations

    def loss_and_gradient(self, X, Y, sample_weight=None, alpha=0.0, dropout_rng=None):
        """Mean loss on a batch and its gradient, written into ``self.grad``.

        The loss is the sample-weighted mean of the per-sample loss plus the
        L2 penalty ``0.5 * alpha * ||W||^2 / sum(sample_weight)`` (``n``
        without weights), as in scikit-learn; see :meth:`data_loss_and_gradient`
        for the rest. The stochastic optimizers add the penalty inside their
        step instead (see :class:`skmlp._optimizers.SGD`).
        """
        loss, weight_sum = self.data_loss_and_gradient(X, Y, sample_weight, dropout_rng)
        if alpha and weight_sum > 0:
            loss += 0.5 * self.add_penalty(alpha / weight_sum)
        return loss

    def add_penalty(self, penalty):
        """Add ``penalty * W`` to the gradient; return ``penalty * ||W||^2``."""
        if not penalty:
            return 0.0
        weights = self.params[: self.n_coefs]
        kernels().add_l2_gradient(
            self.grad[: self.n_coefs], weights, self.dtype.type(penalty)
        )
        return penalty * float(weights @ weights)

    def data_loss_and_gradient(self, X, Y, sample_weight=None, dropout_rng=None):
        """Mean loss without the L2 penalty, and its gradient in ``self.grad``.

        Returns ``(loss, weight_sum)``, ``weight_sum`` being
        ``sum(sample_weight)`` (``n`` without weights), by which the caller
        divides ``alpha`` to get the penalty of this batch. Backpropagation
        runs top layer first:

            grad W_l = A_{l-1}^T D_l
            grad b_l = sum over rows of D_l
            D_{l-1}  = (D_l W_l^T) * g'(Z_{l-1})

        where ``D_L`` already carries the ``sample_weight / sum`` scaling, so
        the gradients come out averaged with no further division. Dropped
        units pass no gradient back; kept ones carry their ``1 / (1 - p)``.
        """
        n_samples = X.shape[0]
        # Classifier targets are stored as booleans; cast one batch at a time.
        Y = Y.astype(self.dtype, copy=False)
        buffers = self._buffers(n_samples)
        if sample_weight is None:
            weight_sum = float(n_samples)
            row_scale = buffers.uniform_row_scale
        else:
            weight_sum = float(sample_weight.sum())
            if weight_sum <= 0:
                # A batch whose samples all weigh zero carries no information.
                self.grad[...] = 0
                return 0.0, 0.0
            row_scale = (sample_weight / weight_sum).astype(self.dtype)
        use_dropout = dropout_rng is not None and any(self.dropout)
        activations = self.forward_train(
            X, dropout_rng if use_dropout else None, head=not self._fused_head
        )
        deltas = buffers.deltas

        loss, delta = self._output_delta(Y, activations[-1], row_scale, deltas[-1])
        for layer in range(self.n_layers - 1, -1, -1):
            A_prev = X if layer == 0 else activations[layer - 1]
            if layer == 0 and sp.issparse(X):
                sparse_weight_gradient(X, delta, self.coef_grads[0])
            else:
                np.matmul(A_prev.T, delta, out=self.coef_grads[layer])
            if layer == 0:
                break
            hidden = layer - 1
            previous = np.matmul(delta, self.coefs[layer].T, out=deltas[hidden])
            if use_dropout and self.dropout[hidden] > 0:
                previous *= buffers.masks[hidden]
                # Kept units were scaled by 1 / (1 - p): undo it to recover
                # g(Z); dropped units have a zero delta whatever g' gives.
                A_prev = A_prev * (1.0 - self.dropout[hidden])
            delta = self._hidden_delta(hidden, previous, buffers.preactivations, A_prev)
        return loss, weight_sum

    def _output_delta(self, Y, output, row_scale, out):
        """Loss and ``D_L``; also writes the output layer's bias gradient.

        ``output`` holds the scores when the head is fused, the head's output
        otherwise.
        """
        bias_grad = self.intercept_grads[-1]
        if self._fused_head:
            loss = kernels().softmax_cross_entropy(
                output, Y, row_scale, self._epsilon, out, bias_grad
            )
            return float(loss), out
        loss = float(self.loss.per_sample(Y, output) @ row_scale)
        delta = self.loss.delta(Y, output, out=out)
        delta *= row_scale[:, np.newaxis]
        np.sum(delta, axis=0, out=bias_grad)
        return loss, delta

    def _hidden_delta(self, hidden, previous, preactivations, A):
        """``D`` of a hidden layer from ``D W^T``; also its bias gradient."""
        bias_grad = self.intercept_grads[hidden]
        if self._fused_relu:
            kernels().relu_delta(previous, A, bias_grad)
            return previous
        derivative = DERIVATIVES[self.hidden_activation]
        delta = derivative(preactivations[hidden], A, previous)
        np.sum(delta, axis=0, out=bias_grad)
        return delta
