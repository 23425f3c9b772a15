"""The training loops: mini-batch epochs with stopping rules, and L-BFGS.

The loops drive a :class:`~skmlp._network.Network` and an optimizer from
:mod:`skmlp._optimizers`; they record what happened in a :class:`History` that
the estimator turns into its fitted attributes. They know nothing of
scikit-learn: validation, callbacks and progress output reach them as plain
callables.
"""

import math
import time
from dataclasses import dataclass, field

import numpy as np
import scipy.optimize

from ._interrupt import deferred_interrupt


@dataclass
class History:
    """What the epochs have recorded so far; kept across warm starts.

    ``best_loss`` tracks the training loss; with a validation set,
    ``best_validation_score`` and ``best_validation_loss`` track it too.
    """

    loss_curve: list = field(default_factory=list)
    best_loss: float | None = math.inf
    validation_scores: list | None = None
    validation_loss_curve: list | None = None
    best_validation_score: float | None = None
    best_validation_loss: float | None = None
    no_improvement_count: int = 0
    samples_seen: int = 0

    @classmethod
    def start(cls, with_validation, early_stopping):
        """A fresh history, with validation records when there is a set.

        As in scikit-learn, ``best_loss`` is None under early stopping, which
        tracks the validation set instead of the training loss.
        """
        if with_validation:
            return cls(
                best_loss=None if early_stopping else math.inf,
                validation_scores=[],
                validation_loss_curve=[],
                best_validation_score=-np.inf,
                best_validation_loss=np.inf,
            )
        return cls()


@dataclass
class Validation:
    """Held-out data as the training loop sees it.

    ``evaluate()`` returns ``(score, loss)`` of the current weights (score:
    higher is better). With ``early_stopping``, stalls are judged on the
    ``metric`` (``'score'`` or ``'loss'``) and the best weights are restored.
    """

    evaluate: object
    early_stopping: bool = True
    metric: str = "score"


@dataclass
class EpochEnd:
    """What an epoch leaves behind, handed to the ``on_epoch_end`` hook."""

    n_iter: int
    loss: float
    validation_score: float | None
    validation_loss: float | None
    seconds: float


@dataclass
class Outcome:
    """How a call to :func:`fit_stochastic` ended."""

    n_iter: int = 0
    reached_max_iter: bool = False
    interrupted: bool = False
    stopped_by_callback: bool = False
    restored_best: bool = False


def _record(history, loss, tol, score, val_loss, validation):
    """Append an epoch to ``history``; return True if it is the best so far.

    As in scikit-learn, an epoch counts as a stall when it fails to beat the
    best value *before* it by ``tol``, even if it beats it by less.
    """
    history.loss_curve.append(loss)
    if score is not None:
        best_score = history.best_validation_score
        best_val_loss = history.best_validation_loss
        history.validation_scores.append(score)
        history.validation_loss_curve.append(val_loss)
        if score > best_score:
            history.best_validation_score = score
        if val_loss < best_val_loss:
            history.best_validation_loss = val_loss
    if validation is not None and validation.early_stopping:
        if validation.metric == "loss":
            stalled = val_loss > best_val_loss - tol
            improved = val_loss < best_val_loss
        else:
            stalled = score < best_score + tol
            improved = score > best_score
    else:
        stalled = loss > history.best_loss - tol
        improved = loss < history.best_loss
        if improved:
            history.best_loss = loss
    history.no_improvement_count = history.no_improvement_count + 1 if stalled else 0
    return improved


def _batches(n_samples, batch_size):
    for start in range(0, n_samples, batch_size):
        yield slice(start, min(start + batch_size, n_samples))


def _clip_gradient(grad, max_norm):
    """Rescale ``grad`` in place so that its L2 norm is at most ``max_norm``."""
    norm = math.sqrt(float(grad @ grad))
    if norm > max_norm:
        grad *= max_norm / norm


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
    validation=None,
    dropout_rng=None,
    max_grad_norm=None,
    on_epoch_end=None,
):
    """Run mini-batch epochs until a stopping rule fires or ``max_iter``.

    ``validation`` (a :class:`Validation`) is evaluated after every epoch;
    ``on_epoch_end`` receives an :class:`EpochEnd` and may return True to
    stop. Ctrl-C stops after the current batch. When early stopping is on,
    the best weights seen are restored at the end, however training ended.

    Returns an :class:`Outcome`.
    """
    n_samples = X.shape[0]
    order = np.arange(n_samples)
    early_stopping = validation is not None and validation.early_stopping
    best_params = network.params.copy() if early_stopping else None
    schedule = optimizer.schedule
    schedule.steps_per_epoch = -(-n_samples // batch_size)
    outcome = Outcome()
    with deferred_interrupt() as interrupt:
        for _ in range(max_iter):
            started = time.perf_counter()
            if shuffle:
                random_state.shuffle(order)
            accumulated_loss = 0.0
            for batch in _batches(n_samples, batch_size):
                # Fancy indexing copies whole rows at memcpy speed, several
                # times faster than np.take(..., out=buffer) on 2-D arrays.
                idx = order[batch] if shuffle else batch
                batch_loss, weight_sum = network.data_loss_and_gradient(
                    X[idx],
                    Y[idx],
                    None if sample_weight is None else sample_weight[idx],
                    dropout_rng,
                )
                penalty = alpha / weight_sum if weight_sum > 0 else 0.0
                if max_grad_norm is None:
                    # The step adds the L2 term's gradient as it goes.
                    squared_norm = optimizer.step(
                        network.params, network.grad, penalty, network.n_coefs
                    )
                    batch_loss += 0.5 * penalty * squared_norm
                else:
                    # Clipping needs the whole gradient, penalty included.
                    batch_loss += 0.5 * network.add_penalty(penalty)
                    _clip_gradient(network.grad, max_grad_norm)
                    optimizer.step(network.params, network.grad)
                accumulated_loss += batch_loss * (batch.stop - batch.start)
                if interrupt.raised:
                    break
            if interrupt.raised:
                outcome.interrupted = True
                break

            outcome.n_iter += 1
            history.samples_seen += n_samples
            epoch_loss = accumulated_loss / n_samples
            score = val_loss = None
            if validation is not None:
                score, val_loss = validation.evaluate()
            if verbose:
                _print_epoch(outcome.n_iter, epoch_loss, score, val_loss, started)
            improved = _record(history, epoch_loss, tol, score, val_loss, validation)
            if improved and best_params is not None:
                best_params[...] = network.params
            schedule.epoch_ends(history.samples_seen)

            if on_epoch_end is not None and on_epoch_end(
                EpochEnd(
                    outcome.n_iter,
                    epoch_loss,
                    score,
                    val_loss,
                    time.perf_counter() - started,
                )
            ):
                outcome.stopped_by_callback = True
                break

            if history.no_improvement_count > n_iter_no_change:
                what = "Training loss"
                if early_stopping:
                    what = f"Validation {validation.metric}"
                message = (
                    f"{what} did not improve more than tol={tol:f} for "
                    f"{n_iter_no_change} consecutive epochs."
                )
                if schedule.stalled(message, verbose):
                    break
                history.no_improvement_count = 0

            if incremental:
                break
            if outcome.n_iter == max_iter:
                outcome.reached_max_iter = True

    if best_params is not None:
        network.params[...] = best_params
        outcome.restored_best = True
    return outcome


def _print_epoch(n_iter, loss, score, val_loss, started):
    line = f"Iteration {n_iter}, loss = {loss:.8f}"
    if score is not None:
        line += f", validation score = {score:.6f}, validation loss = {val_loss:.8f}"
    print(f"{line}, {time.perf_counter() - started:.2f} s", flush=True)


def fit_lbfgs(
    network,
    X,
    Y,
    sample_weight,
    *,
    alpha,
    max_iter,
    max_fun,
    tol,
    verbose=False,
    on_epoch_end=None,
):
    """Minimise the loss over the flat parameter vector with L-BFGS-B.

    ``on_epoch_end`` is called after every L-BFGS iteration (with the
    iteration as the "epoch") and may return True to stop; so may Ctrl-C.

    Returns ``(loss, n_iter, reached_limit, loss_curve, interrupted)``; the
    loss curve has one entry per iteration.
    """
    loss_curve = []
    started = [time.perf_counter()]
    interrupted = [False]

    def loss_and_gradient(params):
        network.params[...] = params
        loss = network.loss_and_gradient(X, Y, sample_weight, alpha)
        # SciPy keeps references to what we return: hand it its own copy.
        return loss, network.grad.astype(np.float64)

    def after_iteration(intermediate_result):
        loss = float(intermediate_result.fun)
        loss_curve.append(loss)
        now = time.perf_counter()
        if verbose:
            _print_epoch(len(loss_curve), loss, None, None, started[0])
        stop = on_epoch_end is not None and on_epoch_end(
            EpochEnd(len(loss_curve), loss, None, None, now - started[0])
        )
        started[0] = now
        if interrupt.raised:
            interrupted[0] = True
        if stop or interrupted[0]:
            raise StopIteration

    options = {"maxfun": max_fun, "maxiter": max_iter, "gtol": tol}
    if _lbfgs_takes_iprint():
        options["iprint"] = 1 if verbose else -1
    with deferred_interrupt() as interrupt:
        result = scipy.optimize.minimize(
            loss_and_gradient,
            network.params.astype(np.float64),
            method="L-BFGS-B",
            jac=True,
            callback=after_iteration,
            options=options,
        )
    network.params[...] = result.x
    # status 1: the iteration or function-evaluation limit was reached.
    reached_limit = result.status == 1 and not interrupted[0]
    return float(result.fun), int(result.nit), reached_limit, loss_curve, interrupted[0]


def _lbfgs_takes_iprint():
    """SciPy 1.15 deprecated L-BFGS-B's ``iprint``; pass it only before that."""
    major, minor = (int(part) for part in scipy.__version__.split(".")[:2])
    return (major, minor) < (1, 15)
