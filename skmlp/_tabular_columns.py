"""What :class:`~skmlp.TabularEncoder` computes for one column.

Numeric columns: missing values filled with a statistic of the column, then
``z = (x - center) / scale`` and the smooth clipping
``z / sqrt(1 + (z / B) ** 2)``. Categorical columns: integer codes, with two
codes reserved before the categories seen in fit,

- ``UNKNOWN_CODE`` (0): a category not seen in fit, or seen fewer than
  ``min_frequency`` times (the encoder's "infrequent" categories);
- ``MISSING_CODE`` (1): a missing value, when the column had missing values
  in fit;
- ``2 + i``: the i-th category of ``categories_`` (sorted).

Each function works on whole columns (or row chunks of them) with NumPy
operations only.
"""

from numbers import Integral

import numpy as np

from ._frames import level_keys, level_kind

UNKNOWN_CODE = 0
MISSING_CODE = 1
N_RESERVED_CODES = 2


def smooth_clip(z, bound):
    """``z / sqrt(1 + (z / bound) ** 2)``: the identity near 0, smooth and
    increasing, within ``(-bound, bound)`` (in floating point, ``±bound`` is
    reached for ``|z|`` above about ``1e8 * bound``).

    Outliers keep their order and stay distinguishable, but no value can
    reach a scale that would dominate a network's first layer. It is
    computed as ``bound * t / sqrt(1 + t ** 2)`` with ``t = z / bound``
    capped at ``±1e150``, so that ``t ** 2`` cannot overflow and an
    infinite ``z`` (a huge value divided by a tiny scale) maps to ``±bound``;
    the cap changes no result, as ``t / sqrt(1 + t ** 2)`` rounds to ±1 long
    before.
    """
    # np.maximum and np.minimum rather than np.clip: the same numbers, NaN
    # included, without np.clip's Python wrapper, which on a one-row call
    # costs twice the clipping itself.
    t = z / bound
    np.maximum(t, -1e150, out=t)
    np.minimum(t, 1e150, out=t)
    denominator = np.square(t)
    denominator += 1.0
    np.sqrt(denominator, out=denominator)
    t /= denominator
    t *= bound
    return t


def numeric_statistics(x, *, scaling, quantile_range, imputation):
    """Fill value, centre and scale of a float column (NaN = missing).

    Parameters
    ----------
    x : ndarray of shape (n_samples,)
        The column, NaN where missing. No infinity.
    scaling : {'robust', 'standard'} or None
        'robust': centre at the median, scale by the range between the two
        quantiles of ``quantile_range``; if that range is 0 (more than half
        the values equal), by half the range between minimum and maximum,
        as in RealMLP. 'standard': mean and standard deviation. None:
        centre 0, scale 1.
    quantile_range : tuple of float
        Lower and upper percentile, in [0, 100].
    imputation : {'median', 'mean'}
        The statistic that fills missing values.

    Returns
    -------
    fill, center, scale : float
        The scale is ``inf`` for a column with a single value (or none): it
        encodes to 0, as it carries no information.
    """
    present = x[~np.isnan(x)]
    if present.size == 0:
        return 0.0, 0.0, np.inf if scaling is not None else 1.0
    # The three percentiles of the robust scaling in one partial sort; the
    # mean only where it is used.
    median, q_low, q_high = np.percentile(present, [50.0, *quantile_range])
    needs_mean = imputation == "mean" or scaling == "standard"
    mean = float(np.mean(present)) if needs_mean else np.nan
    fill = float(median) if imputation == "median" else mean
    if scaling is None:
        return fill, 0.0, 1.0
    low, high = np.min(present), np.max(present)
    if low == high:
        return fill, float(low), np.inf
    if scaling == "standard":
        return fill, mean, float(np.std(present))
    spread = q_high - q_low
    if spread == 0:
        spread = (high - low) / 2
    return fill, float(median), float(spread)


def encode_numeric(x, fill, center, scale, bound):
    """Fill, scale and (unless ``bound`` is None) smoothly clip a column.

    Returns the encoded column and the mask of its missing entries.
    """
    missing = np.isnan(x)
    # A huge value over a tiny scale overflows to ±inf, which the clipping
    # maps to ±bound; without clipping it is left infinite.
    z = np.where(missing, fill, x)
    with np.errstate(over="ignore"):
        z -= center
        z /= scale
    if bound is not None:
        z = smooth_clip(z, bound)
    return z, missing


def fit_categories(codes, levels, min_count):
    """The categories a column keeps, from its factorised values.

    Parameters
    ----------
    codes : ndarray of int of shape (n_samples,)
        Index into ``levels`` of each value, -1 where missing.
    levels : ndarray
        The distinct values.
    min_count : int
        Categories seen fewer times are infrequent.

    Returns
    -------
    categories : ndarray
        The kept categories, sorted (strings by code point, numbers by value).
    infrequent : ndarray
        The infrequent categories, sorted.
    """
    kind = level_kind(levels)
    keys = level_keys(levels, kind)
    counts = np.bincount(codes[codes >= 0], minlength=len(levels))
    # Distinct values can share a key, e.g. 1 and 1.0 in an object column.
    keys, inverse = np.unique(keys, return_inverse=True)
    counts = np.bincount(inverse, weights=counts, minlength=len(keys))
    frequent = counts >= min_count
    categories = _as_categories(keys[frequent], levels, kind)
    infrequent = _as_categories(keys[~frequent], levels, kind)
    return categories, infrequent


def _as_categories(keys, levels, kind):
    """Keys as the values users see: str objects, or numbers of the input's
    dtype (bool, int or float)."""
    if kind == "str":
        return keys.astype(object)
    if levels.dtype.kind in "biu":
        return keys.astype(levels.dtype)
    if levels.dtype == object and len(levels):
        # Nullable pandas booleans and integers arrive as objects.
        types = set(map(type, levels))
        if all(issubclass(t, bool | np.bool_) for t in types):
            return keys.astype(bool)
        if all(issubclass(t, Integral) and not issubclass(t, bool) for t in types):
            return keys.astype(np.int64)
    return keys


def category_kind(categories):
    return "str" if categories.dtype == object else "num"


def category_codes(codes, levels, fitted_keys, kind, has_missing):
    """Encoder codes (see the module docstring) of a factorised chunk.

    Parameters
    ----------
    codes : ndarray of int of shape (n_samples,)
        Index into ``levels`` of each value, -1 where missing.
    levels : ndarray
        The chunk's distinct values.
    fitted_keys : ndarray
        ``level_keys`` of the fitted categories, sorted.
    kind : {'str', 'num'}
        How the fitted categories compare.
    has_missing : bool
        Whether the column had missing values in fit; if not, missing
        values are encoded like unknown categories.
    """
    keys = level_keys(levels, kind)
    if len(fitted_keys):
        position = np.minimum(np.searchsorted(fitted_keys, keys), len(fitted_keys) - 1)
        found = fitted_keys[position] == keys
    else:
        position = found = np.zeros(len(keys), dtype=bool)
    # One lookup per distinct value, then one take per row; the last entry
    # serves the -1 of missing values.
    table = np.where(found, position + N_RESERVED_CODES, UNKNOWN_CODE)
    table = np.append(table, MISSING_CODE if has_missing else UNKNOWN_CODE)
    return table[codes]


def onehot_columns(n_categories, has_missing, has_infrequent):
    """One-hot column of each encoder code, -1 for none.

    The block has a column per kept category, then one for missing values
    (if the column had any in fit), then one for infrequent categories (if
    it had any), which unknown categories share. Without such a column, a
    value encodes as all zeros.
    """
    table = np.full(n_categories + N_RESERVED_CODES, -1, dtype=np.intp)
    table[N_RESERVED_CODES:] = np.arange(n_categories)
    if has_missing:
        table[MISSING_CODE] = n_categories
    if has_infrequent:
        table[UNKNOWN_CODE] = n_categories + has_missing
    return table


def onehot_width(n_categories, has_missing, has_infrequent):
    return n_categories + int(has_missing) + int(has_infrequent)
