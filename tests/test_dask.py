"""skmlp on a Dask cluster: searches through joblib's dask backend, dask-ml.

The cluster tests start one ``LocalCluster`` with two worker processes for the
module; real use points ``Client`` at a scheduler address instead. They need
the ``dask`` extra (``pip install "skmlp[dask]"``) and are skipped without it.
The pickle tests need nothing more than skmlp: what a search sends to the
workers is the pickled estimator.
"""

import io
import pickle
import warnings

import joblib
import numpy as np
import pytest
from numpy.testing import assert_array_equal
from scipy.stats import loguniform
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV

from skmlp import MLPClassifier, MLPRegressor
from skmlp.streaming import dask_chunks, fit_stream

pytestmark = pytest.mark.filterwarnings("ignore", category=ConvergenceWarning)


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. about the dashboard's port
        cluster = distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
        )
    with cluster, distributed.Client(cluster) as client:
        yield client


@pytest.fixture(scope="module")
def data():
    return make_classification(
        n_samples=300, n_features=10, n_informative=5, random_state=0
    )


def _search_on_cluster(client, search, X, y):
    from distributed import get_task_stream

    with get_task_stream(client) as tasks, joblib.parallel_backend("dask"):
        search.fit(X, y)
    workers = {task["worker"] for task in tasks.data}
    assert len(workers) == 2, "the fits did not run on both workers"
    return search


def _assert_same_results(local, remote):
    for key in ("mean_test_score", "std_test_score", "rank_test_score"):
        assert_array_equal(remote.cv_results_[key], local.cv_results_[key])
    assert remote.cv_results_["params"] == local.cv_results_["params"]
    assert remote.best_params_ == local.best_params_
    for a, b in zip(
        remote.best_estimator_.coefs_, local.best_estimator_.coefs_, strict=True
    ):
        assert_array_equal(a, b)


# -- searches on the cluster ------------------------------------------------


def test_grid_search_on_the_cluster_equals_the_local_search(client, data):
    X, y = data
    grid = {"alpha": [1e-4, 1e-1], "hidden_layer_sizes": [(8,), (16, 8)]}
    estimator = MLPClassifier(max_iter=40, random_state=0)
    local = GridSearchCV(estimator, grid, cv=3, n_jobs=1).fit(X, y)
    remote = GridSearchCV(estimator, grid, cv=3, n_jobs=-1)
    _assert_same_results(local, _search_on_cluster(client, remote, X, y))


def test_randomized_search_on_the_cluster_equals_the_local_search(client):
    X, y = make_regression(n_samples=300, n_features=8, noise=5.0, random_state=0)
    space = {
        "alpha": loguniform(1e-5, 1e-1),
        "learning_rate_init": loguniform(1e-3, 1e-1),
        "hidden_layer_sizes": [(8,), (16,), (8, 8)],
    }
    estimator = MLPRegressor(max_iter=40, random_state=0)

    def search(n_jobs):
        return RandomizedSearchCV(
            estimator, space, n_iter=6, cv=3, n_jobs=n_jobs, random_state=0
        )

    local = search(n_jobs=1).fit(X, y)
    _assert_same_results(local, _search_on_cluster(client, search(-1), X, y))


# -- training from Dask collections -----------------------------------------


def test_dask_ml_incremental_trains_skmlp(client, data):
    da = pytest.importorskip("dask.array")
    wrappers = pytest.importorskip("dask_ml.wrappers")
    X, y = make_classification(n_samples=4000, n_features=10, random_state=0)
    X_d = da.from_array(X, chunks=(500, 10))
    y_d = da.from_array(y, chunks=500)
    model = wrappers.Incremental(
        MLPClassifier(
            hidden_layer_sizes=(16,), learning_rate_init=0.01, random_state=0
        ),
        scoring="accuracy",
        random_state=0,
    )
    model.fit(X_d, y_d, classes=[0, 1])  # one partial_fit per block
    for _ in range(4):  # more epochs: partial_fit continues the same model
        model.partial_fit(X_d, y_d, classes=[0, 1])
    assert isinstance(model.estimator_, MLPClassifier)
    assert len(model.estimator_.loss_curve_) == 5 * 8
    assert model.score(X_d, y_d) > 0.85
    predicted = model.predict(X_d)
    assert isinstance(predicted, da.Array)
    assert set(np.unique(predicted.compute())) <= {0, 1}


def test_fit_stream_from_a_dask_dataframe_on_the_cluster(client):
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    X, y = make_classification(n_samples=3000, n_features=8, random_state=0)
    frame = pd.DataFrame(X, columns=[f"x{j}" for j in range(8)]).assign(label=y)
    chunks = dask_chunks(dd.from_pandas(frame, npartitions=6), "label")
    clf = fit_stream(
        MLPClassifier(
            hidden_layer_sizes=(16,), learning_rate_init=0.01, random_state=0
        ),
        chunks,
        classes=[0, 1],
        validation=-1,
        epochs=10,
        random_state=0,
    )
    assert clf.stream_history_["best_validation_score"] > 0.85


# -- what a search ships to the workers -------------------------------------


class RecordingUnpickler(pickle.Unpickler):
    """Unpickles and records every global (class or function) it looks up."""

    def __init__(self, data):
        super().__init__(io.BytesIO(data))
        self.globals = {}

    def find_class(self, module, name):
        found = super().find_class(module, name)
        self.globals[f"{module}.{name}"] = found
        return found


def _pickled(estimator):
    data = pickle.dumps(estimator, protocol=pickle.HIGHEST_PROTOCOL)
    unpickler = RecordingUnpickler(data)
    return data, unpickler.load(), unpickler.globals


def _parameter_bytes(estimator):
    return sum(a.nbytes for a in (*estimator.coefs_, *estimator.intercepts_))


BUILTINS = (type(None), bool, int, float, str)


def assert_arrays_and_builtins(value, where):
    """Fail unless ``value`` is built of NumPy arrays and builtins alone."""
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            assert_arrays_and_builtins(item, f"{where}[{i}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            assert isinstance(key, str), f"{where} has key {key!r}"
            assert_arrays_and_builtins(item, f"{where}[{key!r}]")
    else:
        assert isinstance(value, (np.ndarray, np.generic, *BUILTINS)), (
            f"{where} is a {type(value).__name__}"
        )


@pytest.mark.parametrize("solver", ["adam", "sgd", "lbfgs"])
@pytest.mark.parametrize("Estimator", [MLPClassifier, MLPRegressor])
def test_fitted_estimator_pickles_small(Estimator, solver):
    X, y = make_classification(n_samples=4000, n_features=20, random_state=0)

    def fitted(n_samples):
        estimator = Estimator(hidden_layer_sizes=(64,), solver=solver, max_iter=5)
        return estimator.set_params(random_state=0).fit(X[:n_samples], y[:n_samples])

    small, big = fitted(200), fitted(4000)
    data, restored, found = _pickled(big)
    # Nothing in the pickle grows with the training data...
    assert abs(len(data) - len(pickle.dumps(small, protocol=5))) < 512
    # ... and it is at most the weights plus the optimizer's state: for Adam
    # two moment vectors the size of the weights, for SGD one.
    assert len(data) <= 3 * _parameter_bytes(big) + 8192
    # Only arrays and builtins: the one class is the estimator's own, and
    # the rest is NumPy's array machinery.
    for name, value in vars(big).items():
        assert_arrays_and_builtins(value, name)
    skmlp_classes = {name for name in found if not name.startswith("numpy")}
    assert skmlp_classes == {f"{Estimator.__module__}.{Estimator.__name__}"}
    assert_array_equal(restored.predict(X[:50]), big.predict(X[:50]))


def test_unfitted_estimator_pickles_to_its_parameters():
    estimator = MLPClassifier(hidden_layer_sizes=(64, 32))
    data, restored, found = _pickled(estimator)
    assert len(data) < 1024
    assert list(found.values()) == [MLPClassifier]
    assert restored.get_params() == estimator.get_params()
