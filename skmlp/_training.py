"""The training loops: mini-batch epochs with stopping rules, and L-BFGS.

The loops drive a :class:`~skmlp._network.Network` and an optimizer from
:mod:`skmlp._optimizers`; they record what happened in a :class:`History` that
the estimator turns into its fitted attributes.
"""

import math
from dataclasses import dataclass, field

import numpy as np
import scipy.optimize


@dataclass
class History:
    """What the epochs have recorded so far; kept across warm starts."""

    loss_curve: list = field(default_factory=list)
    best_loss: float | None = math.inf
    validation_scores: list | None = None
    best_validation_score: float | None = None
    no_improvement_count: int = 0
    samples_seen: int = 0

    @classmethod
    def start(cls, early_stopping):
        """A fresh history, with validation records when early stopping."""
        if early_stopping:
            return cls(
                best_loss=None, validation_scores=[], best_validation_score=-np.inf
            )
        return cls()

    def record_epoch(self, loss, tol, validation_score=None):
        """Append an epoch and update the no-improvement counter.

        Returns True when this epoch is the best so far (by validation score
        when one is given, else by training loss).
        """
        self.loss_curve.append(loss)
        if validation_score is None:
            stalled = loss > self.best_loss - tol
            improved = loss < self.best_loss
            if improved:
                self.best_loss = loss
        else:
            self.validation_scores.append(validation_score)
            stalled = validation_score < self.best_validation_score + tol
            improved = validation_score > self.best_validation_score
            if improved:
                self.best_validation_score = validation_score
        self.no_improvement_count = self.no_improvement_count + 1 if stalled else 0
        return improved


def _batches(n_samples, batch_size):
    for start in range(0, n_samples, batch_size):
        yield slice(start, min(start + batch_size, n_samples))


def fit_stochastic(
    network,
    optimizer,
    history,
    X,
    Y,
    sample_weight,
    *,
    alpha,
    batch_size,
    max_iter,
    shuffle,
    tol,
    n_iter_no_change,
    random_state,
    incremental=False,
    verbose=False,
    validation_score=None,
):
    """Run mini-batch epochs until a stopping rule fires or ``max_iter``.

    ``validation_score`` is a callable giving the current network's score on
    held-out data (higher is better); with it, stalls are judged on that
    score and the best weights are restored at the end.

    Returns ``(n_iter, reached_max_iter, interrupted)``.
    """
    n_samples = X.shape[0]
    order = np.arange(n_samples)
    best_params = network.params.copy() if validation_score is not None else None
    n_iter, reached_max_iter, interrupted = 0, False, False
    try:
        for _ in range(max_iter):
            if shuffle:
                random_state.shuffle(order)
            accumulated_loss = 0.0
            for batch in _batches(n_samples, batch_size):
                if shuffle:
                    idx = order[batch]
                    # Fancy indexing copies whole rows at memcpy speed, several
                    # times faster than np.take(..., out=buffer) on 2-D arrays.
                    X_batch, Y_batch = X[idx], Y[idx]
                    weight_batch = None if sample_weight is None else sample_weight[idx]
                else:
                    X_batch, Y_batch = X[batch], Y[batch]
                    weight_batch = (
                        None if sample_weight is None else sample_weight[batch]
                    )
                batch_loss = network.loss_and_gradient(
                    X_batch, Y_batch, weight_batch, alpha
                )
                accumulated_loss += batch_loss * (batch.stop - batch.start)
                optimizer.step(network.params, network.grad)

            n_iter += 1
            history.samples_seen += n_samples
            epoch_loss = accumulated_loss / n_samples
            if verbose:
                print(f"Iteration {n_iter}, loss = {epoch_loss:.8f}")
            score = None if validation_score is None else validation_score()
            if score is not None and verbose:
                print(f"Validation score: {score:f}")
            improved = history.record_epoch(epoch_loss, tol, score)
            if improved and best_params is not None:
                best_params[...] = network.params

            optimizer.iteration_ends(history.samples_seen)

            if history.no_improvement_count > n_iter_no_change:
                what = "Validation score" if score is not None else "Training loss"
                message = (
                    f"{what} did not improve more than tol={tol:f} for "
                    f"{n_iter_no_change} consecutive epochs."
                )
                if optimizer.trigger_stopping(message, verbose):
                    break
                history.no_improvement_count = 0

            if incremental:
                break
            if n_iter == max_iter:
                reached_max_iter = True
    except KeyboardInterrupt:
        interrupted = True

    if best_params is not None:
        network.params[...] = best_params
    return n_iter, reached_max_iter, interrupted


def fit_lbfgs(
    network, X, Y, sample_weight, *, alpha, max_iter, max_fun, tol, verbose=False
):
    """Minimise the loss over the flat parameter vector with L-BFGS-B.

    Returns ``(loss, n_iter, reached_limit, loss_curve)``; the loss curve has
    one entry per L-BFGS iteration.
    """
    loss_curve = []

    def loss_and_gradient(params):
        network.params[...] = params
        loss = network.loss_and_gradient(X, Y, sample_weight, alpha)
        # SciPy keeps references to what we return: hand it its own copy.
        return loss, network.grad.astype(np.float64)

    def remember(intermediate_result):
        loss_curve.append(float(intermediate_result.fun))

    options = {"maxfun": max_fun, "maxiter": max_iter, "gtol": tol}
    if _lbfgs_takes_iprint():
        options["iprint"] = 1 if verbose else -1
    result = scipy.optimize.minimize(
        loss_and_gradient,
        network.params.astype(np.float64),
        method="L-BFGS-B",
        jac=True,
        callback=remember,
        options=options,
    )
    network.params[...] = result.x
    # status 1: the iteration or function-evaluation limit was reached.
    return float(result.fun), int(result.nit), result.status == 1, loss_curve


def _lbfgs_takes_iprint():
    """SciPy 1.15 deprecated L-BFGS-B's ``iprint``; pass it only before that."""
    major, minor = (int(part) for part in scipy.__version__.split(".")[:2])
    return (major, minor) < (1, 15)
