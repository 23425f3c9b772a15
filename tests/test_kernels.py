"""The training kernels: each engine computes the formulas of the loops.

The optimizer tests in ``test_network.py`` check the steps against the
textbook formulas and ``test_gradients.py`` checks the whole backward pass
against finite differences; these check that each engine's kernels compute
what the plain Python loops of ``skmlp._kernels`` say: the NumPy twins and the
Numba-compiled loops (IEEE arithmetic, no fast-math) bit for bit in the
optimizer steps, the fused kernels equal to the NumPy functions they replace,
NaN and infinity included, float32 kept float32, and Numba imported only when
a model trains.
"""

import importlib.util
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import skmlp
from skmlp import MLPClassifier, _kernels
from skmlp._activations import relu, relu_derivative, softmax
from skmlp._engine import kernels
from skmlp._losses import categorical_cross_entropy
from skmlp._network import Network
from skmlp._optimizers import FLUSH_EVERY, SGD, Adam, LearningRateSchedule

rng = np.random.default_rng(0)
TINY = np.finfo(np.float64).tiny
HAS_NUMBA = importlib.util.find_spec("numba") is not None


def arrays(n, dtype, count):
    return [rng.normal(size=n).astype(dtype) for _ in range(count)]


def run_both(name, arrays, *scalars):
    """Run a kernel of the engine and as a Python loop on copies; both results."""
    results = []
    for kernel in (getattr(kernels(), name), getattr(_kernels, name)):
        copies = [a.copy() for a in arrays]
        kernel(*copies, *scalars)
        results.append(copies)
    return results


@pytest.mark.parametrize("n", [257, 40_000])
def test_adam_step_equals_the_loop(engine, n):
    # 40,000 float64 values span several of the NumPy twin's blocks.
    params, grad, u, w = arrays(n, np.float64, 4)
    w = np.abs(w)
    fast, slow = run_both(
        "adam_step", [params, grad, u, w], 0.9, 0.999, 3e-7, 1e-3, 0.25, TINY
    )
    for a, b in zip(fast, slow, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("nesterov", [True, False])
def test_sgd_step_equals_the_loop(engine, nesterov):
    params, grad, velocity = arrays(40_000, np.float64, 3)
    fast, slow = run_both(
        "sgd_step", [params, grad, velocity], 0.05, 0.9, nesterov, 0.25, TINY
    )
    for a, b in zip(fast, slow, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_steps_flush_subnormal_values_to_zero(engine, dtype):
    tiny = np.finfo(dtype).tiny
    zero, half, one = dtype(0), dtype(0.5), dtype(1)
    # Zero gradients: u halves, w stays (beta_2 = 1), no move (scale 0).
    params = np.array([tiny * 1.5, 1.0], dtype=dtype)
    u = np.array([tiny * 1.5, 0.5], dtype=dtype)
    w = np.array([tiny * 1.5, 0.25], dtype=dtype)
    grad = np.zeros(2, dtype=dtype)
    kernels().adam_step(params, grad, u, w, half, one, one, zero, zero, tiny)
    np.testing.assert_array_equal(u, [0, 0.25])  # the subnormal half is flushed
    np.testing.assert_array_equal(w, [tiny * 1.5, 0.25])  # still normal: kept
    np.testing.assert_array_equal(params, [tiny * 1.5, 1.0])
    # Plain SGD with momentum 1/2: v halves, params move by v; only the
    # stored velocity is flushed.
    velocity = np.array([tiny * 1.5, 1.0], dtype=dtype)
    kernels().sgd_step(params, grad, velocity, one, half, False, zero, tiny)
    np.testing.assert_array_equal(velocity, [0, 0.5])
    np.testing.assert_array_equal(params, [tiny * 2.25, 1.5])
    # A step that leaves a weight subnormal leaves it at zero.
    step = np.array([params[0] - tiny / 2, 0], dtype=dtype)
    kernels().sgd_step(params, step, np.zeros(2, dtype), one, zero, False, zero, tiny)
    np.testing.assert_array_equal(params, [0, 1.5])


def test_add_l2_gradient_equals_numpy(engine):
    grad, weights = arrays(257, np.float64, 2)
    fast, _ = run_both("add_l2_gradient", [grad, weights], 0.125)
    np.testing.assert_array_equal(fast[0], grad + 0.125 * weights)


def scores(dtype):
    """Scores with the awkward values a diverging fit produces."""
    Z = rng.normal(size=(7, 5)).astype(dtype)
    Z[1, 2], Z[2, 0], Z[3, 4] = np.nan, -np.inf, np.inf
    return Z


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_bias_relu_equals_numpy(engine, dtype):
    Z, b = scores(dtype), rng.normal(size=5).astype(dtype)
    expected = relu(Z + b)
    kernels().bias_relu(Z, b)
    np.testing.assert_array_equal(Z, expected)  # NaN where NumPy has NaN


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_delta_equals_numpy(engine, dtype):
    A = relu(scores(dtype))
    delta = rng.normal(size=A.shape).astype(dtype)
    delta[0, 0], A[0, 0] = np.inf, 0  # inf times a zero slope is NaN
    with np.errstate(invalid="ignore"):
        expected = relu_derivative(None, A, delta.copy())
    bias_grad = np.full(5, 99, dtype=dtype)
    with np.errstate(invalid="ignore"):
        kernels().relu_delta(delta, A, bias_grad)
    np.testing.assert_array_equal(delta, expected)
    np.testing.assert_allclose(bias_grad, expected.sum(axis=0), rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("weighted", [False, True])
def test_softmax_cross_entropy_equals_numpy(engine, dtype, weighted):
    Z = 4 * rng.normal(size=(9, 4)).astype(dtype)
    Z[0] = [300, -300, 0, 1]  # a saturated row: the clip keeps the loss finite
    Y = np.eye(4, dtype=dtype)[rng.integers(0, 4, size=9)]
    Y[0] = [0, 1, 0, 0]
    weights = rng.uniform(0.1, 2, size=9) if weighted else np.ones(9)
    row_scale = (weights / weights.sum()).astype(dtype)
    P = softmax(Z.copy())
    expected_loss = categorical_cross_entropy(Y, P) @ row_scale
    expected_delta = (P - Y) * row_scale[:, np.newaxis]
    delta, bias_grad = np.empty_like(Z), np.empty(4, dtype=dtype)
    eps = np.finfo(dtype).eps
    loss = kernels().softmax_cross_entropy(Z, Y, row_scale, eps, delta, bias_grad)
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(Z, P, rtol=rtol, atol=1e-30)
    assert np.isfinite(loss)
    assert loss == pytest.approx(expected_loss, rel=rtol)
    np.testing.assert_allclose(delta, expected_delta, rtol=rtol, atol=1e-30)
    np.testing.assert_allclose(bias_grad, expected_delta.sum(axis=0), atol=rtol)


def test_softmax_cross_entropy_lets_nan_through(engine):
    Z = np.array([[np.nan, 0.0, 1.0], [0.0, 1.0, 2.0]])
    Y = np.eye(3)[[0, 1]]
    delta, bias_grad = np.empty_like(Z), np.empty(3)
    loss = kernels().softmax_cross_entropy(
        Z, Y, np.full(2, 0.5), 1e-16, delta, bias_grad
    )
    assert np.isnan(loss)
    assert np.isnan(delta[0]).all() and np.isfinite(delta[1]).all()


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("weighted", [False, True])
def test_fused_kernels_train_like_the_numpy_functions(engine, monkeypatch, weighted):
    # The same fit through the fused kernels and through the NumPy functions
    # they replace: the two may differ only in rounding.
    X = rng.normal(size=(150, 6))
    y = (X[:, :3] @ [1.0, -2.0, 0.5] > 0).astype(int) + (X[:, 3] > 1)
    weights = rng.uniform(0.5, 2.0, size=150) if weighted else None

    def fit():
        model = MLPClassifier((8, 5), batch_size=32, max_iter=8, random_state=0)
        return model.fit(X, y, sample_weight=weights)

    fused = fit()
    monkeypatch.setattr(Network, "_fused_relu", property(lambda self: False))
    monkeypatch.setattr(Network, "_fused_head", property(lambda self: False))
    plain = fit()
    np.testing.assert_allclose(fused.loss_curve_, plain.loss_curve_, rtol=1e-12)
    fitted = zip(
        fused.coefs_ + fused.intercepts_, plain.coefs_ + plain.intercepts_, strict=True
    )
    for a, b in fitted:
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


needs_numba = pytest.mark.skipif(
    not HAS_NUMBA, reason="Numba is not installed: nothing compiled to compare"
)


@needs_numba
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("solver", ["adam", "sgd"])
@pytest.mark.parametrize("activation", ["relu", "tanh"])
@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_both_engines_train_the_same_network(kind, activation, solver, dtype):
    X = rng.normal(size=(200, 6)).astype(dtype)
    y = (X[:, :3] @ [1.0, -2.0, 0.5] > 0).astype(int) + (X[:, 3] > 1)
    estimator = skmlp.MLPClassifier if kind == "classifier" else skmlp.MLPRegressor
    fitted = {}
    for name in ("numba", "numpy"):
        with skmlp.config_context(engine=name):
            fitted[name] = estimator(
                hidden_layer_sizes=(12, 6),
                activation=activation,
                solver=solver,
                alpha=1e-3,
                batch_size=32,
                max_iter=10,
                random_state=0,
            ).fit(X, y)
    compiled, numpy = fitted["numba"], fitted["numpy"]
    rtol = 1e-5 if dtype == np.float32 else 1e-12
    np.testing.assert_allclose(compiled.loss_curve_, numpy.loss_curve_, rtol=rtol)
    pairs = zip(
        compiled.coefs_ + compiled.intercepts_,
        numpy.coefs_ + numpy.intercepts_,
        strict=True,
    )
    for a, b in pairs:
        if kind == "regressor":
            # Steps, bias + ReLU and ReLU delta agree bit for bit; only the
            # softmax head sums its rows in another order.
            np.testing.assert_array_equal(a, b)
        else:
            np.testing.assert_allclose(a, b, rtol=rtol * 100, atol=rtol)


@needs_numba
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("solver", ["adam", "sgd"])
def test_float32_training_runs_in_float32(solver):
    # Scalars are passed in the parameters' dtype: a float64 scalar would make
    # the compiled loop compute in float64 and convert every element back,
    # which is slower and not float32 arithmetic.
    X = rng.normal(size=(60, 3)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    import numba

    with skmlp.config_context(engine="numba"):
        MLPClassifier(solver=solver, alpha=1e-3, max_iter=2).fit(X, y)
        compiled = kernels()
    step = {"adam": "adam_step", "sgd": "sgd_step"}[solver]
    for name in (step, "bias_relu", "relu_delta", "softmax_cross_entropy"):
        kernel = getattr(compiled, name)
        float32_calls = [
            signature
            for signature in kernel.signatures
            if signature[0].dtype == numba.float32
        ]
        assert float32_calls, name
        for signature in float32_calls:
            floats = [t for t in signature if isinstance(t, numba.types.Float)]
            arrays = [t for t in signature if isinstance(t, numba.types.Array)]
            assert all(t == numba.float32 for t in floats), signature
            assert all(t.dtype == numba.float32 for t in arrays), signature


@needs_numba
def test_numba_is_imported_by_training_only():
    # A model fitted and pickled in one process, then loaded and used in a
    # fresh one: importing skmlp and predicting never import Numba.
    fit = textwrap.dedent(
        """
        import pickle, sys
        import numpy as np
        from skmlp import MLPClassifier

        X, y = np.random.default_rng(0).normal(size=(40, 3)), np.arange(40) % 2
        model = MLPClassifier(max_iter=2).fit(X, y)
        assert "numba" in sys.modules
        sys.stdout.buffer.write(pickle.dumps(model))
        """
    )
    predict = textwrap.dedent(
        """
        import pickle, sys
        import numpy as np

        model = pickle.loads(sys.stdin.buffer.read())
        model.predict_proba(np.zeros((5, 3)))
        model.predict(np.zeros((5, 3)))
        print("numba" in sys.modules)
        """
    )
    fitted = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", fit], capture_output=True, check=True
    )
    result = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", predict],
        input=fitted.stdout,
        capture_output=True,
        check=True,
    )
    assert result.stdout.split() == [b"False"]


@pytest.mark.parametrize("name", ["adam", "sgd"])
def test_optimizers_flush_subnormal_values_every_few_steps(engine, name):
    # Zero gradients and a zero learning rate: subnormal weights and moments
    # only decay, and stay subnormal until the step that flushes.
    tiny = TINY
    schedule = LearningRateSchedule("constant", learning_rate_init=0.0)
    if name == "adam":
        optimizer = Adam(2, np.float64, schedule)
        state = optimizer.scaled_first_moment
    else:
        optimizer = SGD(2, np.float64, schedule, momentum=0.5, nesterov=False)
        state = optimizer.velocity
    params = np.array([tiny * 0.75, 1.0])
    state[...] = [-tiny * 0.75, 0.5]  # SGD's weight shrinks, staying positive
    for step in range(1, FLUSH_EVERY + 1):
        optimizer.step(params, np.zeros(2))
        if step < FLUSH_EVERY:
            assert 0 < params[0] < tiny and 0 < -state[0] < tiny, step
    assert params[0] == 0 and state[0] == 0
    assert params[1] >= 1 and state[1] > tiny  # normal values are kept
