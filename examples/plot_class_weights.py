"""
Class weights on imbalanced data
================================

When one class is rare, a classifier that minimises the average loss can do
well by mostly ignoring it. ``class_weight`` (which scikit-learn's MLP does
not have) makes each sample of a class count more or less in the loss, like
``class_weight`` of scikit-learn's linear models and trees. This example
trains the same network with no weights, with ``'balanced'`` weights and with
hand-picked ones, and compares their decision boundaries and recall.
"""

# %%
# An imbalanced problem
# ---------------------
# Two overlapping classes in two dimensions, 95 % of the samples in class 0.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_classification
from sklearn.inspection import DecisionBoundaryDisplay
from sklearn.metrics import balanced_accuracy_score, precision_score, recall_score
from sklearn.model_selection import train_test_split

from skmlp import MLPClassifier

X, y = make_classification(
    n_samples=2000,
    n_features=2,
    n_informative=2,
    n_redundant=0,
    n_clusters_per_class=1,
    weights=[0.95],
    class_sep=0.9,
    random_state=3,
)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
print("training samples per class:", np.bincount(y_train))

# %%
# Three weightings
# ----------------
# ``'balanced'`` weights each class by ``n_samples / (n_classes *
# n_samples_in_class)``, so both classes carry the same total weight. A dict
# gives the weights directly.
weightings = {
    "None": None,
    "'balanced'": "balanced",
    "{0: 1, 1: 4}": {0: 1, 1: 4},
}
fig, axes = plt.subplots(1, 3, figsize=(13, 4.2), sharex=True, sharey=True)
for ax, (name, class_weight) in zip(axes, weightings.items(), strict=True):
    clf = MLPClassifier(
        hidden_layer_sizes=(16,),
        class_weight=class_weight,
        max_iter=300,
        random_state=0,
    ).fit(X_train, y_train)
    y_pred = clf.predict(X_test)
    DecisionBoundaryDisplay.from_estimator(
        clf, X, response_method="predict", cmap="coolwarm", alpha=0.3, ax=ax
    )
    ax.scatter(*X_test.T, c=y_test, cmap="coolwarm", edgecolors="k", s=14)
    ax.set_title(f"class_weight={name}")
    print(
        f"{name:>14}: recall of the rare class {recall_score(y_test, y_pred):.2f}, "
        f"precision {precision_score(y_test, y_pred, zero_division=0):.2f}, "
        f"balanced accuracy {balanced_accuracy_score(y_test, y_pred):.2f}"
    )
plt.tight_layout()
plt.show()

# %%
# Without weights the boundary hugs the rare class, and a good share of its
# samples are predicted as the common one: getting them right hardly lowers
# the average loss. With ``'balanced'`` weights the boundary moves into the common
# class; the rare class is found far more often, at the price of more false
# alarms (lower precision). The hand-picked weights sit in between.
#
# Which trade-off is right depends on what a miss and a false alarm cost.
# ``class_weight`` works with every solver and combines with
# ``sample_weight`` (the weights multiply), and like any other parameter it
# can be tuned with :class:`~sklearn.model_selection.GridSearchCV`, for
# example on ``scoring="balanced_accuracy"``.
