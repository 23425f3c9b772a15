"""skl2onnx glue of the tabular models: parsers, shapes, converters, and the
input declarations and feeds built from a DataFrame.

The graphs are written by :mod:`skmlp._onnx_tabular_encoder` (the encoder's
blocks) and :mod:`skmlp._onnx_tabular_network` (the network's scores). The
tabular estimators take one input per column, of different types, where
skl2onnx's own classifier and regressor parsers and shape calculators expect
one numeric tensor; the parsers here declare the outputs in the graph's type
(``skmlp._onnx_tabular_encoder.graph_dtype``) and the shape calculators
check only the outputs, reusing skl2onnx's ZipMap and label handling.
"""

import numpy as np
from skl2onnx._parse import _apply_zipmap
from skl2onnx.common.data_types import (
    DoubleTensorType,
    FloatTensorType,
    Int64TensorType,
    StringTensorType,
)
from skl2onnx.common.shape_calculator import _infer_linear_classifier_output_types
from skl2onnx.common.utils import check_input_and_output_numbers
from skl2onnx.common.utils_classifier import get_label_classes
from sklearn.utils.validation import check_is_fitted

from ._frames import level_keys
from ._onnx_graph import Graph
from ._onnx_heads import label_values
from ._onnx_tabular_encoder import (
    MISSING_STRING,
    Columns,
    check_categories,
    column_names,
    encode,
    encoded_matrix,
    graph_dtype,
)
from ._onnx_tabular_network import check_network, scores
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


def _declare(scope, model, inputs, outputs):
    """The operator of ``model`` with its inputs and ``(name, type)`` outputs."""
    operator = scope.declare_local_operator(f"Skmlp{type(model).__name__}", model)
    operator.inputs = list(inputs)
    for name, type_ in outputs:
        operator.outputs.append(scope.declare_local_variable(name, type_))
    return operator


# -- the encoder ---------------------------------------------------------------


def parse_tabular_encoder(scope, model, inputs, custom_parsers=None):
    """Check that the encoder and its inputs can be converted, then declare
    the operator and its output, a float tensor in the graph's type."""
    _check_fitted(model)
    check_categories(model, Columns(model, inputs))
    tensor = _tensor_type(graph_dtype(model, inputs))
    return _declare(scope, model, inputs, [("encoded", tensor())]).outputs


def tabular_encoder_shapes(operator):
    """``(n_samples, n_features_out)`` in the graph's float type."""
    model = operator.raw_operator
    tensor = _tensor_type(graph_dtype(model, operator.inputs))
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
    graph = Graph(scope, container, graph_dtype(model, operator.inputs))
    encoded = encode(graph, model, Columns(model, operator.inputs))
    encoded_matrix(graph, encoded, output=operator.outputs[0].full_name)


# -- the estimators --------------------------------------------------------------


def _check_estimator(model, inputs):
    """Fail early, with the reason, on what cannot be converted."""
    encoder = encoder_of(model)
    check_categories(encoder, Columns(encoder, inputs))
    check_network(model)


def parse_tabular_classifier(scope, model, inputs, custom_parsers=None):
    """Label and probabilities, then skl2onnx's options ``zipmap`` (ZipMap
    over the probabilities) and ``output_class_labels``, as its classifier
    parser has them."""
    _check_estimator(model, inputs)
    tensor = _tensor_type(graph_dtype(model, inputs))
    operator = _declare(
        scope,
        model,
        inputs,
        [("label", Int64TensorType()), ("probabilities", tensor())],
    )
    options = scope.get_options(model, dict(zipmap=True, output_class_labels=False))
    if options["zipmap"] is False:
        if not options["output_class_labels"]:
            return operator.outputs
        labels = scope.declare_local_operator("SklearnClassLabels")
        labels.classes = get_label_classes(scope, model)
        string = labels.classes.dtype.kind in "OUS"
        label_type = (StringTensorType if string else Int64TensorType)(
            list(labels.classes.shape)
        )
        labels.outputs.append(scope.declare_local_variable("class_labels", label_type))
        return [*operator.outputs, labels.outputs[0]]
    if options["output_class_labels"]:
        raise RuntimeError(
            "Option 'output_class_labels' is not compatible with option 'zipmap'."
        )
    if tensor is DoubleTensorType:
        # onnxruntime would only fail when loading the model, less clearly.
        raise TypeError(
            "ONNX's ZipMap takes float32 probabilities, and this graph is "
            "float64 (a DoubleTensorType input, or a float64 model with no "
            "float input): pass options={'zipmap': False}, or declare float32 "
            "inputs, e.g. with skmlp.onnx.input_types(model)."
        )
    return _apply_zipmap(options["zipmap"], scope, model, tensor(), operator.outputs)


def parse_tabular_regressor(scope, model, inputs, custom_parsers=None):
    """One prediction tensor in the graph's type."""
    _check_estimator(model, inputs)
    tensor = _tensor_type(graph_dtype(model, inputs))
    return _declare(scope, model, inputs, [("variable", tensor())]).outputs


def tabular_classifier_shapes(operator):
    """The label (int64 or string, as the classes) and ``(n, n_classes)``
    probabilities, as skl2onnx shapes its classifiers' outputs."""
    check_input_and_output_numbers(operator, output_count_range=2)
    _infer_linear_classifier_output_types(operator)


def tabular_regressor_shapes(operator):
    """``(n_samples, n_outputs)`` in the graph's type."""
    check_input_and_output_numbers(operator, output_count_range=1)
    model = operator.raw_operator
    n_samples = operator.inputs[0].get_first_dimension()
    n_outputs = len(model.intercepts_[-1])
    tensor = _tensor_type(graph_dtype(model, operator.inputs))
    operator.outputs[0].type = tensor([n_samples, n_outputs])


def _scores(scope, operator, container):
    model = operator.raw_operator
    encoder = model.encoder_
    graph = Graph(scope, container, graph_dtype(model, operator.inputs))
    encoded = encode(graph, encoder, Columns(encoder, operator.inputs))
    return graph, model, scores(graph, model, encoded)


def convert_tabular_classifier(scope, operator, container):
    """skl2onnx converter of a fitted :class:`skmlp.TabularMLPClassifier`.

    Writes ``predict`` (the class of the largest score) and
    ``predict_proba`` (the softmax of the scores).

    Parameters
    ----------
    scope : skl2onnx.common._topology.Scope
        Names of the variables and nodes of the model being built.
    operator : skl2onnx.common._topology.Operator
        The classifier (``operator.raw_operator``), its inputs and its two
        outputs, label then probabilities.
    container : skl2onnx.common._container.ModelComponentContainer
        Receives the nodes and initializers.

    Examples
    --------
    >>> import numpy as np
    >>> import onnxruntime as ort
    >>> import pandas as pd
    >>> from skl2onnx import to_onnx
    >>> import skmlp.onnx
    >>> from skmlp import TabularMLPClassifier
    >>> from skmlp.onnx import input_feed, input_types
    >>> X = pd.DataFrame({
    ...     "size": [1.0, 2.5, None, 4.0, 0.5, 3.5] * 20,
    ...     "colour": ["red", "blue", "red", None, "blue", "red"] * 20,
    ... })
    >>> y = ["small", "large", "small", "large", "small", "large"] * 20
    >>> clf = TabularMLPClassifier((8,), max_iter=5, random_state=0).fit(X, y)
    >>> onx = to_onnx(clf, initial_types=input_types(clf),
    ...               options={"zipmap": False})
    >>> session = ort.InferenceSession(
    ...     onx.SerializeToString(), providers=["CPUExecutionProvider"])
    >>> labels, proba = session.run(None, input_feed(clf, X))
    >>> bool((labels == clf.predict(X)).all())
    True
    >>> bool(np.abs(proba - clf.predict_proba(X)).max() < 1e-5)
    True
    """
    graph, model, S = _scores(scope, operator, container)
    label, proba = operator.outputs[0].full_name, operator.outputs[1].full_name
    graph.op("Softmax", S, axis=1, output=proba)
    chosen = graph.op("ArgMax", S, axis=1, keepdims=0)
    # get_label_classes gives 0 .. n_classes - 1 under option nocl.
    classes = label_values(get_label_classes(scope, model))
    graph.op("Gather", graph.constant(classes, classes.dtype), chosen, output=label)


def convert_tabular_regressor(scope, operator, container):
    """skl2onnx converter of a fitted :class:`skmlp.TabularMLPRegressor`.

    Writes ``predict`` as one output of shape ``(n_samples, n_outputs)``:
    the scores on the scale of the training targets, clipped to their range
    when the estimator's ``clamp_output`` is set.

    Parameters
    ----------
    scope : skl2onnx.common._topology.Scope
        Names of the variables and nodes of the model being built.
    operator : skl2onnx.common._topology.Operator
        The regressor (``operator.raw_operator``), its inputs and its output.
    container : skl2onnx.common._container.ModelComponentContainer
        Receives the nodes and initializers.
    """
    graph, model, S = _scores(scope, operator, container)
    y = graph.op("Mul", S, graph.constant(model.target_scale_))
    y = graph.op("Add", y, graph.constant(model.target_mean_))
    output = operator.outputs[0].full_name
    if getattr(model, "clamp_output", False):
        low = graph.op("Max", y, graph.constant(model.target_min_))
        graph.op("Min", low, graph.constant(model.target_max_), output=output)
    else:
        graph.op("Identity", y, output=output)


# kind: (shape calculator, parser, conversion options), for register_estimator.
TABULAR_KINDS = {
    "tabular_encoder": (tabular_encoder_shapes, parse_tabular_encoder, None),
    "tabular_classifier": (
        tabular_classifier_shapes,
        parse_tabular_classifier,
        {
            "zipmap": [True, False, "columns"],
            "nocl": [True, False],
            "output_class_labels": [False, True],
        },
    ),
    "tabular_regressor": (tabular_regressor_shapes, parse_tabular_regressor, None),
}


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
