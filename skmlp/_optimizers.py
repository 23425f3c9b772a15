"""Learning-rate schedules and the stochastic optimizers.

The optimizers work on the flat parameter and gradient vectors: each ``step``
works out its scalar factors here and updates every weight and bias of the
network with one kernel of the engine in use (``skmlp._kernels``: a compiled
loop, or its NumPy twin), which adds the L2 penalty's gradient on the way, so
a step allocates nothing however many layers the network has. Both take their
step size from a :class:`LearningRateSchedule`, so every schedule works with
SGD and Adam alike.
"""

import copy
import math

import numpy as np

from ._engine import kernels

SCHEDULES = ("constant", "invscaling", "adaptive", "cosine")

# Below this the steps flush to zero (see skmlp._kernels); looked up once here
# because np.finfo takes microseconds, a sizeable share of a small step.
_SMALLEST_NORMAL = {
    np.dtype(dtype): np.finfo(dtype).tiny for dtype in (np.float32, np.float64)
}
# Every this many steps the kernels flush subnormal values to zero; the steps
# between pass a threshold of 0, which flushes nothing. A value that turns
# subnormal then lives at most this many steps, too few to slow anything
# down, while the NumPy engine skips the flush's passes over the weights and
# moments (a third of its Adam step) on all other steps.
FLUSH_EVERY = 8


class LearningRateSchedule:
    """The base step size, epoch by epoch, with an optional linear warm-up.

    ``'constant'`` keeps ``learning_rate_init``; ``'invscaling'`` sets it to
    ``learning_rate_init / (t + 1) ** power_t`` after each epoch, ``t`` being
    the number of samples seen; ``'adaptive'`` divides it by 5 each time
    training stalls (see :meth:`stalled`) until it falls below 1e-6;
    ``'cosine'`` decays it as ``learning_rate_init * (1 + cos(pi * e /
    max_iter)) / 2`` after ``e`` epochs (Loshchilov & Hutter, 2017).

    With ``warmup_iter > 0`` the step size also ramps up linearly, batch by
    batch, from ``1 / n`` of its value over the first ``warmup_iter`` epochs
    (``n`` the number of batches in them), which steadies the first updates of
    adaptive optimizers.
    """

    def __init__(
        self,
        kind="constant",
        learning_rate_init=0.001,
        power_t=0.5,
        max_iter=200,
        warmup_iter=0,
    ):
        self.kind = kind
        self.learning_rate_init = float(learning_rate_init)
        self.learning_rate = float(learning_rate_init)
        self.power_t = power_t
        self.max_iter = max_iter
        self.warmup_iter = warmup_iter
        self.epochs = 0
        self.steps = 0
        self.steps_per_epoch = 1

    def next_step_size(self):
        """Step size of the coming update, warm-up included."""
        self.steps += 1
        warmup_steps = self.warmup_iter * self.steps_per_epoch
        if self.steps < warmup_steps:
            return self.learning_rate * self.steps / warmup_steps
        return self.learning_rate

    def epoch_ends(self, samples_seen):
        """Update the step size after an epoch of ``samples_seen`` in total."""
        self.epochs += 1
        if self.kind == "invscaling":
            self.learning_rate = (
                self.learning_rate_init / (samples_seen + 1) ** self.power_t
            )
        elif self.kind == "cosine":
            progress = min(self.epochs / self.max_iter, 1.0)
            self.learning_rate = (
                0.5 * self.learning_rate_init * (1 + math.cos(math.pi * progress))
            )

    def stalled(self, message, verbose):
        """Called when training stops improving: True to stop, False to go on."""
        if self.kind != "adaptive":
            if verbose:
                print(f"{message} Stopping.")
            return True
        if self.learning_rate <= 1e-6:
            if verbose:
                print(f"{message} Learning rate too small. Stopping.")
            return True
        self.learning_rate /= 5.0
        if verbose:
            print(f"{message} Setting learning rate to {self.learning_rate:f}")
        return False


class _Optimizer:
    """Shared by the optimizers: the penalised step and the state to keep."""

    def step(self, params, grad, penalty=0.0, n_penalised=0):
        """Move ``params`` in place; return ``||W||^2`` from before the move.

        ``params`` moves against ``grad + penalty * params`` on its leading
        ``n_penalised`` entries ``W`` (the coefficients, whose L2 penalty
        ``0.5 * penalty * ||W||^2`` the loss carries) and against ``grad``
        elsewhere. Adding the penalty's gradient inside the update saves a
        pass over every weight per batch; ``grad`` itself is left as
        it was. The returned squared norm is what the batch's loss needs.
        """
        if not penalty:
            n_penalised = 0
        weights = params[:n_penalised]
        squared_norm = float(weights @ weights)
        # Scalars in the parameters' dtype keep float32 arithmetic float32.
        cast = params.dtype.type
        factors = tuple(map(cast, self._next_factors()))
        flush = self.schedule.steps % FLUSH_EVERY == 0
        tiny = _SMALLEST_NORMAL[params.dtype] if flush else cast(0)
        # Two passes, penalised and not, rather than a test on every index,
        # which would keep the compiled loop from being vectorised.
        for part, part_penalty in (
            (slice(0, n_penalised), penalty),
            (slice(n_penalised, params.size), 0.0),
        ):
            if part.start < part.stop:
                self._update(params, grad, part, factors, cast(part_penalty), tiny)
        return squared_norm

    def state_dict(self):
        """Everything needed to continue, as a dict of arrays and builtins.

        A fitted estimator keeps this dict, not the optimizer, so that it
        pickles without any of skmlp's internal classes.
        """
        state = {
            name: value for name, value in vars(self).items() if name != "schedule"
        }
        state["schedule"] = dict(vars(self.schedule))
        return state

    @classmethod
    def from_state_dict(cls, state):
        """The optimizer that :meth:`state_dict` described, on copied arrays."""
        optimizer = cls.__new__(cls)
        for name, value in state.items():
            if name != "schedule":
                setattr(optimizer, name, copy.deepcopy(value))
        optimizer.schedule = LearningRateSchedule.__new__(LearningRateSchedule)
        vars(optimizer.schedule).update(state["schedule"])
        return optimizer


class SGD(_Optimizer):
    """Stochastic gradient descent with momentum, optionally Nesterov's.

    ``v <- momentum * v - lr * grad``; the parameters then move by ``v``, or,
    with Nesterov's momentum, by ``momentum * v - lr * grad`` (the look-ahead
    form of Sutskever et al., 2013).
    """

    def __init__(self, n_params, dtype, schedule, momentum=0.9, nesterov=True):
        self.schedule = schedule
        self.momentum = momentum
        self.nesterov = nesterov
        self.velocity = np.zeros(n_params, dtype=dtype)

    def _next_factors(self):
        return self.schedule.next_step_size(), self.momentum

    def _update(self, params, grad, part, factors, penalty, tiny):
        learning_rate, momentum = factors
        kernels().sgd_step(
            params[part],
            grad[part],
            self.velocity[part],
            learning_rate,
            momentum,
            bool(self.nesterov),
            penalty,
            tiny,
        )


class Adam(_Optimizer):
    """Adam (Kingma & Ba, 2014) with bias-corrected step size.

    The textbook update is ``m <- b1 m + (1 - b1) g``,
    ``v <- b2 v + (1 - b2) g^2`` and a move of ``-lr_t m / (sqrt(v) + eps)``
    with ``lr_t = lr sqrt(1 - b2^t) / (1 - b1^t)``. This class keeps the
    rescaled moments ``u = m / (1 - b1)`` and ``w = v / (1 - b2)`` instead,
    whose updates ``u <- b1 u + g`` and ``w <- b2 w + g^2`` need no
    multiplication of the gradient; the constant factors move into one scalar
    step size and into epsilon:

        m / (sqrt(v) + eps) = c * u / (sqrt(w) + eps / sqrt(1 - b2)),
        c = (1 - b1) / sqrt(1 - b2).

    The step is the same, with one multiplication fewer per weight.
    """

    def __init__(
        self, n_params, dtype, schedule, beta_1=0.9, beta_2=0.999, epsilon=1e-8
    ):
        self.schedule = schedule
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.t = 0
        self.scaled_first_moment = np.zeros(n_params, dtype=dtype)
        self.scaled_second_moment = np.zeros(n_params, dtype=dtype)

    @property
    def first_moment(self):
        """Adam's ``m``, the running mean of the gradient."""
        return self.scaled_first_moment * (1 - self.beta_1)

    @property
    def second_moment(self):
        """Adam's ``v``, the running mean of the squared gradient."""
        return self.scaled_second_moment * (1 - self.beta_2)

    def _next_factors(self):
        self.t += 1
        b1, b2 = self.beta_1, self.beta_2
        # The bias-corrected step size of the textbook form, then the factors
        # that the rescaled moments move out of the update.
        step_size = (
            self.schedule.next_step_size() * np.sqrt(1 - b2**self.t) / (1 - b1**self.t)
        )
        sqrt_one_minus_b2 = np.sqrt(1 - b2)
        epsilon = self.epsilon / sqrt_one_minus_b2
        scale = step_size * (1 - b1) / sqrt_one_minus_b2
        return b1, b2, epsilon, scale

    def _update(self, params, grad, part, factors, penalty, tiny):
        kernels().adam_step(
            params[part],
            grad[part],
            self.scaled_first_moment[part],
            self.scaled_second_moment[part],
            *factors,
            penalty,
            tiny,
        )
