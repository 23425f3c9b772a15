"""The protocol: repeated k-fold cross-validation, metrics and timings.

The folds of a data set are drawn once, from a fixed seed, and every model is
fitted on the same folds (stratified k-fold for classification, plain k-fold
for regression, reshuffled for each repeat). On each fold the models run one
after the other, so that a busy spell of the machine hits them alike, and each
fit gets the same ``random_state`` (``1000 + fold number``).

Metrics, all computed on the held-out fold:

* classification: accuracy of the most probable class, log loss, and ROC AUC
  (one-vs-rest, macro average over classes, for more than two classes);
* regression: R2 and RMSE, in the target's own units.

Fit time is the wall time of ``fit``; predict time that of ``predict_proba``
(classification, from which the predicted class is taken) or ``predict``
(regression) on the held-out fold.
"""

from __future__ import annotations

import time
import traceback
import warnings
from dataclasses import dataclass, field

import numpy as np
from sklearn import metrics
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import RepeatedKFold, RepeatedStratifiedKFold

from .datasets import CLASSIFICATION, Dataset
from .models import MODELS

# name: (task, higher is better, label in tables)
METRICS = {
    "accuracy": (CLASSIFICATION, True, "Accuracy"),
    "log_loss": (CLASSIFICATION, False, "Log loss"),
    "roc_auc": (CLASSIFICATION, True, "ROC AUC"),
    "r2": ("regression", True, "R2"),
    "rmse": ("regression", False, "RMSE"),
}
# The metric each summary ranks and normalises by; see README.md for why.
PRIMARY = {CLASSIFICATION: "accuracy", "regression": "r2"}
SEED = 0


@dataclass
class Cell:
    """One model on one data set: per-fold scores and times, or the error."""

    scores: dict[str, list[float]] = field(default_factory=dict)
    fit_s: list[float] = field(default_factory=list)
    predict_s: list[float] = field(default_factory=list)
    error: str | None = None

    def values(self, metric: str) -> np.ndarray | None:
        if self.error is not None or metric not in self.scores:
            return None
        return np.asarray(self.scores[metric], dtype=np.float64)


def folds(data: Dataset, n_splits: int, n_repeats: int) -> list[tuple]:
    """(train, test) index pairs, the same for every model."""
    cls = RepeatedStratifiedKFold if data.task == CLASSIFICATION else RepeatedKFold
    cv = cls(n_splits=n_splits, n_repeats=n_repeats, random_state=SEED)
    return list(cv.split(data.X, data.y))


def score(data: Dataset, y_true: np.ndarray, output: np.ndarray) -> dict:
    """The task's metrics from a fold's predictions (probabilities if classes)."""
    if data.task != CLASSIFICATION:
        return {
            "r2": float(metrics.r2_score(y_true, output)),
            "rmse": float(metrics.root_mean_squared_error(y_true, output)),
        }
    labels = np.arange(len(data.classes))
    # Probabilities that miss 1 by rounding (float32 models) would make
    # log_loss warn; the ranking is unchanged by renormalising.
    proba = output / output.sum(axis=1, keepdims=True)
    if len(labels) == 2:
        auc = metrics.roc_auc_score(y_true, proba[:, 1])
    else:
        auc = metrics.roc_auc_score(
            y_true, proba, multi_class="ovr", average="macro", labels=labels
        )
    return {
        "accuracy": float(np.mean(labels[proba.argmax(axis=1)] == y_true)),
        "log_loss": float(metrics.log_loss(y_true, proba, labels=labels)),
        "roc_auc": float(auc),
    }


def _full_proba(model, proba: np.ndarray, n_classes: int) -> np.ndarray:
    """Columns for every class, in case a model saw fewer than all in fit."""
    classes = np.asarray(model.classes_)
    if proba.shape[1] == n_classes and np.array_equal(classes, np.arange(n_classes)):
        return proba
    full = np.zeros((proba.shape[0], n_classes))
    full[:, classes.astype(np.int64)] = proba
    return full


def fit_and_score(
    name: str, data: Dataset, train, test, seed: int, threads: int, budget
) -> tuple[dict, float, float]:
    model = MODELS[name].make(data.task, seed, threads, budget)
    X_train, X_test = data.X.iloc[train], data.X.iloc[test]
    with warnings.catch_warnings():
        # Untuned defaults that stop at their iteration cap are part of what
        # is measured; the warning would only repeat for every fold.
        warnings.simplefilter("ignore", ConvergenceWarning)
        # PyTorch Lightning's deprecation notices, raised inside pytabkit,
        # are about library internals and say nothing of the model.
        warnings.filterwarnings("ignore", module="pytabkit|pytorch_lightning")
        # A category seen only in the test fold is encoded as all zeros by
        # design; the warning would repeat for many folds.
        warnings.filterwarnings("ignore", message="Found unknown categories")
        start = time.perf_counter()
        model.fit(X_train, data.y[train])
        fit_s = time.perf_counter() - start
        start = time.perf_counter()
        if data.task == CLASSIFICATION:
            output = model.predict_proba(X_test)
        else:
            output = model.predict(X_test)
        predict_s = time.perf_counter() - start
    output = np.asarray(output, dtype=np.float64)
    if data.task == CLASSIFICATION:
        output = _full_proba(model, output, len(data.classes))
    else:
        output = output.reshape(-1)
    return score(data, data.y[test], output), fit_s, predict_s


def run_dataset(
    data: Dataset,
    models: list[str],
    n_splits: int,
    n_repeats: int,
    threads: int,
    budget: int | None,
) -> dict[str, Cell]:
    """Every model on every fold of one data set.

    A model that raises on a fold gets no scores on this data set, and the
    error is kept for the tables' notes; the other models go on.
    """
    cells = {name: Cell() for name in models}
    for i, (train, test) in enumerate(folds(data, n_splits, n_repeats)):
        for name in models:
            cell = cells[name]
            if cell.error is not None:
                continue
            try:
                scores, fit_s, predict_s = fit_and_score(
                    name, data, train, test, 1000 + i, threads, budget
                )
            except Exception as exc:  # any library error is a result too
                last = traceback.extract_tb(exc.__traceback__)[-1]
                cell.error = (
                    f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]} "
                    f"({last.filename.rsplit('/', 1)[-1]}:{last.lineno})"
                )
                continue
            for key, value in scores.items():
                cell.scores.setdefault(key, []).append(value)
            cell.fit_s.append(fit_s)
            cell.predict_s.append(predict_s)
    return cells


def estimate_seconds(
    data_shapes: list[tuple[int, int]],
    models: list[str],
    n_splits: int,
    n_repeats: int,
) -> float:
    """Rough run time from each model's cost per 1,000 training rows."""
    total = 0.0
    for n_rows, _ in data_shapes:
        n_train = n_rows * (n_splits - 1) / n_splits
        per_fit = sum(MODELS[m].cost for m in models) * n_train / 1000
        total += per_fit * n_splits * n_repeats
    return total
