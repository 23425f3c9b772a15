"""The tabular network as ONNX nodes: from the encoded blocks to the scores.

:func:`scores` follows ``skmlp._tabular_network.TabularNetwork.forward`` step
by step, reading the fitted attributes of a tabular estimator:

1. periodic embeddings of the numeric block (``numeric_embedding_``):
   ``cos(2 pi x f + p) V + u`` per feature, then the numeric block itself;
2. the dense columns as they are, and a row of ``category_embeddings_[c]``
   per embedding code (a ``Gather``);
3. ``H = [all of that] * feature_scale_``;
4. per hidden layer ``Z = A W + b`` and ``A = Z + alpha (g(Z) - Z)``;
5. the scores ``S = A W + b``.

Each base activation ``g`` is one function in :data:`ACTIVATIONS`, under the
name the estimators accept, written with the constants of
:mod:`skmlp._tabular_math`.
"""

import numpy as np

from . import _onnx_graph
from ._tabular_math import SELU_ALPHA, SELU_SCALE, TWO_PI

ACTIVATIONS = {}


def _activation(name):
    def register(build):
        ACTIVATIONS[name] = build
        return build

    return register


def base_activation(name):
    """The function writing base activation ``name`` as ONNX nodes.

    Raises
    ------
    NotImplementedError
        If ``name`` has no ONNX translation, naming those that have.
    """
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise NotImplementedError(
            f"activation={name!r} of a tabular network has no ONNX translation "
            f"in skmlp.onnx; those it converts are {', '.join(sorted(ACTIVATIONS))}."
        ) from None


@_activation("selu")
def selu(graph, Z):
    """``s z`` for ``z > 0``, else ``s a (exp(z) - 1)``.

    ONNX has no ``expm1``; ``exp(z) - 1`` differs from it by at most about
    one unit in the last place of 1, as the ELU of ``skmlp._onnx_graph``.
    ``exp`` only sees ``min(z, 0)``, so it cannot overflow.
    """
    negative = graph.op("Exp", graph.op("Min", Z, graph.constant(0.0)))
    negative = graph.op("Sub", negative, graph.constant(1.0))
    negative = graph.op("Mul", negative, graph.constant(SELU_ALPHA))
    positive = graph.op("Greater", Z, graph.constant(0.0))
    return graph.op(
        "Mul", graph.op("Where", positive, Z, negative), graph.constant(SELU_SCALE)
    )


@_activation("mish")
def mish(graph, Z):
    """``z tanh(softplus(z))``, softplus as ``logaddexp(0, z)`` computes it."""
    return graph.op("Mul", Z, graph.op("Tanh", _onnx_graph.softplus(graph, Z)))


@_activation("relu")
def relu(graph, Z):
    """``max(z, 0)``."""
    return graph.op("Relu", Z)


@_activation("silu")
def silu(graph, Z):
    """``z sigmoid(z)``, written as :func:`skmlp._onnx_graph.silu` writes it
    (onnxruntime's fusion of ``z * Sigmoid(z)`` has no double kernel)."""
    return _onnx_graph.silu(graph, Z)


def check_network(model):
    """Raise NotImplementedError, before anything is built, for a fitted
    network the graph cannot express."""
    base_activation(model.activation)


def scores(graph, model, encoded):
    """The scores ``S`` of a fitted tabular estimator for its encoded input.

    Parameters
    ----------
    graph : skmlp._onnx_graph.Graph
    model : TabularMLPClassifier or TabularMLPRegressor
        Fitted.
    encoded : skmlp._onnx_tabular_encoder.Encoded
        The blocks of ``model.encoder_``'s output.

    Returns
    -------
    scores : str
        Name of the ``(n, n_outputs)`` scores.
    """
    parts = []
    if encoded.numeric is not None:
        if model.numeric_embedding_ is not None:
            parts.append(periodic_embedding(graph, model.numeric_embedding_, encoded))
        parts.append(encoded.numeric)
    parts += encoded.dense
    for table, codes in zip(model.category_embeddings_, encoded.codes, strict=True):
        rows = graph.op("Gather", graph.constant(table), codes, axis=0)
        # (n, 1, e): one code per row picks one row of the table.
        parts.append(
            graph.op("Reshape", rows, graph.constant([0, table.shape[1]], np.int64))
        )
    H = parts[0] if len(parts) == 1 else graph.op("Concat", *parts, axis=1)
    A = graph.op("Mul", H, graph.constant(model.feature_scale_))
    g = base_activation(model.activation)
    last = len(model.coefs_) - 1
    for layer, (W, b) in enumerate(zip(model.coefs_, model.intercepts_, strict=True)):
        Z = graph.op("Gemm", A, graph.constant(W), graph.constant(b))
        if layer == last:
            return Z
        # A = (g(Z) - Z) alpha + Z, in the order the network computes it.
        A = graph.op("Sub", g(graph, Z), Z)
        A = graph.op("Mul", A, graph.constant(model.activation_weights_[layer]))
        A = graph.op("Add", A, Z)
    raise ValueError("A tabular network has at least an output layer.")


def periodic_embedding(graph, embedding, encoded):
    """``cos(2 pi x f_j + p_j) V_j + u_j`` of each numeric feature ``j``,
    side by side: ``(n, n_numeric * m)``, feature 0's ``m`` values first.

    Works feature-major, as the network does: the angles are ``(F, n, k)``
    and one batched ``MatMul`` mixes them with the ``(F, k, m)`` weights.
    The cosine is written ``sin(angle + pi / 2)``, with ``pi / 2`` added to
    the phase constants: onnxruntime's CPU provider has ``Sin`` in float32
    and float64, but in some releases (1.21 among them) ``Cos`` in float32
    only.
    """
    frequencies = embedding["frequencies"]
    F, k = frequencies.shape
    m = embedding["weights"].shape[2]
    x = graph.op("Transpose", encoded.numeric, perm=[1, 0])
    # Shape 0 copies the input's dimension: (F, n) -> (F, n, 1), even n = 0.
    x = graph.op("Reshape", x, graph.constant([0, 0, 1], np.int64))
    angles = graph.op("Mul", x, graph.constant(frequencies.reshape(F, 1, k)))
    angles = graph.op("Mul", angles, graph.constant(TWO_PI))
    shifted_phases = embedding["phases"].astype(np.float64) + np.pi / 2
    angles = graph.op("Add", angles, graph.constant(shifted_phases.reshape(F, 1, k)))
    embedded = graph.op(
        "MatMul", graph.op("Sin", angles), graph.constant(embedding["weights"])
    )
    embedded = graph.op(
        "Add", embedded, graph.constant(embedding["biases"].reshape(F, 1, m))
    )
    embedded = graph.op("Transpose", embedded, perm=[1, 0, 2])
    return graph.op("Reshape", embedded, graph.constant([0, F * m], np.int64))
