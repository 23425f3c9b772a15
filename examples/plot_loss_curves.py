"""
Training and validation loss curves
===================================

The loss after every epoch tells more about a network than its final score:
whether it converged, whether it is still improving, and when it started to
memorise the training data. This example trains a deliberately oversized
network on a small part of the digits data, draws its curves with
:class:`skmlp.LossCurveDisplay`, and compares what early stopping, the L2
penalty and dropout do to them.
"""

# %%
# A small training set and a fixed validation set
# -----------------------------------------------
# 300 training images are few for a network with 256 hidden units, so it will
# overfit. A separate validation set of 500 images measures that; the rest is
# kept for the final test.
import warnings

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split

from skmlp import LossCurveDisplay, MLPClassifier

X, y = load_digits(return_X_y=True)
X = X / 16  # pixel intensities 0..16 -> 0..1
X_train, X_rest, y_train, y_rest = train_test_split(
    X, y, train_size=300, stratify=y, random_state=0
)
X_val, X_test, y_val, y_test = train_test_split(
    X_rest, y_rest, train_size=500, stratify=y_rest, random_state=0
)
# Every model below runs a fixed budget of epochs or stops early on purpose.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

# Without early stopping, n_iter_no_change=max_iter makes each fit run all 100
# epochs; with it, training stops after 10 epochs without improvement.
settings = dict(
    hidden_layer_sizes=(256,),
    learning_rate_init=0.01,
    alpha=0.0,
    max_iter=100,
    n_iter_no_change=100,
    random_state=0,
)
stop_early = dict(early_stopping=True, n_iter_no_change=10)

# %%
# Early stopping on a split of the training data
# ----------------------------------------------
# With ``early_stopping=True`` and no validation set, ``fit`` holds out
# ``validation_fraction`` of the training data, as scikit-learn does, and
# records the accuracy on it after every epoch in ``validation_scores_`` and
# the loss in ``validation_loss_curve_``.
# :meth:`~skmlp.LossCurveDisplay.from_estimator` draws both losses on one axis
# and the accuracy on a second one.
clf = MLPClassifier(**{**settings, **stop_early}).fit(X_train, y_train)
display = LossCurveDisplay.from_estimator(clf)
print(f"stopped after {clf.n_iter_} epochs")
plt.show()

# %%
# Thirty validation images are a coarse yardstick: the accuracy moves in steps
# of one image, and it plateaus long before the loss does.
#
# Watching a network overfit
# --------------------------
# ``fit`` also takes a validation set of its own: ``X_val`` and ``y_val``.
# Without early stopping they are only evaluated, after every epoch, and their
# loss is recorded in ``validation_loss_curve_``: the same cross-entropy as
# ``loss_curve_``, on data the network does not train on.
overfit = MLPClassifier(**settings).fit(X_train, y_train, X_val=X_val, y_val=y_val)
display = LossCurveDisplay.from_estimator(overfit, name="no regularisation")
best_epoch = 1 + min(
    range(overfit.n_iter_), key=overfit.validation_loss_curve_.__getitem__
)
display.ax_.axvline(best_epoch, color="grey", linestyle=":")
display.ax_.set_ylim(0, 1)
plt.show()

# %%
# The training loss falls towards zero for all 100 epochs. The validation loss
# reaches its minimum early (the dotted line) and then rises: from there on
# the network grows more confident on the training images without getting any
# better on new ones. That rise is overfitting.
#
# Stopping at the bottom of the validation loss
# ---------------------------------------------
# With ``early_stopping=True`` the validation set decides when to stop, and
# ``early_stopping_metric="loss"`` makes it watch the validation loss rather
# than the accuracy. Training ends ``n_iter_no_change`` epochs after the best
# one, and the weights of the best epoch are restored.
stopped = MLPClassifier(**{**settings, **stop_early}, early_stopping_metric="loss").fit(
    X_train, y_train, X_val=X_val, y_val=y_val
)
print(f"early stopping ran {stopped.n_iter_} of {settings['max_iter']} epochs")


def report(name, model):
    """Test accuracy, and test log-loss: how good the probabilities are."""
    proba = model.predict_proba(X_test)
    print(
        f"{name:>18}: test accuracy {model.score(X_test, y_test):.3f}, "
        f"test log-loss {log_loss(y_test, proba):.3f}"
    )


report("no regularisation", overfit)
report("early stopping", stopped)

# %%
# The two networks classify about equally well, but the one stopped early has
# clearly better probabilities (a lower log-loss on the test images): the
# epochs it skipped only made the other one more confident, right or wrong,
# and it trained in a fraction of the time.

# %%
# Regularisation changes the shape of the curves
# ----------------------------------------------
# The L2 penalty (``alpha``) and ``dropout`` fight overfitting during training
# instead of stopping it. Here the displays are built from the fitted
# attributes directly, leaving out the accuracy, and drawn side by side on
# one scale with ``ax=``:
models = {
    "no regularisation": overfit,
    "alpha=1.0": MLPClassifier(**{**settings, "alpha": 1.0}),
    "dropout=0.5": MLPClassifier(dropout=0.5, **settings),
}
fig, axes = plt.subplots(1, 3, figsize=(12, 3.8), sharey=True)
for ax, (name, model) in zip(axes, models.items(), strict=True):
    if model is not overfit:
        model.fit(X_train, y_train, X_val=X_val, y_val=y_val)
    LossCurveDisplay(
        loss_curve=model.loss_curve_,
        validation_loss_curve=model.validation_loss_curve_,
    ).plot(ax=ax, name=name)
    ax.set_ylim(0, 1)
    report(name, model)
plt.tight_layout()
plt.show()

# %%
# With the penalty, the training loss stays well above zero (it includes the
# penalty term, which keeps the weights small) and the validation loss levels
# off instead of creeping up. With dropout, the training loss is noisier, since every
# epoch trains a different thinned network, and the validation loss stays
# flat, below that of the unregularised network; by the test log-loss above,
# it gives the best probabilities of the three.
