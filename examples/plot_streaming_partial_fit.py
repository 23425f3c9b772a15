"""
Training on data that does not fit in memory
============================================

:func:`skmlp.streaming.fit_stream` trains with ``partial_fit`` on one chunk
at a time: every epoch reads the chunks from disk in a new random order,
permutes the rows inside each, and scores a held-out chunk to stop early and
keep the best epoch's weights.

This example writes a synthetic data set to Parquet files one row group at a
time, so that it is never in memory as a whole, fits a
:class:`~sklearn.preprocessing.StandardScaler` in one streaming pass, trains an
:class:`skmlp.MLPClassifier` on the scaled chunks, and measures how much memory
the training allocated compared to the size of the data.

Needs the ``dask`` extra (for pyarrow): ``pip install "skmlp[dask]"``. The
plot needs matplotlib.
"""

# %%
# Write the data set, one row group at a time
# -------------------------------------------
# A fixed random "teacher" network labels each sample, so every chunk can be
# made on its own. The features have very different scales, as raw data often
# do. A Parquet row group is the unit a file is read in: here 25,000 rows.
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from sklearn.preprocessing import StandardScaler

from skmlp import MLPClassifier
from skmlp.streaming import fit_stream, parquet_chunks

N_FEATURES, CHUNK_ROWS, N_CHUNKS = 20, 25_000, 16
teacher = np.random.RandomState(0)
W1 = teacher.standard_normal((N_FEATURES, 16))
W2 = teacher.standard_normal((16, 3))
scales = np.logspace(-2, 3, N_FEATURES)  # from 0.01 to 1000


def make_chunk(rng, n_rows):
    Z = rng.standard_normal((n_rows, N_FEATURES))
    labels = (np.tanh(Z @ W1) @ W2 + 0.3 * rng.standard_normal((n_rows, 3))).argmax(1)
    return Z * scales, labels


data_dir = Path(tempfile.mkdtemp(prefix="skmlp-stream-"))
rng = np.random.RandomState(1)
names = [f"x{j}" for j in range(N_FEATURES)] + ["label"]
for part in range(N_CHUNKS // 4):  # four files of four row groups each
    with pq.ParquetWriter(
        data_dir / f"part-{part}.parquet",
        pa.schema(
            [(name, pa.float64()) for name in names[:-1]] + [("label", pa.int8())]
        ),
    ) as writer:
        for _ in range(4):
            X_chunk, y_chunk = make_chunk(rng, CHUNK_ROWS)
            columns = [*X_chunk.T, y_chunk.astype(np.int8)]
            writer.write_table(pa.table(columns, names=names))

data_bytes = N_CHUNKS * CHUNK_ROWS * (N_FEATURES * 8 + 1)
print(f"{N_CHUNKS * CHUNK_ROWS:,} rows, {data_bytes / 2**20:.0f} MiB in memory")

# %%
# A chunk source over the files
# -----------------------------
# :func:`~skmlp.streaming.parquet_chunks` reads only the files' footers now;
# ``chunks[i]`` reads row group ``i`` when it is asked for.
chunks = parquet_chunks(data_dir, target="label")
X_first, y_first = chunks[0]
print(f"{len(chunks)} chunks; chunk 0: X {X_first.shape}, y {y_first.shape}")

# %%
# Scale the features in one streaming pass
# ----------------------------------------
# ``StandardScaler.partial_fit`` accumulates the means and variances chunk by
# chunk. A small wrapper then scales each chunk as it is read: a chunk source
# is any sequence of ``(X, y)``, so it can be built on another one.
scaler = StandardScaler()
for X_chunk, _ in chunks:
    scaler.partial_fit(X_chunk)


class Scaled:
    """The chunks of ``source``, scaled by ``scaler`` when read."""

    def __init__(self, source, scaler):
        self.source, self.scaler = source, scaler

    def __len__(self):
        return len(self.source)

    def __getitem__(self, i):
        X, y = self.source[i]
        return self.scaler.transform(X), y


# %%
# Train with early stopping on a held-out chunk
# ---------------------------------------------
# ``validation=-1`` keeps the last chunk out of training and scores it after
# every epoch; training stops after three epochs without improvement and the
# estimator returns to its best epoch. ``tracemalloc`` records the peak of the
# memory NumPy and Python allocate meanwhile.
clf = MLPClassifier(hidden_layer_sizes=(32,), learning_rate_init=0.003, random_state=0)
tracemalloc.start()
start = time.perf_counter()
fit_stream(
    clf,
    Scaled(chunks, scaler),
    classes=[0, 1, 2],
    epochs=12,
    validation=-1,
    n_iter_no_change=3,
    random_state=0,
    verbose=True,
)
seconds = time.perf_counter() - start
peak = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
history = clf.stream_history_
print(
    f"{history['n_epochs']} epochs in {seconds:.1f} s; best validation accuracy "
    f"{history['best_validation_score']:.3f} at epoch {history['best_epoch']}"
)
print(
    f"peak memory allocated during training: {peak / 2**20:.0f} MiB, for a data "
    f"set of {data_bytes / 2**20:.0f} MiB (one chunk: "
    f"{CHUNK_ROWS * N_FEATURES * 8 / 2**20:.1f} MiB)"
)

# %%
# The peak is a few chunks' worth (the held-out chunk, the chunk being trained
# on and its permuted copy), whatever the number of chunks. The scaling guide
# (``docs/scaling.md``) reports the resident memory of the same kind of
# training on 3 GiB of data under a hard 512 MiB limit
# (``benchmarks/streaming_memory.py``).
#
# Accuracy on new data
# --------------------
X_test, y_test = make_chunk(np.random.RandomState(2), 20_000)
print(f"test accuracy: {clf.score(scaler.transform(X_test), y_test):.3f}")

# %%
# Learning curves
# ---------------
try:
    import matplotlib.pyplot as plt
except ImportError:
    plt = None
    print("(matplotlib is not installed: no plot)")
if plt is not None:
    epochs = np.arange(1, history["n_epochs"] + 1)
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
    left.plot(epochs, history["loss"], marker="o")
    left.set(xlabel="epoch", ylabel="mean training loss", title="Training loss")
    right.plot(epochs, history["validation_score"], marker="o")
    right.axvline(history["best_epoch"], color="gray", linestyle="--")
    right.set(xlabel="epoch", ylabel="accuracy", title="Held-out chunk")
    fig.tight_layout()
    plt.show()

# %%
# Clean up the temporary files.
import shutil  # noqa: E402

shutil.rmtree(data_dir)
