"""Running a solver for an estimator: optimizer, validation data, callbacks.

:mod:`skmlp._training` holds the loops and knows nothing of scikit-learn;
this module builds what they need from an estimator's parameters (the
optimizer and its schedule, the resumed history, the validation set and how to
score it, the callback and progress hooks) and turns their results back into
fitted attributes. ``BaseMLP._fit`` calls :func:`run_solver` once per fit.
"""

import copy
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import get_scorer
from sklearn.model_selection import train_test_split

from ._divergence import BestWeights, warn_diverged
from ._network import forward
from ._optimizers import SGD, Adam, LearningRateSchedule
from ._training import History, Validation, fit_lbfgs, fit_stochastic
from ._validation import runaway_check

OPTIMIZERS = {"sgd": SGD, "adam": Adam}


def make_schedule(est):
    """The learning-rate schedule the parameters ask for."""
    return LearningRateSchedule(
        est.learning_rate,
        est.learning_rate_init,
        est.power_t,
        est.max_iter,
        est.warmup_iter,
    )


def make_optimizer(est, n_params, dtype):
    """The optimizer the parameters ask for, with its schedule."""
    schedule = make_schedule(est)
    if est.solver == "sgd":
        return SGD(n_params, dtype, schedule, est.momentum, est.nesterovs_momentum)
    return Adam(n_params, dtype, schedule, est.beta_1, est.beta_2, est.epsilon)


def saved_optimizer(est, optimizer):
    """The optimizer's state as the estimator keeps it: arrays and builtins."""
    return {"solver": est.solver, "state": optimizer.state_dict()}


def resumed_optimizer(est, n_params, dtype, incremental):
    """The optimizer to continue from the saved state, or a new one.

    ``partial_fit`` continues everything: moments, step count and schedule.
    A ``warm_start`` fit keeps the moments and step count (restarting Adam
    from zero moments would undo its adaptation) but starts the learning-rate
    schedule afresh, as a new run of ``max_iter`` epochs. The saved arrays are
    copied, so a failing call leaves them untouched.
    """
    saved = getattr(est, "_optimizer_state", None)
    if saved is None or saved["solver"] != est.solver:
        return make_optimizer(est, n_params, dtype)
    optimizer = OPTIMIZERS[est.solver].from_state_dict(saved["state"])
    if not incremental:
        optimizer.schedule = make_schedule(est)
    return optimizer


def resumed_history(est, with_validation):
    """The epochs recorded by previous calls, to append to."""
    if (est.validation_scores_ is not None) != with_validation:
        return History.start(with_validation, est.early_stopping)
    copied = lambda values: None if values is None else list(values)  # noqa: E731
    return History(
        loss_curve=list(est.loss_curve_),
        best_loss=est.best_loss_,
        validation_scores=copied(est.validation_scores_),
        validation_loss_curve=copied(est.validation_loss_curve_),
        best_validation_score=est.best_validation_score_,
        best_validation_loss=est.best_validation_loss_,
        no_improvement_count=est._no_improvement_count,
        samples_seen=est.t_,
    )


def split_validation(est, X, Y, sample_weight, random_state):
    """Hold out ``validation_fraction`` of the data (stratified if possible)."""
    arrays = (X, Y) if sample_weight is None else (X, Y, sample_weight)
    split = train_test_split(
        *arrays,
        random_state=random_state,
        test_size=est.validation_fraction,
        stratify=est._stratify_labels(Y),
    )
    X_train, X_val, Y_train, Y_val = split[:4]
    sw_train, sw_val = split[4:] if sample_weight is not None else (None, None)
    if X_val.shape[0] < 2:
        raise ValueError(
            "The validation set is too small. Increase 'validation_fraction' "
            "or the size of your dataset."
        )
    return (X_train, Y_train, sw_train), (X_val, Y_val, sw_val)


def make_validation(est, network, X_val, Y_val, sw_val):
    """A :class:`Validation` scoring the network's current weights.

    The score is the estimator's own (accuracy or R^2) unless
    ``early_stopping_metric`` names a scikit-learn scorer; the loss is the
    training loss without the L2 penalty. Both come from one forward pass
    when the score is the estimator's own.
    """
    Y_val = Y_val.astype(network.dtype, copy=False)
    y_val = est._decode(Y_val)
    metric = est.early_stopping_metric
    scorer = None if metric in ("score", "loss") else get_scorer(metric)

    def evaluate():
        output = forward(
            X_val,
            network.coefs,
            network.intercepts,
            network.hidden_activation,
            network.output_activation,
        )
        if not np.isfinite(output).all():
            return np.nan, np.nan
        per_sample = network.loss.per_sample(Y_val, output)
        loss = float(np.average(per_sample, weights=sw_val))
        if scorer is None:
            score = est._score_function(y_val, est._decode(output), sw_val)
        else:
            score = scorer(
                _fitted_view(est, network), X_val, y_val, sample_weight=sw_val
            )
        return float(score), loss

    return Validation(
        evaluate,
        early_stopping=est.early_stopping,
        metric="loss" if metric == "loss" else "score",
    )


def _fitted_view(est, network):
    """A shallow copy of ``est`` predicting with the network's current weights.

    Scorers call ``predict`` or ``predict_proba`` on an estimator; this one
    shares the weights in place, so nothing is copied per epoch. The input is
    already validated, so the copy does not insist on feature names.
    """
    view = copy.copy(est)
    vars(view).pop("feature_names_in_", None)
    view.coefs_, view.intercepts_ = network.coefs, network.intercepts
    view.n_layers_ = len(network.layer_units)
    view.n_outputs_ = network.layer_units[-1]
    view.out_activation_ = network.output_activation
    return view


def batch_size_for(est, n_samples):
    """``batch_size`` resolved against the number of training samples."""
    if est.batch_size == "auto":
        return min(200, n_samples)
    if est.batch_size > n_samples:
        warnings.warn(
            f"batch_size={est.batch_size} is larger than the {n_samples} "
            f"training samples; using {n_samples}.",
            stacklevel=4,
        )
    return min(est.batch_size, n_samples)


class CallbackBridge:
    """Forwards a fit to scikit-learn's callback API, one subtask per epoch.

    The fit is the root task; each epoch (each L-BFGS iteration) a subtask.
    Like scikit-learn's own L-BFGS bridge, the next epoch's subtask begins as
    soon as one ends, so the subtask left open when training stops is closed
    as an empty task. Callbacks that ask for a ``fitted_estimator`` get a
    copy of the estimator with the weights of that epoch; it is built only if
    some callback asks for it.
    """

    def __init__(self, est, X, y, metadata, max_epochs):
        self.est = est
        self.data = {"X": X, "y": y, "metadata": metadata}
        self.context = est._init_callback_context(max_subtasks=max_epochs + 1)
        self.context.call_on_fit_task_begin(estimator=est, **self.data)
        self._epoch = self._begin_epoch()

    def _begin_epoch(self):
        context = self.context.subcontext(task_name="epoch")
        context.call_on_fit_task_begin(estimator=self.est, **self.data)
        return context

    def epoch_end(self, network, epoch):
        """End the current epoch's subtask; True if a callback asks to stop."""

        def reconstruction():
            return {
                "coefs_": [W.copy() for W in network.coefs],
                "intercepts_": [b.copy() for b in network.intercepts],
                "n_layers_": len(network.layer_units),
                "n_outputs_": network.layer_units[-1],
                "out_activation_": network.output_activation,
                "n_iter_": epoch.n_iter,
                "loss_": epoch.loss,
            }

        return self.end_epoch(reconstruction)

    def end_epoch(self, reconstruction):
        """End the current epoch's subtask with the attributes of that epoch.

        ``reconstruction()`` returns the fitted attributes a copy of the
        estimator needs to predict with the weights of this epoch.
        """
        stop = self._epoch.call_on_fit_task_end(
            estimator=self.est, reconstruction_attributes=reconstruction, **self.data
        )
        self._epoch = self._begin_epoch()
        return bool(stop)

    def close(self):
        """End the left-over empty subtask and the fit itself."""
        self._epoch.call_on_fit_task_end(estimator=self.est)
        self.context.call_on_fit_task_end(
            estimator=self.est, reconstruction_attributes={}, **self.data
        )


def run_lbfgs(est, network, X, Y, sample_weight, validation, bridge):
    """Fit with L-BFGS; returns the fitted attributes to set."""
    history = History.start(validation is not None, early_stopping=False)

    def on_iteration_end(epoch):
        if validation is not None:
            score, loss = validation.evaluate()
            history.validation_scores.append(score)
            history.validation_loss_curve.append(loss)
        return bridge.epoch_end(network, epoch)

    loss, n_iter, reached_limit, loss_curve, interrupted = fit_lbfgs(
        network,
        X,
        Y,
        sample_weight,
        alpha=est.alpha,
        max_iter=est.max_iter,
        max_fun=est.max_fun,
        tol=est.tol,
        verbose=est.verbose,
        on_epoch_end=on_iteration_end,
    )
    if interrupted:
        warnings.warn(
            f"Training interrupted by the user after {n_iter} L-BFGS "
            "iterations; the estimator keeps the last weights.",
            stacklevel=4,
        )
    elif reached_limit:
        warnings.warn(
            f"L-BFGS reached max_iter={est.max_iter} or max_fun={est.max_fun} "
            "before converging. Increase them or scale the data.",
            ConvergenceWarning,
            stacklevel=4,
        )
    scores = history.validation_scores
    return {
        "loss_": loss,
        "best_loss_": min(loss_curve, default=loss),
        "loss_curve_": loss_curve,
        "n_iter_": n_iter,
        "t_": 0,
        "validation_scores_": scores,
        "validation_loss_curve_": history.validation_loss_curve,
        "best_validation_score_": max(scores, default=None) if scores else None,
        "best_validation_loss_": (
            min(history.validation_loss_curve) if scores else None
        ),
        "_no_improvement_count": 0,
        "_optimizer_state": None,
    }


def run_stochastic(
    est,
    network,
    train,
    validation,
    random_state,
    *,
    incremental,
    resume,
    bridge,
):
    """Fit with SGD or Adam; returns the fitted attributes to set."""
    X, Y, sample_weight = train
    n_params, dtype = network.params.size, network.dtype
    if resume:
        optimizer = resumed_optimizer(est, n_params, dtype, incremental)
        history = resumed_history(est, validation is not None)
    else:
        optimizer = make_optimizer(est, n_params, dtype)
        history = History.start(validation is not None, est.early_stopping)
    best = None
    if validation is not None:
        best = best_weights(network, validation, history, Y, sample_weight)

    dropout_rng = random_state if any(network.dropout) else None
    outcome = fit_stochastic(
        network,
        optimizer,
        history,
        X,
        Y,
        sample_weight,
        alpha=est.alpha,
        batch_size=batch_size_for(est, X.shape[0]),
        max_iter=est.max_iter,
        shuffle=est.shuffle,
        tol=est.tol,
        n_iter_no_change=est.n_iter_no_change,
        random_state=random_state,
        incremental=incremental,
        verbose=est.verbose,
        validation=validation,
        dropout_rng=dropout_rng,
        max_grad_norm=est.max_grad_norm,
        on_epoch_end=lambda epoch: bridge.epoch_end(network, epoch),
        best=best,
    )
    if outcome.diverged is not None:
        # Level 6 is the user's call: through _fit, fit, fail_safe and
        # scikit-learn's _fit_context.
        warn_diverged(est, outcome.diverged, outcome.n_iter, best, stacklevel=6)
    elif outcome.interrupted:
        kept = "the best weights seen" if outcome.restored_best else "the last weights"
        warnings.warn(
            f"Training interrupted by the user after {outcome.n_iter} complete "
            f"epochs; stopped after the current batch and kept {kept}.",
            stacklevel=4,
        )
    elif outcome.reached_max_iter and not incremental:
        warnings.warn(
            f"Stochastic Optimizer: Maximum iterations ({est.max_iter}) "
            "reached and the optimization hasn't converged yet.",
            ConvergenceWarning,
            stacklevel=4,
        )
    return {
        "loss_": history.loss_curve[-1] if history.loss_curve else np.nan,
        "best_loss_": history.best_loss,
        "loss_curve_": history.loss_curve,
        "validation_scores_": history.validation_scores,
        "validation_loss_curve_": history.validation_loss_curve,
        "best_validation_score_": history.best_validation_score,
        "best_validation_loss_": history.best_validation_loss,
        "n_iter_": outcome.n_iter,
        "t_": history.samples_seen,
        "_no_improvement_count": history.no_improvement_count,
        # After a divergence the optimizer's moments (or velocity) are those
        # that drove the weights away, possibly no longer finite: a warm start
        # or partial_fit from the kept weights starts a fresh optimizer.
        "_optimizer_state": (
            None if outcome.diverged is not None else saved_optimizer(est, optimizer)
        ),
    }


def best_weights(network, validation, history, Y, sample_weight):
    """The :class:`BestWeights` record for a stochastic fit with validation.

    Under early stopping, the best epoch is judged as the stopping rule judges
    it, against the best of the history (that of previous fits, after a warm
    start). Otherwise the validation data are only watched, and the best is
    judged among this fit's epochs alone: the weights it starts from are the
    previous fit's last ones, not necessarily its best.
    """
    baseline = -np.inf
    if validation.early_stopping:
        if validation.metric == "score":
            recorded = history.best_validation_score
        else:
            recorded = history.best_validation_loss
            recorded = None if recorded is None else -recorded
        baseline = -np.inf if recorded is None else recorded
    return BestWeights(
        network.params,
        validation.metric,
        baseline=baseline,
        runaway=runaway_check(network, Y, sample_weight),
    )
