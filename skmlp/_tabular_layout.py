"""The output layout of a fitted :class:`~skmlp.TabularEncoder`, and the
writing of each encoded column into its place.

The output columns come in four blocks, in this order: the numeric block
(numeric and boolean columns, in input order), the missing indicators, the
one-hot blocks, and the integer codes of the embedded columns. The fitted
attributes describing them are what a network's input layer needs to know
which columns to scale, which to look up in an embedding table, and how
large each table is.
"""

import numpy as np

from ._frames import BOOLEAN
from ._tabular_checks import check_finite, column_errors
from ._tabular_columns import (
    N_RESERVED_CODES,
    category_codes,
    category_kind,
    encode_numeric,
    onehot_columns,
    onehot_width,
    smooth_clip,
)

BLOCKS = ("numeric", "indicator", "onehot", "embedding")
NUMERIC_KINDS = ("numeric", "boolean")


def layout(encoder):
    """The layout attributes of a fitted encoder, as a dict.

    Parameters
    ----------
    encoder : TabularEncoder
        With ``feature_kinds_``, ``is_categorical_``, ``categories_``,
        ``infrequent_categories_`` and ``indicator_features_`` set.

    Returns
    -------
    attributes : dict
        ``numeric_features_``, ``onehot_features_``, ``embedding_features_``,
        ``n_numeric_``, ``onehot_slices_``, ``embedding_cardinalities_`` and
        ``output_slices_``.
    """
    kinds = encoder.feature_kinds_
    onehot_features = np.flatnonzero(kinds == "onehot")
    embedding_features = np.flatnonzero(kinds == "embedding")
    n_numeric = int(np.isin(kinds, NUMERIC_KINDS).sum())
    widths = [
        n_numeric,
        len(encoder.indicator_features_),
        sum(onehot_width(*category_flags(encoder, i)) for i in onehot_features),
        len(embedding_features),
    ]
    bounds = np.cumsum([0, *widths]).tolist()
    onehot_slices = []
    start = bounds[2]
    for i in onehot_features:
        stop = start + onehot_width(*category_flags(encoder, i))
        onehot_slices.append(slice(start, stop))
        start = stop
    cardinalities = [
        category_flags(encoder, i)[0] + N_RESERVED_CODES for i in embedding_features
    ]
    return {
        "numeric_features_": np.flatnonzero(np.isin(kinds, NUMERIC_KINDS)),
        "onehot_features_": onehot_features,
        "embedding_features_": embedding_features,
        "n_numeric_": n_numeric,
        "onehot_slices_": onehot_slices,
        "embedding_cardinalities_": np.asarray(cardinalities, dtype=np.intp),
        "output_slices_": {
            block: slice(bounds[k], bounds[k + 1]) for k, block in enumerate(BLOCKS)
        },
    }


def encode_rows(encoder, frame, out, keys):
    """Encode the rows of ``frame`` into the rows ``out`` of the output.

    Parameters
    ----------
    encoder : TabularEncoder
        The fitted encoder.
    frame : ArrayFrame
        Rows of the input, through the column interface of ``_frames``.
    out : ndarray of shape (n_rows, n_features_out)
        The output rows, zero on entry.
    keys : list of ndarray
        ``level_keys`` of each categorical column's ``categories_``.
    """
    start = encoder.n_numeric_
    indicators = {i: start + k for k, i in enumerate(encoder.indicator_features_)}
    for j, i in enumerate(encoder.numeric_features_):
        with column_errors(frame, i):
            x = check_finite(frame, i, frame.numeric(i))
        boolean = encoder.feature_kinds_[i] == BOOLEAN
        z, missing = encode_numeric(
            x,
            encoder.impute_values_[j],
            encoder.center_[j],
            encoder.scale_[j],
            None if boolean else encoder.max_absolute_value,
        )
        out[:, j] = z
        if i in indicators:
            out[:, indicators[i]] = missing
    onehot = dict(zip(encoder.onehot_features_, encoder.onehot_slices_, strict=True))
    start = encoder.output_slices_["embedding"].start
    embedded = {i: start + k for k, i in enumerate(encoder.embedding_features_)}
    for j, i in enumerate(np.flatnonzero(encoder.is_categorical_)):
        categories = encoder.categories_[j]
        with column_errors(frame, i):
            codes, levels = frame.factorize(i)
            codes = category_codes(
                codes,
                levels,
                keys[j],
                category_kind(categories),
                encoder._has_missing[j],
            )
        if i in embedded:
            out[:, embedded[i]] = codes
            continue
        columns = onehot_columns(
            len(categories),
            encoder._has_missing[j],
            len(encoder.infrequent_categories_[j]) > 0,
        )[codes]
        rows = np.flatnonzero(columns >= 0)
        out[rows, onehot[i].start + columns[rows]] = 1


def categorical_index(encoder, i):
    """Position of input column ``i`` among the categorical columns."""
    return int(np.count_nonzero(encoder.is_categorical_[:i]))


def category_flags(encoder, i):
    """Number of categories, whether missing values and whether infrequent
    categories were seen in fit, for categorical input column ``i``."""
    j = categorical_index(encoder, i)
    return (
        len(encoder.categories_[j]),
        bool(encoder._has_missing[j]),
        len(encoder.infrequent_categories_[j]) > 0,
    )


def feature_names(encoder, names):
    """Names of the output columns, from the names of the input columns.

    ``age`` for a numeric column, ``age_missing`` for its indicator,
    ``city_paris`` (then ``city_missing`` and ``city_infrequent``) in a
    one-hot block, ``zip_code_code`` for the codes of an embedded column.
    Repeated names are numbered: ``city_missing_1`` for a category called
    'missing' next to the column of missing values.
    """
    out = [names[i] for i in encoder.numeric_features_]
    out += [f"{names[i]}_missing" for i in encoder.indicator_features_]
    for i in encoder.onehot_features_:
        _, has_missing, has_infrequent = category_flags(encoder, i)
        categories = encoder.categories_[categorical_index(encoder, i)]
        out += [f"{names[i]}_{category}" for category in categories]
        out += [f"{names[i]}_missing"] * has_missing
        out += [f"{names[i]}_infrequent"] * has_infrequent
    out += [f"{names[i]}_code" for i in encoder.embedding_features_]
    return _unique(out)


def _unique(names):
    """The names, with any repeat numbered so that all differ."""
    taken = set(names)
    seen = set()
    out = []
    for name in names:
        if name in seen:
            k = 1
            while f"{name}_{k}" in taken:
                k += 1
            name = f"{name}_{k}"
            taken.add(name)
        seen.add(name)
        out.append(name)
    return out


def encode_numeric_array(encoder, X, max_rows):
    """``transform`` of a plain all-numeric float array, whole-array at once.

    Returns None unless ``X`` is a 2-D float ndarray of the fitted width, of
    at most ``max_rows`` rows (the general path works in chunks, to bound its
    temporary memory), and
    every fitted column is a (non-boolean) number, with no feature names and
    no infinity to report: the general path then validates, and names what
    is wrong. The operations are those of :func:`encode_numeric`, column for
    column, so the result is the same; this path only skips the per-column
    Python loop, which dominates the time of a one-row prediction.
    """
    if not (
        type(X) is np.ndarray
        and X.ndim == 2
        and X.dtype.kind == "f"
        and 0 < X.shape[0] <= max_rows
        and X.shape[1] == encoder.n_features_in_
        and not hasattr(encoder, "feature_names_in_")
        and encoder.n_numeric_ == X.shape[1]
        and BOOLEAN not in set(encoder.feature_kinds_)
    ):
        return None
    # One sum tells that no value is missing or infinite, the common case,
    # in one call (a non-finite sum from huge values takes the long way).
    missing = None
    if not np.isfinite(X.sum()):
        X = X.astype(np.float64, copy=False)
        if np.isinf(X).any():
            return None
        missing = np.isnan(X)
        z = np.where(missing, encoder.impute_values_, X)
    else:
        z = X.astype(np.float64)  # a copy: scaled in place below
    with np.errstate(over="ignore"):
        z -= encoder.center_
        z /= encoder.scale_
    if encoder.max_absolute_value is not None:
        z = smooth_clip(z, encoder.max_absolute_value)
    out = np.zeros(
        (X.shape[0], encoder.output_slices_["embedding"].stop), encoder.dtype
    )
    out[:, : encoder.n_numeric_] = z
    start = encoder.n_numeric_
    if missing is not None:
        for k, i in enumerate(encoder.indicator_features_):
            out[:, start + k] = missing[:, i]
    return out
