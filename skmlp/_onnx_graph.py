"""The network as ONNX nodes: the layers and their hidden activations.

:class:`Graph` appends nodes and constants to the container skl2onnx hands a
converter, all in one floating-point type: ``float32`` for a
``FloatTensorType`` input, ``float64`` for a ``DoubleTensorType`` one. The
converters in :mod:`skmlp.onnx` build on :func:`forward`, which computes the
logits of the output layer exactly as :func:`skmlp._network.forward` does
before the head.

Each hidden activation is one function registered in :data:`ACTIVATIONS` under
the name the estimators accept, writing the formula of
:mod:`skmlp._activations` with the same constants. Only operators that
onnxruntime implements in both float types are used: its ``LeakyRelu``,
``Elu``, ``Softplus``, ``Erf`` and ``Gelu`` exist in ``float32`` only, so
those activations are written from ``Max``, ``Exp``, ``Log`` and the like, and
the ``float64`` graph of GELU evaluates the error function from a Chebyshev
series (:func:`normal_cdf`) rather than computing it in single precision.
"""

import numpy as np
from numpy.polynomial import chebyshev
from onnx import TensorProto, numpy_helper
from onnx.helper import np_dtype_to_tensor_dtype
from scipy.special import erfcx
from skl2onnx.common.data_types import guess_proto_type

from ._activations import ELU_ALPHA, LEAKY_RELU_SLOPE

# erfcx(x) = exp(x^2) erfc(x) on x >= 0, as a Chebyshev series in
# t = (x - K) / (x + K), which maps [0, inf) onto [-1, 1). erfcx decays like
# 1 / (x sqrt(pi)), smoothly in t, so 25 terms give erf to about 1e-14 at
# every x, well below the float64 rounding of a layer's matrix product.
_ERFCX_SCALE = 3.0
_ERFCX_SERIES = chebyshev.chebinterpolate(
    lambda t: erfcx(_ERFCX_SCALE * (1 + t) / (1 - t)), 24
)


class Graph:
    """Nodes and constants that one converter call adds to the ONNX model.

    Parameters
    ----------
    scope : skl2onnx.common._topology.Scope
        Gives unique names to variables and nodes.
    container : skl2onnx.common._container.ModelComponentContainer
        Receives the nodes and initializers.
    dtype : numpy dtype
        ``float32`` or ``float64``: the type of every float the graph computes.
    """

    def __init__(self, scope, container, dtype):
        self.scope = scope
        self.container = container
        self.dtype = np.dtype(dtype)
        self.proto = np_dtype_to_tensor_dtype(self.dtype)

    def constant(self, value, dtype=None):
        """Name of an initializer holding ``value`` (in the graph's dtype).

        Strings are stored UTF-8 encoded, as ONNX string tensors are.
        """
        value = np.asarray(value, dtype=dtype or self.dtype)
        name = self.scope.get_unique_variable_name("constant")
        if value.dtype.kind in "OUS":
            data = [str(v).encode("utf-8") for v in value.ravel()]
            self.container.add_initializer(
                name, TensorProto.STRING, list(value.shape), data
            )
        else:
            tensor = numpy_helper.from_array(value)
            self.container.add_initializer(
                name, tensor.data_type, list(value.shape), tensor
            )
        return name

    def op(self, op_type, *inputs, output=None, **attributes):
        """Append one node; return the name of its output.

        ``output`` names the output, for a node that writes one of the
        operator's declared outputs; otherwise it gets a fresh name.
        """
        if output is None:
            output = self.scope.get_unique_variable_name(op_type.lower())
        self.container.add_node(
            op_type,
            list(inputs),
            output,
            name=self.scope.get_unique_operator_name(op_type),
            **attributes,
        )
        return output

    def input(self, variable):
        """The converter's input in the graph's dtype, cast only if needed."""
        if guess_proto_type(variable.type) == self.proto:
            return variable.full_name
        return self.op("Cast", variable.full_name, to=self.proto)

    def clip(self, x, low, high, output=None):
        """``min(max(x, low), high)`` with scalar bounds in the graph's dtype.

        ``Max`` and ``Min`` broadcast a scalar since opset 8; ``Clip`` takes its
        bounds as attributes before opset 11 and as inputs after.
        """
        return self.op(
            "Min",
            self.op("Max", x, self.constant(low)),
            self.constant(high),
            output=output,
        )


def forward(graph, model, x):
    """Logits of the output layer of a fitted skmlp estimator for input ``x``.

    Layer ``l`` computes ``Z = A W + b`` (one ``Gemm``) and, for hidden layers,
    ``A = g(Z)`` with the estimator's ``activation``.
    """
    hidden = hidden_activation(model.activation)
    activations = x
    last = len(model.coefs_) - 1
    for layer, (W, b) in enumerate(zip(model.coefs_, model.intercepts_, strict=True)):
        Z = graph.op("Gemm", activations, graph.constant(W), graph.constant(b))
        activations = Z if layer == last else hidden(graph, Z)
    return activations


ACTIVATIONS = {}


def hidden_activation(name):
    """The function writing activation ``name`` as ONNX nodes.

    Raises
    ------
    NotImplementedError
        If ``name`` has no ONNX translation, naming it and those that have.
    """
    try:
        return ACTIVATIONS[name]
    except KeyError:
        raise NotImplementedError(
            f"activation={name!r} has no ONNX translation in skmlp.onnx; the "
            f"activations it converts are {', '.join(sorted(ACTIVATIONS))}."
        ) from None


def _activation(name):
    """Register the decorated function as the ONNX form of activation ``name``."""

    def register(build):
        ACTIVATIONS[name] = build
        return build

    return register


@_activation("identity")
def identity(graph, Z):
    """``g(z) = z``: no node at all."""
    return Z


@_activation("logistic")
def logistic(graph, Z):
    """``g(z) = 1 / (1 + exp(-z))``."""
    return graph.op("Sigmoid", Z)


@_activation("tanh")
def tanh(graph, Z):
    """``g(z) = tanh(z)``."""
    return graph.op("Tanh", Z)


@_activation("relu")
def relu(graph, Z):
    """``g(z) = max(z, 0)``."""
    return graph.op("Relu", Z)


@_activation("leaky_relu")
def leaky_relu(graph, Z):
    """``g(z) = max(z, slope z)``, skmlp's formula and slope."""
    return graph.op("Max", Z, graph.op("Mul", Z, graph.constant(LEAKY_RELU_SLOPE)))


@_activation("elu")
def elu(graph, Z):
    """``g(z) = max(z, 0) + alpha (exp(min(z, 0)) - 1)``.

    Written as skmlp writes it, so that no ``exp`` of a positive ``z`` can
    overflow.
    """
    negative = graph.op("Exp", graph.op("Min", Z, graph.constant(0.0)))
    negative = graph.op("Sub", negative, graph.constant(1.0))
    negative = graph.op("Mul", negative, graph.constant(ELU_ALPHA))
    return graph.op("Add", graph.op("Relu", Z), negative)


@_activation("gelu")
def gelu(graph, Z):
    """``g(z) = z Phi(z)``, the exact GELU (not its tanh approximation)."""
    return graph.op("Mul", Z, normal_cdf(graph, Z))


@_activation("silu")
def silu(graph, Z):
    """``g(z) = z sigmoid(z)``, written ``z / (1 + exp(-z))``.

    onnxruntime (up to at least 1.26) fuses ``Mul(z, Sigmoid(z))`` into its
    ``QuickGelu`` kernel, which has no double version, so a float64 model
    written that way fails to load. ``exp(-z)`` overflowing to inf for very
    negative ``z`` gives ``z / inf = -0``, the limit.
    """
    denominator = graph.op(
        "Add", graph.constant(1.0), graph.op("Exp", graph.op("Neg", Z))
    )
    return graph.op("Div", Z, denominator)


@_activation("softplus")
def softplus(graph, Z):
    """``g(z) = max(z, 0) + log1p(exp(-|z|))``, which is ``log(1 + exp(z))``.

    Like skmlp's ``logaddexp(0, z)`` it exponentiates only non-positive
    numbers, so it stays finite for every finite ``z``.
    """
    tail = graph.op("Exp", graph.op("Neg", graph.op("Abs", Z)))
    return graph.op("Add", graph.op("Relu", Z), log1p(graph, tail))


def log1p(graph, x):
    """``log(1 + x)`` accurate for small ``x``, which ONNX has no operator for.

    ``log(u)`` of the rounded ``u = 1 + x`` loses the digits of ``x`` that
    the rounding dropped; ``x log(u) / (u - 1)`` puts them back (Goldberg,
    1991, theorem 4), and where ``u`` rounds to 1, ``log(1 + x)`` is ``x`` to
    working precision. Only called on ``x >= 0``.
    """
    one = graph.constant(1.0)
    u = graph.op("Add", x, one)
    ratio = graph.op("Div", graph.op("Log", u), graph.op("Sub", u, one))
    # u >= 1 here (x >= 0), and Greater compares floats in every opset.
    rounded_up = graph.op("Greater", u, one)
    return graph.op("Where", rounded_up, graph.op("Mul", x, ratio), x)


def normal_cdf(graph, Z):
    """``Phi(z) = (1 + erf(z / sqrt(2))) / 2``, the standard normal CDF.

    In ``float32`` this is onnxruntime's ``Erf``, step by step as skmlp
    computes it. onnxruntime has no ``float64`` ``Erf``, so there
    ``Phi(z) = erfc(-x) / 2`` with ``x = z / sqrt(2)``: half the complementary
    error function of ``|x|`` for ``x < 0``, one minus it otherwise, from
    ``erfc(a) = exp(-a^2) erfcx(a)`` and the Chebyshev series of ``erfcx``,
    summed by Clenshaw's recurrence.
    """
    x = graph.op("Div", Z, graph.constant(np.sqrt(2.0)))
    if graph.dtype == np.float32:
        cdf = graph.op("Add", graph.op("Erf", x), graph.constant(1.0))
        return graph.op("Mul", cdf, graph.constant(0.5))

    a = graph.op("Abs", x)
    scale = graph.constant(_ERFCX_SCALE)
    t = graph.op("Div", graph.op("Sub", a, scale), graph.op("Add", a, scale))
    two_t = graph.op("Mul", t, graph.constant(2.0))
    # b_k = c_k + 2 t b_{k+1} - b_{k+2}, from the highest k down to 1.
    b1 = b2 = None
    for coefficient in _ERFCX_SERIES[:0:-1]:
        b = graph.constant(coefficient)
        if b1 is not None:
            b = graph.op("Add", b, graph.op("Mul", two_t, b1))
        if b2 is not None:
            b = graph.op("Sub", b, b2)
        b1, b2 = b, b1
    series = graph.op("Mul", t, b1)
    series = graph.op(
        "Sub", graph.op("Add", series, graph.constant(_ERFCX_SERIES[0])), b2
    )
    half_erfc = graph.op("Exp", graph.op("Neg", graph.op("Mul", a, a)))
    half_erfc = graph.op("Mul", graph.op("Mul", half_erfc, series), graph.constant(0.5))
    upper = graph.op("Sub", graph.constant(1.0), half_erfc)
    negative = graph.op("Less", x, graph.constant(0.0))
    return graph.op("Where", negative, half_erfc, upper)
