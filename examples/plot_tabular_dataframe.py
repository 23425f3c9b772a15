"""
A raw DataFrame: the tabular MLP next to gradient boosting
==========================================================

:class:`~skmlp.TabularMLPClassifier` takes a table as it comes: numbers,
categories and missing values, with no imputer, scaler or encoder in front
of it. Its preprocessing (a :class:`~skmlp.TabularEncoder`) is fitted with
the network, and the network learns with a recipe for tables described in
:ref:`tabular`.

The usual model for such a table is gradient-boosted trees, and
:class:`~sklearn.ensemble.HistGradientBoostingClassifier` with
``categorical_features="from_dtype"`` takes the same DataFrame. This example
cross-validates both on the same folds, prints their scores and fit times,
and then looks at how the network's held-out score moves over its epochs.

The data are the Palmer penguins (Gorman, Williams and Fraser, 2014),
shipped with the ``palmerpenguins`` package: 344 penguins of three species,
with missing body measurements and a missing ``sex`` for some birds.
"""

# %%
# The data, as it comes
# ---------------------
# ``island`` and ``sex`` are columns of strings; they are given the
# ``category`` dtype, which both models read as "categorical" with
# ``categorical_features="from_dtype"``. ``year`` is the year of the
# measurement, not a property of the bird, so it is left out. The missing
# values stay in place.
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from palmerpenguins import load_penguins
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import StratifiedKFold, cross_validate, train_test_split
from threadpoolctl import threadpool_limits

from skmlp import TabularMLPClassifier

penguins = load_penguins()
y = penguins["species"]
X = penguins.drop(columns=["species", "year"]).astype(
    {"island": "category", "sex": "category"}
)
print(X.dtypes)
print()
print("missing values per column:")
print(X.isna().sum())

# %%
# What the network sees
# ---------------------
# A fitted tabular estimator keeps its encoder as ``encoder_``. Here a
# smaller network trained for a few epochs is enough to show it: each numeric
# column is robustly scaled and smoothly clipped, and gets a missing
# indicator because it has missing values; ``island`` (3 categories) and
# ``sex`` (2, plus the missing ones as a category of their own) are one-hot
# encoded.
small = TabularMLPClassifier(hidden_layer_sizes=(32,), max_iter=5, random_state=0)
small.fit(X, y)
print(small.encoder_.get_feature_names_out())

# %%
# Cross-validated scores and fit times
# ------------------------------------
# Both models with their default parameters, on the same five stratified
# folds. The network trains its default budget of ``max_iter=256`` epochs,
# keeping the weights of the epoch that scores best on a held-out fifth of
# each training fold. Both are timed on one thread (``threadpool_limits``),
# so that the times compare the two algorithms rather than how well each
# shares a busy machine; on a table this small, threads have little to
# share. The accuracy is close to 1 for both: the species differ clearly in
# their bills and flippers. The log-loss also tells how confident the
# predicted probabilities are.
models = {
    "TabularMLPClassifier": TabularMLPClassifier(random_state=0),
    "HistGradientBoosting": HistGradientBoostingClassifier(
        categorical_features="from_dtype", random_state=0
    ),
}
cv = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
results = {}
with threadpool_limits(limits=1):
    for name, model in models.items():
        results[name] = cross_validate(
            model, X, y, cv=cv, scoring=["accuracy", "neg_log_loss"]
        )

table = pd.DataFrame(
    {
        name: {
            "accuracy": r["test_accuracy"].mean(),
            "accuracy (std)": r["test_accuracy"].std(),
            "log-loss": -r["test_neg_log_loss"].mean(),
            "fit time (s)": r["fit_time"].mean(),
        }
        for name, r in results.items()
    }
).T
print(table.round(3))

# %%
# The fit times are measured as this page is built, on whatever machine
# builds it; they vary from run to run and from machine to machine.
#
# The network's log-loss has a floor: it trains with label smoothing
# (``label_smoothing=0.1``), against a target that gives the right class
# :math:`1 - 0.1 \cdot 2/3 \approx 0.93` of the probability and each other
# class the rest, so even a network that ranks every penguin right predicts
# about 0.93 for the right species, a log-loss of about 0.07 per row. Set
# ``label_smoothing=0`` when the probabilities themselves matter more than
# the predicted class.
#
# One fit, epoch by epoch
# -----------------------
# One more fit on three quarters of the penguins, to test on the rest. The
# fitted network records its training loss (``loss_curve_``) and the
# accuracy on its held-out rows (``validation_scores_``) after each epoch,
# and keeps the weights of ``best_epoch_``. The learning rate follows four
# cosine cycles that get longer (``learning_rate_schedule="cosine_log4"``),
# and dropout and weight decay fade out over the second half of the epochs,
# where the loss gets smoother. With label smoothing the training loss
# levels off above 0: its smallest value is the entropy of the smoothed
# target, about 0.29 for three classes.
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
clf = TabularMLPClassifier(random_state=0)
with threadpool_limits(limits=1):
    start = time.perf_counter()
    clf.fit(X_train, y_train)
    seconds = time.perf_counter() - start
print(f"fit: {clf.n_iter_} epochs in {seconds:.1f} s, best epoch {clf.best_epoch_}")
print(f"test accuracy: {clf.score(X_test, y_test):.3f}")

epochs = np.arange(1, clf.n_iter_ + 1)
fig, (ax_loss, ax_score) = plt.subplots(2, 1, figsize=(7, 5), sharex=True)
ax_loss.plot(epochs, clf.loss_curve_)
ax_loss.set_yscale("log")
ax_loss.set_ylabel("training loss")
ax_score.plot(epochs, clf.validation_scores_, drawstyle="steps-mid")
ax_score.set_ylabel("held-out accuracy")
ax_score.set_xlabel("epoch")
for ax in (ax_loss, ax_score):
    ax.axvline(clf.best_epoch_, color="tab:red", linestyle="--", label="best_epoch_")
ax_score.legend(loc="lower right")
fig.suptitle("TabularMLPClassifier on the penguins, epoch by epoch")
plt.show()

# %%
# The held-out part of the training rows is small here (a fifth of 258
# penguins), so its accuracy moves in steps of one penguin, and many epochs
# tie; ties go to the later epoch, trained at a lower learning rate. On a
# table this small, pass your own ``X_val`` and ``y_val`` to ``fit`` to
# select on more rows, or ``validation_fraction=None`` to train on every
# row and keep the last epoch.
