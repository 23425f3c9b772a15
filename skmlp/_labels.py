"""Class labels to the network's 0/1 targets and back.

A classifier keeps ``classes_`` and the target type (a string) and encodes
with these functions, rather than keeping a fitted ``LabelBinarizer``: a
fitted model then pickles to arrays and builtins alone, which is what a
cluster sends between processes and what skops can load without trusting
extra types.

The encoding is scikit-learn's: a binary target is one column, true for
``classes_[1]``; a multi-class target one column per class; a multi-label
indicator matrix is kept as it is, one column per label.
"""

import numpy as np
import scipy.sparse as sp
from sklearn.utils.multiclass import check_classification_targets, type_of_target

SUPPORTED_TARGETS = ("binary", "multiclass", "multilabel-indicator")


def target_type(y, input_name="y"):
    """The type of a classification target, or a ``ValueError`` naming it.

    Returns one of ``SUPPORTED_TARGETS``.
    """
    check_classification_targets(y)  # "Unknown label type" for real numbers
    kind = type_of_target(y, input_name=input_name)
    if kind not in SUPPORTED_TARGETS:
        raise ValueError(
            f"{input_name} is a {kind} target (several columns of class labels), "
            "which MLPClassifier does not support. Use a multi-label indicator "
            "matrix (MultiLabelBinarizer), or one classifier per column "
            "(sklearn.multioutput.MultiOutputClassifier)."
        )
    return kind


def encode(y, classes, kind):
    """The boolean target matrix the network is trained on.

    Booleans take an eighth of the memory of float targets and are cast
    batch by batch. Every label of ``y`` must be in ``classes``.
    """
    if kind == "multilabel-indicator":
        if y.ndim != 2 or y.shape[1] != len(classes):
            raise ValueError(
                f"y must be a multi-label indicator matrix of {len(classes)} "
                f"columns, as in the first fit; got shape {y.shape}."
            )
        dense = y.toarray() if sp.issparse(y) else np.asarray(y)
        return dense != 0
    if y.ndim == 2:
        raise ValueError(
            "y is a multi-label indicator matrix, but the model was fitted on "
            "one label per sample."
        )
    index = np.searchsorted(classes, y)
    if kind == "binary":
        return (index == 1)[:, np.newaxis]
    Y = np.zeros((len(y), len(classes)), dtype=bool)
    Y[np.arange(len(y)), index] = True
    return Y


def decode(output, classes, kind, sparse=False):
    """Labels from the network's output: the likeliest class, or each label
    whose probability is over one half.

    A multi-label model fitted on a sparse indicator matrix predicts one too.
    """
    if kind == "multiclass":
        return classes[output.argmax(axis=1)]
    chosen = (output > 0.5).astype(np.intp)
    if kind == "binary":
        return classes[chosen.ravel()]
    return sp.csr_matrix(chosen) if sparse else chosen
