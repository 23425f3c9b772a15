"""
Hidden-layer features with ``transform``
========================================

Every hidden layer of a trained network is a set of features it has learned
for its task: the outputs :math:`A_l` of layer :math:`l` (see
:ref:`forward_pass`). skmlp's estimators expose them through ``transform``
(not in scikit-learn's MLP), so a trained network can serve as a feature
extractor: to look at what it learned, or to feed another model.
"""

# %%
# A network with a two-unit bottleneck
# ------------------------------------
# The last hidden layer has only two units, so whatever the network needs to
# tell ten digits apart has to pass through two numbers per image, which can
# be drawn on a plane. ``tanh`` keeps each of them between -1 and 1.
import warnings

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline

from skmlp import MLPClassifier

X, y = load_digits(return_X_y=True)
X = X / 16
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)
warnings.filterwarnings("ignore", category=ConvergenceWarning)

clf = MLPClassifier(
    hidden_layer_sizes=(64, 16, 2),
    activation="tanh",
    learning_rate_init=0.01,
    max_iter=300,
    random_state=0,
).fit(X_train, y_train)
print(f"test accuracy with a 2-unit bottleneck: {clf.score(X_test, y_test):.3f}")

# %%
# The features of the last hidden layer
# -------------------------------------
# ``transform(X)`` runs the forward pass up to the last hidden layer
# (``layer=-1``, the default) and returns its activations, one column per
# unit. ``get_feature_names_out`` names those columns, as every scikit-learn
# transformer does.
features = clf.transform(X_test)
print("transform(X_test):", features.shape)
print("feature names:", clf.get_feature_names_out())

fig, ax = plt.subplots(figsize=(6.5, 6))
points = ax.scatter(*features.T, c=y_test, cmap="tab10", s=14, alpha=0.8)
ax.legend(
    *points.legend_elements(), title="digit", loc="center left", bbox_to_anchor=(1, 0.5)
)
names = clf.get_feature_names_out()
ax.set_xlabel(names[0])
ax.set_ylabel(names[1])
ax.set_title("Test digits in the learned two-dimensional space")
plt.tight_layout()
plt.show()

# %%
# Most digits gather in a region of their own, many of them in the corners
# and along the edges of the square, where ``tanh`` saturates. The output
# layer only has to cut this plane into ten pieces with straight lines; the
# digits it confuses are those whose regions touch.
#
# Any hidden layer
# ----------------
# ``layer`` picks a hidden layer by its position, counting from 0, or from the
# end with negative numbers, like ``coefs_``:
for layer in (0, 1, -1):
    print(f"layer={layer:>2}: {clf.transform(X_test, layer=layer).shape[1]} features")

# %%
# A network as a feature extractor in a pipeline
# ----------------------------------------------
# Because it has ``transform``, a fitted network can be a step in a
# :class:`~sklearn.pipeline.Pipeline` in front of another model. The pipeline
# fits the network on the labels first, then the next model on its hidden
# features. Here a wider network feeds its 32 learned features to a
# k-nearest-neighbours classifier, which on raw pixels measures distances in
# 64 dimensions.
extractor = MLPClassifier(
    hidden_layer_sizes=(32,), max_iter=300, learning_rate_init=0.01, random_state=0
)
models = {
    "k-NN on the 64 pixels": KNeighborsClassifier(),
    "network features -> k-NN": make_pipeline(extractor, KNeighborsClassifier()),
}
for name, model in models.items():
    model.fit(X_train, y_train)
    print(f"{name:>26}: test accuracy {model.score(X_test, y_test):.3f}")

# %%
# The 32 learned features classify about as well as the 64 pixels: for this
# task the network has packed what matters into half as many numbers. Where
# the raw features are many, noisy or of mixed kinds, features learned this
# way can help a model that depends on distances, such as k-NN, more.
