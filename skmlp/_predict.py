"""Prediction in bounded memory.

A forward pass over ``n`` rows holds an ``n x width`` array per layer. For
millions of rows that is gigabytes, so rows are processed in chunks sized by
scikit-learn's ``working_memory`` setting (``sklearn.set_config``), the same
convention its pairwise-distance and neighbours code uses. Every chunk gets
fresh arrays: nothing is shared with training, or between threads.
"""

import numpy as np
from sklearn import get_config

from ._network import forward


def row_chunks(n_rows, row_bytes):
    """Row slices of at most ``working_memory`` MiB, ``row_bytes`` each row."""
    chunk = max(1, int(get_config()["working_memory"] * 2**20 // max(1, row_bytes)))
    for start in range(0, n_rows, chunk):
        yield slice(start, min(start + chunk, n_rows))


def predict_in_chunks(X, coefs, intercepts, hidden_activation, output_activation):
    """Network output for ``X``, computed ``working_memory`` MiB at a time."""
    n_samples = X.shape[0]
    dtype = np.result_type(X.dtype, coefs[0].dtype)
    # Each row needs its layer outputs; two of them are alive at a time.
    widest = max(W.shape[1] for W in coefs)
    chunks = list(row_chunks(n_samples, 2 * widest * dtype.itemsize))
    if len(chunks) <= 1:
        return forward(X, coefs, intercepts, hidden_activation, output_activation)

    n_outputs = coefs[-1].shape[1]
    output = np.empty((n_samples, n_outputs), dtype=dtype)
    for rows in chunks:
        output[rows] = forward(
            X[rows], coefs, intercepts, hidden_activation, output_activation
        )
    return output
