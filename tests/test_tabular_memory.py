"""Memory of a tabular fit: one encoded copy of the data, nothing else per row."""

import tracemalloc
import warnings

import numpy as np
import pytest
from sklearn.model_selection import train_test_split

from skmlp import TabularMLPRegressor
from skmlp._tabular_setup import shuffled_split


@pytest.mark.parametrize("n_rows", [1, 2, 7, 100, 1001, 54_321])
@pytest.mark.parametrize("fraction", [0.1, 0.2, 0.5])
@pytest.mark.parametrize("seed", [0, 7, 2**31 - 2])
def test_shuffled_split_is_train_test_split(n_rows, fraction, seed):
    train, held_out = shuffled_split(n_rows, fraction, seed)
    assert train.dtype == held_out.dtype == np.int32
    # One array: the two parts are views of it.
    assert train.base is held_out.base is not None
    try:
        expected = train_test_split(
            np.arange(n_rows), test_size=fraction, random_state=seed
        )
    except ValueError:  # scikit-learn refuses an empty part; ours is empty
        assert train.size == 0 or held_out.size == 0
        return
    np.testing.assert_array_equal(train, expected[0])
    np.testing.assert_array_equal(held_out, expected[1])


def _fit_peak(n_rows):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n_rows, 8)).astype(np.float32)
    y = X[:, 0] - X[:, 1] ** 2
    est = TabularMLPRegressor(hidden_layer_sizes=(32,), max_iter=1, random_state=0)
    tracemalloc.start()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            est.fit(X, y)
        return tracemalloc.get_traced_memory()[1], est
    finally:
        tracemalloc.stop()


def test_fit_memory_grows_by_the_encoded_row_and_no_more():
    # Per extra row: its encoded features, its standardised target and its
    # int32 place in the row order, 40 bytes here; the held-out fifth's
    # scores take under 2 more. A copy of the rows, an int64 index or a
    # float64 target would add at least 4 bytes a row on top.
    _fit_peak(2_000)  # first-call allocations: imports, compiled loops, caches
    small, est = _fit_peak(250_000)
    large, _ = _fit_peak(500_000)
    width = est.encoder_.output_slices_["embedding"].stop
    per_row = 4 * width + 4 + 4
    assert per_row == 40
    assert per_row - 2 <= (large - small) / 250_000 <= per_row + 2
