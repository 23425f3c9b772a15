"""skl2onnx glue of the tabular models: parsers, shapes, converters, and the
input declarations and feeds built from a DataFrame.

The graph itself is written by :mod:`skmlp._onnx_tabular_encoder`.
"""

import numpy as np
from skl2onnx.common.data_types import (
    DoubleTensorType,
    FloatTensorType,
    StringTensorType,
)
from sklearn.utils.validation import check_is_fitted

from ._frames import level_keys
from ._onnx_graph import Graph
from ._onnx_tabular_encoder import (
    MISSING_STRING,
    Columns,
    check_categories,
    column_names,
    encode,
    encoded_matrix,
    graph_dtype,
)
from ._tabular_columns import category_kind
from ._tabular_encoder import TabularEncoder

_TENSOR_TYPES = {
    np.dtype(np.float32): FloatTensorType,
    np.dtype(np.float64): DoubleTensorType,
}


def _check_fitted(model):
    check_is_fitted(
        model,
        msg="This %(name)s instance is not fitted yet: call 'fit' before "
        "converting it to ONNX.",
    )


def encoder_of(model):
    """The fitted TabularEncoder of ``model``: itself, its ``encoder_``, or
    that of the first step of a pipeline."""
    steps = getattr(model, "steps", None)
    if steps:
        return encoder_of(steps[0][1])
    _check_fitted(model)
    if isinstance(model, TabularEncoder):
        return model
    encoder = getattr(model, "encoder_", None)
    if not isinstance(encoder, TabularEncoder):
        raise TypeError(
            "Expected a TabularEncoder, a tabular estimator or a pipeline "
            f"starting with one, got {type(model).__name__}."
        )
    return encoder


def _tensor_type(dtype):
    try:
        return _TENSOR_TYPES[np.dtype(dtype)]
    except (KeyError, TypeError):
        raise ValueError(
            f"dtype must be np.float32 or np.float64, got {dtype!r}."
        ) from None


# -- the encoder ---------------------------------------------------------------


def parse_tabular_encoder(scope, model, inputs, custom_parsers=None):
    """Check that the encoder and its inputs can be converted, then declare
    the operator and its output, a float tensor in the graph's type."""
    _check_fitted(model)
    check_categories(model, Columns(model, inputs))
    operator = scope.declare_local_operator("SkmlpTabularEncoder", model)
    operator.inputs = list(inputs)
    tensor = _tensor_type(graph_dtype(inputs))
    operator.outputs.append(scope.declare_local_variable("encoded", tensor()))
    return operator.outputs


def tabular_encoder_shapes(operator):
    """``(n_samples, n_features_out)`` in the graph's float type."""
    model = operator.raw_operator
    tensor = _tensor_type(graph_dtype(operator.inputs))
    n_samples = operator.inputs[0].get_first_dimension()
    width = model.output_slices_["embedding"].stop
    operator.outputs[0].type = tensor([n_samples, width])


def convert_tabular_encoder(scope, operator, container):
    """skl2onnx converter of a fitted :class:`skmlp.TabularEncoder`.

    Writes ``transform``: the numeric block, the missing indicators, the
    one-hot blocks and the embedding codes as floats.

    Parameters
    ----------
    scope : skl2onnx.common._topology.Scope
        Names of the variables and nodes of the model being built.
    operator : skl2onnx.common._topology.Operator
        The encoder (``operator.raw_operator``), its inputs and its output.
    container : skl2onnx.common._container.ModelComponentContainer
        Receives the nodes and initializers.
    """
    model = operator.raw_operator
    graph = Graph(scope, container, graph_dtype(operator.inputs))
    encoded = encode(graph, model, Columns(model, operator.inputs))
    encoded_matrix(graph, encoded, output=operator.outputs[0].full_name)


# -- inputs from a DataFrame ---------------------------------------------------


def input_types(model, dtype=np.float32):
    """The ONNX inputs of a tabular model: one per column of the table.

    Parameters
    ----------
    model : TabularEncoder, tabular estimator or Pipeline
        Fitted; a pipeline starts with a tabular model.
    dtype : {np.float32, np.float64}, default=np.float32
        The type of the numeric inputs, which is the type of the graph.

    Returns
    -------
    initial_types : list of (str, DataType)
        For ``skl2onnx.to_onnx(model, initial_types=...)``: each column by
        its name (``x0``, ``x1``, ... without names), shape ``[None, 1]``;
        a ``StringTensorType`` for a column of string categories, a float
        tensor of ``dtype`` for any other.
    """
    encoder = encoder_of(model)
    tensor = _tensor_type(dtype)
    types = []
    for i, name in enumerate(column_names(encoder)):
        string = _string_column(encoder, i)
        types.append(
            (name, StringTensorType([None, 1]) if string else tensor([None, 1]))
        )
    return types


def input_feed(model, X, dtype=np.float32):
    """The inputs of an ONNX tabular model for the rows of ``X``.

    Parameters
    ----------
    model : TabularEncoder, tabular estimator or Pipeline
        Fitted; a pipeline starts with a tabular model.
    X : {DataFrame, array-like} of shape (n_samples, n_features)
        The columns seen in fit: a pandas or polars DataFrame, or an array.
    dtype : {np.float32, np.float64}, default=np.float32
        The type of the numeric inputs, as given to :func:`input_types`.

    Returns
    -------
    feed : dict of str to ndarray of shape (n_samples, 1)
        For ``onnxruntime.InferenceSession.run``: numbers and booleans as
        ``dtype`` with NaN for missing values; string categories as an object
        array of ``str``, with the empty string for missing values, as the
        encoder reads them (numbers in such a column become their ``str``).
    """
    encoder = encoder_of(model)
    _tensor_type(dtype)
    frame = encoder._frame(X, reset=False)
    feed = {}
    for i, name in enumerate(column_names(encoder)):
        if not encoder.is_categorical_[i]:
            values = frame.numeric(i).astype(dtype)
        else:
            codes, levels = frame.factorize(i)
            present = codes >= 0
            if _string_column(encoder, i):
                keys = level_keys(levels, "str").astype(object)
                values = np.full(frame.n_rows, MISSING_STRING, dtype=object)
            else:
                keys = level_keys(levels, "num").astype(dtype)
                values = np.full(frame.n_rows, np.nan, dtype=dtype)
            values[present] = keys[codes[present]]
        feed[name] = values.reshape(-1, 1)
    return feed


def _string_column(encoder, i):
    if not encoder.is_categorical_[i]:
        return False
    j = int(np.count_nonzero(encoder.is_categorical_[:i]))
    return category_kind(encoder.categories_[j]) == "str"
