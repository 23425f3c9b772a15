"""Out-of-core training with skmlp.streaming: fit_stream and the chunk readers.

The reader tests need the optional dependencies (``pip install "skmlp[dask]"``)
and are skipped without them.
"""

import tracemalloc
import warnings
import weakref

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.datasets import make_classification, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDClassifier

from skmlp import MLPClassifier, MLPRegressor
from skmlp.streaming import (
    array_chunks,
    csv_chunks,
    dask_chunks,
    fit_stream,
    parquet_chunks,
)

pytestmark = pytest.mark.filterwarnings("ignore", category=ConvergenceWarning)


@pytest.fixture(scope="module")
def classification():
    X, y = make_classification(
        n_samples=2400, n_features=12, n_informative=6, random_state=0
    )
    return X, y


class RecordingSource:
    """A chunk source that makes chunk ``i`` on demand and logs every read.

    It also tracks, with weak references, the arrays it handed out that are
    still alive when the next chunk is read.
    """

    def __init__(self, n_chunks, chunk_rows=300, n_features=10):
        self.n_chunks, self.chunk_rows = n_chunks, chunk_rows
        self.n_features = n_features
        self.reads, self.alive_at_read, self._handed_out = [], [], []

    def __len__(self):
        return self.n_chunks

    def __getitem__(self, i):
        i = range(self.n_chunks)[i]
        self.alive_at_read.append(sum(ref() is not None for ref in self._handed_out))
        self.reads.append(i)
        rng = np.random.RandomState(i)
        X = rng.standard_normal((self.chunk_rows, self.n_features))
        y = (X[:, 0] + X[:, 1] > 0).astype(int)
        self._handed_out = [weakref.ref(X), weakref.ref(y)]
        return X, y


def small_mlp(**params):
    params = {"learning_rate_init": 0.01, **params}
    return MLPClassifier(hidden_layer_sizes=(16,), random_state=0, **params)


# -- fit_stream -------------------------------------------------------------


def test_fit_stream_classifier_learns_and_restores_best_epoch(classification):
    X, y = classification
    chunks = array_chunks(X, y, chunk_rows=400)
    clf = fit_stream(
        small_mlp(), chunks, classes=[0, 1], validation=-1, epochs=8, random_state=0
    )
    history = clf.stream_history_
    assert set(history) == {
        "loss",
        "validation_score",
        "best_validation_score",
        "best_epoch",
        "n_epochs",
        "stopped_early",
    }
    assert len(history["loss"]) == len(history["validation_score"])
    assert len(history["loss"]) == history["n_epochs"]
    assert history["best_validation_score"] == max(history["validation_score"])
    assert (
        history["validation_score"][history["best_epoch"] - 1]
        == (history["best_validation_score"])
    )
    assert history["best_validation_score"] > 0.85
    assert history["loss"][-1] < history["loss"][0]
    # The estimator is back in its state after the best epoch.
    X_val, y_val = chunks[-1]
    assert clf.score(X_val, y_val) == history["best_validation_score"]
    # Five training chunks, one partial_fit (one loss_curve_ entry) each per
    # epoch; the whole state is that of the best epoch.
    assert len(clf.loss_curve_) == 5 * history["best_epoch"]


def test_fit_stream_regressor_without_classes():
    X, y = make_regression(n_samples=2000, n_features=8, noise=1.0, random_state=0)
    y = y / y.std()
    X_val, y_val = X[:400], y[:400]
    reg = fit_stream(
        MLPRegressor(hidden_layer_sizes=(32,), learning_rate_init=0.01, random_state=0),
        array_chunks(X[400:], y[400:], chunk_rows=400),
        validation=(X_val, y_val),
        epochs=30,
        random_state=0,
    )
    assert reg.stream_history_["best_validation_score"] > 0.9
    assert reg.score(X_val, y_val) == reg.stream_history_["best_validation_score"]


def test_fit_stream_is_reproducible_and_seeded(classification):
    X, y = classification
    chunks = array_chunks(X, y, chunk_rows=400)

    def train(seed):
        return fit_stream(
            small_mlp(), chunks, classes=[0, 1], epochs=3, random_state=seed
        )

    first, again, other = train(0), train(0), train(1)
    for a, b in zip(first.coefs_, again.coefs_, strict=True):
        assert_array_equal(a, b)
    assert not np.array_equal(first.coefs_[0], other.coefs_[0])


def test_each_epoch_visits_every_training_chunk_in_a_new_order():
    source = RecordingSource(n_chunks=6)
    fit_stream(
        small_mlp(),
        source,
        classes=[0, 1],
        validation=2,
        epochs=4,
        n_iter_no_change=None,
        random_state=0,
    )
    held_out, reads = source.reads[0], source.reads[1:]
    assert held_out == 2 and held_out not in reads  # read once, never trained on
    epochs = [reads[k : k + 5] for k in range(0, len(reads), 5)]
    assert len(epochs) == 4
    for order in epochs:
        assert sorted(order) == [0, 1, 3, 4, 5]
    assert len({tuple(order) for order in epochs}) > 1

    source = RecordingSource(n_chunks=4)
    fit_stream(small_mlp(), source, classes=[0, 1], epochs=2, shuffle=False)
    assert source.reads == [0, 1, 2, 3, 0, 1, 2, 3]


@pytest.mark.parametrize("shuffle", [True, False])
def test_a_chunk_is_released_before_the_next_is_read(shuffle):
    source = RecordingSource(n_chunks=5)
    fit_stream(small_mlp(), source, classes=[0, 1], epochs=2, shuffle=shuffle)
    assert source.alive_at_read == [0] * 10


def test_peak_memory_does_not_grow_with_the_number_of_chunks():
    def peak(n_chunks):
        source = RecordingSource(n_chunks=n_chunks, chunk_rows=20_000)
        tracemalloc.start()
        try:
            fit_stream(small_mlp(batch_size=500), source, classes=[0, 1], epochs=1)
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    chunk_bytes = 20_000 * 10 * 8
    few, many = peak(2), peak(12)
    assert many < 1.2 * few
    assert many < 4 * chunk_bytes  # 12 chunks hold 12 * chunk_bytes


def test_early_stopping_after_n_iter_no_change(classification):
    X, y = classification
    clf = fit_stream(
        small_mlp(),
        array_chunks(X, y, chunk_rows=400),
        classes=[0, 1],
        validation=0,
        epochs=50,
        n_iter_no_change=3,
        tol=1.0,  # no accuracy can improve by 1: every epoch after the first stalls
        random_state=0,
    )
    history = clf.stream_history_
    assert history["stopped_early"]
    assert history["n_epochs"] == 4


def test_callable_source_and_sample_weight(classification):
    X, y = classification
    weights = np.ones(len(y))

    def stream():
        for start in range(0, 2000, 500):
            rows = slice(start, start + 500)
            yield X[rows], y[rows], weights[rows]

    clf = fit_stream(
        small_mlp(),
        stream,
        classes=[0, 1],
        validation=(X[2000:], y[2000:]),
        epochs=5,
        scoring="neg_log_loss",
        random_state=0,
    )
    assert clf.stream_history_["n_epochs"] >= 1
    assert clf.stream_history_["best_validation_score"] < 0
    with pytest.raises(ValueError, match="callable source"):
        fit_stream(small_mlp(), stream, classes=[0, 1], validation=0)


def test_warm_start_continues_and_cold_start_restarts(classification):
    X, y = classification
    chunks = array_chunks(X, y, chunk_rows=600)
    clf = fit_stream(small_mlp(), chunks, classes=[0, 1], epochs=2, random_state=0)
    first_coefs = clf.coefs_[0].copy()
    assert len(clf.loss_curve_) == 8
    fit_stream(clf, chunks, classes=[0, 1], epochs=2, random_state=0)
    assert len(clf.loss_curve_) == 8  # started afresh: same result as before
    assert_array_equal(clf.coefs_[0], first_coefs)
    clf.set_params(warm_start=True)
    fit_stream(clf, chunks, classes=[0, 1], epochs=2, random_state=0)
    assert len(clf.loss_curve_) == 16
    assert clf.t_ == 2 * 2 * 2400


def test_any_estimator_with_partial_fit(classification):
    X, y = classification
    sgd = fit_stream(
        SGDClassifier(random_state=0),
        array_chunks(X, y, chunk_rows=400),
        classes=[0, 1],
        validation=-1,
        epochs=3,
        random_state=0,
    )
    assert np.isnan(sgd.stream_history_["loss"]).all()  # SGDClassifier has no loss_
    assert sgd.stream_history_["best_validation_score"] > 0.7


def test_fit_stream_errors(classification):
    X, y = classification
    with pytest.raises(ValueError, match="classes"):
        fit_stream(small_mlp(), array_chunks(X, y, chunk_rows=400), epochs=1)
    with pytest.raises(ValueError, match="no training chunk"):
        fit_stream(small_mlp(), [(X, y)], classes=[0, 1], validation=0)
    with pytest.raises(ValueError, match=r"\(X, y\) or \(X, y, sample_weight\)"):
        fit_stream(small_mlp(), [(X, y, None, None)], classes=[0, 1])


def test_array_chunks_on_a_memory_map(tmp_path, classification):
    X, y = classification
    np.save(tmp_path / "X.npy", X)
    X_map = np.load(tmp_path / "X.npy", mmap_mode="r")
    chunks = array_chunks(X_map, y, chunk_rows=1000)
    assert len(chunks) == 3
    X_last, y_last = chunks[-1]
    assert type(X_last) is np.ndarray and X_last.shape == (400, 12)
    assert_array_equal(X_last, X[2000:])
    assert_array_equal(y_last, y[2000:])
    with pytest.raises(IndexError):
        chunks[3]


# -- readers ----------------------------------------------------------------


@pytest.fixture(scope="module")
def frame(classification):
    pd = pytest.importorskip("pandas")
    X, y = classification
    df = pd.DataFrame(X, columns=[f"x{j}" for j in range(X.shape[1])])
    df["label"] = np.where(y == 1, "yes", "no")
    df["z"] = X[:, 0] * 2.0  # a second target column for the 2-D case
    return df


def _concat(chunks):
    X = np.concatenate([X for X, _ in chunks])
    y = np.concatenate([y for _, y in chunks])
    return X, y


def test_parquet_chunks_read_every_row_group(tmp_path, frame):
    pytest.importorskip("pyarrow")
    frame.iloc[:1000].to_parquet(tmp_path / "a.parquet", row_group_size=300)
    (tmp_path / "sub").mkdir()
    rest = frame.iloc[1000:]
    # An index that is not a range is stored as a column: not a feature.
    rest.index = rest.index.to_numpy()
    rest.to_parquet(tmp_path / "sub" / "b.parquet", row_group_size=700)
    chunks = parquet_chunks(tmp_path, target="label", columns=None)
    assert [len(chunk[1]) for chunk in chunks] == [300, 300, 300, 100, 700, 700]
    X, y = _concat(chunks)
    features = [c for c in frame.columns if c != "label"]
    assert_array_equal(X, frame[features].to_numpy())
    assert_array_equal(y, frame["label"].to_numpy())

    chunks = parquet_chunks(
        [tmp_path / "a.parquet"], target=["label", "z"], columns=["x3", "x1"]
    )
    X, y = chunks[1]
    assert_array_equal(X, frame[["x3", "x1"]].to_numpy()[300:600])
    assert y.shape == (300, 2)
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="No .parquet file"):
        parquet_chunks(tmp_path / "empty", target="label")


def test_parquet_chunks_default_columns_skip_target_and_index(tmp_path, frame):
    pytest.importorskip("pyarrow")
    frame.set_index("x0").to_parquet(tmp_path / "data.parquet", row_group_size=1000)
    X, y = parquet_chunks(tmp_path / "data.parquet", target="label")[0]
    assert X.shape == (1000, 12)  # x1..x11 and z; neither x0 (index) nor label
    assert_array_equal(X[:, 0], frame["x1"].to_numpy()[:1000])


def test_csv_chunks_random_access(tmp_path, frame):
    path = tmp_path / "data.csv"
    frame.to_csv(path, index=False, sep=";")
    chunks = csv_chunks(path, target="label", chunksize=700, sep=";")
    assert [len(chunks[i][1]) for i in range(len(chunks))] == [700, 700, 700, 300]
    X, y = chunks[2]  # read directly, not after chunks 0 and 1
    features = [c for c in frame.columns if c != "label"]
    assert_allclose(X, frame[features].to_numpy()[1400:2100])
    assert_array_equal(y, frame["label"].to_numpy()[1400:2100])
    X, y = _concat(chunks)
    assert X.shape == (2400, 13) and y.shape == (2400,)

    chunks = csv_chunks(path, target=["z"], chunksize=1000, columns=["x2"], sep=";")
    X, y = chunks[-1]
    assert X.shape == (400, 1) and y.shape == (400, 1)


def test_fit_stream_on_parquet_files(tmp_path, frame):
    pytest.importorskip("pyarrow")
    for k in range(4):
        part = frame.iloc[600 * k : 600 * (k + 1)].drop(columns="z")
        part.to_parquet(tmp_path / f"part-{k}.parquet", row_group_size=300)
    chunks = parquet_chunks(tmp_path, target="label")
    assert len(chunks) == 8
    clf = fit_stream(
        small_mlp(), chunks, classes=["no", "yes"], validation=-1, random_state=0
    )
    assert clf.stream_history_["best_validation_score"] > 0.85
    assert list(clf.classes_) == ["no", "yes"]


def test_dask_chunks_array_and_dataframe(frame, classification):
    da = pytest.importorskip("dask.array")
    dd = pytest.importorskip("dask.dataframe")
    X, y = classification
    # Chunked along the columns too, and y chunked differently from X.
    chunks = dask_chunks(
        da.from_array(X, chunks=(500, 5)), da.from_array(y, chunks=1000)
    )
    assert len(chunks) == 5
    X_all, y_all = _concat(chunks)
    assert_array_equal(X_all, X)
    assert_array_equal(y_all, y)

    ddf = dd.from_pandas(frame, npartitions=4)
    chunks = dask_chunks(ddf, "label")
    X_all, y_all = _concat(chunks)
    assert X_all.shape == (2400, 13)
    assert_array_equal(y_all, frame["label"].to_numpy())
    chunks = dask_chunks(ddf.drop(columns=["label", "z"]), ddf["label"])
    X_1, y_1 = chunks[1]
    assert_array_equal(X_1[:, 0], ddf.partitions[1].compute()["x0"].to_numpy())
    assert len(X_1) == len(y_1)
    with pytest.raises(ValueError, match="same number of row chunks"):
        dask_chunks(ddf.drop(columns="label"), ddf["label"].repartition(npartitions=2))

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no dask warning about mixed collections
        chunks = dask_chunks(ddf[["x0", "x1"]].to_dask_array(lengths=True), ddf["z"])
        assert chunks[0][0].shape[1] == 2
