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
import scipy

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
    # Why the epoch after the ``n_iter`` complete ones diverged, when the fit
    # fell back on the best validated weights instead of raising.
    diverged: str | None = None


def _record(history, loss, tol, score, val_loss, validation):
    """Append an epoch to ``history`` and count it as a stall or not.

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
        else:
            stalled = score < best_score + tol
    else:
        stalled = loss > history.best_loss - tol
        if loss < history.best_loss:
            history.best_loss = loss
    history.no_improvement_count = history.no_improvement_count + 1 if stalled else 0


def _batches(n_samples, batch_size):
    for start in range(0, n_samples, batch_size):
        yield slice(start, min(start + batch_size, n_samples))


def _clip_gradient(grad, max_norm):
    """Rescale ``grad`` in place so that its L2 norm is at most ``max_norm``."""
    norm = math.sqrt(float(grad @ grad))
    if norm > max_norm:
        grad *= max_norm / norm


def _train_epoch(
    network,
    optimizer,
    X,
    Y,
    sample_weight,
    order,
    interrupt,
    *,
    alpha,
    batch_size,
    max_grad_norm,
    dropout_rng,
):
    """One pass over the data in mini-batches; returns the mean batch loss.

    ``order`` is the shuffled sample order, or None to go in order. The pass
    ends early, after the current batch, when ``interrupt`` is raised.
    """
    n_samples = X.shape[0]
    accumulated_loss = 0.0
    for batch in _batches(n_samples, batch_size):
        # Fancy indexing copies whole rows at memcpy speed, several
        # times faster than np.take(..., out=buffer) on 2-D arrays.
        idx = batch if order is None else order[batch]
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
    return accumulated_loss / n_samples


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
    best=None,
):
    """Run mini-batch epochs until a stopping rule fires or ``max_iter``.

    ``validation`` (a :class:`Validation`) is evaluated after every epoch;
    ``on_epoch_end`` receives an :class:`EpochEnd` and may return True to
    stop. Ctrl-C stops after the current batch.

    ``best`` (a :class:`~skmlp._divergence.BestWeights`, required with
    ``validation``) keeps the weights of the best validated epoch. Under early
    stopping they are restored at the end, however training ended. When an
    epoch diverges (a floating-point error, a non-finite loss or a runaway
    loss) after complete epochs to fall back on, they are restored too and
    training stops there, unrecorded: ``Outcome.diverged`` says why. Otherwise
    divergence raises ``FloatingPointError``.

    Returns an :class:`Outcome`.
    """
    n_samples = X.shape[0]
    order = np.arange(n_samples) if shuffle else None
    early_stopping = validation is not None and validation.early_stopping
    schedule = optimizer.schedule
    schedule.steps_per_epoch = -(-n_samples // batch_size)
    outcome = Outcome()
    with deferred_interrupt() as interrupt:
        for _ in range(max_iter):
            started = time.perf_counter()
            if shuffle:
                random_state.shuffle(order)
            # Nothing of a diverging epoch is recorded: it ends the fit before
            # the history, the schedule or the callbacks see it.
            try:
                epoch_loss = _train_epoch(
                    network,
                    optimizer,
                    X,
                    Y,
                    sample_weight,
                    order,
                    interrupt,
                    alpha=alpha,
                    batch_size=batch_size,
                    max_grad_norm=max_grad_norm,
                    dropout_rng=dropout_rng,
                )
                if interrupt.raised:
                    outcome.interrupted = True
                    break
                score = val_loss = None
                if validation is not None:
                    score, val_loss = validation.evaluate()
            except FloatingPointError as exc:
                if best is None or not best.restorable(outcome.n_iter):
                    raise
                outcome.diverged = str(exc)
                break
            if best is not None:
                outcome.diverged = best.divergence(
                    history.loss_curve, epoch_loss, val_loss
                )
                if outcome.diverged is not None:
                    if not best.restorable(outcome.n_iter):
                        raise FloatingPointError(outcome.diverged)
                    break

            outcome.n_iter += 1
            history.samples_seen += n_samples
            if verbose:
                _print_epoch(outcome.n_iter, epoch_loss, score, val_loss, started)
            _record(history, epoch_loss, tol, score, val_loss, validation)
            if best is not None:
                best.offer(network.params, outcome.n_iter, score, val_loss)
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

    if early_stopping or outcome.diverged is not None:
        network.params[...] = best.params
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
    # Imported here, not with the module: only L-BFGS fits need it, and a
    # process that never runs one should not pay for loading it.
    import scipy.optimize

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
