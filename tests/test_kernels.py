"""The compiled training steps: same numbers as the Python they compile from.

The optimizer tests in ``test_network.py`` check the steps against the
textbook formulas; these check that compiling changes nothing (IEEE
arithmetic, no fast-math), that float32 stays float32, and that Numba is
imported only when a model trains.
"""

import subprocess
import sys
import textwrap

import numba
import numpy as np
import pytest

from skmlp import MLPClassifier, _kernels
from skmlp._kernels import compiled

rng = np.random.default_rng(0)
TINY = np.finfo(np.float64).tiny


def arrays(n, dtype, count):
    return [rng.normal(size=n).astype(dtype) for _ in range(count)]


def run_both(name, arrays, *scalars):
    """Run a kernel compiled and as Python on copies; return both results."""
    results = []
    for kernel in (getattr(compiled(), name), getattr(_kernels, name)):
        copies = [a.copy() for a in arrays]
        kernel(*copies, *scalars)
        results.append(copies)
    return results


def test_adam_step_compiled_equals_python():
    params, grad, u, w = arrays(257, np.float64, 4)
    w = np.abs(w)
    fast, slow = run_both(
        "adam_step", [params, grad, u, w], 0.9, 0.999, 3e-7, 1e-3, TINY
    )
    for a, b in zip(fast, slow, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("nesterov", [True, False])
def test_sgd_step_compiled_equals_python(nesterov):
    params, grad, velocity = arrays(257, np.float64, 3)
    fast, slow = run_both(
        "sgd_step", [params, grad, velocity], 0.05, 0.9, nesterov, TINY
    )
    for a, b in zip(fast, slow, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_steps_flush_subnormal_values_to_zero(dtype):
    tiny = np.finfo(dtype).tiny
    zero, half, one = dtype(0), dtype(0.5), dtype(1)
    # Zero gradients: u halves, w stays (beta_2 = 1), no move (scale 0).
    params = np.array([tiny * 1.5, 1.0], dtype=dtype)
    u = np.array([tiny * 1.5, 0.5], dtype=dtype)
    w = np.array([tiny * 1.5, 0.25], dtype=dtype)
    grad = np.zeros(2, dtype=dtype)
    compiled().adam_step(params, grad, u, w, half, one, one, zero, tiny)
    np.testing.assert_array_equal(u, [0, 0.25])  # the subnormal half is flushed
    np.testing.assert_array_equal(w, [tiny * 1.5, 0.25])  # still normal: kept
    np.testing.assert_array_equal(params, [tiny * 1.5, 1.0])
    # Plain SGD with momentum 1/2: v halves, params move by v; only the
    # stored velocity is flushed.
    velocity = np.array([tiny * 1.5, 1.0], dtype=dtype)
    compiled().sgd_step(params, grad, velocity, one, half, False, tiny)
    np.testing.assert_array_equal(velocity, [0, 0.5])
    np.testing.assert_array_equal(params, [tiny * 2.25, 1.5])
    # A step that leaves a weight subnormal leaves it at zero.
    step = np.array([params[0] - tiny / 2, 0], dtype=dtype)
    compiled().sgd_step(params, step, np.zeros(2, dtype), one, zero, False, tiny)
    np.testing.assert_array_equal(params, [0, 1.5])


def test_add_l2_gradient_compiled_equals_numpy():
    grad, weights = arrays(257, np.float64, 2)
    fast, _ = run_both("add_l2_gradient", [grad, weights], 0.125)
    np.testing.assert_array_equal(fast[0], grad + 0.125 * weights)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_float32_training_steps_in_float32(solver):
    # The optimizers pass their scalars in the parameters' dtype: a float64
    # scalar would make the compiled loop compute in float64 and convert
    # every element back, which is slower and not float32 arithmetic.
    X = rng.normal(size=(60, 3)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    MLPClassifier(solver=solver, alpha=1e-3, max_iter=2).fit(X, y)
    name = {"adam": "adam_step", "sgd": "sgd_step"}[solver]
    for kernel in (getattr(compiled(), name), compiled().add_l2_gradient):
        float32_calls = [
            signature
            for signature in kernel.signatures
            if signature[0].dtype == numba.float32
        ]
        assert float32_calls, kernel
        for signature in float32_calls:
            floats = [t for t in signature if isinstance(t, numba.types.Float)]
            assert floats and all(t == numba.float32 for t in floats), signature


def test_numba_is_imported_by_training_only():
    code = textwrap.dedent(
        """
        import sys
        import numpy as np
        from skmlp import MLPClassifier

        X, y = np.random.default_rng(0).normal(size=(40, 3)), np.arange(40) % 2
        lbfgs = MLPClassifier(solver="lbfgs", alpha=0.0, max_iter=5).fit(X, y)
        lbfgs.predict_proba(X)
        print("numba" in sys.modules)
        MLPClassifier(max_iter=2).fit(X, y)
        print("numba" in sys.modules)
        """
    )
    result = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", code],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == ["False", "True"]
