"""Export to ONNX: skmlp's estimators for skl2onnx and onnxruntime.

Importing this module registers skmlp's estimators (:class:`skmlp.MLPClassifier`,
:class:`skmlp.MLPRegressor`, :class:`skmlp.TabularMLPClassifier`,
:class:`skmlp.TabularMLPRegressor`) and :class:`skmlp.TabularEncoder` with
`skl2onnx <https://onnx.ai/sklearn-onnx/>`_. ``skl2onnx.to_onnx`` then
converts them, alone or as a step of a :class:`~sklearn.pipeline.Pipeline` or
behind a :class:`~sklearn.compose.ColumnTransformer`, as it converts
scikit-learn's own multi-layer perceptrons. ``import skmlp`` does not import
this module, nor skl2onnx, onnx or onnxruntime: they are needed only to
export, and ``pip install "skmlp[onnx]"`` installs them.

The ONNX model computes what the estimator's ``predict`` and ``predict_proba``
compute, formula for formula (every hidden activation with skmlp's constants,
GELU in its exact erf form), in the floating-point type of its input: a
``FloatTensorType`` input gives a ``float32`` graph (weights rounded to
``float32``), a ``DoubleTensorType`` input a ``float64`` one throughout.

* A classifier has skl2onnx's two classifier outputs, a label and the
  probabilities, and its options: ``zipmap`` (True, False or ``'columns'``),
  ``nocl`` and ``output_class_labels``. ONNX's ZipMap takes ``float32`` only:
  with a double input, pass ``zipmap=False``, as for any skl2onnx classifier.
  Labels are ``int64`` for integer, bool or integral float classes and strings
  for string classes. A binary model's probabilities have both columns, as
  ``predict_proba`` has; a multi-label model's label output is the ``int64``
  0/1 indicator matrix, dense even if the model was fitted on a sparse one.
  Probabilities are bounded away from 0 (and from 1 for logistic heads) as
  ``predict_proba`` bounds them.
* A regressor has one output of shape ``(n_samples, n_outputs)``, 2-D even for
  one output, like skl2onnx's regressors. ``loss='poisson'`` predicts
  ``exp`` of the scores, capped so that it stays finite as skmlp's does.

Tables
------
The ONNX model of :class:`skmlp.TabularEncoder` computes what ``transform``
computes, block for block; those of :class:`skmlp.TabularMLPClassifier` and
:class:`skmlp.TabularMLPRegressor` encode the same way, then run the network:
a classifier has the two outputs and the options above (its probabilities are
the softmax of the scores, as ``predict_proba``), a regressor one output of
shape ``(n_samples, n_outputs)``, clipped to the training range if
``clamp_output``. They read a table as skl2onnx declares a DataFrame, one
input of shape ``[None, 1]`` per column named after it (matched by name, in
any order), or as one 2-D input with every column:

* numeric and boolean columns: any numeric tensor, NaN for a missing value;
* columns of string categories: a ``StringTensorType``. ONNX strings cannot
  be None or NaN, so **the empty string is a missing value**, encoded as the
  encoder encodes a missing category; strings not seen in fit encode as
  unknown, as in ``transform``;
* columns of numeric categories: a numeric tensor, compared with the
  categories in its own precision (float32 rounds them).

The periodic embedding's cosine is written ``Sin(angle + pi / 2)``: some
onnxruntime releases (1.21 among them) implement ``Cos`` in float32 only,
``Sin`` in both float32 and float64 graphs.

:func:`input_types` declares these inputs for a fitted model and
:func:`input_feed` builds them from a pandas or polars DataFrame (or an
array). ``to_onnx(model, X)`` with a DataFrame works too where skl2onnx
guesses the types right (not for pandas' nullable integers and booleans),
fed with ``{c: X[[c]].to_numpy()}``, string columns through
``.fillna("")``. The graph is ``float64`` if any input is a
``DoubleTensorType``, else ``float32`` if any is a ``FloatTensorType``, else
(only strings and integers) of the model's ``dtype``.

A fitted model that ONNX cannot express, such as one whose activation has no
ONNX translation here, or an encoder with the empty string as a category,
raises ``NotImplementedError`` naming what is missing; an unfitted one raises
:class:`~sklearn.exceptions.NotFittedError`; inputs of the wrong number or
type raise ``ValueError`` or ``TypeError`` naming the column.

Design
------
Small registries keep a future activation, head or estimator to one function
and one entry:

* Hidden activations: ``skmlp._onnx_graph.ACTIVATIONS`` maps each name the
  estimators accept to a function writing its formula as ONNX nodes.
* Heads: ``skmlp._onnx_heads`` maps each ``out_activation_`` to a function
  turning the logits into the outputs of a classifier (probabilities and the
  decoded prediction) or of a regressor.
* Kinds of estimator: ``'classifier'`` and ``'regressor'`` each bring the
  skl2onnx shape calculator, parser (which checks that the model can be
  converted before anything is built) and options of that kind, reusing
  skl2onnx's own classifier parser and shape calculator for the label,
  probability and ZipMap outputs. ``'tabular_classifier'``,
  ``'tabular_regressor'`` and ``'tabular_encoder'`` (``skmlp._onnx_tabular``)
  are the same for models that take a table, one input per column.
* Estimators: :func:`register_estimator` registers one estimator class with
  its kind and its converter, a function ``converter(scope, operator,
  container)`` writing the graph of a fitted model. This module registers
  :func:`convert_mlp_classifier` and :func:`convert_mlp_regressor`; both are
  ``forward`` (``skmlp._onnx_graph``, the layers up to the logits) followed by
  a head, which is what a new estimator's converter would also be.
* Tables: ``skmlp._onnx_tabular_encoder.encode`` writes the blocks of a
  fitted encoder's output; the encoder's converter concatenates them, and
  :func:`convert_tabular_classifier` and :func:`convert_tabular_regressor`
  pass them to ``skmlp._onnx_tabular_network.scores``, the network up to its
  scores, whose base activations are a registry like the hidden ones.

A name missing from a registry is the ``NotImplementedError`` above.

Examples
--------
>>> import numpy as np
>>> import onnxruntime as ort
>>> from skl2onnx import to_onnx
>>> from sklearn.datasets import load_iris
>>> import skmlp.onnx
>>> from skmlp import MLPClassifier
>>> X, y = load_iris(return_X_y=True)
>>> clf = MLPClassifier((10,), solver="lbfgs", max_iter=500, random_state=0)
>>> clf = clf.fit(X, y)
>>> onx = to_onnx(clf, X[:1].astype(np.float32), options={"zipmap": False})
>>> session = ort.InferenceSession(
...     onx.SerializeToString(), providers=["CPUExecutionProvider"])
>>> labels, proba = session.run(None, {"X": X.astype(np.float32)})
>>> bool((labels == clf.predict(X)).all())
True
>>> bool(np.abs(proba - clf.predict_proba(X)).max() < 1e-5)
True

A table with missing numbers and categories:

>>> import pandas as pd
>>> from skmlp import TabularEncoder
>>> from skmlp.onnx import input_feed, input_types
>>> X = pd.DataFrame({"age": [25.0, 32.0, np.nan, 51.0, 46.0, 38.0],
...                   "city": ["paris", "rome", "paris", None, "rome", "oslo"]})
>>> encoder = TabularEncoder().fit(X)
>>> onx = to_onnx(encoder, initial_types=input_types(encoder, np.float64))
>>> session = ort.InferenceSession(
...     onx.SerializeToString(), providers=["CPUExecutionProvider"])
>>> feed = input_feed(encoder, X, np.float64)
>>> feed["city"].ravel()
array(['paris', 'rome', 'paris', '', 'rome', 'oslo'], dtype=object)
>>> (encoded,) = session.run(None, feed)
>>> bool((encoded == encoder.transform(X)).all())
True
"""

import numpy as np

try:
    from onnx import TensorProto
    from skl2onnx import update_registered_converter
    from skl2onnx._parse import _parse_sklearn_classifier, _parse_sklearn_simple_model
    from skl2onnx.common.data_types import guess_proto_type
    from skl2onnx.common.shape_calculator import (
        calculate_linear_classifier_output_shapes,
        calculate_linear_regressor_output_shapes,
    )
    from skl2onnx.common.utils_classifier import get_label_classes
except ImportError as exc:  # pragma: no cover - the extra is installed in tests
    raise ImportError(
        'skmlp.onnx needs skl2onnx, onnx and onnxruntime: pip install "skmlp[onnx]".'
    ) from exc
from sklearn.utils.validation import check_is_fitted

from ._classifier import MLPClassifier
from ._onnx_graph import Graph, forward, hidden_activation
from ._onnx_heads import (
    CLASSIFIER_HEADS,
    REGRESSOR_HEADS,
    bounded_probabilities,
    bounded_scores,
    head,
    is_multilabel,
    label_values,
)
from ._onnx_tabular import (
    TABULAR_KINDS,
    convert_tabular_classifier,
    convert_tabular_encoder,
    convert_tabular_regressor,
    input_feed,
    input_types,
)
from ._regressor import MLPRegressor
from ._tabular_classifier import TabularMLPClassifier
from ._tabular_encoder import TabularEncoder
from ._tabular_regressor import TabularMLPRegressor

__all__ = [
    "convert_mlp_classifier",
    "convert_mlp_regressor",
    "convert_tabular_classifier",
    "convert_tabular_encoder",
    "convert_tabular_regressor",
    "input_feed",
    "input_types",
    "register_estimator",
]


def register_estimator(estimator_class, kind, converter):
    """Register an estimator class and its converter with skl2onnx.

    Parameters
    ----------
    estimator_class : type
        The estimator class. skl2onnx looks converters up by exact class, so a
        subclass of a registered estimator needs its own registration.
    kind : {'classifier', 'regressor', 'tabular_classifier', \
'tabular_regressor', 'tabular_encoder'}
        Gives the outputs, their shapes, the conversion options and the checks
        run before conversion: a label and probabilities for a classifier, one
        prediction tensor for a regressor or an encoder. The tabular kinds
        take a table (one input per column, see :func:`input_types`) and
        check the encoder (and the network) of a tabular model.
    converter : callable
        ``converter(scope, operator, container)``, a skl2onnx converter that
        writes the graph of ``operator.raw_operator``, a fitted estimator.

    Returns
    -------
    converter : callable
        The converter, unchanged.

    Examples
    --------
    >>> import numpy as np
    >>> from skl2onnx import to_onnx
    >>> from skmlp import MLPRegressor
    >>> from skmlp.onnx import convert_mlp_regressor, register_estimator
    >>> class ScaledRegressor(MLPRegressor):
    ...     '''A subclass: skl2onnx needs to be told about it.'''
    >>> _ = register_estimator(ScaledRegressor, "regressor", convert_mlp_regressor)
    >>> X = np.linspace(0, 1, 40).reshape(-1, 2)
    >>> reg = ScaledRegressor(hidden_layer_sizes=(3,), solver="lbfgs", random_state=0)
    >>> onx = to_onnx(reg.fit(X, X.sum(axis=1)), X[:1])
    >>> [output.name for output in onx.graph.output]
    ['variable']
    """
    if kind not in _KINDS:
        raise ValueError(f"kind must be one of {sorted(_KINDS)}, got {kind!r}.")
    shape_calculator, parser, options = _KINDS[kind]
    update_registered_converter(
        estimator_class,
        f"Skmlp{estimator_class.__name__}",
        shape_calculator,
        converter,
        parser=parser,
        options=options,
    )
    return converter


# -- converters --------------------------------------------------------------


def convert_mlp_classifier(scope, operator, container):
    """skl2onnx converter of a fitted :class:`skmlp.MLPClassifier`.

    Writes the label output as ``predict`` decodes the network output (the
    likeliest class, or each label whose probability is over one half) and
    the probabilities as ``predict_proba`` computes them from the logits.

    Parameters
    ----------
    scope : skl2onnx.common._topology.Scope
        Names of the variables and nodes of the model being built.
    operator : skl2onnx.common._topology.Operator
        The classifier (``operator.raw_operator``), its input and its two
        outputs, label then probabilities.
    container : skl2onnx.common._container.ModelComponentContainer
        Receives the nodes and initializers.

    Examples
    --------
    skl2onnx calls it, once this module is imported:

    >>> import numpy as np
    >>> import onnxruntime as ort
    >>> from skl2onnx import to_onnx
    >>> from sklearn.datasets import load_breast_cancer
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> import skmlp.onnx
    >>> from skmlp import MLPClassifier
    >>> X, y = load_breast_cancer(return_X_y=True)
    >>> clf = make_pipeline(StandardScaler(), MLPClassifier(
    ...     (8,), activation="gelu", solver="lbfgs", max_iter=50, random_state=0))
    >>> clf = clf.fit(X, y)
    >>> onx = to_onnx(clf, X[:1], options={"zipmap": False})
    >>> session = ort.InferenceSession(
    ...     onx.SerializeToString(), providers=["CPUExecutionProvider"])
    >>> labels, proba = session.run(None, {"X": X})
    >>> proba.dtype, proba.shape
    (dtype('float64'), (569, 2))
    >>> bool(np.abs(proba - clf.predict_proba(X)).max() < 1e-12)
    True
    """
    model = operator.raw_operator
    graph = _graph(scope, operator, container)
    scores = forward(graph, model, graph.input(operator.inputs[0]))
    probabilities, chosen = head(CLASSIFIER_HEADS, model)(
        graph, model, bounded_scores(graph, scores)
    )
    label, proba = operator.outputs[0].full_name, operator.outputs[1].full_name
    bounded_probabilities(graph, model, probabilities, output=proba)
    if is_multilabel(model):
        graph.op("Identity", chosen, output=label)
    else:
        # get_label_classes gives 0 .. n_classes - 1 under option nocl.
        classes = label_values(get_label_classes(scope, model))
        graph.op("Gather", graph.constant(classes, classes.dtype), chosen, output=label)


def convert_mlp_regressor(scope, operator, container):
    """skl2onnx converter of a fitted :class:`skmlp.MLPRegressor`.

    Writes ``predict`` as one output of shape ``(n_samples, n_outputs)``.

    Parameters
    ----------
    scope : skl2onnx.common._topology.Scope
        Names of the variables and nodes of the model being built.
    operator : skl2onnx.common._topology.Operator
        The regressor (``operator.raw_operator``), its input and its output.
    container : skl2onnx.common._container.ModelComponentContainer
        Receives the nodes and initializers.

    Examples
    --------
    >>> import numpy as np
    >>> import onnxruntime as ort
    >>> from skl2onnx import to_onnx
    >>> from sklearn.datasets import load_diabetes
    >>> import skmlp.onnx
    >>> from skmlp import MLPRegressor
    >>> X, y = load_diabetes(return_X_y=True)
    >>> reg = MLPRegressor(loss="poisson", hidden_layer_sizes=(16,),
    ...                    solver="lbfgs", max_iter=100, random_state=0)
    >>> reg = reg.fit(X, y / y.mean())
    >>> onx = to_onnx(reg, X[:1].astype(np.float32))
    >>> session = ort.InferenceSession(
    ...     onx.SerializeToString(), providers=["CPUExecutionProvider"])
    >>> (prediction,) = session.run(None, {"X": X.astype(np.float32)})
    >>> prediction.shape
    (442, 1)
    >>> bool(np.allclose(prediction.ravel(), reg.predict(X), rtol=1e-5))
    True
    """
    model = operator.raw_operator
    graph = _graph(scope, operator, container)
    scores = forward(graph, model, graph.input(operator.inputs[0]))
    prediction = head(REGRESSOR_HEADS, model)(graph, model, scores)
    graph.op("Identity", prediction, output=operator.outputs[0].full_name)


def _graph(scope, operator, container):
    """A graph in float64 for a double input, float32 for any other."""
    double = guess_proto_type(operator.inputs[0].type) == TensorProto.DOUBLE
    return Graph(scope, container, np.float64 if double else np.float32)


# -- checks, parsers and shapes of each kind -----------------------------------


def _check_convertible(model, heads):
    """Fail early, with the reason, on a model that cannot be converted."""
    check_is_fitted(
        model,
        msg="This %(name)s instance is not fitted yet: call 'fit' before "
        "converting it to ONNX.",
    )
    hidden_activation(model.activation)
    head(heads, model)


def _parse_classifier(scope, model, inputs, custom_parsers=None):
    """skl2onnx's classifier parser (label, probabilities, ZipMap), after the
    checks."""
    _check_convertible(model, CLASSIFIER_HEADS)
    return _parse_sklearn_classifier(scope, model, inputs, custom_parsers)


def _parse_regressor(scope, model, inputs, custom_parsers=None):
    """skl2onnx's parser of a model with one output, after the checks."""
    _check_convertible(model, REGRESSOR_HEADS)
    return _parse_sklearn_simple_model(scope, model, inputs, custom_parsers)


def _classifier_shapes(operator):
    """skl2onnx's classifier shapes; a multi-label label output is a matrix."""
    calculate_linear_classifier_output_shapes(operator)
    model = operator.raw_operator
    if is_multilabel(model):
        n_samples = operator.inputs[0].get_first_dimension()
        operator.outputs[0].type.shape = [n_samples, model.n_outputs_]


def _regressor_shapes(operator):
    """skl2onnx's regressor output type, with one column per output."""
    calculate_linear_regressor_output_shapes(operator)
    n_samples = operator.inputs[0].get_first_dimension()
    operator.outputs[0].type.shape = [n_samples, operator.raw_operator.n_outputs_]


# kind: (shape calculator, parser, conversion options)
_KINDS = {
    "classifier": (
        _classifier_shapes,
        _parse_classifier,
        {
            "zipmap": [True, False, "columns"],
            "nocl": [True, False],
            "output_class_labels": [False, True],
        },
    ),
    "regressor": (_regressor_shapes, _parse_regressor, None),
    **TABULAR_KINDS,
}

register_estimator(MLPClassifier, "classifier", convert_mlp_classifier)
register_estimator(MLPRegressor, "regressor", convert_mlp_regressor)
register_estimator(TabularEncoder, "tabular_encoder", convert_tabular_encoder)
register_estimator(
    TabularMLPClassifier, "tabular_classifier", convert_tabular_classifier
)
register_estimator(TabularMLPRegressor, "tabular_regressor", convert_tabular_regressor)
