"""The output layer as ONNX nodes: from the logits to each estimator's outputs.

A head is one function ``head(graph, model, scores)`` registered under the
``out_activation_`` it translates, in :data:`CLASSIFIER_HEADS` or
:data:`REGRESSOR_HEADS`. A classifier head returns the probabilities (before
the bounds :func:`bounded_probabilities` applies) and what ``predict``
decodes: the index of the predicted class, or a multi-label model's 0/1
indicator matrix. A regressor head returns the prediction. Each follows the
formulas of ``predict`` and ``predict_proba`` (``skmlp._labels.decode``,
``skmlp._proba``, ``skmlp._activations``), constants included.
"""

import numpy as np
from onnx import TensorProto

from ._proba import _bounds


def is_multilabel(model):
    """Whether a classifier has one logistic output per label."""
    return model.out_activation_ == "logistic" and model.n_outputs_ > 1


def head(heads, model):
    """The head of ``heads`` translating ``model.out_activation_``.

    Raises
    ------
    NotImplementedError
        If it has none, naming the output activation and those it has.
    """
    try:
        return heads[model.out_activation_]
    except KeyError:
        raise NotImplementedError(
            f"out_activation_={model.out_activation_!r} has no ONNX translation "
            f"for {type(model).__name__} in skmlp.onnx; the output activations "
            f"it converts are {', '.join(sorted(heads))}."
        ) from None


def bounded_scores(graph, scores):
    """Logits clipped to a quarter of the float range, as ``predict_proba``
    clips them: an infinite logit saturates its probabilities instead of
    turning them into NaN."""
    bound = np.finfo(graph.dtype).max / 4
    return graph.clip(scores, -bound, bound)


def bounded_probabilities(graph, model, probabilities, output):
    """Probabilities floored at the smallest normal float (and, for logistic
    outputs, capped just below 1), as ``predict_proba`` bounds them."""
    low, high = _bounds(graph.dtype, model.out_activation_)
    return graph.clip(probabilities, low, high, output=output)


def label_values(classes):
    """The class labels as an ONNX label output carries them: int64 or str.

    scikit-learn's classification targets are strings, or numbers with
    integer values (1.0 and ``True`` included).
    """
    classes = np.asarray(classes)
    if all(isinstance(c, str) for c in classes):
        return classes.astype(object)
    return classes.astype(np.int64)


def softmax(graph, model, scores):
    """Softmax probabilities and the index of the likeliest class."""
    probabilities = graph.op("Softmax", scores, axis=1)
    return probabilities, graph.op("ArgMax", probabilities, axis=1, keepdims=0)


def logistic(graph, model, scores):
    """Logistic probabilities, and which of them are over one half.

    A binary model gets both columns, ``P(classes_[0])`` first, and the index
    of its class; a multi-label model the 0/1 indicator matrix.
    """
    positive = graph.op("Sigmoid", scores)
    over_half = graph.op("Greater", positive, graph.constant(0.5))
    chosen = graph.op("Cast", over_half, to=TensorProto.INT64)
    if is_multilabel(model):
        return positive, chosen
    # P(negative) = expit(-z), not 1 - expit(z), which cancels to 0 for large
    # z and loses the digits of a small probability.
    negative = graph.op("Sigmoid", graph.op("Neg", scores))
    probabilities = graph.op("Concat", negative, positive, axis=1)
    return probabilities, graph.op("Reshape", chosen, graph.constant([-1], np.int64))


def identity(graph, model, scores):
    """The scores themselves: squared error, Huber and absolute error."""
    return scores


def exponential(graph, model, scores):
    """``exp`` of the scores, capped one below the log of the largest float as
    skmlp's ``exp`` head caps them, so that huge predictions stay finite."""
    cap = graph.constant(np.log(np.finfo(graph.dtype).max) - 1.0)
    return graph.op("Exp", graph.op("Min", scores, cap))


CLASSIFIER_HEADS = {"softmax": softmax, "logistic": logistic}
REGRESSOR_HEADS = {"identity": identity, "exp": exponential}
