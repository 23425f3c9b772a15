"""The features beyond scikit-learn's MLP, each against what it promises."""

import os
import signal
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.callback import ProgressBar, ScoringMonitor
from sklearn.datasets import load_digits, make_classification, make_moons
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skmlp import MLPClassifier, MLPRegressor
from skmlp._activations import HIDDEN_ACTIVATIONS
from skmlp._fitting import OPTIMIZERS

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def digits():
    X, y = load_digits(return_X_y=True)
    return train_test_split(X / 16.0, y, test_size=0.3, random_state=0, stratify=y)


@pytest.fixture(scope="module")
def imbalanced():
    X, y = make_classification(
        n_samples=600, weights=[0.9, 0.1], class_sep=0.6, random_state=0
    )
    return X, y


def restored_optimizer(model):
    """The optimizer a further partial_fit or warm start would continue."""
    saved = model._optimizer_state
    return OPTIMIZERS[saved["solver"]].from_state_dict(saved["state"])


def coefs_equal(a, b):
    return all(
        np.array_equal(x, z)
        for x, z in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_, strict=True)
    )


# -- 1. class_weight ----------------------------------------------------------


@pytest.mark.parametrize("solver", ["adam", "lbfgs"])
def test_class_weight_is_a_per_class_sample_weight(imbalanced, solver):
    X, y = imbalanced
    weights = {0: 1.0, 1: 5.0}
    params = dict(solver=solver, max_iter=30, random_state=0)
    by_class = MLPClassifier(class_weight=weights, **params).fit(X, y)
    by_sample = MLPClassifier(**params).fit(X, y, sample_weight=np.where(y, 5.0, 1.0))
    for a, b in zip(by_class.coefs_, by_sample.coefs_, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_class_weight_multiplies_sample_weight(imbalanced):
    X, y = imbalanced
    sw = np.random.RandomState(0).uniform(0.5, 2, len(y))
    params = dict(max_iter=10, random_state=0)
    both = MLPClassifier(class_weight={0: 2.0, 1: 3.0}, **params)
    both.fit(X, y, sample_weight=sw)
    product = MLPClassifier(**params).fit(X, y, sample_weight=sw * np.where(y, 3, 2))
    for a, b in zip(both.coefs_, product.coefs_, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_balanced_class_weight_raises_minority_recall(imbalanced):
    X, y = imbalanced
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    params = dict(hidden_layer_sizes=(20,), max_iter=300, random_state=0)
    plain = MLPClassifier(**params).fit(X_train, y_train)
    balanced = MLPClassifier(class_weight="balanced", **params).fit(X_train, y_train)
    minority = y_test == 1
    recall = lambda m: np.mean(m.predict(X_test[minority]) == 1)  # noqa: E731
    assert recall(balanced) > recall(plain)


def test_class_weight_in_partial_fit_and_validation_score(imbalanced):
    X, y = imbalanced
    weights = {0: 1.0, 1: 4.0}
    model = MLPClassifier(class_weight=weights, random_state=0)
    model.partial_fit(X[:300], y[:300], classes=[0, 1])
    model.partial_fit(X[300:], y[300:])
    with pytest.raises(ValueError, match="balanced.*partial_fit"):
        MLPClassifier(class_weight="balanced").partial_fit(X, y, classes=[0, 1])
    fitted = MLPClassifier(class_weight=weights, max_iter=5, random_state=0)
    fitted.fit(X[:400], y[:400], X_val=X[400:], y_val=y[400:])
    expected = accuracy_score(
        y[400:], fitted.predict(X[400:]), sample_weight=np.where(y[400:], 4.0, 1.0)
    )
    assert fitted.validation_scores_[-1] == pytest.approx(expected)


def test_class_weight_is_rejected_for_multilabel():
    X = np.random.RandomState(0).normal(size=(30, 3))
    Y = (X[:, :2] > 0).astype(int)
    with pytest.raises(ValueError, match="multi-label"):
        MLPClassifier(class_weight={0: 1, 1: 2}).fit(X, Y)


# -- 2. and 3. user validation set, validation loss, early-stopping metric ----


def test_user_validation_set_is_recorded_every_epoch(digits):
    X_train, X_val, y_train, y_val = digits
    model = MLPClassifier(max_iter=8, random_state=0)
    model.fit(X_train, y_train, X_val=X_val, y_val=y_val)
    assert len(model.validation_scores_) == len(model.validation_loss_curve_) == 8
    # Without early stopping the last weights stay, so the last record is
    # the score and loss of the fitted model on the validation set.
    assert model.validation_scores_[-1] == pytest.approx(model.score(X_val, y_val))
    assert model.validation_loss_curve_[-1] == pytest.approx(
        log_loss(y_val, model.predict_proba(X_val)), rel=1e-9
    )
    assert model.best_validation_loss_ == min(model.validation_loss_curve_)
    assert model.best_loss_ == min(model.loss_curve_)


@pytest.mark.parametrize("metric", ["score", "loss", "neg_log_loss"])
def test_early_stopping_on_user_set_restores_the_best_epoch(digits, metric):
    X_train, X_val, y_train, y_val = digits
    model = MLPClassifier(
        hidden_layer_sizes=(30,),
        early_stopping=True,
        early_stopping_metric=metric,
        n_iter_no_change=3,
        learning_rate_init=0.05,
        max_iter=200,
        random_state=0,
    ).fit(X_train, y_train, X_val=X_val, y_val=y_val)
    assert model.n_iter_ < 200
    final_loss = log_loss(y_val, model.predict_proba(X_val))
    if metric == "score":
        assert model.score(X_val, y_val) == pytest.approx(model.best_validation_score_)
    elif metric == "loss":
        assert final_loss == pytest.approx(model.best_validation_loss_, rel=1e-9)
    else:
        # The scorer's values are the negated validation losses.
        np.testing.assert_allclose(
            model.validation_scores_, -np.asarray(model.validation_loss_curve_)
        )
        assert -final_loss == pytest.approx(model.best_validation_score_, rel=1e-9)


def test_internal_split_records_validation_loss(digits):
    X_train, _, y_train, _ = digits
    model = MLPRegressor(early_stopping=True, max_iter=20, random_state=0)
    model.fit(X_train, y_train.astype(float))
    assert len(model.validation_loss_curve_) == model.n_iter_
    assert model.best_loss_ is None  # as scikit-learn under early stopping
    unvalidated = MLPRegressor(max_iter=3, random_state=0).fit(X_train, y_train)
    assert unvalidated.validation_loss_curve_ is None


def test_validation_set_errors(digits):
    X_train, X_val, y_train, y_val = digits
    with pytest.raises(ValueError, match="together"):
        MLPClassifier(max_iter=2).fit(X_train, y_train, X_val=X_val)
    with pytest.raises(ValueError, match="not seen"):
        MLPClassifier(max_iter=2).fit(X_train, y_train, X_val=X_val, y_val=y_val + 20)
    with pytest.raises(ValueError, match="features"):
        MLPClassifier(max_iter=2).fit(X_train, y_train, X_val=X_val[:, :5], y_val=y_val)


def test_lbfgs_records_loss_curve_and_validation(digits):
    X_train, X_val, y_train, y_val = digits
    model = MLPClassifier(solver="lbfgs", max_iter=15, random_state=0)
    model.fit(X_train, y_train, X_val=X_val, y_val=y_val)
    assert len(model.loss_curve_) == model.n_iter_ == len(model.validation_scores_)
    assert model.loss_curve_[-1] == pytest.approx(model.loss_)
    assert model.loss_curve_[-1] < model.loss_curve_[0]


# -- 4. activations -----------------------------------------------------------


# 'identity' makes the network linear, which cannot separate the moons.
@pytest.mark.parametrize(
    "activation", [a for a in HIDDEN_ACTIVATIONS if a != "identity"]
)
def test_every_nonlinear_activation_learns_moons(activation):
    X, y = make_moons(n_samples=300, noise=0.15, random_state=0)
    model = MLPClassifier(
        hidden_layer_sizes=(20,), activation=activation, solver="lbfgs", random_state=0
    ).fit(X, y)
    assert model.score(X, y) > 0.95


# -- 5. dropout ---------------------------------------------------------------


def test_dropout_is_reproducible_and_changes_training(digits):
    X_train, X_test, y_train, y_test = digits
    params = dict(hidden_layer_sizes=(64, 32), max_iter=20, random_state=0)
    a = MLPClassifier(dropout=0.2, **params).fit(X_train, y_train)
    b = MLPClassifier(dropout=[0.2, 0.2], **params).fit(X_train, y_train)
    plain = MLPClassifier(**params).fit(X_train, y_train)
    assert coefs_equal(a, b)
    assert not coefs_equal(a, plain)
    # Prediction uses the whole network: deterministic and accurate.
    np.testing.assert_array_equal(a.predict_proba(X_test), a.predict_proba(X_test))
    assert a.score(X_test, y_test) > 0.9


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(dropout=[0.1]), "one such rate per hidden layer"),
        (dict(dropout=[0.1, 1.0]), r"\[0, 1\)"),
        (dict(dropout=0.5, solver="lbfgs"), "stochastic solver"),
    ],
)
def test_dropout_errors(digits, params, match):
    X_train, _, y_train, _ = digits
    model = MLPClassifier(hidden_layer_sizes=(8, 8), max_iter=2, **params)
    with pytest.raises(ValueError, match=match):
        model.fit(X_train, y_train)


# -- 6. schedules for Adam, warm-up, gradient clipping ------------------------


@pytest.mark.parametrize("schedule", ["invscaling", "adaptive", "cosine"])
def test_schedules_apply_to_adam(digits, schedule):
    X_train, _, y_train, _ = digits
    params = dict(max_iter=6, random_state=0, learning_rate_init=0.01)
    scheduled = MLPClassifier(learning_rate=schedule, **params).fit(X_train, y_train)
    constant = MLPClassifier(**params).fit(X_train, y_train)
    if schedule != "adaptive":  # adaptive changes nothing until training stalls
        assert not coefs_equal(scheduled, constant)
    if schedule == "cosine":
        expected = 0.01 * (1 + np.cos(np.pi * 6 / 6)) / 2
        assert restored_optimizer(scheduled).schedule.learning_rate == pytest.approx(
            expected
        )


def test_warmup_changes_the_first_epochs_only_in_step_size(digits):
    X_train, _, y_train, _ = digits
    warm = MLPClassifier(warmup_iter=2, max_iter=4, random_state=0).fit(
        X_train, y_train
    )
    schedule = restored_optimizer(warm).schedule
    assert schedule.warmup_iter == 2 and schedule.steps == 4 * schedule.steps_per_epoch
    assert schedule.next_step_size() == pytest.approx(0.001)


def test_gradient_clipping_bounds_each_step(digits):
    X_train, _, y_train, _ = digits
    model = MLPClassifier(
        solver="sgd",
        momentum=0.0,
        learning_rate_init=1.0,
        max_grad_norm=1e-3,
        batch_size=len(y_train),
        random_state=0,
    )
    model.partial_fit(X_train, y_train, classes=np.unique(y_train))
    before = np.concatenate([c.ravel() for c in model.coefs_ + model.intercepts_])
    model.partial_fit(X_train, y_train)
    after = np.concatenate([c.ravel() for c in model.coefs_ + model.intercepts_])
    assert np.linalg.norm(after - before) <= 1e-3 * (1 + 1e-9)


# -- 7. robust regression losses ----------------------------------------------


@pytest.mark.parametrize("loss", ["huber", "absolute_error"])
def test_robust_losses_resist_outliers(loss):
    rng = np.random.RandomState(0)
    X = rng.uniform(-2, 2, size=(400, 1))
    y = 2 * X[:, 0] + rng.normal(scale=0.1, size=400)
    y_dirty = y.copy()
    y_dirty[:40] += 30  # 10% gross outliers, all on one side
    params = dict(hidden_layer_sizes=(16,), solver="adam", max_iter=500, random_state=0)
    X_test = np.linspace(-2, 2, 50)[:, None]
    truth = 2 * X_test[:, 0]
    robust = MLPRegressor(loss=loss, learning_rate_init=0.01, **params).fit(X, y_dirty)
    squared = MLPRegressor(learning_rate_init=0.01, **params).fit(X, y_dirty)
    robust_error = np.abs(robust.predict(X_test) - truth).mean()
    squared_error = np.abs(squared.predict(X_test) - truth).mean()
    assert robust_error < 0.5 * squared_error
    assert robust.out_activation_ == "identity"


# -- 8. weight initialisation -------------------------------------------------


@pytest.mark.parametrize("init", ["glorot_normal", "he_uniform", "he_normal"])
def test_weight_init_choices(digits, init):
    X_train, X_test, y_train, y_test = digits
    model = MLPClassifier(weight_init=init, max_iter=30, random_state=0)
    model.fit(X_train, y_train)
    default = MLPClassifier(max_iter=30, random_state=0).fit(X_train, y_train)
    assert not coefs_equal(model, default)
    assert model.score(X_test, y_test) > 0.9


# -- 9. transform: hidden features --------------------------------------------


def test_transform_returns_hidden_activations(digits):
    X_train, X_test, y_train, _ = digits
    model = MLPClassifier(
        hidden_layer_sizes=(20, 7), activation="tanh", max_iter=5, random_state=0
    ).fit(X_train, y_train)
    first = np.tanh(X_test @ model.coefs_[0] + model.intercepts_[0])
    second = np.tanh(first @ model.coefs_[1] + model.intercepts_[1])
    np.testing.assert_allclose(model.transform(X_test, layer=0), first)
    np.testing.assert_allclose(model.transform(X_test), second)
    np.testing.assert_allclose(model.transform(X_test, layer=1), second)
    names = model.get_feature_names_out()
    assert list(names) == [f"mlpclassifier{i}" for i in range(7)]
    with pytest.raises(ValueError, match="layer must be"):
        model.transform(X_test, layer=2)
    linear = MLPClassifier(hidden_layer_sizes=(), max_iter=2).fit(X_train, y_train)
    with pytest.raises(ValueError, match="no hidden layer"):
        linear.transform(X_test)


def test_mlp_as_feature_extractor_in_a_pipeline(digits):
    X_train, X_test, y_train, y_test = digits
    pipe = make_pipeline(
        StandardScaler(),
        MLPClassifier(hidden_layer_sizes=(32,), max_iter=50, random_state=0),
        LogisticRegression(max_iter=1000),
    )
    pipe.set_output(transform="pandas").fit(X_train, y_train)
    assert pipe.score(X_test, y_test) > 0.9
    frame = pipe[:-1].transform(X_test)
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == [f"mlpclassifier{i}" for i in range(32)]


# -- 10. optimizer state across warm starts and partial_fit -------------------


def test_warm_start_keeps_adam_moments_and_step_count(digits):
    X_train, _, y_train, _ = digits
    model = MLPClassifier(warm_start=True, max_iter=3, random_state=0)
    model.fit(X_train, y_train)
    first = restored_optimizer(model)
    model.fit(X_train, y_train)
    second = restored_optimizer(model)
    assert second.t == 2 * first.t
    assert not np.array_equal(second.first_moment, first.first_moment)
    assert len(model.loss_curve_) == 6


def test_partial_fit_continues_the_optimizer(digits):
    X_train, _, y_train, _ = digits
    classes = np.unique(y_train)
    model = MLPClassifier(random_state=0)
    for _ in range(3):
        model.partial_fit(X_train, y_train, classes=classes)
    steps_per_epoch = -(-len(y_train) // 200)
    assert restored_optimizer(model).t == 3 * steps_per_epoch
    assert model.t_ == 3 * len(y_train)


# -- 11. callbacks and progress -----------------------------------------------


class Recorder:
    """A FitCallback recording its hooks; asks to stop after ``stop_after``."""

    def __init__(self, stop_after=None):
        self.stop_after = stop_after
        self.events = []
        self.scores = []

    def setup(self, estimator, context):
        self.events.append("setup")

    def teardown(self, estimator, context):
        self.events.append("teardown")

    def on_fit_task_begin(self, estimator, context):
        self.events.append(("begin", context.task_name))

    def on_fit_task_end(
        self, estimator, context, *, X=None, y=None, fitted_estimator=None
    ):
        self.events.append(("end", context.task_name))
        if context.task_name == "epoch" and fitted_estimator is not None:
            self.scores.append(fitted_estimator.score(X, y))
            epochs = sum(1 for e in self.events if e == ("end", "epoch"))
            return self.stop_after is not None and epochs >= self.stop_after
        return False


def test_scikit_learn_callbacks_see_every_epoch(digits):
    X_train, _, y_train, _ = digits
    recorder = Recorder(stop_after=4)
    model = MLPClassifier(max_iter=50, random_state=0).set_callbacks(recorder)
    model.fit(X_train, y_train)
    assert model.n_iter_ == 4
    assert recorder.events[0] == "setup" and recorder.events[-1] == "teardown"
    assert recorder.events.count(("end", "epoch")) == 5  # 4 epochs + 1 empty
    assert len(recorder.scores) == 4 and recorder.scores[-1] > recorder.scores[0]
    assert recorder.scores[-1] == pytest.approx(model.score(X_train, y_train))


def test_scoring_monitor_and_progress_bar(digits):
    X_train, _, y_train, _ = digits
    monitor = ScoringMonitor(scoring="accuracy")
    model = MLPClassifier(max_iter=5, random_state=0)
    model.set_callbacks(monitor, ProgressBar()).fit(X_train, y_train)
    logged = monitor.get_logs().data_as_pandas
    epochs = logged[logged["task_name"] == "epoch"]
    assert len(epochs) == 5
    assert epochs["accuracy"].iloc[-1] == pytest.approx(model.score(X_train, y_train))


def test_lbfgs_callbacks_can_stop(digits):
    X_train, _, y_train, _ = digits
    model = MLPClassifier(solver="lbfgs", max_iter=100, random_state=0)
    model.set_callbacks(Recorder(stop_after=3)).fit(X_train, y_train)
    assert model.n_iter_ == 3 and len(model.loss_curve_) == 3


def test_verbose_prints_epoch_loss_validation_and_time(digits, capsys):
    X_train, X_val, y_train, y_val = digits
    MLPClassifier(max_iter=2, verbose=True, random_state=0).fit(
        X_train, y_train, X_val=X_val, y_val=y_val
    )
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("Iteration 1, loss = ")
    assert "validation score = " in lines[0] and "validation loss = " in lines[0]
    assert lines[0].endswith(" s")


# -- 12. Ctrl-C ---------------------------------------------------------------


class InterruptAt:
    """Sends SIGINT to this process at the end of epoch ``epoch``."""

    def __init__(self, epoch):
        self.epoch = epoch
        self.seen = 0

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(self, estimator, context):
        if context.task_name == "epoch":
            self.seen += 1
            if self.seen == self.epoch:
                os.kill(os.getpid(), signal.SIGINT)
        return False


@pytest.mark.parametrize("early_stopping", [False, True])
def test_ctrl_c_stops_after_the_batch_and_leaves_a_usable_model(digits, early_stopping):
    X_train, X_test, y_train, _ = digits
    model = MLPClassifier(
        max_iter=50, early_stopping=early_stopping, random_state=0
    ).set_callbacks(InterruptAt(epoch=3))
    handler = signal.getsignal(signal.SIGINT)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X_train, y_train)
    assert signal.getsignal(signal.SIGINT) is handler  # restored
    messages = [str(w.message) for w in caught if "interrupted" in str(w.message)]
    assert len(messages) == 1
    kept = "the best weights seen" if early_stopping else "the last weights"
    assert kept in messages[0]
    assert not any(issubclass(w.category, ConvergenceWarning) for w in caught)
    assert model.n_iter_ == 3  # the 4th epoch stopped after one batch
    assert np.all(np.isfinite(model.predict_proba(X_test)))
