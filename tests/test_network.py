"""The flat parameter layout and the prediction path of the network."""

import numpy as np
import pytest

from skmlp._network import Network, forward, layer_views, n_parameters
from skmlp._optimizers import SGD, Adam, LearningRateSchedule


def test_layer_views_share_memory_with_the_flat_vector():
    network = Network([3, 4, 2], "relu", "softmax", np.float64)
    assert network.params.size == n_parameters([3, 4, 2]) == 3 * 4 + 4 * 2 + 4 + 2
    assert [W.shape for W in network.coefs] == [(3, 4), (4, 2)]
    assert [b.shape for b in network.intercepts] == [(4,), (2,)]
    network.params[:] = np.arange(network.params.size)
    # Coefficients first (scikit-learn's packing order), then intercepts.
    np.testing.assert_array_equal(network.coefs[0].ravel(), np.arange(12))
    np.testing.assert_array_equal(network.intercepts[1], [24, 25])
    network.coefs[1][0, 0] = -1
    assert network.params[12] == -1
    assert network.n_coefs == 20


def test_layer_views_of_gradient_follow_the_same_layout():
    flat = np.arange(n_parameters([2, 3, 1]), dtype=float)
    coefs, intercepts = layer_views(flat, [2, 3, 1])
    assert (
        coefs[0].base is flat
        or coefs[0].base is flat.base
        or np.shares_memory(coefs[0], flat)
    )
    assert intercepts[0].tolist() == [9.0, 10.0, 11.0]


def test_glorot_initialisation_bounds_and_reproducibility():
    a = Network([50, 30, 10], "relu", "softmax", np.float64).initialize(
        np.random.RandomState(0)
    )
    b = Network([50, 30, 10], "relu", "softmax", np.float64).initialize(
        np.random.RandomState(0)
    )
    np.testing.assert_array_equal(a.params, b.params)
    assert np.abs(a.coefs[0]).max() <= np.sqrt(6 / 80)
    logistic = Network([50, 30, 10], "logistic", "softmax", np.float64)
    logistic.initialize(np.random.RandomState(0))
    assert np.abs(logistic.coefs[0]).max() <= np.sqrt(2 / 80)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_training_forward_equals_prediction_forward(dtype):
    rng = np.random.RandomState(0)
    X = rng.normal(size=(9, 5)).astype(dtype)
    network = Network([5, 7, 4, 3], "tanh", "softmax", dtype)
    network.initialize(rng)
    trained = network.forward_train(X)[-1].copy()
    predicted = forward(X, network.coefs, network.intercepts, "tanh", "softmax")
    assert predicted.dtype == dtype
    np.testing.assert_allclose(trained, predicted, rtol=1e-6)
    # A smaller batch reuses the leading rows of the same buffers.
    small = network.forward_train(X[:4])[-1]
    np.testing.assert_allclose(small, predicted[:4], rtol=1e-6)


def quadratic(params):
    """Loss 0.5 ||params - 3||^2 and its gradient."""
    return params - 3.0


def constant(rate):
    return LearningRateSchedule("constant", rate)


# Each optimizer as a function of the number of parameters.
each_optimizer = pytest.mark.parametrize(
    "make_optimizer",
    [
        lambda n: SGD(n, np.float64, constant(0.1), 0.9, True),
        lambda n: SGD(n, np.float64, constant(0.1), 0.0, False),
        lambda n: Adam(n, np.float64, constant(0.1)),
    ],
    ids=["sgd-nesterov", "sgd-plain", "adam"],
)


@each_optimizer
def test_optimizers_minimise_a_quadratic(make_optimizer):
    optimizer = make_optimizer(4)
    params = np.zeros(4)
    for _ in range(500):
        optimizer.step(params, quadratic(params))
    np.testing.assert_allclose(params, 3.0, atol=1e-3)


def test_sgd_step_matches_momentum_formulas():
    grad = np.array([1.0, -2.0])
    plain = SGD(2, np.float64, constant(0.5), 0.9, nesterov=False)
    params = np.zeros(2)
    plain.step(params, grad)
    plain.step(params, grad)
    # v1 = -0.5 g, v2 = 0.9 v1 - 0.5 g = -0.95 g; params = v1 + v2
    np.testing.assert_allclose(params, -1.45 * grad)
    nesterov = SGD(2, np.float64, constant(0.5), 0.9, nesterov=True)
    params = np.zeros(2)
    nesterov.step(params, grad)
    # v1 = -0.5 g; step = 0.9 v1 - 0.5 g = -0.95 g
    np.testing.assert_allclose(params, -0.95 * grad)


def test_adam_matches_the_textbook_update():
    rng = np.random.RandomState(0)
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-8
    adam = Adam(5, np.float64, constant(lr), b1, b2, eps)
    params = np.zeros(5)
    expected = np.zeros(5)
    m = np.zeros(5)
    v = np.zeros(5)
    for t in range(1, 20):
        grad = rng.normal(size=5)
        adam.step(params, grad)
        m = b1 * m + (1 - b1) * grad
        v = b2 * v + (1 - b2) * grad**2
        lr_t = lr * np.sqrt(1 - b2**t) / (1 - b1**t)
        expected -= lr_t * m / (np.sqrt(v) + eps)
    np.testing.assert_allclose(params, expected, rtol=1e-10)
    np.testing.assert_allclose(adam.first_moment, m, rtol=1e-10)
    np.testing.assert_allclose(adam.second_moment, v, rtol=1e-10)


def test_adam_first_step_is_learning_rate_times_sign():
    adam = Adam(3, np.float64, constant(0.01))
    params = np.zeros(3)
    adam.step(params, np.array([5.0, -0.1, 2.0]))
    np.testing.assert_allclose(params, [-0.01, 0.01, -0.01], rtol=1e-5)


@each_optimizer
def test_penalised_step_equals_a_step_on_the_penalised_gradient(make_optimizer):
    # The step adds penalty * W to the gradient of the first n_penalised
    # entries only (the coefficients; the intercepts are not penalised) and
    # returns ||W||^2 before the move.
    rng = np.random.RandomState(0)
    fused, plain = make_optimizer(6), make_optimizer(6)
    params = rng.normal(size=6)
    expected = params.copy()
    for _ in range(3):
        grad = rng.normal(size=6)
        weights = params[:4].copy()
        squared_norm = fused.step(params, grad, penalty=0.5, n_penalised=4)
        assert squared_norm == pytest.approx(weights @ weights, rel=1e-12)
        penalised = grad.copy()
        penalised[:4] += 0.5 * expected[:4]
        plain.step(expected, penalised)
        np.testing.assert_array_equal(params, expected)


def test_learning_rate_schedules():
    inv = LearningRateSchedule("invscaling", 0.1, power_t=0.5)
    inv.epoch_ends(99)
    assert inv.learning_rate == pytest.approx(0.01)
    adaptive = LearningRateSchedule("adaptive", 0.1)
    assert adaptive.stalled("stalled", verbose=False) is False
    assert adaptive.learning_rate == pytest.approx(0.02)
    assert LearningRateSchedule("constant", 0.1).stalled("", verbose=False) is True


def test_cosine_schedule_decays_to_zero_over_max_iter():
    cosine = LearningRateSchedule("cosine", 0.1, max_iter=4)
    rates = []
    for _ in range(4):
        rates.append(cosine.next_step_size())
        cosine.epoch_ends(samples_seen=0)
    np.testing.assert_allclose(
        rates,
        [
            0.1,
            0.1 * (1 + np.cos(np.pi / 4)) / 2,
            0.05,
            0.1 * (1 - np.cos(np.pi / 4)) / 2,
        ],
    )
    assert cosine.learning_rate == pytest.approx(0.0)


def test_warmup_ramps_linearly_per_batch():
    schedule = LearningRateSchedule("constant", 0.1, warmup_iter=2)
    schedule.steps_per_epoch = 5
    rates = [schedule.next_step_size() for _ in range(12)]
    np.testing.assert_allclose(rates[:10], 0.1 * np.arange(1, 11) / 10)
    assert rates[10:] == [0.1, 0.1]
