"""
Training speed next to scikit-learn
===================================

skmlp takes the same optimisation steps as
:class:`sklearn.neural_network.MLPClassifier`, so the two can be timed on
equal terms: same data, same parameters, same ``random_state``, same number
of epochs, and the same loss at the end. This example does that for two
network sizes and both floating-point precisions, and plots the time per
epoch.

The numbers are measured when the example runs, on whatever machine builds
this page, so they vary with its processor and BLAS library; the
:doc:`/performance` page has the full benchmark and how to run it.
"""

# %%
# The data and the settings
# -------------------------
# 10,000 samples with 100 features and 5 classes. ``tol=0`` with a large
# ``n_iter_no_change`` makes every fit run exactly ``max_iter`` epochs, so
# the timings compare equal amounts of work. Both libraries do their matrix
# products with the same BLAS library, printed first.
import time
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier as SklearnMLPClassifier
from threadpoolctl import threadpool_info

from skmlp import MLPClassifier

for library in threadpool_info():
    if library["user_api"] == "blas":
        print(f"BLAS: {library['internal_api']}, {library['num_threads']} thread(s)")

X, y = make_classification(
    n_samples=10_000,
    n_features=100,
    n_informative=50,
    n_classes=5,
    random_state=0,
)
epochs = 2
settings = dict(max_iter=epochs, tol=0.0, n_iter_no_change=1000, random_state=0)
warnings.filterwarnings("ignore", category=ConvergenceWarning)


def seconds_per_epoch(estimator, X, y, repeats=1):
    """Fastest of ``repeats`` fits, divided by the number of epochs."""
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        estimator.fit(X, y)
        best = min(best, time.perf_counter() - start)
    return best / estimator.n_iter_


# %%
# Time both libraries
# -------------------
# For each network and dtype, fit both estimators and check that they reached
# the same loss: the comparison is only fair if they did the same work.
libraries = {"scikit-learn": SklearnMLPClassifier, "skmlp": MLPClassifier}
networks = [(100,), (256, 128)]
results = {}
for hidden in networks:
    for dtype in (np.float64, np.float32):
        Xd = X.astype(dtype)
        losses = {}
        for name, cls in libraries.items():
            model = cls(hidden_layer_sizes=hidden, **settings)
            results[name, hidden, dtype] = seconds_per_epoch(model, Xd, y)
            losses[name] = model.loss_curve_
        same = np.allclose(losses["skmlp"], losses["scikit-learn"], rtol=1e-3)
        times = {name: results[name, hidden, dtype] for name in libraries}
        speedup = times["scikit-learn"] / times["skmlp"]
        print(
            f"hidden={hidden!s:<11} {np.dtype(dtype).name:<8} "
            f"scikit-learn {times['scikit-learn']:.3f} s/epoch, "
            f"skmlp {times['skmlp']:.3f} s/epoch "
            f"({speedup:.1f}x), same loss curve: {same}"
        )

# %%
# Plot
# ----
dtypes = (np.float64, np.float32)
labels = [
    f"{hidden}\n{np.dtype(dtype).name}" for hidden in networks for dtype in dtypes
]
positions = np.arange(len(labels))
fig, ax = plt.subplots(figsize=(8, 4))
for offset, name in [(-0.2, "scikit-learn"), (0.2, "skmlp")]:
    values = [results[name, hidden, dtype] for hidden in networks for dtype in dtypes]
    ax.bar(positions + offset, values, width=0.4, label=name)
ax.set_xticks(positions, labels)
ax.set_ylabel("seconds per epoch (lower is better)")
ax.set_title("Adam, batch_size=200, 10,000 samples x 100 features, 5 classes")
ax.legend()
plt.tight_layout()
plt.show()

# %%
# Where the difference comes from
# -------------------------------
# The matrix products of the forward and backward passes are the same in both
# libraries; skmlp saves the work around them. All weights live in one flat
# vector, so an Adam or SGD step is a handful of whole-vector operations
# instead of a loop over layers; the batch buffers are allocated once and
# reused; the cross-entropy only takes the log of each sample's true-class
# probability; and float32 input stays float32 throughout, which roughly
# halves the cost of every matrix product.
