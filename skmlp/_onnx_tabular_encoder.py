"""A fitted :class:`~skmlp.TabularEncoder` as ONNX nodes.

:func:`encode` writes what ``TabularEncoder.transform`` computes, block by
block, into a :class:`~skmlp._onnx_graph.Graph`; the encoder's converter
concatenates the blocks, and a tabular network's converter reads them
separately (its numeric block, its dense columns, its embedding codes).

The input comes either as one tensor per column of the table, as skl2onnx
declares a DataFrame (matched to the encoder's columns by name when the names
are those seen in fit, otherwise by position), or as one 2-D tensor with
every column. A numeric or boolean column is any numeric tensor, NaN for a
missing value; a column of string categories is a string tensor, where ONNX
has no missing value: the empty string :data:`MISSING_STRING` stands for one.
A column of numeric categories is a numeric tensor, compared with the
categories in its own precision.
"""

from dataclasses import dataclass, field

import numpy as np
from onnx import TensorProto
from skl2onnx.common.data_types import guess_proto_type

from ._tabular_columns import (
    MISSING_CODE,
    N_RESERVED_CODES,
    UNKNOWN_CODE,
    category_kind,
    onehot_columns,
)

# What a missing value of a string category column is in an ONNX string
# tensor, which cannot hold None or NaN.
MISSING_STRING = ""

# The smooth clipping caps t = z / bound before squaring it, as the encoder
# does with 1e150; in float32 the square of 1e150 overflows, and 1e18 is as
# good a cap: t / sqrt(1 + t^2) rounds to +-1 from |t| ~ 1e4 on.
_CLIP_CAP = {np.dtype(np.float32): 1e18, np.dtype(np.float64): 1e150}

_FLOATS = (TensorProto.FLOAT, TensorProto.DOUBLE)


def graph_dtype(model, inputs):
    """float64 if any input is a double tensor, float32 if any is a float
    tensor, else (strings and integers only) the ``dtype`` of ``model``."""
    protos = {guess_proto_type(v.type) for v in inputs}
    if TensorProto.DOUBLE in protos:
        return np.dtype(np.float64)
    if TensorProto.FLOAT in protos:
        return np.dtype(np.float32)
    return np.dtype(model.dtype)


@dataclass
class Encoded:
    """Names of the encoded blocks in the graph.

    ``numeric`` is the ``(n, n_numeric_)`` numeric block (None if empty),
    ``dense`` the indicator block then each one-hot block, in output order,
    ``codes`` the ``(n, 1)`` int64 code tensor of each embedded column.
    """

    numeric: str | None = None
    dense: list = field(default_factory=list)
    codes: list = field(default_factory=list)


def column_names(encoder):
    """The names the columns go by: those seen in fit, or x0, x1, ..."""
    names = getattr(encoder, "feature_names_in_", None)
    if names is None:
        return [f"x{i}" for i in range(encoder.n_features_in_)]
    return [str(name) for name in names]


class Columns:
    """Where each input column of the encoder is in the ONNX inputs.

    Checks the number, the shapes and the types of the inputs on creation,
    so that a parser can fail before anything is built.
    """

    def __init__(self, encoder, inputs):
        self.encoder = encoder
        self.inputs = list(inputs)
        n_features = encoder.n_features_in_
        names = column_names(encoder)
        if len(self.inputs) == n_features:
            given = [v.raw_name for v in self.inputs]
            if sorted(given) == sorted(names) and len(set(names)) == n_features:
                by_name = {name: v for name, v in zip(given, self.inputs, strict=True)}
                self.inputs = [by_name[name] for name in names]
            self.single = False
        elif len(self.inputs) == 1 and _width(self.inputs[0]) in (None, n_features):
            self.single = True
        else:
            raise ValueError(
                f"{type(encoder).__name__} was fitted on {n_features} columns; "
                "its ONNX input must be one tensor per column, or one tensor "
                f"of {n_features} columns, not "
                f"{', '.join(_describe(v) for v in self.inputs)}."
            )
        if not self.single:
            wide = [v for v in self.inputs if _width(v) not in (None, 1, -1)]
            if wide:
                raise ValueError(
                    "With one input per column, each input has one column; got "
                    f"{', '.join(_describe(v) for v in wide)}."
                )
        for i, name in enumerate(names):
            self._check(i, name)

    def variable(self, i):
        return self.inputs[0] if self.single else self.inputs[i]

    def proto(self, i):
        return guess_proto_type(self.variable(i).type)

    def _check(self, i, name):
        encoder = self.encoder
        string = self.proto(i) == TensorProto.STRING
        expected_string = (
            encoder.is_categorical_[i]
            and category_kind(encoder.categories_[_categorical(encoder, i)]) == "str"
        )
        if string == expected_string:
            return
        what = "string categories" if expected_string else "numbers"
        want = "StringTensorType" if expected_string else "a numeric tensor type"
        raise TypeError(
            f"Column {name!r} holds {what} for the fitted "
            f"{type(encoder).__name__}, but its ONNX input is "
            f"{_describe(self.variable(i))}: declare it as {want} "
            "(skmlp.onnx.input_types builds the declarations from the model)."
        )

    def column(self, graph, i):
        """Column ``i`` as an ``(n, 1)`` tensor of its input's type."""
        variable = self.variable(i)
        if self.single:
            index = graph.constant([i], np.int64)
            return graph.op("Gather", variable.full_name, index, axis=1)
        if len(variable.type.shape or []) == 2:
            return variable.full_name
        return graph.op(
            "Reshape", variable.full_name, graph.constant([-1, 1], np.int64)
        )

    def numeric(self, graph, indices):
        """Columns ``indices`` as one ``(n, len(indices))`` float tensor."""
        if self.single:
            x = graph.op(
                "Gather",
                self.inputs[0].full_name,
                graph.constant(indices, np.int64),
                axis=1,
            )
            return _cast(graph, x, self.proto(0))
        columns = [_cast(graph, self.column(graph, i), self.proto(i)) for i in indices]
        if len(columns) == 1:
            return columns[0]
        return graph.op("Concat", *columns, axis=1)


def _cast(graph, x, proto):
    return x if proto == graph.proto else graph.op("Cast", x, to=graph.proto)


def _width(variable):
    shape = variable.type.shape or []
    return shape[1] if len(shape) == 2 else -1


def _describe(variable):
    return (
        f"{variable.raw_name!r} ({type(variable.type).__name__}{variable.type.shape})"
    )


def _categorical(encoder, i):
    """Position of input column ``i`` among the categorical columns."""
    return int(np.count_nonzero(encoder.is_categorical_[:i]))


def check_categories(encoder, columns):
    """Raise NotImplementedError for categories the ONNX graph cannot tell
    apart: the empty string next to missing values, or numeric categories
    that round to the same number in a float32 input."""
    names = column_names(encoder)
    for j, i in enumerate(np.flatnonzero(encoder.is_categorical_)):
        categories = encoder.categories_[j]
        if category_kind(categories) == "str":
            missing = MISSING_CODE if encoder._has_missing[j] else UNKNOWN_CODE
            if _string_codes(encoder, j).get(MISSING_STRING, missing) != missing:
                raise NotImplementedError(
                    f"Column {names[i]!r} has the empty string as a category, "
                    "encoded unlike a missing value; in ONNX string inputs the "
                    "empty string marks a missing value. Replace it with "
                    "another string before fitting the encoder."
                )
        elif columns.proto(i) == TensorProto.FLOAT:
            keys = np.asarray(categories, dtype=np.float64)
            if len(np.unique(keys.astype(np.float32))) < len(keys):
                raise NotImplementedError(
                    f"Column {names[i]!r} has numeric categories that are equal "
                    "in float32; declare its ONNX input as DoubleTensorType."
                )


def _string_codes(encoder, j):
    """Code of each string the graph maps explicitly: the categories seen in
    fit (infrequent ones to the unknown code) and the missing string."""
    codes = {MISSING_STRING: MISSING_CODE if encoder._has_missing[j] else UNKNOWN_CODE}
    codes.update({str(c): UNKNOWN_CODE for c in encoder.infrequent_categories_[j]})
    categories = encoder.categories_[j]
    codes.update({str(c): k + N_RESERVED_CODES for k, c in enumerate(categories)})
    return codes


def encode(graph, encoder, columns):
    """The blocks of ``encoder.transform`` for the inputs in ``columns``.

    Returns
    -------
    encoded : Encoded
        Names of the numeric block, the dense blocks and the codes.
    """
    encoded = Encoded()
    indicators = None
    if encoder.n_numeric_:
        encoded.numeric, indicators = numeric_block(graph, encoder, columns)
    if indicators is not None:
        encoded.dense.append(indicators)
    embedded = set(encoder.embedding_features_.tolist())
    codes = {}
    for j, i in enumerate(np.flatnonzero(encoder.is_categorical_)):
        codes[i] = category_codes(graph, encoder, columns, i, j)
        if i not in embedded:
            encoded.dense.append(onehot_block(graph, encoder, codes[i], j))
    encoded.codes = [codes[i] for i in encoder.embedding_features_]
    return encoded


def encoded_matrix(graph, encoded, output=None):
    """The blocks side by side, codes as floats: ``transform``'s output."""
    blocks = [encoded.numeric] if encoded.numeric is not None else []
    blocks += encoded.dense
    blocks += [graph.op("Cast", code, to=graph.proto) for code in encoded.codes]
    if len(blocks) == 1:
        return graph.op("Identity", blocks[0], output=output)
    return graph.op("Concat", *blocks, axis=1, output=output)


def numeric_block(graph, encoder, columns):
    """Imputed, scaled and smoothly clipped numeric block, and the missing
    indicators (None if there are none)."""
    x = columns.numeric(graph, encoder.numeric_features_)
    missing = graph.op("IsNaN", x)
    z = graph.op("Where", missing, graph.constant(encoder.impute_values_), x)
    z = graph.op("Sub", z, graph.constant(encoder.center_))
    z = graph.op("Div", z, graph.constant(encoder.scale_))
    # Booleans are 0 and 1: scale 1, centre 0 and no clipping.
    clipped = encoder.feature_kinds_[encoder.numeric_features_] == "numeric"
    if encoder.max_absolute_value is not None and clipped.any():
        smooth = smooth_clip(graph, z, encoder.max_absolute_value)
        if clipped.all():
            z = smooth
        else:
            z = graph.op("Where", graph.constant(clipped, bool), smooth, z)
    if not len(encoder.indicator_features_):
        return z, None
    position = {i: k for k, i in enumerate(encoder.numeric_features_)}
    flagged = [position[i] for i in encoder.indicator_features_]
    indicators = graph.op("Gather", missing, graph.constant(flagged, np.int64), axis=1)
    return z, graph.op("Cast", indicators, to=graph.proto)


def smooth_clip(graph, z, bound):
    """``bound * t / sqrt(1 + t^2)`` with ``t = z / bound`` capped, as
    ``skmlp._tabular_columns.smooth_clip`` computes it, operation by
    operation."""
    cap = _CLIP_CAP[graph.dtype]
    t = graph.clip(graph.op("Div", z, graph.constant(bound)), -cap, cap)
    denominator = graph.op("Add", graph.op("Mul", t, t), graph.constant(1.0))
    t = graph.op("Div", t, graph.op("Sqrt", denominator))
    return graph.op("Mul", t, graph.constant(bound))


def category_codes(graph, encoder, columns, i, j):
    """The ``(n, 1)`` int64 encoder codes of categorical column ``i`` (the
    ``j``-th categorical one): 0 unknown or infrequent, 1 missing, ``2 + k``
    for ``categories_[j][k]``."""
    x = columns.column(graph, i)
    if columns.proto(i) == TensorProto.STRING:
        # A hash lookup; every string not listed gets the unknown code.
        codes = _string_codes(encoder, j)
        return graph.op(
            "LabelEncoder",
            x,
            op_domain="ai.onnx.ml",
            op_version=2,
            keys_strings=list(codes),
            values_int64s=list(codes.values()),
            default_int64=UNKNOWN_CODE,
        )
    return _numeric_codes(graph, encoder, x, columns.proto(i), j)


def _numeric_codes(graph, encoder, x, proto, j):
    """Codes of numeric categories, by equality with each category.

    The encoder compares float64 values; a float32 input is compared with the
    categories rounded to float32 (:func:`check_categories` makes sure they
    stay distinct), any other input as float64.
    """
    keys = np.asarray(encoder.categories_[j], dtype=np.float64)
    values = np.arange(len(keys), dtype=np.float64) + N_RESERVED_CODES
    if not len(keys):
        # NaN equals nothing: every value then gets code 0.
        keys, values = np.array([np.nan]), np.array([float(UNKNOWN_CODE)])
    if proto == TensorProto.FLOAT:
        keys = keys.astype(np.float32)
    elif proto != TensorProto.DOUBLE:
        x = graph.op("Cast", x, to=TensorProto.DOUBLE)
    matches = graph.op("Equal", x, graph.constant(keys[None, :], keys.dtype))
    matches = graph.op("Cast", matches, to=TensorProto.DOUBLE)
    # At most one match per row: the matrix product picks its code, or 0.
    codes = graph.op("MatMul", matches, graph.constant(values[:, None], np.float64))
    if proto in _FLOATS:
        missing = MISSING_CODE if encoder._has_missing[j] else UNKNOWN_CODE
        codes = graph.op(
            "Where",
            graph.op("IsNaN", x),
            graph.constant([[float(missing)]], np.float64),
            codes,
        )
    return graph.op("Cast", codes, to=TensorProto.INT64)


def onehot_block(graph, encoder, codes, j):
    """The one-hot block of the ``j``-th categorical column from its codes.

    Each column of the block is set by exactly one code (a category, the
    missing code, or the unknown code for the 'infrequent' column), so the
    block is ``codes == code_of_column``.
    """
    table = onehot_columns(
        len(encoder.categories_[j]),
        encoder._has_missing[j],
        len(encoder.infrequent_categories_[j]) > 0,
    )
    code_of_column = np.argsort(np.where(table < 0, len(table), table))
    code_of_column = code_of_column[: np.count_nonzero(table >= 0)]
    equal = graph.op("Equal", codes, graph.constant(code_of_column[None, :], np.int64))
    return graph.op("Cast", equal, to=graph.proto)
