"""What TabularEncoder learns from each column in fit.

The statistics of the numeric columns (fill value, centre, scale, whether a
missing indicator is needed) and the kept and infrequent categories of the
categorical ones, in one pass over the columns of a wrapped frame.
"""

from numbers import Integral

import numpy as np

from ._frames import BOOLEAN, STRING
from ._tabular_checks import check_finite, check_not_text, column_errors
from ._tabular_columns import fit_categories, numeric_statistics


def min_count(encoder, n_rows):
    """The fewest rows a category needs to keep a code of its own."""
    if encoder.min_frequency is None:
        return 0
    if isinstance(encoder.min_frequency, Integral):
        return encoder.min_frequency
    return encoder.min_frequency * n_rows


def fit_columns(encoder, frame, kinds):
    """The fitted attributes of the columns, as a dict.

    ``encoder`` has its parameters and ``is_categorical_``; ``kinds`` is the
    kind of each column of ``frame``.
    """
    from_dtype = isinstance(encoder.categorical_features, str)
    statistics, categories, infrequent = [], [], []
    has_missing, missing_columns, feature_kinds = [], [], []
    for i, kind in enumerate(kinds):
        if encoder.is_categorical_[i]:
            with column_errors(frame, i):
                codes, levels = frame.factorize(i)
            n_present = int(np.count_nonzero(codes >= 0))
            if from_dtype and kind == STRING:
                # Before the distinct values are copied as sort keys,
                # which for long texts would take much memory.
                check_not_text(frame, i, len(levels), n_present)
            with column_errors(frame, i):
                kept, rare = fit_categories(
                    codes, levels, min_count(encoder, frame.n_rows)
                )
            categories.append(kept)
            infrequent.append(rare)
            has_missing.append(n_present < frame.n_rows)
            limit = encoder.max_onehot_categories
            onehot = limit is None or len(kept) <= limit
            feature_kinds.append("onehot" if onehot else "embedding")
            continue
        with column_errors(frame, i):
            x = check_finite(frame, i, frame.numeric(i))
        fill, center, scale = numeric_statistics(
            x,
            scaling=None if kind == BOOLEAN else encoder.numeric_scaling,
            quantile_range=encoder.quantile_range,
            imputation=encoder.numeric_imputation,
        )
        statistics.append((fill, center, scale))
        if encoder.add_indicator and np.isnan(x).any():
            missing_columns.append(i)
        feature_kinds.append(BOOLEAN if kind == BOOLEAN else "numeric")
    fill, center, scale = np.reshape(statistics, (-1, 3)).T
    return {
        "categories_": categories,
        "infrequent_categories_": infrequent,
        "_has_missing": has_missing,
        "feature_kinds_": np.asarray(feature_kinds, dtype=object),
        "impute_values_": fill,
        "center_": center,
        "scale_": scale,
        "indicator_features_": np.asarray(missing_columns, dtype=np.intp),
    }
