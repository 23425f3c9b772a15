"""Per-sample losses of each head, against direct formulas."""

import numpy as np
import pytest
from scipy.special import expit, softmax

from skmlp._losses import HEAD_LOSS, make_loss

LOSSES = {head: make_loss(name).per_sample for head, name in HEAD_LOSS.items()}


def test_categorical_cross_entropy_is_minus_log_true_class():
    P = softmax(np.random.RandomState(0).normal(size=(5, 3)), axis=1)
    labels = np.array([0, 2, 1, 1, 0])
    Y = np.eye(3)[labels]
    expected = -np.log(P[np.arange(5), labels])
    np.testing.assert_allclose(LOSSES["softmax"](Y, P), expected)


def test_binary_cross_entropy_sums_over_outputs():
    P = expit(np.random.RandomState(1).normal(size=(4, 2)))
    Y = np.array([[1, 0], [0, 0], [1, 1], [0, 1]], dtype=float)
    expected = -(Y * np.log(P) + (1 - Y) * np.log(1 - P)).sum(axis=1)
    np.testing.assert_allclose(LOSSES["logistic"](Y, P), expected)


def test_half_squared_error():
    Y = np.array([[1.0, 2.0], [0.0, -1.0]])
    A = np.array([[1.5, 2.0], [1.0, 1.0]])
    np.testing.assert_allclose(LOSSES["identity"](Y, A), [0.125, 2.5])


def test_poisson_deviance_is_zero_at_the_target_and_positive_elsewhere():
    Y = np.array([[0.0], [1.0], [4.0]])
    np.testing.assert_allclose(LOSSES["exp"](Y, np.maximum(Y, 1e-300)), 0, atol=1e-12)
    assert np.all(LOSSES["exp"](Y, Y + 0.5) > 0)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_losses_stay_finite_at_saturated_outputs(dtype):
    Y = np.array([[1.0, 0.0], [0.0, 1.0]], dtype)
    P = np.array([[0.0, 1.0], [1.0, 0.0]], dtype)  # confidently wrong
    with np.errstate(over="raise", divide="raise", invalid="raise"):
        for head in ("softmax", "logistic"):
            loss = LOSSES[head](Y, P)
            assert np.all(np.isfinite(loss)) and np.all(loss > 10)
        assert np.all(np.isfinite(LOSSES["exp"](Y, np.zeros_like(Y))))


def test_canonical_delta_is_the_residual():
    Y = np.array([[1.0, 0.0], [0.0, 1.0]])
    A = np.array([[0.25, 0.75], [0.5, 0.5]])
    out = np.empty_like(A)
    for name in HEAD_LOSS.values():
        result = make_loss(name).delta(Y, A, out=out)
        assert result is out
        np.testing.assert_allclose(out, A - Y)


def test_huber_is_quadratic_then_linear():
    loss = make_loss("huber", huber_delta_value=1.0)
    Y = np.zeros((4, 1))
    A = np.array([[0.5], [-1.0], [3.0], [-2.0]])
    np.testing.assert_allclose(loss.per_sample(Y, A), [0.125, 0.5, 2.5, 1.5])
    np.testing.assert_allclose(
        loss.delta(Y, A, np.empty_like(A)).ravel(), [0.5, -1, 1, -1]
    )


def test_absolute_error_and_its_subgradient():
    loss = make_loss("absolute_error")
    Y = np.array([[1.0, 2.0], [0.0, 0.0]])
    A = np.array([[3.0, 2.0], [-1.0, 0.5]])
    np.testing.assert_allclose(loss.per_sample(Y, A), [2.0, 1.5])
    np.testing.assert_allclose(loss.delta(Y, A, np.empty_like(A)), [[1, 0], [-1, 1]])
