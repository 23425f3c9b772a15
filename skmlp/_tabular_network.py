"""The tabular network: encoded columns in, scores out, with its gradient.

Its input is the output of :class:`~skmlp.TabularEncoder`: the numeric block,
the other dense columns (missing indicators, one-hot blocks) and the integer
codes of the high-cardinality categories. A forward pass computes

1. periodic embeddings of the numeric features, followed by the features
   themselves (:func:`~skmlp._tabular_math.periodic_embedding`);
2. the other dense columns as they are, and a learned embedding row per code;
3. ``H = [all of that] * s``, a learned scale per column;
4. per hidden layer ``Z = A W + b`` and the parametric activation
   ``A = Z + alpha (g(Z) - Z)``, then dropout while training;
5. the scores ``S = A W + b``.

All parameters live in one flat vector, in *blocks* that each carry a
learning-rate factor and a weight-decay factor (see
:class:`~skmlp._tabular_architecture.Block`), so the
optimizer steps a few contiguous segments with one kernel call each.

The weights use the standard parametrisation with the NTK learning rate:
training ``W' = W / sqrt(fan_in)`` with step ``lr / sqrt(fan_in)`` is what
the NTK parametrisation ``Z = A W / sqrt(fan_in)`` does under Adam, whose
steps do not depend on the gradient's scale (up to Adam's ``epsilon``). The
stored weights are then the weights the prediction uses, as in the drop-in
estimators, and the exported graphs stay plain matrix products.
"""

import dataclasses

import numpy as np

from ._engine import kernels
from ._tabular_architecture import Architecture, make_blocks
from ._tabular_kernels import (
    ACTIVATION_CODES,
    activate,
    constants_for,
    dropout_noise,
)
from ._tabular_math import (
    parametric_activation,
    periodic_embedding,
    periodic_embedding_backward,
)

# Rows of a prediction chunk: bounds the memory of predicting on many rows
# (and of scoring the held-out rows every epoch) to under 2 MiB of
# temporaries. Each layer's output then stays in the CPU's cache for the
# element-wise passes over it, and the matrix products are still large
# enough to run at full speed.
PREDICT_CHUNK_ROWS = 512


class TabularNetwork:
    """Parameters, forward pass and backpropagation of the tabular MLP.

    Parameters
    ----------
    arch : Architecture
    factors : dict
        Per-group ``(lr_factor, decay_factor)``, see
        :func:`~skmlp._tabular_architecture.make_blocks`.
    dtype : numpy dtype
        ``float32`` or ``float64``, of parameters, gradients and activations.
    ntk : bool
        Whether the weights learn at the NTK rate ``1 / sqrt(fan_in)``.
    """

    def __init__(self, arch, factors, dtype, ntk=True):
        self.arch, self.factors, self.ntk = arch, dict(factors), ntk
        self.dtype = np.dtype(dtype)
        self._build()

    def _build(self):
        self._constants = constants_for(self.dtype)
        self.blocks = make_blocks(self.arch, self.factors, self.ntk)
        self.params = np.zeros(sum(b.size for b in self.blocks), self.dtype)
        self.grad = np.zeros_like(self.params)
        self.p, self.g, self.slices = {}, {}, {}
        start = 0
        for block in self.blocks:
            part = slice(start, start + block.size)
            self.slices[block.name] = part
            self.p[block.name] = self.params[part].reshape(block.shape)
            self.g[block.name] = self.grad[part].reshape(block.shape)
            start = part.stop
        self.n_layers = len(self.arch.layer_units) - 1

    def __getstate__(self):
        # Builtins and one flat array only: the per-block views would pickle
        # as separate arrays, and skops loads plain data without trusting
        # extra types. The views are rebuilt from the flat vector.
        return {
            "arch": dataclasses.asdict(self.arch),
            "factors": {k: list(v) for k, v in self.factors.items()},
            "ntk": self.ntk,
            "dtype": self.dtype.name,
            "params": self.params.copy(),
        }

    def __setstate__(self, state):
        arch = state["arch"]
        arch = {
            **arch,
            "cardinalities": tuple(arch["cardinalities"]),
            "hidden_layer_sizes": tuple(arch["hidden_layer_sizes"]),
        }
        self.arch = Architecture(**arch)
        self.factors = {k: tuple(v) for k, v in state["factors"].items()}
        self.ntk = state["ntk"]
        self.dtype = np.dtype(state["dtype"])
        self._build()
        self.params[...] = state["params"]

    # -- initialisation -----------------------------------------------------------

    def initialize(self, X_sample, rng, frequency_scale):
        """Draw the parameters, the weights and biases from the data.

        Frequencies ~ N(0, frequency_scale^2), phases ~ U(-pi, pi), the
        embedding mixes ~ U(+-1/sqrt(k)), category tables ~ N(0, 1), scales
        and ``alpha`` 1. Each layer's weights are drawn N(0, 1) and divided,
        per unit, by the standard deviation of their output on ``X_sample``,
        so every unit starts with unit variance on the data. Each bias is
        minus a random convex combination of that unit's output on 5 random
        sample rows: its boundary starts inside the data, where it can learn.
        """
        arch, p = self.arch, self.p
        self._draw_embeddings(rng, frequency_scale)
        A = self._features(X_sample)[0]
        A *= p["scale"]
        for layer in range(self.n_layers):
            W, b = p[f"W{layer}"], p[f"b{layer}"]
            W[...] = rng.standard_normal(W.shape)
            Z = A @ W
            W /= np.maximum(Z.std(axis=0), 1e-30)
            np.matmul(A, W, out=Z)
            rows = rng.integers(0, Z.shape[0], (5, Z.shape[1]))
            mix = rng.exponential(1.0, (5, Z.shape[1]))
            mix /= mix.sum(axis=0)
            b[...] = -(Z[rows, np.arange(Z.shape[1])] * mix).sum(axis=0)
            if layer < self.n_layers - 1:
                # Z becomes the next layer's input, a few rows at a time: the
                # activation's temporaries stay small.
                Z += b
                for start in range(0, Z.shape[0], 256):
                    part = Z[start : start + 256]
                    part[...] = parametric_activation(
                        part, p[f"alpha{layer}"], arch.activation
                    )[0]
                A = Z
        return self

    def initialize_random(self, rng, frequency_scale):
        """Draw the parameters without looking at the data.

        As :meth:`initialize` for the embeddings; weights ~ N(0, 1 / fan_in)
        and biases 0, the usual initialisation of the standard layers.
        """
        self._draw_embeddings(rng, frequency_scale)
        for layer in range(self.n_layers):
            W = self.p[f"W{layer}"]
            W[...] = rng.normal(0, W.shape[0] ** -0.5, W.shape)
            self.p[f"b{layer}"][...] = 0
        return self

    def _draw_embeddings(self, rng, frequency_scale):
        arch, p = self.arch, self.p
        p["scale"][...] = 1
        for layer in range(len(arch.hidden_layer_sizes)):
            p[f"alpha{layer}"][...] = 1
        if arch.periodic:
            k = arch.n_frequencies
            p["frequencies"][...] = rng.normal(
                0, frequency_scale, p["frequencies"].shape
            )
            p["phases"][...] = rng.uniform(-np.pi, np.pi, p["phases"].shape)
            bound = k**-0.5
            p["mix_weights"][...] = rng.uniform(-bound, bound, p["mix_weights"].shape)
            p["mix_biases"][...] = rng.uniform(-bound, bound, p["mix_biases"].shape)
        for c in range(len(arch.cardinalities)):
            p[f"table{c}"][...] = rng.standard_normal(p[f"table{c}"].shape)

    # -- forward ------------------------------------------------------------------

    def _features(self, X, training=False):
        """``H`` before the scale, and what the backward pass needs of it."""
        arch, p = self.arch, self.p
        n, F = X.shape[0], arch.n_numeric
        # Each part is written into H0 where it goes: no list of parts to
        # concatenate, one copy fewer.
        H0 = np.empty((n, arch.n_inputs), self.dtype)
        cache = {}
        start = 0
        if arch.periodic:
            start = F * arch.numeric_embedding_dim
            # The embedding is written feature-major into H0's rows, whose
            # (n, F, m) view transposed is (F, n, m): no copy to rearrange.
            rows = H0[:, :start].reshape(n, F, arch.numeric_embedding_dim)
            _, cache["periodic"] = periodic_embedding(
                X[:, :F],
                p["frequencies"],
                p["phases"],
                p["mix_weights"],
                p["mix_biases"],
                keep=training,
                out=rows.transpose(1, 0, 2),
            )
        dense_stop = F + arch.n_dense
        H0[:, start : start + dense_stop] = X[:, :dense_stop]
        start += dense_stop
        if arch.cardinalities:
            codes = X[:, dense_stop:].astype(np.intp)
            cache["codes"] = codes
            e = arch.embedding_dim
            for c in range(len(arch.cardinalities)):
                H0[:, start : start + e] = p[f"table{c}"][codes[:, c]]
                start += e
        return H0, cache

    def forward(self, X, dropout=0.0, rng=None, n_hidden=None):
        """Scores for encoded ``X``; with ``rng``, training mode and a cache.

        Returns ``(S, cache)``; the cache is None outside training. Dropout
        zeroes each hidden unit with probability ``dropout`` (rounded to a
        multiple of 1/256, see :func:`~skmlp._tabular_kernels.dropout_noise`)
        and scales the survivors to keep the expected output. With
        ``n_hidden``, returns the activations of that many hidden layers
        instead of the scores.
        """
        training = rng is not None
        H0, cache = self._features(X, training)
        # Training keeps H0 for the scale's gradient; prediction scales it
        # in place.
        A = (
            H0 * self.p["scale"]
            if training
            else np.multiply(H0, self.p["scale"], out=H0)
        )
        layers = []
        stop = self.n_layers - 1 if n_hidden is None else n_hidden
        code = ACTIVATION_CODES[self.arch.activation]
        engine = kernels()
        for layer in range(stop):
            Z = A @ self.p[f"W{layer}"]
            # Z becomes the layer's output, in place.
            b, alpha = self.p[f"b{layer}"], self.p[f"alpha{layer}"]
            if training:
                # Random bytes even at rate 0 (threshold 0 drops nothing):
                # one kernel without a test per unit, for a few microseconds.
                noise = dropout_noise(rng, Z.shape, dropout, self.dtype)
                D, S = np.empty_like(Z), np.empty_like(Z)
                activate(engine, Z, b, alpha, code, self._constants, noise, D, S)
            else:
                activate(engine, Z, b, alpha, code, self._constants)
            if training:
                layers.append((A, D, S))
            A = Z
        if n_hidden is not None:
            return A, None
        last = self.n_layers - 1
        S = A @ self.p[f"W{last}"]
        S += self.p[f"b{last}"]
        if not training:
            return S, None
        cache.update(H0=H0, layers=layers, A_last=A)
        return S, cache

    def scores(self, X, rows=None):
        """Scores for the ``rows`` of encoded ``X`` (all by default); reads
        the weights only.

        Works through the rows in chunks, so the memory beyond the output is
        bounded whatever their number.
        """
        return self._in_chunks(X, rows, self.arch.n_outputs, None)

    def hidden(self, X, layer):
        """Activations of hidden layer ``layer`` for every row of ``X``."""
        width = self.arch.hidden_layer_sizes[layer]
        return self._in_chunks(X, None, width, layer + 1)

    def _in_chunks(self, X, rows, width, n_hidden):
        n = X.shape[0] if rows is None else rows.size
        if n <= PREDICT_CHUNK_ROWS:
            # One chunk, as a small prediction has: no output to copy into.
            chunk = X if rows is None else X[rows]
            return self.forward(chunk, n_hidden=n_hidden)[0]
        out = np.empty((n, width), self.dtype)
        for start in range(0, n, PREDICT_CHUNK_ROWS):
            part = slice(start, start + PREDICT_CHUNK_ROWS)
            chunk = X[part] if rows is None else X[rows[part]]
            out[part] = self.forward(chunk, n_hidden=n_hidden)[0]
        return out

    # -- backward -----------------------------------------------------------------

    def backward(self, cache, dS):
        """Write the gradient of the loss into ``self.grad`` given ``dS``; uses
        up ``cache``.

        ``dS`` is the loss's gradient with respect to the scores, already
        carrying the sample weighting of the batch.
        """
        p, g = self.p, self.g
        last = self.n_layers - 1
        np.matmul(cache.pop("A_last").T, dS, out=g[f"W{last}"])
        np.sum(dS, axis=0, out=g[f"b{last}"])
        dA = dS @ p[f"W{last}"].T
        engine = kernels()
        # Each layer's arrays are let go once its gradient is out: the
        # embedding's gradient, last, runs with less memory held.
        layers = cache.pop("layers")
        for layer in range(self.n_layers - 2, -1, -1):
            A_prev, D, S = layers.pop()
            # dA becomes the gradient with respect to the pre-activation;
            # dropped units have D = S = 0, so no gradient passes them.
            engine.parametric_backward(dA, D, S, g[f"alpha{layer}"], g[f"b{layer}"])
            dZ = dA
            np.matmul(A_prev.T, dZ, out=g[f"W{layer}"])
            dA = dZ @ p[f"W{layer}"].T
        del A_prev, D, S, dZ
        H0 = cache["H0"]
        g["scale"][...] = np.einsum("ij,ij->j", dA, H0)
        dH0 = dA
        dH0 *= p["scale"]
        self._features_backward(cache, dH0, engine)

    def _features_backward(self, cache, dH0, engine):
        arch, g = self.arch, self.g
        n, F = dH0.shape[0], arch.n_numeric
        start = 0
        if arch.periodic:
            m = arch.numeric_embedding_dim
            dE = dH0[:, : F * m].reshape(n, F, m).transpose(1, 0, 2)
            grads = periodic_embedding_backward(
                dE, cache["periodic"], self.p["mix_weights"]
            )
            for name, value in zip(
                ("frequencies", "phases", "mix_weights", "mix_biases"),
                grads,
                strict=True,
            ):
                g[name][...] = value
            start = F * m
        start += F + arch.n_dense
        e = arch.embedding_dim
        for c in range(len(arch.cardinalities)):
            engine.embedding_backward(
                dH0[:, start : start + e], cache["codes"][:, c], g[f"table{c}"]
            )
            start += e
