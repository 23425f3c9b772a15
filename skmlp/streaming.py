"""Out-of-core training: ``partial_fit`` over chunks read one at a time.

:func:`fit_stream` trains an estimator that has ``partial_fit``, such as
:class:`skmlp.MLPClassifier` or :class:`skmlp.MLPRegressor`, on data that never
sits in memory as a whole. It reads a *chunk source*: a sequence whose item
``i`` is read from storage when indexed and is ``(X, y)`` or
``(X, y, sample_weight)``. A plain list of such tuples is one; so is a callable
returning a new iterable of them at each call (its chunks keep their order).
The readers make chunk sources from NumPy arrays and memory maps
(:func:`array_chunks`), Parquet row groups (:func:`parquet_chunks`, pyarrow),
CSV files (:func:`csv_chunks`, pandas) and the blocks or partitions of a
``dask.array`` or ``dask.dataframe`` (:func:`dask_chunks`). Their optional
dependencies are imported when called; ``pip install "skmlp[dask]"`` installs
them all.
"""

import copy
import operator
from collections.abc import Sequence
from numbers import Integral
from pathlib import Path

import numpy as np
from sklearn.base import clone, is_classifier
from sklearn.metrics import check_scoring
from sklearn.utils import check_random_state
from sklearn.utils import shuffle as shuffle_rows

__all__ = ["array_chunks", "csv_chunks", "dask_chunks", "fit_stream", "parquet_chunks"]


def fit_stream(
    estimator,
    chunks,
    *,
    classes=None,
    epochs=10,
    validation=None,
    scoring=None,
    n_iter_no_change=5,
    tol=1e-4,
    shuffle=True,
    random_state=None,
    verbose=False,
):
    """Train an estimator with ``partial_fit``, one chunk in memory at a time.

    An epoch calls ``estimator.partial_fit`` once per training chunk (for
    skmlp, one pass of mini-batches over the chunk), then scores the held-out
    data. Only the current chunk (briefly twice, while its rows are permuted)
    and the validation data are in memory.

    Parameters
    ----------
    estimator : estimator with ``partial_fit``
        Trained in place. As with ``fit``, training starts afresh unless
        ``estimator.warm_start`` is True, in which case it continues from the
        current weights and optimizer state.
    chunks : sequence of tuple or callable
        The chunk source: ``chunks[i]`` is ``(X, y)`` or
        ``(X, y, sample_weight)``; or a callable returning an iterable of them.
    classes : array-like of shape (n_classes,), default=None
        Every class label, for a classifier's ``partial_fit``; needed unless
        the classifier is fitted already.
    epochs : int, default=10
        Maximum number of passes over the training chunks.
    validation : int or tuple of (X_val, y_val), default=None
        Held-out data scored after every epoch: arrays, or the index of a
        chunk never trained on (read once and kept in memory). None: no
        validation and no early stopping.
    scoring : str or callable, default=None
        Validation metric (higher is better) for
        :func:`sklearn.metrics.check_scoring`; None: ``estimator.score``.
    n_iter_no_change : int or None, default=5
        Stop after this many consecutive epochs whose validation score is
        not at least ``tol`` above the best one. None: run all epochs.
    tol : float, default=1e-4
        Smallest improvement of the validation score that counts.
    shuffle : bool, default=True
        Visit the chunks in a new random order each epoch (sequence sources
        only) and permute the rows of every chunk before training on it.
    random_state : int, RandomState instance or None, default=None
        Seeds the chunk order and the row permutations.
    verbose : bool, default=False
        Print the training loss and the validation score of each epoch.

    Returns
    -------
    estimator : estimator
        The estimator in its state after the best validation epoch (the last
        one without validation), with a ``stream_history_`` dict of lists
        ``"loss"`` (mean training ``loss_``) and ``"validation_score"`` (one
        entry per epoch), ``"best_validation_score"``, ``"best_epoch"``
        (1-based), ``"n_epochs"`` and ``"stopped_early"``.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from skmlp import MLPClassifier
    >>> from skmlp.streaming import array_chunks, fit_stream
    >>> X, y = make_classification(n_samples=3000, random_state=0)
    >>> chunks = array_chunks(X, y, chunk_rows=500)
    >>> clf = fit_stream(MLPClassifier(random_state=0), chunks, classes=[0, 1],
    ...                  validation=-1, epochs=20, random_state=0)
    >>> clf.stream_history_["best_validation_score"] > 0.85
    True
    """
    if not getattr(estimator, "warm_start", False):
        fresh = clone(estimator)
        estimator.__dict__.clear()
        estimator.__dict__.update(fresh.__dict__)
    rng = check_random_state(random_state)
    scorer = check_scoring(estimator, scoring=scoring)
    fit_params = {"classes": classes} if is_classifier(estimator) else {}

    train_ids, X_val, y_val = None, None, None
    if not callable(chunks):
        train_ids = list(range(len(chunks)))
        if isinstance(validation, Integral):
            validation = tuple(chunks[train_ids.pop(validation)])[:2]
        if not train_ids:
            raise ValueError("chunks has no training chunk.")
    elif isinstance(validation, Integral):
        raise ValueError("validation must be (X_val, y_val) for a callable source.")
    if validation is not None:
        X_val, y_val = validation

    history = {"loss": [], "validation_score": [], "best_validation_score": None}
    history.update(best_epoch=None, n_epochs=0, stopped_early=False)
    best_state, stalled = None, 0
    for epoch in range(1, epochs + 1):
        if train_ids is None:
            epoch_chunks = chunks()
        else:
            order = rng.permutation(train_ids) if shuffle else train_ids
            epoch_chunks = (chunks[i] for i in order)
        loss_sum, n_rows = 0.0, 0
        for chunk in epoch_chunks:
            if len(chunk) not in (2, 3):
                raise ValueError("A chunk must be (X, y) or (X, y, sample_weight).")
            if shuffle:
                chunk = shuffle_rows(*chunk, random_state=rng)
            X, y, sample_weight = (*chunk, None)[:3]
            del chunk
            estimator.partial_fit(X, y, sample_weight=sample_weight, **fit_params)
            loss_sum += getattr(estimator, "loss_", np.nan) * len(y)
            n_rows += len(y)
            del X, y, sample_weight
        history["loss"].append(float(loss_sum / max(n_rows, 1)))
        history["n_epochs"] = epoch
        score = None if X_val is None else float(scorer(estimator, X_val, y_val))
        if verbose:
            print(f"Epoch {epoch}, loss = {history['loss'][-1]:.6f}", end="")
            print("" if score is None else f", validation score = {score:.6f}")
        if score is None:
            continue
        history["validation_score"].append(score)
        best = history["best_validation_score"]
        # The stopping rule of scikit-learn's early stopping.
        stalled = 0 if best is None or score >= best + tol else stalled + 1
        if best is None or score > best:
            history.update(best_validation_score=score, best_epoch=epoch)
            best_state = copy.deepcopy(estimator.__dict__)
        if n_iter_no_change is not None and stalled >= n_iter_no_change:
            history["stopped_early"] = True
            break

    if best_state is not None:
        estimator.__dict__.update(best_state)
    estimator.stream_history_ = history
    return estimator


class _Chunks(Sequence):
    """A sequence of chunks, each read on access (the readers' base class)."""

    def __init__(self, index, read):
        self._index, self._read = index, read

    def __len__(self):
        return len(self._index)

    def __getitem__(self, i):
        return self._read(self._index[operator.index(i)])


def array_chunks(X, y, *, chunk_rows=10_000):
    """Chunks of consecutive rows of arrays or memory maps.

    Parameters
    ----------
    X : array-like of shape (n_samples, n_features)
        An array, or a memory map (``np.load(path, mmap_mode="r")``) whose
        rows are read from disk when their chunk is.
    y : array-like of shape (n_samples,) or (n_samples, n_outputs)
        Targets, sliced like ``X``.
    chunk_rows : int, default=10_000
        Rows per chunk (the last chunk may have fewer).

    Returns
    -------
    chunks : sequence of (X, y)
        ``chunks[i]`` is a copy of rows ``i * chunk_rows`` up to
        ``(i + 1) * chunk_rows`` of ``X`` and ``y``.

    Examples
    --------
    >>> import numpy as np
    >>> from skmlp.streaming import array_chunks
    >>> chunks = array_chunks(np.zeros((25, 3)), np.arange(25), chunk_rows=10)
    >>> len(chunks), chunks[-1][0].shape
    (3, (5, 3))
    """
    n_samples = X.shape[0]
    index = [slice(s, s + chunk_rows) for s in range(0, n_samples, chunk_rows)]
    return _Chunks(index, lambda rows: (np.array(X[rows]), np.array(y[rows])))


def _files(path, suffix):
    paths = [path] if isinstance(path, str | Path) else list(path)
    files = []
    for p in map(Path, paths):
        files += sorted(p.rglob(f"*{suffix}")) if p.is_dir() else [p]
    if not files:
        raise ValueError(f"No {suffix} file found in {path!r}.")
    return files


def _as_names(target):
    return [target] if isinstance(target, str) else list(target)


def parquet_chunks(path, target, *, columns=None, dtype=np.float64):
    """Chunks of Parquet files, one per row group, read with pyarrow.

    Parquet files are read by row groups, so a row group is a chunk: write
    them with the chunk size you want, e.g. ``pyarrow.parquet.write_table``
    or ``DataFrame.to_parquet`` with ``row_group_size=100_000``. Only the
    footers are read here; a row group is read when its chunk is.

    Parameters
    ----------
    path : str, Path or list of them
        Parquet files, or directories searched recursively for
        ``*.parquet`` files (such as those written by ``dask.dataframe``).
    target : str or list of str
        Column(s) of ``y``; a list gives a 2-D ``y``.
    columns : list of str, default=None
        Feature columns, in order; None: all columns but the target(s) and
        the pandas index.
    dtype : numpy dtype, default=np.float64
        Data type of ``X``.

    Returns
    -------
    chunks : sequence of (X, y)
        ``chunks[i]`` reads the ``i``-th row group of the files.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> from skmlp.streaming import parquet_chunks
    >>> tmp = tempfile.TemporaryDirectory()
    >>> df = pd.DataFrame({"a": [0.0, 1.0, 2.0], "b": [1.0, 1.0, 0.0], "y": [0, 1, 0]})
    >>> df.to_parquet(f"{tmp.name}/part.parquet", row_group_size=2)
    >>> chunks = parquet_chunks(tmp.name, target="y")
    >>> len(chunks), chunks[0][0].shape, chunks[1][1]
    (2, (2, 2), array([0]))
    >>> tmp.cleanup()
    """
    import pyarrow.parquet as pq

    files = _files(path, ".parquet")
    targets = _as_names(target)
    if columns is None:
        schema = pq.read_schema(files[0])
        meta = schema.pandas_metadata or {}
        skip = {c for c in meta.get("index_columns", []) if isinstance(c, str)}
        columns = [c for c in schema.names if c not in skip | set(targets)]
    columns = list(columns)
    index = [
        (f, group)
        for f in files
        for group in range(pq.ParquetFile(f).metadata.num_row_groups)
    ]

    def read(where):
        table = pq.ParquetFile(where[0]).read_row_group(
            where[1], columns=columns + targets
        )
        X = np.empty((table.num_rows, len(columns)), dtype=dtype)
        for j, name in enumerate(columns):
            X[:, j] = table.column(name).to_numpy()
        y = [table.column(name).to_numpy() for name in targets]
        return X, y[0] if isinstance(target, str) else np.column_stack(y)

    return _Chunks(index, read)


def csv_chunks(
    path, target, *, chunksize=10_000, columns=None, dtype=np.float64, **read_csv
):
    """Chunks of ``chunksize`` rows of a CSV file, read with pandas.

    One pass over the file at construction records where every chunk starts,
    so that any chunk can then be read directly, in any order. The file must
    be uncompressed, have a header line and one record per line (no line
    breaks inside quoted fields).

    Parameters
    ----------
    path : str or Path
        The CSV file.
    target : str or list of str
        Column(s) of ``y``; a list gives a 2-D ``y``.
    chunksize : int, default=10_000
        Rows per chunk (the last chunk may have fewer).
    columns : list of str, default=None
        Feature columns, in order; None: all columns but the target(s).
    dtype : numpy dtype, default=np.float64
        Data type of ``X``.
    **read_csv : dict
        More keyword arguments for :func:`pandas.read_csv` (e.g. ``sep``).

    Returns
    -------
    chunks : sequence of (X, y)
        ``chunks[i]`` reads rows ``i * chunksize`` up to
        ``(i + 1) * chunksize`` of the file.

    Examples
    --------
    >>> import tempfile
    >>> from skmlp.streaming import csv_chunks
    >>> tmp = tempfile.TemporaryDirectory()
    >>> with open(f"{tmp.name}/data.csv", "w") as f:
    ...     _ = f.write("a,b,y\\n0,1,0\\n1,1,1\\n2,0,0\\n")
    >>> chunks = csv_chunks(f"{tmp.name}/data.csv", target="y", chunksize=2)
    >>> len(chunks), chunks[0][0].shape, chunks[1][1]
    (2, (2, 2), array([0]))
    >>> tmp.cleanup()
    """
    import pandas as pd

    names = list(pd.read_csv(path, nrows=0, **read_csv).columns)
    targets = _as_names(target)
    columns = [c for c in names if c not in targets] if columns is None else columns
    starts, n_rows = [], 0
    with open(path, "rb") as f:
        offset = len(f.readline())
        for line in f:
            if line.strip():
                if n_rows % chunksize == 0:
                    starts.append(offset)
                n_rows += 1
            offset += len(line)
    sizes = [min(chunksize, n_rows - k * chunksize) for k in range(len(starts))]

    def read(where):
        with open(path, "rb") as f:
            f.seek(where[0])
            df = pd.read_csv(f, header=None, names=names, nrows=where[1], **read_csv)
        y = df[target].to_numpy()
        return df[list(columns)].to_numpy(dtype=dtype), y

    return _Chunks(list(zip(starts, sizes, strict=True)), read)


def dask_chunks(X, y, *, dtype=np.float64):
    """Chunks of a ``dask.array`` or ``dask.dataframe``, one per block.

    Chunk ``i`` computes the ``i``-th row block or partition with the active
    Dask scheduler (a ``distributed.Client`` if one is set up).

    Parameters
    ----------
    X : dask.array.Array or dask.dataframe.DataFrame
        Features, chunked along the rows only (arrays chunked along the
        columns too are rechunked to whole rows).
    y : dask.array.Array, dask.dataframe.Series, str or list of str
        Targets, with the same row chunks or partitions as ``X``; or the
        name(s) of ``X``'s target column(s), which are then left out of the
        features.
    dtype : numpy dtype, default=np.float64
        Data type of ``X``.

    Returns
    -------
    chunks : sequence of (X, y)
        ``chunks[i]`` computes block or partition ``i``.

    Examples
    --------
    >>> import dask.array as da
    >>> from skmlp.streaming import dask_chunks
    >>> X = da.ones((25, 3), chunks=(10, 3))
    >>> chunks = dask_chunks(X, da.zeros(25, chunks=10))
    >>> len(chunks), chunks[-1][0].shape
    (3, (5, 3))
    """
    import dask

    if isinstance(y, str | list):
        X, y = X.drop(columns=y), X[y]
    elif hasattr(X, "chunks"):  # a dask array: whole rows, y chunked alike
        X = X.rechunk({1: -1}) if X.ndim == 2 else X
        if hasattr(y, "chunks") and not np.isnan(X.shape[0]):
            y = y.rechunk({0: X.chunks[0]})
    if X.npartitions != y.npartitions:
        raise ValueError("X and y must have the same number of row chunks.")

    # One compute shares the reading of X and y, but not across collection types.
    together = hasattr(X, "chunks") == hasattr(y, "chunks")

    def read(i):
        parts = X.partitions[i], y.partitions[i]
        X_i, y_i = dask.compute(*parts) if together else [p.compute() for p in parts]
        return np.asarray(X_i, dtype=dtype), np.asarray(y_i)

    return _Chunks(range(X.npartitions), read)
