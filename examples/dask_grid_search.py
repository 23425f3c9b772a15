"""
Grid search on a Dask cluster
=============================

:class:`~sklearn.model_selection.GridSearchCV` runs its fits through joblib,
and joblib's ``dask`` backend hands them to the workers of a Dask cluster. The
skmlp estimators travel to the workers as small pickles (their parameters, and
after fitting their weight arrays), so nothing else is needed.

Here a ``LocalCluster`` with two worker processes stands in for a real
cluster; to use one, give :class:`distributed.Client` the scheduler's address
(``Client("tcp://scheduler-host:8786")``) and keep the rest of the code. The
example times the same search in this process with ``n_jobs=1`` and on the two
workers, one after the other, and checks that both find exactly the same
scores.

Needs the ``dask`` extra: ``pip install "skmlp[dask]"``.
"""

# %%
# A search whose fits take about a second each
# ---------------------------------------------
# Four candidates, three folds: twelve fits of an Adam-trained network on 4000
# samples, then the refit of the best candidate on all 6000. ``random_state``
# fixes each fit's initialisation and shuffling, so a fit gives the same
# weights wherever it runs.
import time
import warnings

import joblib
import numpy as np
from distributed import Client, LocalCluster
from sklearn.datasets import make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV
from threadpoolctl import threadpool_limits

from skmlp import MLPClassifier

REPEATS = 1  # docs/scaling.md quotes the medians of REPEATS = 5
# A fixed number of epochs: each fit stops at max_iter, on purpose.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

X, y = make_classification(
    n_samples=6000, n_features=40, n_informative=20, n_classes=4, random_state=0
)
grid = {"hidden_layer_sizes": [(128,), (256,)], "alpha": [1e-4, 1e-2]}
estimator = MLPClassifier(max_iter=100, random_state=0)


def make_search(n_jobs):
    return GridSearchCV(estimator, grid, cv=3, n_jobs=n_jobs)


def timed_search(n_jobs):
    """The fitted search, its time, and the part of it spent refitting."""
    start = time.perf_counter()
    search = make_search(n_jobs).fit(X, y)
    return search, time.perf_counter() - start, search.refit_time_


# %%
# A cluster of two worker processes
# ---------------------------------
# With a remote cluster, only the ``Client`` line changes. Starting the
# workers and importing skmlp in them is a one-off cost, kept out of the
# timings by a warm-up call.
#
# Dask starts its worker processes by running this file again under another
# name, so the work is guarded by ``if __name__ == "__main__":`` (as for any
# script that starts processes with ``multiprocessing``'s "spawn" method).
if __name__ == "__main__":
    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    )
    client = Client(cluster)  # or Client("tcp://scheduler-host:8786")
    client.run(lambda: __import__("skmlp"))

# %%
# The same search in this process and on the cluster
# --------------------------------------------------
# Dask gives each worker process one BLAS thread. This process gets one too,
# for the local search and for the refit that ends each search (it runs here,
# not on the workers), so that the comparison measures the parallel fits and
# nothing else. The two searches alternate, so that anything else running on
# the machine slows both alike.
if __name__ == "__main__":
    threadpool_limits(limits=1, user_api="blas")
    times = {"local": [], "dask": []}  # (whole search, refit) per repeat
    for _ in range(REPEATS):
        local, seconds, refit = timed_search(n_jobs=1)
        times["local"].append((seconds, refit))
        print(f"n_jobs=1:       {seconds:5.1f} s (refit {refit:.1f} s)")
        with joblib.parallel_backend("dask"):
            remote, seconds, refit = timed_search(n_jobs=-1)
        times["dask"].append((seconds, refit))
        print(f"2 Dask workers: {seconds:5.1f} s (refit {refit:.1f} s)")
    whole = {k: np.median([t for t, _ in v]) for k, v in times.items()}
    fits = {k: np.median([t - r for t, r in v]) for k, v in times.items()}
    print(
        f"median of {REPEATS}: n_jobs=1 {whole['local']:.1f} s, 2 Dask workers "
        f"{whole['dask']:.1f} s: speed-up {whole['local'] / whole['dask']:.2f}, "
        f"{fits['local'] / fits['dask']:.2f} without the refits"
    )

# %%
# Same seeds, same results
# ------------------------
if __name__ == "__main__":
    same = np.array_equal(
        local.cv_results_["mean_test_score"], remote.cv_results_["mean_test_score"]
    )
    print(f"identical mean test scores: {same}")
    print(f"best parameters: {remote.best_params_}")
    print(f"best mean accuracy: {remote.best_score_:.3f}")
    assert same and remote.best_params_ == local.best_params_

    client.close()
    cluster.close()
