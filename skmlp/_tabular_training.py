"""Training the tabular network: Adam by parameter group, schedules, best epoch.

The loop runs a fixed budget of epochs. The learning rate, the dropout rate
and the weight decay each follow a schedule over the training progress
``t`` in [0, 1] (:data:`~skmlp._tabular_math.SCHEDULES`), updated every
batch. After each epoch the held-out rows are scored; the weights of the best
epoch are kept and restored at the end. Nothing here knows scikit-learn: the
estimator hands in the data as row indices into one encoded matrix (so no
split copies the data), a loss function, a scoring function and callbacks.
"""

import math
import time
from dataclasses import dataclass, field

import numpy as np

from ._engine import kernels
from ._interrupt import deferred_interrupt
from ._optimizers import _SMALLEST_NORMAL, FLUSH_EVERY
from ._tabular_math import SCHEDULES


class GroupAdam:
    """Adam with a learning-rate and a decoupled weight-decay factor per block.

    Consecutive blocks of the network with the same factors form one
    segment, stepped with one call of the engine's ``decayed_adam_step``
    kernel: the drop-in estimators' Adam step, after multiplying the segment
    by ``1 - lr * weight_decay * decay_factor`` (decoupled decay, as AdamW
    does), in the same pass.
    """

    def __init__(self, network, beta_1, beta_2, epsilon):
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.t = 0
        self.segments = []
        for block in network.blocks:
            part = network.slices[block.name]
            factors = (block.lr_factor, block.decay_factor)
            if self.segments and self.segments[-1][1] == factors:
                start = self.segments[-1][0].start
                self.segments[-1] = (slice(start, part.stop), factors)
            else:
                self.segments.append((part, factors))
        self.u = np.zeros_like(network.params)
        self.w = np.zeros_like(network.params)

    def step(self, params, grad, learning_rate, weight_decay):
        """Move ``params`` against ``grad`` with this step's rate and decay."""
        self.t += 1
        b1, b2 = self.beta_1, self.beta_2
        cast = params.dtype.type
        # The kernel's rescaled moments: see skmlp._optimizers.Adam.
        step_size = learning_rate * math.sqrt(1 - b2**self.t) / (1 - b1**self.t)
        root = math.sqrt(1 - b2)
        scale = step_size * (1 - b1) / root
        epsilon = cast(self.epsilon / root)
        tiny = _SMALLEST_NORMAL[params.dtype] if self.t % FLUSH_EVERY == 0 else cast(0)
        engine = kernels()
        for part, (lr_factor, decay_factor) in self.segments:
            if lr_factor == 0:
                continue
            decay = learning_rate * weight_decay * decay_factor
            engine.decayed_adam_step(
                params[part],
                grad[part],
                self.u[part],
                self.w[part],
                cast(1.0 - decay),
                cast(b1),
                cast(b2),
                epsilon,
                cast(scale * lr_factor),
                tiny,
            )

    def state_dict(self):
        return {"t": self.t, "u": self.u.copy(), "w": self.w.copy()}

    def load_state_dict(self, state):
        self.t = state["t"]
        self.u[...] = state["u"]
        self.w[...] = state["w"]


@dataclass
class Recipe:
    """The schedules and their peak values, from the estimator's parameters."""

    learning_rate: float
    learning_rate_schedule: str
    dropout: float
    dropout_schedule: str
    weight_decay: float
    weight_decay_schedule: str
    label_smoothing: float
    batch_size: int
    max_iter: int

    def at(self, t):
        """``(learning rate, dropout, weight decay)`` at progress ``t``."""
        return (
            self.learning_rate * SCHEDULES[self.learning_rate_schedule](t),
            self.dropout * SCHEDULES[self.dropout_schedule](t),
            self.weight_decay * SCHEDULES[self.weight_decay_schedule](t),
        )


@dataclass
class History:
    """What the epochs recorded; becomes the estimator's fitted attributes."""

    loss_curve: list = field(default_factory=list)
    validation_scores: list = field(default_factory=list)
    best_epoch: int = 0
    best_score: float = -np.inf
    interrupted: bool = False
    stopped_by_callback: bool = False
    diverged: str | None = None


def train(
    network,
    optimizer,
    recipe,
    X,
    Y,
    sample_weight,
    train_rows,
    loss_function,
    rng,
    *,
    validate=None,
    on_epoch_end=None,
    verbose=False,
):
    """Run ``recipe.max_iter`` epochs over ``X[train_rows]``; return a History.

    ``train_rows`` is shuffled in place, once per epoch.
    ``loss_function(S, Y, smoothing, row_scale)`` gives the batch loss and
    its gradient with respect to the scores. ``validate()``, when given,
    scores the current weights (higher is better); the best epoch's weights
    are restored at the end. ``on_epoch_end(epoch, loss, score, seconds)``
    may return True to stop. Ctrl-C stops after the current batch. A
    floating-point error or a non-finite loss raises ``FloatingPointError``,
    unless a validated epoch can be restored: then training stops there, the
    epoch unrecorded, and ``History.diverged`` says why.
    """
    n_train = train_rows.size
    batch_size = min(recipe.batch_size, n_train)
    steps_per_epoch = -(-n_train // batch_size)
    total_steps = steps_per_epoch * recipe.max_iter
    history = History()
    best_params = network.params.copy() if validate is not None else None
    step = 0
    # The rows are reshuffled in place every epoch: no copy of the index.
    order = train_rows
    with deferred_interrupt() as interrupt:
        for epoch in range(1, recipe.max_iter + 1):
            started = time.perf_counter()
            rng.shuffle(order)
            total = 0.0
            for start in range(0, n_train, batch_size):
                rows = order[start : start + batch_size]
                learning_rate, dropout, weight_decay = recipe.at(step / total_steps)
                step += 1
                weight = None if sample_weight is None else sample_weight[rows]
                try:
                    loss = _batch(
                        network,
                        X[rows],
                        Y[rows],
                        weight,
                        loss_function,
                        recipe,
                        dropout,
                        rng,
                    )
                    if not math.isfinite(loss):
                        raise FloatingPointError(f"the training loss became {loss}")
                    optimizer.step(
                        network.params, network.grad, learning_rate, weight_decay
                    )
                except FloatingPointError as exc:
                    history.diverged = f"{exc} in epoch {epoch}"
                    break
                total += loss * rows.size
                if interrupt.raised:
                    break
            if history.diverged is not None:
                _check_restorable(history, best_params)
                break
            if interrupt.raised:
                history.interrupted = True
                break
            history.loss_curve.append(total / n_train)
            score = None
            if validate is not None:
                try:
                    score = validate()
                except FloatingPointError as exc:
                    history.loss_curve.pop()
                    history.diverged = f"{exc} in epoch {epoch}"
                    _check_restorable(history, best_params)
                    break
                history.validation_scores.append(score)
                # Ties go to the later epoch: it trained at a lower rate.
                if score >= history.best_score:
                    history.best_score, history.best_epoch = score, epoch
                    best_params[...] = network.params
            seconds = time.perf_counter() - started
            if verbose:
                line = f"Epoch {epoch}, loss = {history.loss_curve[-1]:.6f}"
                if score is not None:
                    line += f", validation score = {score:.6f}"
                print(f"{line}, {seconds:.2f} s", flush=True)
            if on_epoch_end is not None and on_epoch_end(
                epoch, history.loss_curve[-1], score, seconds
            ):
                history.stopped_by_callback = True
                break
    if best_params is not None and history.best_epoch > 0:
        network.params[...] = best_params
    return history


def _check_restorable(history, best_params):
    """Raise the divergence unless a validated epoch can be restored."""
    if best_params is None or history.best_epoch == 0:
        raise FloatingPointError(history.diverged)


def _batch(network, X, Y, sample_weight, loss_function, recipe, dropout, rng):
    """Loss of one batch; its gradient goes into ``network.grad``."""
    n = X.shape[0]
    if sample_weight is None:
        row_scale = np.full(n, 1.0 / n, dtype=network.dtype)
    else:
        total = sample_weight.sum()
        if not total > 0:
            network.grad[...] = 0
            return 0.0
        row_scale = (sample_weight / total).astype(network.dtype)
    S, cache = network.forward(X, dropout=dropout, rng=rng)
    loss, dS = loss_function(S, Y, recipe.label_smoothing, row_scale)
    network.backward(cache, dS.astype(network.dtype, copy=False))
    return loss
