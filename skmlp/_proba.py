"""Class probabilities and log-probabilities from the output layer's logits.

Both functions work in place on freshly computed logits (n_samples x
n_outputs) and allocate at most one column per row besides the result, so the
memory of prediction stays bounded by the chunked forward pass.

No finite logit means certainty, so probabilities that underflow are floored
at the smallest normal float of the dtype (about 2.2e-308 in float64, 1.2e-38
in float32) and log-probabilities at its log (-708.4, -87.3). Logistic outputs
are also capped at the float just below 1, so each one is strictly inside
(0, 1) as scikit-learn's multi-label checks require, and their
log-probabilities at its log. The two functions then agree everywhere:
log(probabilities) is finite and matches log_probabilities, with the same ties
and the same ordering.
"""

import numpy as np
from scipy.special import expit

from ._predict import row_chunks


def probabilities(scores, head):
    """Softmax or logistic probabilities from the logits."""
    _bound_scores(scores)
    if head == "softmax":
        # Shifting by the row maximum changes nothing mathematically but keeps
        # every exponent <= 0: no overflow, and the row sum is at least 1.
        scores -= scores.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        proba = scores
    elif scores.shape[1] > 1:  # multi-label: one independent logistic a column
        proba = expit(scores, out=scores)
    else:
        # Binary: P(negative) = expit(-z) rather than 1 - expit(z), which
        # cancels to 0 for large z and loses the digits of a small probability.
        proba = np.empty((scores.shape[0], 2), dtype=scores.dtype)
        expit(np.negative(scores[:, 0]), out=proba[:, 0])
        expit(scores[:, 0], out=proba[:, 1])
    low, high = _bounds(proba.dtype, head)
    return np.clip(proba, low, high, out=proba)


def log_probabilities(scores, head):
    """Log-softmax or log-sigmoid from the logits, never log of a rounded 0."""
    _bound_scores(scores)
    if head == "softmax":
        # log p_k = z_k - max(z) - log(sum_j exp(z_j - max(z))); the sum is at
        # least 1 (the max term is exp(0)), so its log is finite and >= 0.
        scores -= scores.max(axis=1, keepdims=True)
        log_norm = np.empty(scores.shape[0], dtype=scores.dtype)
        for rows in row_chunks(len(scores), scores.shape[1] * scores.itemsize):
            log_norm[rows] = np.log(np.exp(scores[rows]).sum(axis=1))
        scores -= log_norm[:, np.newaxis]
        log_proba = scores
    elif scores.shape[1] > 1:
        # log expit(z) = -log(1 + exp(-z)) = -logaddexp(0, -z), computed
        # without overflow for any finite z.
        np.negative(scores, out=scores)
        np.logaddexp(0, scores, out=scores)
        log_proba = np.negative(scores, out=scores)
    else:
        # log(1 - expit(z)) = log expit(-z) = -logaddexp(0, z).
        log_proba = np.empty((scores.shape[0], 2), dtype=scores.dtype)
        np.logaddexp(0, scores[:, 0], out=log_proba[:, 0])
        np.logaddexp(0, np.negative(scores[:, 0]), out=log_proba[:, 1])
        np.negative(log_proba, out=log_proba)
    low, high = _bounds(log_proba.dtype, head)
    return np.clip(log_proba, np.log(low), np.log(high), out=log_proba)


def _bound_scores(scores):
    """Clip logits to a quarter of the float range, in place.

    Subtracting the row maximum could otherwise overflow (``-1e308 - 1e308``);
    no logit that large carries information beyond its sign, and an infinite
    one (from weights that overflow on this input) becomes merely saturated.
    """
    bound = np.finfo(scores.dtype).max / 4
    np.clip(scores, -bound, bound, out=scores)


def _bounds(dtype, head):
    """Smallest and largest probability a head reports, in ``dtype``."""
    one = np.ones((), dtype=dtype)
    high = one if head == "softmax" else np.nextafter(one, 0 * one)
    return np.finfo(dtype).tiny, high
