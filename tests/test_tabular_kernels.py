"""The fused kernels of the tabular network against the reference math."""

import numpy as np
import pytest

import skmlp
from skmlp._engine import kernels
from skmlp._kernels import adam_step_numpy
from skmlp._tabular_kernels import (
    ACTIVATION_CODES,
    activate,
    constants_for,
    dropout_noise,
)
from skmlp._tabular_math import (
    BASE_ACTIVATIONS,
    parametric_activation,
    parametric_activation_backward,
)

TOLERANCE = {np.float32: 2e-6, np.float64: 1e-13}


def forward(Z, b, alpha, name, D=None, S=None, noise=None, threshold=0, scale=1.0):
    """The kernels through ``activate``: training with ``D`` and ``S``."""
    dropout = None
    if D is not None:
        noise = np.zeros(Z.shape, np.uint8) if noise is None else noise
        dropout = (noise, threshold, Z.dtype.type(scale))
    activate(
        kernels(),
        Z,
        b,
        alpha,
        ACTIVATION_CODES[name],
        constants_for(Z.dtype),
        dropout,
        D,
        S,
    )


def layer(dtype, seed=0):
    rng = np.random.default_rng(seed)
    # Wide enough to reach mish's linear tail and selu's flat one.
    Z = (rng.normal(size=(9, 7)) * 8).astype(dtype)
    b = rng.normal(size=7).astype(dtype)
    alpha = rng.uniform(0.3, 1.4, 7).astype(dtype)
    return Z, b, alpha


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(ACTIVATION_CODES))
def test_parametric_forward_computes_the_activation_and_its_slope(engine, name, dtype):
    Z, b, alpha = layer(dtype)
    z = (Z + b).astype(np.float64)
    expected, G = parametric_activation(z, alpha.astype(np.float64), name)
    slope = 1 + alpha * (BASE_ACTIVATIONS[name][1](z) - 1)
    D, S = np.empty_like(Z), np.empty_like(Z)
    out = Z.copy()
    forward(out, b, alpha, name, D, S)
    rtol = TOLERANCE[dtype]
    np.testing.assert_allclose(out, expected, rtol=rtol, atol=rtol)
    np.testing.assert_allclose(D, G - z, rtol=rtol, atol=rtol)
    np.testing.assert_allclose(S, slope, rtol=rtol, atol=rtol)
    # Prediction keeps nothing and computes the same output.
    again = Z.copy()
    forward(again, b, alpha, name)
    np.testing.assert_array_equal(again, out)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(ACTIVATION_CODES))
def test_parametric_backward_matches_the_reference(engine, name, dtype):
    Z, b, alpha = layer(dtype, seed=1)
    z = Z + b
    D, S = np.empty_like(Z), np.empty_like(Z)
    forward(Z.copy(), b, alpha, name, D, S)
    delta = np.random.default_rng(2).normal(size=Z.shape).astype(dtype)
    G = BASE_ACTIVATIONS[name][0](z.astype(np.float64))
    dZ, dalpha = parametric_activation_backward(
        delta.astype(np.float64), z.astype(np.float64), G, alpha, name
    )
    dalpha_out, dbias = np.empty(7, dtype), np.empty(7, dtype)
    kernels().parametric_backward(delta, D, S, dalpha_out, dbias)
    rtol = 20 * TOLERANCE[dtype]
    np.testing.assert_allclose(delta, dZ, rtol=rtol, atol=rtol)
    np.testing.assert_allclose(dalpha_out, dalpha, rtol=rtol, atol=rtol)
    np.testing.assert_allclose(dbias, dZ.sum(axis=0), rtol=rtol, atol=rtol)


def test_mish_kernel_stays_finite_far_out(engine):
    Z = np.array([[-1e4, -50.0, 50.0, 1e4]], dtype=np.float32)
    D, S = np.empty_like(Z), np.empty_like(Z)
    forward(Z, np.zeros(4, np.float32), np.ones(4, np.float32), "mish", D, S)
    assert np.isfinite(Z).all() and np.isfinite(S).all()
    np.testing.assert_allclose(Z[0, 2:], [50.0, 1e4])


@pytest.mark.parametrize("name", sorted(ACTIVATION_CODES))
def test_dropout_zeroes_units_and_their_gradients(engine, name):
    Z, b, alpha = layer(np.float64, seed=3)
    noise, threshold, scale = dropout_noise(
        np.random.default_rng(0), Z.shape, 0.3, np.float64
    )
    assert threshold == 77 and scale == pytest.approx(256 / 179)
    plain, D0, S0 = Z.copy(), np.empty_like(Z), np.empty_like(Z)
    forward(plain, b, alpha, name, D0, S0)
    dropped, D, S = Z.copy(), np.empty_like(Z), np.empty_like(Z)
    forward(dropped, b, alpha, name, D, S, noise, threshold, scale)
    kept = noise >= threshold
    assert 0 < kept.mean() < 1
    for result, reference in ((dropped, plain), (D, D0), (S, S0)):
        np.testing.assert_allclose(result[kept], reference[kept] * scale, rtol=1e-13)
        assert (result[~kept] == 0).all()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(ACTIVATION_CODES))
def test_engines_agree_bit_for_bit(name, dtype):
    pytest.importorskip("numba")
    Z, b, alpha = layer(dtype, seed=4)
    noise, threshold, scale = dropout_noise(
        np.random.default_rng(1), Z.shape, 0.2, dtype
    )
    delta = np.random.default_rng(2).normal(size=Z.shape).astype(dtype)
    results = []
    for engine in ("numpy", "numba"):
        with skmlp.config_context(engine=engine):
            out, D, S = Z.copy(), np.empty_like(Z), np.empty_like(Z)
            forward(out, b, alpha, name, D, S, noise, threshold, scale)
            dZ, dalpha, dbias = delta.copy(), np.empty(7, dtype), np.empty(7, dtype)
            kernels().parametric_backward(dZ, D, S, dalpha, dbias)
            results.append((out, D, S, dZ, dalpha, dbias))
    for ours, theirs in zip(*results, strict=True):
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", sorted(ACTIVATION_CODES))
def test_engines_predict_bit_for_bit_also_at_edge_values(name, dtype):
    # The NumPy prediction twin writes each activation without a selection;
    # these are the values where that could round or sign differently.
    pytest.importorskip("numba")
    edges = [0.0, -0.0, 1e-40, -1e-40, 19.9, 20.0, 20.1, 88.0, -88.0, 1e30, -1e30]
    edges += [np.inf, -np.inf, np.nan]
    _, _, alpha = layer(dtype, seed=5)
    # Many ordinary values too: a rounding that differs now and then.
    Z = (np.random.default_rng(6).normal(size=(300, 7)) * 8).astype(dtype)
    Z = np.vstack([Z, np.resize(np.asarray(edges, dtype), (2, 7))])
    b = np.zeros(7, dtype)
    results = []
    for engine in ("numpy", "numba"):
        with skmlp.config_context(engine=engine), np.errstate(all="ignore"):
            out = Z.copy()
            forward(out, b, alpha, name)
            results.append(out)
    ours, theirs = results
    np.testing.assert_array_equal(ours, theirs)
    # Zeros of the same sign too (a NaN's sign bit means nothing).
    numbers = ~np.isnan(ours)
    np.testing.assert_array_equal(
        np.signbit(ours[numbers]), np.signbit(theirs[numbers])
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("flush", [False, True])
def test_decayed_adam_step_is_decay_then_the_drop_in_step(engine, dtype, flush):
    rng = np.random.default_rng(5)
    # More than one block of the NumPy twin, and values that flush to zero.
    size = 70_000
    params, grad, u = (rng.normal(size=size).astype(dtype) for _ in range(3))
    w = rng.uniform(0, 2, size).astype(dtype)
    tiny = np.finfo(dtype).tiny
    # Subnormal weights that do not move, and subnormal first moments.
    params[:50], grad[:100], u[:50] = tiny / 4, 0, 0
    u[50:100] = tiny / 3
    constants = [dtype(c) for c in (0.97, 0.9, 0.95, 1e-7, 3e-3)]
    smallest = dtype(tiny if flush else 0)
    expected = [a.copy() for a in (params, grad, u, w)]
    expected[0] *= constants[0]
    adam_step_numpy(*expected, *constants[1:], dtype(0), smallest)
    kernels().decayed_adam_step(params, grad, u, w, *constants, smallest)
    for result, reference in zip(
        (params, u, w), expected[:1] + expected[2:], strict=True
    ):
        np.testing.assert_array_equal(result, reference)
    assert (params[:50] == 0).all() == (u[50:100] == 0).all() == flush


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_embedding_backward_adds_rows_in_order_as_add_at(engine, dtype):
    rng = np.random.default_rng(6)
    dH = rng.normal(size=(300, 20)).astype(dtype)
    codes = rng.integers(0, 7, (300, 3)).astype(np.intp)
    expected = np.zeros((7, 8), dtype)
    np.add.at(expected, codes[:, 1], dH[:, 4:12])
    dtable = np.full((7, 8), 5, dtype)
    # Column views, as the network passes them.
    kernels().embedding_backward(dH[:, 4:12], codes[:, 1], dtable)
    np.testing.assert_array_equal(dtable, expected)
