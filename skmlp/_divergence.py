"""Falling back on the best validated weights when training diverges.

A stochastic fit that diverges (an overflow, a non-finite loss, a loss that
runs away) has nothing sound in its last weights. With validation data, from
``early_stopping=True`` or from ``fit(..., X_val=, y_val=)``, it still has
the weights of the epoch that did best on that data: the fit stops there,
keeps them and warns, instead of raising and losing the candidate (in a
search over learning rates, say). Without validation data there is no such
epoch to trust, and the fit raises as before.

:class:`BestWeights` keeps those weights during training; the loop in
:mod:`skmlp._training` asks it whether an epoch diverged and whether there
is anything to fall back on. :func:`warn_diverged` tells the user.
"""

import math
import warnings

from sklearn.exceptions import ConvergenceWarning

from ._validation import divergence_advice


class DivergenceWarning(ConvergenceWarning):
    """Training diverged; the estimator kept the best validated weights.

    A subclass of scikit-learn's ``ConvergenceWarning``, so that filters set
    for scikit-learn's convergence warnings cover it too.
    """


class BestWeights:
    """The weights of the best validated epoch, to fall back on.

    Parameters
    ----------
    params : ndarray
        The network's flat parameter vector as the fit starts; copied.
    metric : {'score', 'loss'}
        What "best" means: the highest validation score or the lowest
        validation loss, as for early stopping.
    baseline : float, default=-inf
        The value (the score, or minus the loss) an epoch must beat to count
        as the best. Under early stopping after a warm start it is the best
        of the previous fits, whose weights are those the fit starts from,
        so that the stopping rule and this record agree on the best epoch.
    runaway : callable or None, default=None
        ``runaway(first, loss)`` says why an epoch's training loss ``loss``,
        recorded after the first one ``first``, means the weights have run
        away, or returns None (see ``skmlp._validation.runaway_check``).

    Attributes
    ----------
    params : ndarray
        The kept weights.
    value : float
        Their score, or minus their loss.
    epoch : int or None
        The epoch of the fit that produced them, counted from 1 as
        ``n_iter_`` is; 0 for the weights the fit started from when they are
        the best of previous fits; None while no validated weights are kept.
    """

    def __init__(self, params, metric, baseline=-math.inf, runaway=None):
        self.params = params.copy()
        self.metric = metric
        self.value = baseline
        self.epoch = 0 if baseline > -math.inf else None
        self.runaway = runaway

    def offer(self, params, epoch, score, val_loss):
        """Keep ``params``, the weights after ``epoch``, if they are the best.

        As for early stopping, only a strictly better value counts, so the
        kept epoch is the last one that improved on the validation data; a
        NaN never does.
        """
        value = score if self.metric == "score" else -val_loss
        if value > self.value:
            self.params[...] = params
            self.value, self.epoch = value, epoch

    def divergence(self, loss_curve, loss, val_loss):
        """Why the epoch that just ended diverged, or None if it did not.

        Parameters
        ----------
        loss_curve : list of float
            The training losses of the epochs recorded before this one.
        loss : float
            This epoch's training loss.
        val_loss : float
            This epoch's validation loss (NaN when the network's output on the
            validation data is not finite).
        """
        if not math.isfinite(loss):
            return f"the loss is {loss}"
        if not math.isfinite(val_loss):
            return f"the validation loss is {val_loss}"
        if loss_curve and self.runaway is not None:
            return self.runaway(loss_curve[0], loss)
        return None

    def restorable(self, n_iter):
        """Whether a fit that completed ``n_iter`` epochs can fall back.

        It needs an epoch of this fit that ended with finite results: one
        that diverges at once raises, as without validation data.
        """
        return n_iter >= 1 and self.epoch is not None


def warn_diverged(est, detail, n_iter, best, stacklevel):
    """Warn that training diverged after ``n_iter`` epochs and what was kept.

    Parameters
    ----------
    est : BaseMLP
        The estimator being fitted, for the advice.
    detail : str
        What went wrong, e.g. "overflow encountered in matmul".
    n_iter : int
        The number of complete epochs; the one after them diverged.
    best : BestWeights
        The weights kept.
    stacklevel : int
        Passed to :func:`warnings.warn`.
    """
    metric = best.metric
    value = best.value if metric == "score" else -best.value
    if best.epoch:
        kept = f"the weights of epoch {best.epoch}, the best on the validation data"
    else:
        kept = (
            "the weights this fit started from, which no epoch of it beat on "
            "the validation data"
        )
    warnings.warn(
        f"Training diverged at epoch {n_iter + 1} ({detail}). Stopped there and "
        f"kept {kept} (validation {metric} {value:.6g}); n_iter_ and the "
        f"curves end at epoch {n_iter}. To avoid this, "
        f"{divergence_advice(est)}.",
        DivergenceWarning,
        stacklevel=stacklevel + 1,
    )
