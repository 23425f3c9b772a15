"""TabularEncoder: a raw DataFrame to the numeric matrix a network takes."""

import contextlib
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, RealNotInt, StrOptions
from sklearn.utils.validation import (
    _check_feature_names_in,
    check_is_fitted,
    validate_data,
)

from ._frames import (
    ArrayFrame,
    as_frame,
    is_pandas,
    is_polars,
    level_keys,
)
from ._tabular_checks import categorical_mask, check_supported
from ._tabular_columns import category_kind
from ._tabular_fit import fit_columns
from ._tabular_layout import (
    encode_numeric_array,
    encode_rows,
    feature_names,
    layout,
)
from ._validation import fail_safe

# transform encodes this many rows at a time: the temporary float64 copies of
# a column stay small (512 KiB) whatever the number of rows, and the rows of
# the output being written stay in cache while each column is filled in.
CHUNK_ROWS = 65536


class TabularEncoder(TransformerMixin, BaseEstimator):
    """Encode a table of numbers, booleans and categories for a neural network.

    Takes a pandas or polars DataFrame (or a NumPy array) as it comes, with
    missing values (NaN, None, ``pd.NA``, polars null), and returns a float
    matrix. Each column is encoded by its kind:

    - **numeric**: missing values filled (by the median), then robust
      scaling ``z = (x - median) / (q75 - q25)`` and smooth clipping
      ``z / sqrt(1 + (z / 3) ** 2)``, the preprocessing of RealMLP
      (Holzmüller et al., 2024). A missing-indicator column is added for
      each column with missing values in fit.
    - **boolean**: 0 and 1, neither scaled nor clipped; missing values are
      filled (by the median: the more frequent value) and flagged as above.
    - **categorical**, with at most ``max_onehot_categories`` categories:
      one-hot encoded. A missing value is a category of its own.
    - **categorical** with more categories: one integer code per column,
      for a network to look up in a learned embedding.

    Parameters
    ----------
    categorical_features : 'from_dtype', array-like of {bool, int, str} or \
None, default='from_dtype'
        The columns encoded as categories, as in scikit-learn's
        :class:`~sklearn.ensemble.HistGradientBoostingClassifier`:

        - 'from_dtype': columns with a category dtype (pandas 'category',
          polars ``Categorical`` and ``Enum``) and columns of strings (string
          dtypes, and object columns holding strings).
        - a list of column names, or of column indices, or a boolean mask
          with one entry per column. Numeric and boolean columns may be
          listed; their distinct values become the categories.
        - None: no column.

        Columns of strings must be categorical. Columns of dates, times or
        durations are rejected with an error saying how to convert them.
        With 'from_dtype', a string column is rejected as free text or
        identifiers when it has at least 100 distinct values and they make
        up more than half of its present values; give it a category dtype,
        or list it, to encode it as categories anyway.

    max_onehot_categories : int or None, default=8
        Categorical columns with at most this many categories (not counting
        missing values and infrequent categories) are one-hot encoded; the
        others are encoded as integer codes for embeddings. 8 is RealMLP's
        threshold. None one-hot encodes every categorical column, which
        makes the output suitable for any estimator; 0 encodes them all as
        codes.

    min_frequency : int, float or None, default=2
        Categories seen fewer times in fit (if an int), or in a smaller
        fraction of the rows (if a float), are infrequent: they share one
        code with the categories not seen at all in fit. A category seen
        once would give a network one row to learn it from; merged, those
        rows teach the network what to do with a category it does not know.
        None keeps every category.

    numeric_scaling : {'robust', 'standard'} or None, default='robust'
        'robust': centre at the median and divide by the range between the
        percentiles of ``quantile_range``; where that range is 0, by half
        the range between minimum and maximum. 'standard': centre at the
        mean and divide by the standard deviation. None: no scaling. Either
        way, a column with a single value in fit encodes as 0.

    quantile_range : tuple (q_min, q_max), default=(25.0, 75.0)
        Percentiles, in [0, 100], of the 'robust' scaling.

    max_absolute_value : float or None, default=3.0
        Bound ``B`` of the smooth clipping ``z / sqrt(1 + (z / B) ** 2)`` of
        the scaled numeric columns: about ``z`` for ``|z|`` well below
        ``B``, and always within ``[-B, B]``. None disables it.

    numeric_imputation : {'median', 'mean'}, default='median'
        The statistic that fills missing numeric and boolean values. With
        'robust' scaling, the median encodes as 0.

    add_indicator : bool, default=True
        Whether to add a 0/1 missing-indicator column for each numeric or
        boolean column with missing values in fit.

    dtype : {np.float64, np.float32}, default=np.float64
        The dtype of the output.

    Attributes
    ----------
    n_features_in_ : int
        Number of columns seen in fit.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the columns seen in fit, when they are all strings.

    feature_kinds_ : ndarray of str of shape (`n_features_in_`,)
        How each input column is encoded: 'numeric', 'boolean', 'onehot' or
        'embedding'.

    is_categorical_ : ndarray of bool of shape (`n_features_in_`,)
        Which input columns are encoded as categories.

    numeric_features_ : ndarray of int
        Indices of the input columns of the numeric block, in output order
        (the numeric and boolean columns, in input order).

    indicator_features_ : ndarray of int
        Indices of the input columns that have a missing indicator.

    onehot_features_ : ndarray of int
        Indices of the one-hot encoded input columns.

    embedding_features_ : ndarray of int
        Indices of the input columns encoded as embedding codes.

    center_ : ndarray of shape (`n_numeric_`,)
        Per numeric-block column, the value subtracted: the median with
        'robust' scaling, the mean with 'standard', 0 for booleans.

    scale_ : ndarray of shape (`n_numeric_`,)
        Per numeric-block column, the divisor of the centred values
        (before the clipping). ``inf`` for a column with a single value in
        fit, which encodes as 0; 1 for booleans.

    impute_values_ : ndarray of shape (`n_numeric_`,)
        Per numeric-block column, the value that replaces missing values.

    categories_ : list of ndarray
        The categories of each categorical column (in input order), sorted.

    infrequent_categories_ : list of ndarray
        The infrequent categories of each categorical column.

    n_numeric_ : int
        Number of columns of the numeric block.

    output_slices_ : dict of str to slice
        The output columns of each block: 'numeric', 'indicator', 'onehot'
        and 'embedding', in this order.

    onehot_slices_ : list of slice
        The output columns of each one-hot encoded input column.

    embedding_cardinalities_ : ndarray of int
        Number of codes of each embedded column: its categories plus two
        reserved codes, 0 for unknown and infrequent categories (and for
        missing values in a column that had none in fit), 1 for missing
        values. Category ``categories_[j][k]`` has code ``k + 2``.

    See Also
    --------
    sklearn.preprocessing.OneHotEncoder : One-hot encoding of categories.
    sklearn.preprocessing.RobustScaler : Scaling by quantiles.
    sklearn.impute.SimpleImputer : Imputation, with missing indicators.

    Notes
    -----
    The output columns come in blocks: the numeric block (numeric and
    boolean columns, in input order), the missing indicators, the one-hot
    blocks (each: the categories, then 'missing' if the column had missing
    values in fit, then 'infrequent' if it had infrequent categories), and
    the integer codes of the embedded columns, as floats. In a one-hot
    block, an unknown category sets the 'infrequent' column, or no column if
    there is none.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from skmlp import TabularEncoder
    >>> X = pd.DataFrame({
    ...     "age": [25.0, 32.0, np.nan, 51.0, 46.0, 38.0],
    ...     "smoker": [True, False, False, True, False, False],
    ...     "city": ["paris", "rome", "paris", None, "rome", "paris"],
    ... })
    >>> encoder = TabularEncoder().fit(X)
    >>> encoder.get_feature_names_out()
    array(['age', 'smoker', 'age_missing', 'city_paris', 'city_rome',
           'city_missing'], dtype=object)
    >>> encoder.transform(X).round(2)
    array([[-0.89,  1.  ,  0.  ,  1.  ,  0.  ,  0.  ],
           [-0.42,  0.  ,  0.  ,  0.  ,  1.  ,  0.  ],
           [ 0.  ,  0.  ,  1.  ,  1.  ,  0.  ,  0.  ],
           [ 0.89,  1.  ,  0.  ,  0.  ,  0.  ,  1.  ],
           [ 0.56,  0.  ,  0.  ,  0.  ,  1.  ,  0.  ],
           [ 0.  ,  0.  ,  0.  ,  1.  ,  0.  ,  0.  ]])
    >>> encoder.output_slices_["onehot"]
    slice(3, 6, None)

    A city not seen in fit sets no column of the one-hot block:

    >>> new = pd.DataFrame({"age": [40.0], "smoker": [True], "city": ["oslo"]})
    >>> encoder.transform(new).round(2)
    array([[0.14, 1.  , 0.  , 0.  , 0.  , 0.  ]])
    """

    _parameter_constraints: dict = {
        "categorical_features": ["array-like", StrOptions({"from_dtype"}), None],
        "max_onehot_categories": [Interval(Integral, 0, None, closed="left"), None],
        "min_frequency": [
            Interval(Integral, 1, None, closed="left"),
            Interval(RealNotInt, 0, 1, closed="neither"),
            None,
        ],
        "numeric_scaling": [StrOptions({"robust", "standard"}), None],
        "quantile_range": [tuple],
        "max_absolute_value": [Interval(Real, 0, None, closed="neither"), None],
        "numeric_imputation": [StrOptions({"median", "mean"})],
        "add_indicator": ["boolean"],
        "dtype": "no_validation",  # checked in fit: float32 or float64
    }

    def __init__(
        self,
        categorical_features="from_dtype",
        *,
        max_onehot_categories=8,
        min_frequency=2,
        numeric_scaling="robust",
        quantile_range=(25.0, 75.0),
        max_absolute_value=3.0,
        numeric_imputation="median",
        add_indicator=True,
        dtype=np.float64,
    ):
        self.categorical_features = categorical_features
        self.max_onehot_categories = max_onehot_categories
        self.min_frequency = min_frequency
        self.numeric_scaling = numeric_scaling
        self.quantile_range = quantile_range
        self.max_absolute_value = max_absolute_value
        self.numeric_imputation = numeric_imputation
        self.add_indicator = add_indicator
        self.dtype = dtype

    @_fit_context(prefer_skip_nested_validation=True)
    @fail_safe
    def fit(self, X, y=None):
        """Learn the encoding of each column of ``X``.

        Parameters
        ----------
        X : {DataFrame, array-like} of shape (n_samples, n_features)
            A pandas or polars DataFrame, or an array.
        y : None
            Ignored.

        Returns
        -------
        self : TabularEncoder
            The fitted encoder.
        """
        self._check_params()
        frame = self._frame(X, reset=True)
        kinds = [frame.kind(i) for i in range(frame.n_columns)]
        check_supported(frame, kinds)
        self.is_categorical_ = categorical_mask(self.categorical_features, frame, kinds)
        for name, value in fit_columns(self, frame, kinds).items():
            setattr(self, name, value)
        for name, value in layout(self).items():
            setattr(self, name, value)
        return self

    def _check_params(self):
        """The checks the parameter constraints cannot express."""
        quantiles = np.asarray(self.quantile_range, dtype=float)
        if quantiles.shape != (2,) or not 0 <= quantiles[0] <= quantiles[1] <= 100:
            raise ValueError(
                f"Invalid quantile range: {self.quantile_range}; quantile_range "
                "must be two percentiles (q_min, q_max) with 0 <= q_min <= "
                "q_max <= 100."
            )
        try:
            dtype = np.dtype(self.dtype)
        except TypeError:
            dtype = None
        if dtype not in (np.float32, np.float64):
            raise ValueError(
                f"dtype must be np.float32 or np.float64, got {self.dtype!r}."
            )

    def _frame(self, X, reset):
        """Check ``X`` against fit (names, width) and wrap its columns."""
        if (is_pandas(X) or is_polars(X)) and len(X.shape) == 2:
            validate_data(self, X, skip_check_array=True, reset=reset)
            # check_array's messages, for the checks it does not do here.
            for axis, what in enumerate(["sample(s)", "feature(s)"]):
                if X.shape[axis] == 0:
                    raise ValueError(
                        f"Found array with 0 {what} (shape={X.shape}) while a "
                        "minimum of 1 is required by TabularEncoder."
                    )
            return as_frame(X)
        X = validate_data(self, X, reset=reset, dtype=None, ensure_all_finite=False)
        return ArrayFrame(X)

    def transform(self, X):
        """Encode ``X`` with the encoding learned in fit.

        Parameters
        ----------
        X : {DataFrame, array-like} of shape (n_samples, n_features)
            The same columns as in fit. Categories not seen in fit are
            encoded as unknown, without error.

        Returns
        -------
        X_out : ndarray of shape (n_samples, n_features_out)
            The blocks described in ``output_slices_``, in `dtype`.
        """
        check_is_fitted(self)
        return self._transform(X)

    def _transform(self, X):
        """:meth:`transform` of a fitted encoder, unchecked and unwrapped."""
        fast = encode_numeric_array(self, X, CHUNK_ROWS)
        if fast is not None:
            return fast
        frame = self._frame(X, reset=False)
        width = self.output_slices_["embedding"].stop
        out = np.zeros((frame.n_rows, width), dtype=self.dtype)
        keys = [level_keys(c, category_kind(c)) for c in self.categories_]
        for start in range(0, frame.n_rows, CHUNK_ROWS):
            stop = min(start + CHUNK_ROWS, frame.n_rows)
            chunk = frame if stop - start == frame.n_rows else frame.rows(start, stop)
            encode_rows(self, chunk, out[start:stop], keys)
        return out

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Names of the input columns; by default ``feature_names_in_``, or
            ``x0``, ``x1``, ... without names.

        Returns
        -------
        feature_names_out : ndarray of str objects
            ``age`` for a numeric column, ``age_missing`` for its missing
            indicator, ``city_paris`` (and ``city_missing``,
            ``city_infrequent``) for a one-hot block, ``zip_code_code`` for
            the codes of an embedded column.
        """
        check_is_fitted(self)
        names = _check_feature_names_in(self, input_features)
        return np.asarray(feature_names(self, names), dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        with contextlib.suppress(TypeError):
            tags.transformer_tags.preserves_dtype = [np.dtype(self.dtype).name]
        return tags
