"""The training loop's matrix products that take dense or sparse input.

Only the input layer ever sees a sparse matrix (text features, one-hot
codes); its products go through SciPy, every other product through
``np.matmul`` into a reused buffer.
"""

import numpy as np
import scipy.sparse as sp


def matmul_into(A, W, out):
    """``out = A @ W`` for dense or sparse ``A``, writing into ``out``."""
    if sp.issparse(A):
        out[...] = A @ W
    else:
        np.matmul(A, W, out=out)
    return out


try:  # SciPy's compiled kernel for ``Y += A @ X``, A in CSR form
    from scipy.sparse._sparsetools import csr_matvecs as _csr_accumulate
except ImportError:  # pragma: no cover - a SciPy without it takes the slow path
    _csr_accumulate = None


def sparse_weight_gradient(X, delta, out):
    """``out = X^T delta`` for sparse ``X``, without temporaries.

    With a sparse input layer (text features, one-hot codes) this is the
    largest gradient block, ``n_features x n_units``. Computing ``X.T @ delta``
    and copying it into ``out`` would allocate and write that block twice per
    batch; instead ``out`` is zeroed and SciPy's CSR kernel adds the product
    into it in place.
    """
    XT = X.T.tocsr()
    if _csr_accumulate is None or XT.dtype != out.dtype:
        out[...] = XT @ delta
        return out
    out.fill(0)
    delta = np.ascontiguousarray(delta)
    _csr_accumulate(
        XT.shape[0],
        XT.shape[1],
        delta.shape[1],
        XT.indptr,
        XT.indices,
        XT.data,
        delta.ravel(),
        out.ravel(),
    )
    return out
