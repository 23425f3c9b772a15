"""Which columns :class:`~skmlp.TabularEncoder` encodes as categories, and the
errors for the columns it cannot encode.

Every error names the offending columns and says what to do instead.
"""

import contextlib

import numpy as np

from ._frames import (
    BOOLEAN,
    CATEGORY,
    DATETIME,
    MIXED,
    NUMERIC,
    OTHER,
    STRING,
    TIMEDELTA,
)

# A string column is taken for free text or identifiers, and rejected, when
# it has at least this many distinct values...
TEXT_MIN_DISTINCT = 100
# ...making up more than this fraction of its present values: most values
# then occur once or twice, and a category code or embedding per value would
# learn nothing that carries over to new rows.
TEXT_DISTINCT_FRACTION = 0.5

TEXT_ADVICE = (
    "Encode text with skrub's StringEncoder or TextEncoder (e.g. in a "
    "ColumnTransformer, or with skrub's TableVectorizer), or drop the column. "
    "To encode it as categories anyway, give it a category dtype (pandas "
    "'category', polars Categorical) or list it in categorical_features."
)


def _labels(frame, indices):
    return ", ".join(f"{frame.label(i)} ({frame.dtype_name(i)})" for i in indices)


def check_supported(frame, kinds):
    """Raise for dates, durations and other columns without an encoding."""
    problems = {
        DATETIME: (
            "hold dates or times, which TabularEncoder does not encode. Turn "
            "them into numbers first: skrub's DatetimeEncoder does (in a "
            "ColumnTransformer, or with skrub's TableVectorizer), or compute "
            "features yourself, e.g. X['date'].dt.year or the days since a "
            "reference date."
        ),
        TIMEDELTA: (
            "hold durations, which TabularEncoder does not encode. Convert "
            "them to numbers, e.g. X['duration'].dt.total_seconds(), or use "
            "skrub's ToFloat."
        ),
        OTHER: (
            "have a dtype TabularEncoder cannot encode. Convert them to real "
            "numbers, booleans or strings."
        ),
    }
    for kind, advice in problems.items():
        bad = [i for i, k in enumerate(kinds) if k == kind]
        if bad:
            raise ValueError(f"Column(s) {_labels(frame, bad)} of X {advice}")


def categorical_mask(categorical_features, frame, kinds):
    """Boolean mask of the columns encoded as categories.

    Parameters
    ----------
    categorical_features : 'from_dtype', array-like of {bool, int, str} or None
        The encoder's parameter.
    frame : ArrayFrame
        The input, through the column interface of ``_frames``.
    kinds : list of str
        The kind of each column.

    Returns
    -------
    mask : ndarray of bool of shape (n_features,)
    """
    n_features = frame.n_columns
    if isinstance(categorical_features, str):
        mask = np.isin(kinds, [CATEGORY, STRING, MIXED])
    elif categorical_features is None:
        mask = np.zeros(n_features, dtype=bool)
    else:
        mask = _mask_from_list(categorical_features, frame)
    # Only numbers and booleans can be encoded as numbers.
    stray = [i for i, k in enumerate(kinds) if not mask[i] and k not in NUMBERS]
    if stray:
        raise ValueError(
            f"Column(s) {_labels(frame, stray)} of X hold strings or categories "
            f"but are not in categorical_features={categorical_features!r}. "
            "Add them to categorical_features, or use the default "
            "categorical_features='from_dtype', which encodes every string "
            "and category column as categories."
        )
    return mask


NUMBERS = (NUMERIC, BOOLEAN)


def _mask_from_list(categorical_features, frame):
    n_features = frame.n_columns
    spec = np.asarray(categorical_features)
    if spec.ndim != 1:
        raise ValueError(
            "categorical_features must be 'from_dtype', None, or a 1-D list of "
            f"column names, indices or booleans; got shape {spec.shape}."
        )
    mask = np.zeros(n_features, dtype=bool)
    if spec.size == 0:
        return mask
    if spec.dtype.kind == "b":
        if spec.shape[0] != n_features:
            raise ValueError(
                f"categorical_features as a boolean mask must have one entry per "
                f"column of X ({n_features}), got {spec.shape[0]}."
            )
        return spec.copy()
    if spec.dtype.kind in "iu":
        bad = [int(i) for i in spec if not 0 <= i < n_features]
        if bad:
            raise ValueError(
                f"categorical_features has indices {bad} out of range for X with "
                f"{n_features} columns (valid: 0 to {n_features - 1})."
            )
        mask[spec] = True
        return mask
    if spec.dtype.kind in "UO" and all(isinstance(name, str) for name in spec):
        columns = frame.columns
        if not any(isinstance(c, str) for c in columns):
            raise ValueError(
                f"categorical_features names columns {[str(n) for n in spec]} but X "
                "has no column names; pass column indices or a boolean mask "
                "instead."
            )
        unknown = [str(name) for name in spec if name not in columns]
        if unknown:
            raise ValueError(
                f"categorical_features names {unknown}, which are not columns of "
                f"X. Its columns are: {columns}."
            )
        mask[[columns.index(name) for name in spec]] = True
        return mask
    raise ValueError(
        "categorical_features must be 'from_dtype', None, or a list of column "
        "names (str), indices (int) or a boolean mask; got "
        f"{list(spec)!r}."
    )


def check_not_text(frame, i, n_distinct, n_present):
    """Raise if a string column looks like free text or identifiers."""
    if n_distinct >= TEXT_MIN_DISTINCT and n_distinct > (
        TEXT_DISTINCT_FRACTION * n_present
    ):
        raise ValueError(
            f"Column {frame.label(i)} of X looks like free text or identifiers: "
            f"{n_distinct} distinct values among {n_present} present ones, so "
            "most values occur once or twice. TabularEncoder encodes "
            f"categories. {TEXT_ADVICE}"
        )


@contextlib.contextmanager
def column_errors(frame, i):
    """Prefix the name of the column to a conversion error raised in it."""
    try:
        yield
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"Column {frame.label(i)} of X: {exc}") from exc


def check_finite(frame, i, x):
    """``x``, column ``i`` of ``frame`` as floats, if it has no infinity."""
    if np.isinf(x).any():
        raise ValueError(
            f"Column {frame.label(i)} of X contains infinity. TabularEncoder "
            "takes finite numbers, with NaN (or None) for missing values; replace "
            "the infinite values, e.g. by NaN to encode them as missing."
        )
    return x
