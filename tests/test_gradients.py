"""Finite-difference checks of the backpropagated gradient.

Central differences in float64, one parameter at a time, against the analytic
gradient of :meth:`Network.loss_and_gradient` for every hidden activation,
every head (with its canonical loss), with and without sample weights and the
L2 penalty, on dense and sparse input, on each engine (the fused ReLU and
softmax work differs between the two).
"""

import numpy as np
import pytest
import scipy.sparse as sp

from skmlp._activations import DERIVATIVES
from skmlp._losses import make_loss
from skmlp._network import Network

HEADS = ["softmax", "logistic", "identity", "exp"]


def make_problem(head, n_samples=7, n_features=4, n_outputs=3, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_samples, n_features))
    if head == "softmax":
        Y = np.eye(n_outputs)[rng.randint(n_outputs, size=n_samples)]
    elif head == "logistic":
        Y = rng.randint(2, size=(n_samples, n_outputs)).astype(float)
    elif head == "exp":
        Y = rng.poisson(2.0, size=(n_samples, n_outputs)).astype(float)
    else:
        Y = rng.normal(size=(n_samples, n_outputs))
    sample_weight = rng.uniform(0.1, 3.0, size=n_samples)
    return X, Y, sample_weight


def numerical_gradient(network, loss_at, step=1e-6):
    base = network.params.copy()
    grad = np.empty_like(base)
    for i in range(base.size):
        network.params[i] = base[i] + step
        up = loss_at()
        network.params[i] = base[i] - step
        down = loss_at()
        network.params[i] = base[i]
        grad[i] = (up - down) / (2 * step)
    return grad


def assert_gradient_matches(network, X, Y, sample_weight, alpha, dropout_seed=None):
    def loss_at():
        # The same seed every call: the same units are dropped each time.
        rng = None if dropout_seed is None else np.random.RandomState(dropout_seed)
        return network.loss_and_gradient(X, Y, sample_weight, alpha, rng)

    loss_at()
    analytic = network.grad.copy()
    numeric = numerical_gradient(network, loss_at)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("activation", sorted(DERIVATIVES))
@pytest.mark.parametrize("head", HEADS)
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
@pytest.mark.parametrize("alpha", [0.0, 0.3])
def test_backprop_matches_finite_differences(activation, head, weighted, alpha, engine):
    X, Y, sample_weight = make_problem(head)
    network = Network([4, 5, 3, 3], activation, head, np.float64)
    network.initialize(np.random.RandomState(1))
    assert_gradient_matches(network, X, Y, sample_weight if weighted else None, alpha)


@pytest.mark.parametrize("head", HEADS)
def test_backprop_with_sparse_input_matches_dense(head, engine):
    X, Y, sample_weight = make_problem(head)
    X[np.abs(X) < 0.8] = 0.0
    network = Network([4, 6, 3], "tanh", head, np.float64)
    network.initialize(np.random.RandomState(2))
    dense_loss = network.loss_and_gradient(X, Y, sample_weight, 0.1)
    dense_grad = network.grad.copy()
    for sparse_format in (sp.csr_matrix, sp.csc_matrix):
        loss = network.loss_and_gradient(sparse_format(X), Y, sample_weight, 0.1)
        assert loss == pytest.approx(dense_loss, rel=1e-12)
        np.testing.assert_allclose(network.grad, dense_grad, rtol=1e-12, atol=1e-14)
    assert_gradient_matches(network, sp.csr_matrix(X), Y, sample_weight, 0.1)


def test_network_without_hidden_layer_is_a_linear_model():
    X, Y, _ = make_problem("softmax")
    network = Network([4, 3], "relu", "softmax", np.float64)
    network.initialize(np.random.RandomState(3))
    assert_gradient_matches(network, X, Y, None, 0.2)


def test_gradient_is_the_mean_over_samples():
    """Duplicating every row leaves loss and gradient unchanged."""
    X, Y, _ = make_problem("identity")
    network = Network([4, 5, 3], "relu", "identity", np.float64)
    network.initialize(np.random.RandomState(4))
    loss = network.loss_and_gradient(X, Y, None, 0.0)
    grad = network.grad.copy()
    doubled_loss = network.loss_and_gradient(np.vstack([X, X]), np.vstack([Y, Y]))
    assert doubled_loss == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(network.grad, grad, rtol=1e-12)


def test_integer_sample_weight_equals_repeated_rows():
    X, Y, _ = make_problem("logistic")
    weights = np.array([1, 2, 1, 3, 1, 1, 2], dtype=float)
    network = Network([4, 5, 3], "logistic", "logistic", np.float64)
    network.initialize(np.random.RandomState(5))
    weighted_loss = network.loss_and_gradient(X, Y, weights, 0.5)
    weighted_grad = network.grad.copy()
    repeats = weights.astype(int)
    repeated_loss = network.loss_and_gradient(
        np.repeat(X, repeats, axis=0), np.repeat(Y, repeats, axis=0), None, 0.5
    )
    assert weighted_loss == pytest.approx(repeated_loss, rel=1e-12)
    np.testing.assert_allclose(network.grad, weighted_grad, rtol=1e-10)


@pytest.mark.parametrize("loss_name", ["huber", "absolute_error"])
@pytest.mark.parametrize("weighted", [False, True], ids=["unweighted", "weighted"])
def test_robust_regression_losses_match_finite_differences(loss_name, weighted):
    X, Y, sample_weight = make_problem("identity")
    Y *= 3  # residuals on both sides of the Huber threshold
    network = Network(
        [4, 6, 3],
        "tanh",
        "identity",
        np.float64,
        loss=make_loss(loss_name, huber_delta_value=0.8),
    )
    network.initialize(np.random.RandomState(6))
    assert_gradient_matches(network, X, Y, sample_weight if weighted else None, 0.1)


@pytest.mark.parametrize("activation", ["relu", "gelu", "logistic", "softplus"])
@pytest.mark.parametrize("head", ["softmax", "identity"])
def test_dropout_gradient_matches_finite_differences(activation, head, engine):
    X, Y, sample_weight = make_problem(head, n_samples=12)
    network = Network([4, 8, 6, 3], activation, head, np.float64, dropout=(0.5, 0.25))
    network.initialize(np.random.RandomState(7))
    assert_gradient_matches(network, X, Y, sample_weight, 0.05, dropout_seed=3)
    # Some units really were dropped, and the surviving ones rescaled.
    network.forward_train(X, np.random.RandomState(3))
    mask = network._masks[0][:12]
    assert set(np.unique(mask)) == {0.0, 2.0}


def test_dropout_is_off_without_a_random_state():
    X, Y, _ = make_problem("softmax")
    plain = Network([4, 5, 3], "relu", "softmax", np.float64)
    dropped = Network([4, 5, 3], "relu", "softmax", np.float64, dropout=(0.5,))
    plain.initialize(np.random.RandomState(0))
    dropped.set_layers(plain.coefs, plain.intercepts)
    assert dropped.loss_and_gradient(X, Y) == plain.loss_and_gradient(X, Y)
