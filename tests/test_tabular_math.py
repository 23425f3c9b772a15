"""Finite-difference checks of every derivative the tabular MLPs use."""

import numpy as np
import pytest

from skmlp._tabular_architecture import Architecture
from skmlp._tabular_math import (
    BASE_ACTIVATIONS,
    SCHEDULES,
    embedding_backward,
    parametric_activation,
    parametric_activation_backward,
    periodic_embedding,
    periodic_embedding_backward,
    smoothed_cross_entropy,
    squared_error,
)
from skmlp._tabular_network import TabularNetwork

FACTORS = {
    "scale": (6.0, 36.0),
    "embedding": (0.1, 0.01),
    "activation": (0.1, 0.01),
    "bias": (0.1, 0.0),
}


def numerical_gradient(f, x, eps=1e-6):
    """Central differences of the scalar ``f()`` with respect to ``x``."""
    grad = np.zeros_like(x)
    flat, out = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        kept = flat[i]
        flat[i] = kept + eps
        up = f()
        flat[i] = kept - eps
        down = f()
        flat[i] = kept
        out[i] = (up - down) / (2 * eps)
    return grad


@pytest.mark.parametrize("name", sorted(BASE_ACTIVATIONS))
def test_activation_derivatives(name):
    g, derivative = BASE_ACTIVATIONS[name]
    # Away from relu's kink, where the derivative is one-sided.
    z = np.array([-4.0, -1.3, -0.2, 0.3, 1.1, 5.0])
    eps = 1e-6
    numerical = (g(z + eps) - g(z - eps)) / (2 * eps)
    np.testing.assert_allclose(derivative(z), numerical, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", sorted(BASE_ACTIVATIONS))
def test_parametric_activation_gradient(name):
    rng = np.random.default_rng(0)
    Z = rng.normal(size=(5, 4))
    alpha = rng.uniform(0.2, 1.5, 4)
    weights = rng.normal(size=(5, 4))

    def loss():
        return float((parametric_activation(Z, alpha, name)[0] * weights).sum())

    A, G = parametric_activation(Z, alpha, name)
    dZ, dalpha = parametric_activation_backward(weights, Z, G, alpha, name)
    np.testing.assert_allclose(dZ, numerical_gradient(loss, Z), rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(
        dalpha, numerical_gradient(loss, alpha), rtol=1e-5, atol=1e-8
    )


def test_parametric_activation_at_one_is_the_activation():
    Z = np.linspace(-3, 3, 13).reshape(1, -1)
    A, G = parametric_activation(Z, np.ones(13), "selu")
    np.testing.assert_array_equal(A, G)
    np.testing.assert_allclose(parametric_activation(Z, np.zeros(13), "mish")[0], Z)


def test_periodic_embedding_gradient():
    rng = np.random.default_rng(1)
    n, F, k, m = 6, 3, 4, 2
    X = rng.normal(size=(n, F))
    params = [
        rng.normal(0, 0.3, (F, k)),
        rng.uniform(-np.pi, np.pi, (F, k)),
        rng.normal(size=(F, k, m)),
        rng.normal(size=(F, m)),
    ]
    weights = rng.normal(size=(F, n, m))

    def loss():
        return float((periodic_embedding(X, *params)[0] * weights).sum())

    embedded, kept = periodic_embedding(X, *params)
    assert embedded.shape == (F, n, m)
    predicted = periodic_embedding(X, *params, keep=False)[0]
    np.testing.assert_array_equal(predicted, embedded)
    # Feature j's embedding depends on column j alone.
    j = 1
    expected = np.cos(2 * np.pi * np.outer(X[:, j], params[0][j]) + params[1][j])
    np.testing.assert_allclose(
        embedded[j], expected @ params[2][j] + params[3][j], rtol=1e-12
    )
    grads = periodic_embedding_backward(weights, kept, params[2])
    for analytic, param in zip(grads, params, strict=True):
        np.testing.assert_allclose(
            analytic, numerical_gradient(loss, param), rtol=1e-5, atol=1e-8
        )


def test_embedding_backward_adds_repeated_codes():
    codes = np.array([0, 2, 2, 1, 2])
    dE = np.arange(10.0).reshape(5, 2)
    dtable = np.full((4, 2), 99.0)
    embedding_backward(dE, codes, dtable)
    np.testing.assert_array_equal(
        dtable, [[0, 1], [6, 7], [2 + 4 + 8, 3 + 5 + 9], [0, 0]]
    )


@pytest.mark.parametrize("loss_function", [smoothed_cross_entropy, squared_error])
def test_loss_gradients(loss_function):
    rng = np.random.default_rng(2)
    S = rng.normal(size=(5, 3))
    Y = np.eye(3)[rng.integers(0, 3, 5)]
    row_scale = rng.uniform(0.1, 1, 5)
    loss, delta = loss_function(S, Y, 0.1, row_scale)
    numerical = numerical_gradient(lambda: loss_function(S, Y, 0.1, row_scale)[0], S)
    np.testing.assert_allclose(delta, numerical, rtol=1e-5, atol=1e-8)


def test_label_smoothing_changes_the_target():
    S = np.array([[10.0, 0.0]])
    Y = np.array([[1.0, 0.0]])
    _, plain = smoothed_cross_entropy(S, Y, 0.0, np.ones(1))
    _, smoothed = smoothed_cross_entropy(S, Y, 0.2, np.ones(1))
    # Smoothing pulls a confident right answer back: the gradient on the
    # right class turns positive (towards a lower score).
    assert plain[0, 0] < 0 < smoothed[0, 0]


@pytest.mark.parametrize("name", sorted(SCHEDULES))
def test_schedules_stay_in_unit_interval(name):
    values = np.array([SCHEDULES[name](t) for t in np.linspace(0, 1, 101)])
    assert values.min() >= -1e-12 and values.max() <= 1 + 1e-12
    if name != "constant":
        assert values[-1] == pytest.approx(0, abs=1e-12)


def small_network(periodic=True, cardinalities=(5, 3), activation="selu"):
    arch = Architecture(
        n_numeric=3,
        n_dense=2,
        cardinalities=cardinalities,
        embedding_dim=2,
        n_frequencies=4 if periodic else 0,
        numeric_embedding_dim=2,
        hidden_layer_sizes=(6, 5),
        n_outputs=3,
        activation=activation,
    )
    rng = np.random.default_rng(3)
    n = 7
    X = np.column_stack(
        [
            rng.normal(size=(n, 3)),
            rng.integers(0, 2, (n, 2)),
            *[rng.integers(0, c, n) for c in cardinalities],
        ]
    ).astype(np.float64)
    network = TabularNetwork(arch, FACTORS, np.float64).initialize(X, rng, 0.3)
    # Move the scales and alphas off 1 so that their gradients are generic.
    network.params[...] += rng.normal(0, 0.05, network.params.shape)
    return network, X


@pytest.mark.parametrize("periodic", [True, False])
@pytest.mark.parametrize("activation", ["selu", "mish"])
def test_network_gradient_matches_finite_differences(periodic, activation):
    network, X = small_network(periodic=periodic, activation=activation)
    Y = np.eye(3)[[0, 1, 2, 0, 1, 2, 2]]
    row_scale = np.full(X.shape[0], 1 / X.shape[0])

    def loss():
        return smoothed_cross_entropy(network.forward(X)[0], Y, 0.1, row_scale)[0]

    # Training mode without dropout computes what prediction computes.
    S, cache = network.forward(X, rng=np.random.default_rng(0))
    np.testing.assert_allclose(S, network.forward(X)[0])
    _, dS = smoothed_cross_entropy(S, Y, 0.1, row_scale)
    network.backward(cache, dS)
    numerical = numerical_gradient(loss, network.params)
    for block in network.blocks:
        part = network.slices[block.name]
        np.testing.assert_allclose(
            network.grad[part],
            numerical[part],
            rtol=1e-4,
            atol=1e-8,
            err_msg=block.name,
        )


def test_network_gradient_with_dropout():
    network, X = small_network()
    Y = np.eye(3)[[0, 1, 2, 0, 1, 2, 2]]
    row_scale = np.full(X.shape[0], 1 / X.shape[0])

    def forward():
        # The same mask every time: the loss is then a smooth function.
        return network.forward(X, dropout=0.3, rng=np.random.default_rng(5))

    def loss():
        return smoothed_cross_entropy(forward()[0], Y, 0.0, row_scale)[0]

    S, cache = forward()
    assert any((mask == 0).any() for *_, mask in cache["layers"])
    network.backward(cache, smoothed_cross_entropy(S, Y, 0.0, row_scale)[1])
    np.testing.assert_allclose(
        network.grad, numerical_gradient(loss, network.params), rtol=1e-4, atol=1e-8
    )


def test_initialisation_gives_unit_variance_units():
    network, X = small_network()
    rng = np.random.default_rng(9)
    X = np.column_stack(
        [
            rng.normal(size=(500, 3)),
            rng.integers(0, 2, (500, 2)),
            rng.integers(0, 5, 500),
            rng.integers(0, 3, 500),
        ]
    ).astype(np.float64)
    network.initialize(X, rng, 0.3)
    H0 = network._features(X)[0]
    Z = H0 @ network.p["W0"]
    np.testing.assert_allclose(Z.std(axis=0), 1.0, rtol=1e-10)
    # Every boundary starts inside the data: some rows on either side.
    Z += network.p["b0"]
    assert ((Z > 0).mean(axis=0) > 0).all() and ((Z < 0).mean(axis=0) > 0).all()
