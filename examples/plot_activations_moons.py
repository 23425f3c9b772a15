"""
Decision boundaries of the activation functions
===============================================

The activation function is what makes a network non-linear (see
:ref:`activations`). This example fits the same small network with each
hidden activation skmlp offers on the two interleaved half-moons of
:func:`~sklearn.datasets.make_moons`, and draws the decision boundary each
one learns.
"""

# %%
# The data
# --------
# Two classes that no straight line separates, with some noise.
import warnings

import matplotlib.pyplot as plt
from sklearn.datasets import make_moons
from sklearn.exceptions import ConvergenceWarning
from sklearn.inspection import DecisionBoundaryDisplay
from sklearn.model_selection import train_test_split

from skmlp import MLPClassifier

X, y = make_moons(n_samples=400, noise=0.25, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
warnings.filterwarnings("ignore", category=ConvergenceWarning)

# %%
# One network per activation
# --------------------------
# Two hidden layers of 16 units, each trained with 300 iterations of L-BFGS
# (enough for the boundary to settle; the convergence warnings of the slower
# activations are silenced); only ``activation`` changes. ``'identity'``
# means no activation at all: the network is then one linear model, whatever
# its depth.
activations = [
    "identity",
    "logistic",
    "tanh",
    "relu",
    "leaky_relu",
    "elu",
    "gelu",
    "silu",
    "softplus",
]
fig, axes = plt.subplots(3, 3, figsize=(10, 10), sharex=True, sharey=True)
for ax, activation in zip(axes.flat, activations, strict=True):
    clf = MLPClassifier(
        hidden_layer_sizes=(16, 16),
        activation=activation,
        solver="lbfgs",
        alpha=1e-3,
        max_iter=300,
        random_state=0,
    ).fit(X_train, y_train)
    DecisionBoundaryDisplay.from_estimator(
        clf,
        X,
        response_method="predict_proba",
        cmap="RdBu",
        alpha=0.8,
        ax=ax,
        grid_resolution=120,
    )
    ax.scatter(*X_test.T, c=y_test, cmap="RdBu", edgecolors="k", s=18)
    ax.set_title(f"{activation!r}: test accuracy {clf.score(X_test, y_test):.2f}")
    ax.set_xlabel("")
    ax.set_ylabel("")
fig.suptitle("P(class 1) learned with each hidden activation")
plt.tight_layout()
plt.show()

# %%
# What the pictures show
# ----------------------
# - ``'identity'`` draws a straight line: without a non-linearity, stacking
#   layers adds nothing.
# - ``'relu'`` and ``'leaky_relu'`` are piecewise linear, and so are their
#   boundaries: straight segments with corners where units switch on or off.
# - ``'logistic'``, ``'tanh'``, ``'elu'``, ``'gelu'``, ``'silu'`` and
#   ``'softplus'`` are smooth, and bend the boundary smoothly.
#
# On a problem this small all the non-linear activations separate the moons
# about equally well; they differ more in how fast and how reliably deep
# networks train with them. ``'relu'``, the default, is cheap and rarely a bad
# choice.
