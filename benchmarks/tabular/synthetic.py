"""The synthetic data and the sizes of ``python -m benchmarks.tabular.speed``."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
HIDDEN = (256, 256, 256)
SEED = 0
N_NUMERIC = 20
LATENCY_ROWS = 64  # distinct rows the 1-row calls cycle through


@dataclass(frozen=True)
class Sizes:
    fit_rows: int
    one_row_calls: int
    batch_rows: int
    batch_calls: int
    throughput_rows: int
    throughput_repeats: int
    cell_seconds: float  # time budget of one latency cell (fewer calls if slow)
    memory_rows: int
    dropin_timeout: float  # seconds before the drop-in memory child is skipped


FULL = Sizes(10000, 300, 100, 100, 100_000, 3, 10.0, 1_000_000, 180.0)
QUICK = Sizes(600, 10, 100, 5, 2000, 1, 2.0, 5000, 60.0)


def make_frame(n: int, seed: int = SEED):
    """A mixed table as users have them: ``(X, y_class, y_reg)``.

    20 numeric columns (every fourth log-normal, every fifth with 10 %
    missing), a boolean, a 5-level category (one-hot), a 40-level category
    with missing values (embedded) and a 5,000-level Zipf-distributed zip
    code (embedded). Column by column, so creating 1,000,000 rows needs
    little more memory than the frame.
    """
    rng = np.random.default_rng(seed)
    cols = {}
    for j in range(N_NUMERIC):
        x = rng.standard_normal(n)
        if j % 4 == 1:
            x = np.exp(x)
        if j % 5 == 2:
            x[rng.random(n) < 0.1] = np.nan
        cols[f"num{j:02d}"] = x
    cols["flag"] = rng.random(n) < 0.3
    colors = ["red", "green", "blue", "black", "white"]
    cols["color"] = pd.Categorical.from_codes(rng.integers(0, 5, n), colors)
    region = rng.integers(-1, 40, n)  # -1: missing
    cols["region"] = pd.Categorical.from_codes(
        region, [f"region_{k:02d}" for k in range(40)]
    )
    zips = np.minimum(rng.zipf(1.3, n), 5000) - 1
    cols["zip"] = pd.Categorical.from_codes(zips, [f"{k:05d}" for k in range(5000)])
    X = pd.DataFrame(cols)
    signal = np.nan_to_num(X["num00"].to_numpy()) - 0.5 * np.log1p(
        np.nan_to_num(X["num01"].to_numpy())
    )
    signal += (region % 3 == 0) + 0.3 * cols["flag"] + 0.2 * (zips < 10)
    y_reg = signal + 0.5 * rng.standard_normal(n)
    y_class = np.digitize(y_reg, np.quantile(y_reg, [1 / 3, 2 / 3]))
    return X, y_class, y_reg


def make_numeric(n: int, seed: int = SEED):
    """An all-numeric float32 array (20 columns, no missing values) and labels."""
    rng = np.random.default_rng([seed, 1])
    X = rng.standard_normal((n, N_NUMERIC))
    X[:, 1::4] = np.exp(X[:, 1::4])
    y = X[:, 0] - 0.5 * np.log1p(X[:, 1]) + 0.5 * rng.standard_normal(n) > 0.3
    return X.astype(np.float32), y.astype(np.int64)


def quiet_fit(est, X, y):
    """``est.fit(X, y)`` without warnings (ConvergenceWarning: 1 epoch)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return est.fit(X, y)
