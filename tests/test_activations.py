"""Activations: values, in-place behaviour, derivatives and extreme inputs."""

import numpy as np
import pytest
from scipy.special import expit
from scipy.stats import norm

from skmlp._activations import ACTIVATIONS, DERIVATIVES, HIDDEN_ACTIVATIONS

REFERENCE = {
    "identity": lambda z: z,
    "logistic": expit,
    "tanh": np.tanh,
    "relu": lambda z: np.maximum(z, 0),
    "leaky_relu": lambda z: np.where(z > 0, z, 0.01 * z),
    "elu": lambda z: np.where(z > 0, z, np.exp(z) - 1),
    "gelu": lambda z: z * norm.cdf(z),
    "silu": lambda z: z / (1 + np.exp(-z)),
    "softplus": lambda z: np.log1p(np.exp(z)),
}


def test_every_hidden_activation_has_a_reference_and_a_derivative():
    assert set(REFERENCE) == set(HIDDEN_ACTIVATIONS) == set(DERIVATIVES)


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_activation_values_and_in_place(name):
    Z = np.linspace(-5, 5, 24).reshape(4, 6)
    expected = REFERENCE[name](Z.copy())
    out = ACTIVATIONS[name](Z)
    assert out is Z
    np.testing.assert_allclose(Z, expected, rtol=1e-12, atol=1e-15)
    # Out of place, the input is left alone.
    Z2 = np.linspace(-5, 5, 24).reshape(4, 6)
    target = np.empty_like(Z2)
    ACTIVATIONS[name](Z2, out=target)
    np.testing.assert_allclose(target, expected, rtol=1e-12, atol=1e-15)
    np.testing.assert_array_equal(Z2, np.linspace(-5, 5, 24).reshape(4, 6))


@pytest.mark.parametrize("name", sorted(DERIVATIVES))
def test_derivative_from_output_matches_finite_difference(name):
    Z = np.linspace(-3, 3, 30).reshape(5, 6) + 0.013  # avoid relu's kink at 0
    step = 1e-6
    numeric = (REFERENCE[name](Z + step) - REFERENCE[name](Z - step)) / (2 * step)
    A = REFERENCE[name](Z.copy())
    delta = np.ones_like(Z)
    DERIVATIVES[name](Z, A, delta)
    np.testing.assert_allclose(delta, numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_is_stable_for_huge_scores(dtype):
    Z = np.array([[1e4, 0.0, -1e4], [3.0, 3.0, 3.0], [-1e30, -1e30, 0.0]], dtype)
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        P = ACTIVATIONS["softmax"](Z.copy())
    assert P.dtype == dtype
    assert np.all(np.isfinite(P))
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(P[0], [1.0, 0.0, 0.0])
    np.testing.assert_allclose(P[1], [1 / 3] * 3, rtol=1e-6)


def test_softmax_matches_definition():
    rng = np.random.RandomState(0)
    Z = rng.normal(size=(6, 4))
    expected = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(ACTIVATIONS["softmax"](Z.copy()), expected)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_logistic_and_exp_do_not_overflow(dtype):
    Z = np.array([[-1e4, 0.0, 1e4]], dtype)
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        P = ACTIVATIONS["logistic"](Z.copy())
        E = ACTIVATIONS["exp"](Z.copy())
    np.testing.assert_allclose(P, [[0.0, 0.5, 1.0]])
    assert np.all(np.isfinite(E)) and E[0, 1] == 1.0
