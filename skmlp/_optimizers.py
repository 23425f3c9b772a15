"""Stochastic optimizers working on the flat parameter and gradient vectors.

Each ``step`` updates every weight and bias of the network with a handful of
whole-vector NumPy operations into a preallocated scratch vector, so a step
allocates nothing however many layers the network has.
"""

import numpy as np


class SGD:
    """Stochastic gradient descent with momentum, optionally Nesterov's.

    ``v <- momentum * v - lr * grad``; the parameters then move by ``v``, or,
    with Nesterov's momentum, by ``momentum * v - lr * grad`` (the look-ahead
    form of Sutskever et al., 2013).

    The learning rate follows ``schedule``: ``'constant'``; ``'invscaling'``,
    ``lr_init / (t + 1) ** power_t`` after each epoch with ``t`` the number of
    samples seen; or ``'adaptive'``, divided by 5 each time training stops
    improving, until it falls below 1e-6.
    """

    def __init__(
        self,
        n_params,
        dtype,
        learning_rate_init=0.1,
        schedule="constant",
        momentum=0.9,
        nesterov=True,
        power_t=0.5,
    ):
        self.learning_rate_init = learning_rate_init
        self.learning_rate = float(learning_rate_init)
        self.schedule = schedule
        self.momentum = momentum
        self.nesterov = nesterov
        self.power_t = power_t
        self.velocity = np.zeros(n_params, dtype=dtype)
        self._scratch = np.empty(n_params, dtype=dtype)

    def step(self, params, grad):
        """Move ``params`` in place against ``grad``."""
        lr_grad = np.multiply(grad, self.learning_rate, out=self._scratch)
        self.velocity *= self.momentum
        self.velocity -= lr_grad
        if self.nesterov:
            params -= lr_grad
            params += np.multiply(self.velocity, self.momentum, out=self._scratch)
        else:
            params += self.velocity

    def iteration_ends(self, time_step):
        """Update the learning rate at the end of an epoch."""
        if self.schedule == "invscaling":
            self.learning_rate = self.learning_rate_init / (time_step + 1) ** (
                self.power_t
            )

    def trigger_stopping(self, message, verbose):
        """Called when training stalls: return True to stop, False to go on."""
        if self.schedule != "adaptive":
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


class Adam:
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

    The step is the same; it takes two fewer passes over the parameters.
    """

    def __init__(
        self,
        n_params,
        dtype,
        learning_rate_init=0.001,
        beta_1=0.9,
        beta_2=0.999,
        epsilon=1e-8,
    ):
        self.learning_rate_init = learning_rate_init
        self.learning_rate = float(learning_rate_init)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.t = 0
        self.scaled_first_moment = np.zeros(n_params, dtype=dtype)
        self.scaled_second_moment = np.zeros(n_params, dtype=dtype)
        self._scratch = np.empty(n_params, dtype=dtype)

    @property
    def first_moment(self):
        """Adam's ``m``, the running mean of the gradient."""
        return self.scaled_first_moment * (1 - self.beta_1)

    @property
    def second_moment(self):
        """Adam's ``v``, the running mean of the squared gradient."""
        return self.scaled_second_moment * (1 - self.beta_2)

    def step(self, params, grad):
        """Move ``params`` in place against ``grad``."""
        self.t += 1
        b1, b2 = self.beta_1, self.beta_2
        u, w, scratch = (
            self.scaled_first_moment,
            self.scaled_second_moment,
            self._scratch,
        )
        u *= b1
        u += grad
        w *= b2
        w += np.multiply(grad, grad, out=scratch)
        # The bias-corrected step size of the textbook form.
        self.learning_rate = (
            self.learning_rate_init * np.sqrt(1 - b2**self.t) / (1 - b1**self.t)
        )
        sqrt_one_minus_b2 = np.sqrt(1 - b2)
        np.sqrt(w, out=scratch)
        scratch += self.epsilon / sqrt_one_minus_b2
        np.divide(u, scratch, out=scratch)
        scratch *= self.learning_rate * (1 - b1) / sqrt_one_minus_b2
        params -= scratch

    def iteration_ends(self, time_step):
        """Adam's step size needs no per-epoch update."""

    def trigger_stopping(self, message, verbose):
        """Adam always stops when training stalls."""
        if verbose:
            print(f"{message} Stopping.")
        return True
