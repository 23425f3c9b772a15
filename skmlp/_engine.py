"""The engine that runs the training kernels: Numba's compiled loops or NumPy.

:mod:`skmlp._kernels` (and :mod:`skmlp._tabular_kernels` for the tabular
network) writes each element-wise job twice, as a loop and as
its NumPy twin. :func:`kernels` returns the set the configured engine uses
(:func:`skmlp.get_config`):

- ``'numpy'``: the twins, which need nothing beyond NumPy.
- ``'numba'``: the loops compiled by Numba; an error when Numba is missing or
  cannot compile them.
- ``'auto'``: the compiled loops when Numba is installed and works, else the
  twins. Numba missing is the plain install and passes in silence; Numba
  present but failing to import or compile is a surprise, reported once with
  an :class:`EngineWarning`.

Numba keeps the machine code it compiles on disk, next to the package or in
the user's cache directory. Where neither is writable (a read-only container),
the loops are compiled without the disk cache, once per process, and an
:class:`EngineWarning` says how to avoid the cost.
"""

import functools
import importlib.util
import warnings
from types import SimpleNamespace

import numpy as np

from . import _kernels, _tabular_kernels
from ._config import ENGINE_VARIABLE, get_config

LOOPS = _kernels.LOOPS | _tabular_kernels.LOOPS
NUMPY_TWINS = _kernels.NUMPY_TWINS | _tabular_kernels.NUMPY_TWINS


class EngineWarning(UserWarning):
    """The Numba engine could not be used as configured; skmlp adapted.

    Raised once per process, when Numba is installed but cannot be imported
    or compile the kernels (training then runs on the NumPy engine), or cannot
    keep its compiled code on disk (it then compiles in every process). Choose
    an engine explicitly (``SKMLP_ENGINE=numpy`` or :func:`skmlp.set_config`)
    or filter the warning (``warnings.filterwarnings("ignore",
    category=skmlp.EngineWarning)``) to silence it.
    """


NUMPY_KERNELS = SimpleNamespace(**NUMPY_TWINS)


def kernels():
    """The kernel functions of the configured engine, as a namespace.

    Each attribute is named after a loop of :mod:`skmlp._kernels`
    (``adam_step``, ``bias_relu``, ...) and has its signature.
    """
    return _resolve(get_config()["engine"])


def engine_name():
    """``'numba'`` or ``'numpy'``: the engine :func:`kernels` resolves to."""
    return "numpy" if kernels() is NUMPY_KERNELS else "numba"


@functools.cache
def _resolve(engine):
    if engine == "numpy":
        return NUMPY_KERNELS
    if importlib.util.find_spec("numba") is None:
        if engine == "numba":
            raise ImportError(
                "The 'numba' engine needs Numba, which is not installed: "
                'pip install "skmlp[fast]", or use the NumPy engine '
                f"({ENGINE_VARIABLE}=numpy or skmlp.set_config(engine='numpy'))."
            )
        return NUMPY_KERNELS
    try:
        return _compiled()
    except Exception as exc:
        if engine == "numba":
            raise
        _warn(
            f"Numba is installed but cannot run skmlp's kernels ({exc!r}); "
            "training uses the NumPy engine, which computes the same results "
            f"more slowly. Set {ENGINE_VARIABLE}=numpy to silence this warning."
        )
        return NUMPY_KERNELS


@functools.cache
def _compiled():
    """The loops compiled by Numba, tried once on small float64 arrays.

    ``error_model="numpy"`` lets a division by zero give inf instead of
    raising, as in NumPy, which is what allows the loops to be vectorised;
    ``nogil=True`` lets fits in several threads run at once; ``cache=True``
    keeps the machine code on disk, so only the first fit after installing
    compiles. Numba compiles on the first call: calling every kernel here
    turns a failure to compile into a fallback before training starts.
    """
    import numba

    try:
        jit = numba.njit(error_model="numpy", nogil=True, cache=True)
        compiled = {name: jit(loop) for name, loop in LOOPS.items()}
    except RuntimeError as exc:  # no writable place for the disk cache
        _warn(
            f"Numba cannot cache its compiled code ({exc}); skmlp compiles its "
            "kernels in every process instead, which takes a few seconds. "
            "Point NUMBA_CACHE_DIR at a writable directory to keep them, or "
            f"set {ENGINE_VARIABLE}=numpy to train without compiling."
        )
        jit = numba.njit(error_model="numpy", nogil=True, cache=False)
        compiled = {name: jit(loop) for name, loop in LOOPS.items()}
    namespace = SimpleNamespace(**compiled)
    _try_once(namespace)
    return namespace


def _try_once(namespace):
    """Run every kernel on a few float64 numbers, compiling each."""
    x = np.linspace(-1.0, 1.0, 6).reshape(2, 3)
    tiny = np.finfo(np.float64).tiny
    flat = x.ravel()
    namespace.adam_step(
        flat.copy(), flat, flat.copy(), flat**2, 0.9, 0.999, 1e-8, 1e-3, 0.1, tiny
    )
    namespace.decayed_adam_step(
        flat.copy(), flat, flat.copy(), flat**2, 0.99, 0.9, 0.999, 1e-8, 1e-3, tiny
    )
    namespace.sgd_step(flat.copy(), flat, flat.copy(), 0.1, 0.9, True, 0.1, tiny)
    namespace.add_l2_gradient(flat.copy(), flat, 0.1)
    namespace.bias_relu(x.copy(), x[0])
    namespace.relu_delta(x.copy(), x, np.empty(3))
    namespace.softmax_cross_entropy(
        x.copy(), np.eye(3)[[0, 2]], np.full(2, 0.5), 1e-16, x.copy(), np.empty(3)
    )
    _tabular_kernels.try_once(namespace)


def _warn(message):
    # Each distinct problem is reported once per process: _resolve caches
    # its result, so this runs once per engine setting.
    warnings.warn(message, EngineWarning, stacklevel=4)
