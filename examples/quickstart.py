"""
Quickstart: skmlp next to scikit-learn on the digits data set
=============================================================

This example fits the same pipeline twice on scikit-learn's bundled
handwritten digits data: once with :class:`skmlp.MLPClassifier` and once with
:class:`sklearn.neural_network.MLPClassifier`, using identical settings. It
prints the held-out accuracy and the measured training time of each.
"""

# %%
# Load the data and make a stratified train/test split
# -----------------------------------------------------
import time
import warnings

from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import skmlp

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=42
)
print(f"train: {X_train.shape}, test: {X_test.shape}")

# %%
# Build two pipelines with identical settings
# -------------------------------------------
settings = dict(hidden_layer_sizes=(64,), random_state=0, max_iter=100)

models = {
    f"skmlp {skmlp.__version__}": make_pipeline(
        StandardScaler(), skmlp.MLPClassifier(**settings)
    ),
    "sklearn.neural_network": make_pipeline(
        StandardScaler(), SklearnMLPClassifier(**settings)
    ),
}

# %%
# Fit, time and score each pipeline
# ---------------------------------
# With ``max_iter=100`` the optimizer may stop before it has fully converged;
# that warning is silenced here because the comparison uses a fixed budget.
results = []
for name, model in models.items():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=ConvergenceWarning)
        start = time.perf_counter()
        model.fit(X_train, y_train)
        elapsed = time.perf_counter() - start
    accuracy = model.score(X_test, y_test)
    results.append((name, accuracy, elapsed))

# %%
# Results
# -------
header = f"{'model':<28} {'accuracy':>9} {'fit time (s)':>13}"
print(header)
print("-" * len(header))
for name, accuracy, elapsed in results:
    print(f"{name:<28} {accuracy:>9.4f} {elapsed:>13.3f}")
