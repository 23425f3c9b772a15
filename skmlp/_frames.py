"""Column access for pandas and polars DataFrames and NumPy arrays.

:class:`~skmlp.TabularEncoder` reads its input one column at a time through
the small interface below: what kind of values a column holds, the column as
float64 with NaN for missing values, and the column factorised into integer
codes and distinct values. Each backend answers with its own vectorised
operations (``pandas.factorize``, polars' ``replace_strict``, ``np.unique``),
so no Python code runs per row.

Neither pandas nor polars is a dependency of skmlp. They are recognised by the
module of the input's type and imported only when such an input arrives, by
which time its library is already loaded.
"""

import datetime
import sys
from numbers import Real

import numpy as np

# The kinds of column TabularEncoder tells apart. "category" is a dtype the
# user chose to mark categories with (pandas category, polars Categorical and
# Enum); "string" holds text that may or may not be categorical; "mixed" holds
# strings next to other types.
NUMERIC = "numeric"
BOOLEAN = "boolean"
CATEGORY = "category"
STRING = "string"
DATETIME = "datetime"
TIMEDELTA = "timedelta"
MIXED = "mixed"
OTHER = "other"


def is_pandas(X):
    return type(X).__module__.startswith("pandas") and hasattr(X, "iloc")


def is_polars(X):
    return type(X).__module__.startswith("polars") and hasattr(X, "to_series")


def as_frame(X):
    """The column interface to ``X``: a pandas or polars DataFrame, or a 2-D
    ndarray (already validated by ``check_array``)."""
    if is_pandas(X):
        return PandasFrame(X)
    if is_polars(X):
        return PolarsFrame(X)
    return ArrayFrame(X)


def object_missing(values):
    """Missing entries of an object array: None, NaN, and pandas' NA and NaT."""
    pandas = sys.modules.get("pandas")
    if pandas is not None:
        # pd.NA and pd.NaT only exist once pandas is loaded, and comparing
        # pd.NA raises; pandas' own test recognises them all.
        return np.asarray(pandas.isna(values), dtype=bool)
    return np.equal(values, None) | np.not_equal(values, values)


def _types(values):
    return set(map(type, values))


def _all(types, classes):
    return all(issubclass(t, classes) for t in types)


def _any(types, classes):
    return any(issubclass(t, classes) for t in types)


def object_kind(values):
    """The kind of an object column, from the types of its present values."""
    types = _types(values[~object_missing(values)])
    if _all(types, str | np.str_):
        # Without a single present value nothing says the column holds
        # text: it is numeric, all NaN.
        return STRING if types else NUMERIC
    if _all(types, bool | np.bool_):
        return BOOLEAN
    if _any(types, datetime.date | datetime.time | np.datetime64):
        return DATETIME
    if _any(types, datetime.timedelta | np.timedelta64):
        return TIMEDELTA
    if _any(types, str | np.str_):
        return MIXED
    # Numbers, or objects whose conversion to float then fails with Python's
    # own message naming their type.
    return NUMERIC


def type_names(values):
    """Sorted names of the types of the present values, for error messages."""
    present = values[~object_missing(values)] if values.dtype == object else values
    return sorted({t.__name__ for t in _types(present)})


def object_to_float(values):
    """An object array as float64, its missing entries as NaN."""
    missing = object_missing(values)
    out = np.full(values.shape, np.nan)
    out[~missing] = values[~missing].astype(np.float64)
    return out


def factorize_array(values):
    """Integer codes (-1 where missing) and the distinct values.

    Object arrays go through ``pandas.factorize`` where pandas is loaded.
    Otherwise strings are compared as NumPy fixed-width strings and numbers
    as floats, so that the sort of ``np.unique`` runs in compiled code.
    """
    kind = values.dtype.kind
    pandas = sys.modules.get("pandas")
    if kind == "O" and pandas is not None:
        # A hash table instead of a sort, and no fixed-width copy of long
        # strings; the distinct values are checked for mixed types later.
        codes, levels = pandas.factorize(values)
        return np.asarray(codes, dtype=np.intp), np.asarray(levels)
    if kind == "O":
        missing = object_missing(values)
        present = values[~missing]
        types = _types(present)
        if _all(types, str | np.str_):
            present = present.astype(str)
        elif _all(types, bool | np.bool_):
            present = present.astype(bool)
        elif _any(types, str | np.str_):
            raise ValueError(
                f"mixes values of types {', '.join(type_names(present))}; "
                "convert it to one type, e.g. strings"
            )
        else:
            present = present.astype(np.float64)
    elif kind == "f":
        missing = np.isnan(values)
        present = values[~missing]
    else:
        missing = np.zeros(values.shape, dtype=bool)
        present = values
    levels, inverse = np.unique(present, return_inverse=True)
    codes = np.full(values.shape, -1, dtype=np.intp)
    codes[~missing] = inverse.reshape(-1)
    return codes, levels


def _is_object(dtype):
    # pandas' string dtypes also have kind "O", but are not NumPy dtypes.
    return isinstance(dtype, np.dtype) and dtype.kind == "O"


def _array_kind(values):
    kind = values.dtype.kind
    if kind == "b":
        return BOOLEAN
    if kind in "iuf":
        return NUMERIC
    if kind in "US":
        return STRING
    if kind == "M":
        return DATETIME
    if kind == "m":
        return TIMEDELTA
    if kind == "O":
        return object_kind(values)
    return OTHER


class ArrayFrame:
    """A 2-D ndarray, column by column."""

    def __init__(self, X):
        self.data = X
        self.n_rows, self.n_columns = X.shape
        self.columns = list(range(self.n_columns))

    def label(self, i):
        """How error messages name column ``i``: its index, or quoted name."""
        return str(i)

    def dtype_name(self, i):
        return str(self.data.dtype)

    def kind(self, i):
        return _array_kind(self.data[:, i])

    def rows(self, start, stop):
        return type(self)(self.data[start:stop])

    def numeric(self, i):
        values = self.data[:, i]
        if values.dtype == object:
            return object_to_float(values)
        return values.astype(np.float64)

    def factorize(self, i):
        return factorize_array(self.data[:, i])


class _NamedFrame(ArrayFrame):
    """A DataFrame with column names; columns by position."""

    def __init__(self, X):
        self.data = X
        self.n_rows, self.n_columns = X.shape
        self.columns = list(X.columns)

    def label(self, i):
        return repr(self.columns[i])


class PandasFrame(_NamedFrame):
    """A pandas DataFrame; columns by position, so duplicate names work."""

    def dtype_name(self, i):
        return str(self.data.dtypes.iloc[i])

    def kind(self, i):
        import pandas as pd

        column = self.data.iloc[:, i]
        dtype = column.dtype
        types = pd.api.types
        arrow = str(getattr(dtype, "pyarrow_dtype", ""))
        if isinstance(dtype, pd.CategoricalDtype) or arrow.startswith("dictionary"):
            return CATEGORY
        if _is_object(dtype):
            return object_kind(column.to_numpy())
        if types.is_bool_dtype(dtype):
            return BOOLEAN
        if types.is_datetime64_any_dtype(dtype) or isinstance(dtype, pd.PeriodDtype):
            return DATETIME
        if types.is_timedelta64_dtype(dtype):
            return TIMEDELTA
        if types.is_complex_dtype(dtype):
            return OTHER
        if types.is_numeric_dtype(dtype):
            return NUMERIC
        if types.is_string_dtype(dtype):
            return STRING
        # Arrow-backed dates and durations report the NumPy kind they map to.
        return {"M": DATETIME, "m": TIMEDELTA}.get(getattr(dtype, "kind", ""), OTHER)

    def rows(self, start, stop):
        return type(self)(self.data.iloc[start:stop])

    def numeric(self, i):
        column = self.data.iloc[:, i]
        if _is_object(column.dtype):
            return object_to_float(column.to_numpy())
        return column.to_numpy(dtype=np.float64, na_value=np.nan)

    def factorize(self, i):
        import pandas as pd

        codes, levels = pd.factorize(self.data.iloc[:, i])
        return np.asarray(codes, dtype=np.intp), np.asarray(levels)


class PolarsFrame(_NamedFrame):
    """A polars DataFrame."""

    def dtype_name(self, i):
        return str(self.data.dtypes[i])

    def kind(self, i):
        import polars as pl

        column = self.data.to_series(i)
        dtype = column.dtype
        if dtype == pl.Categorical or dtype == pl.Enum:
            return CATEGORY
        if dtype == pl.String:
            return STRING
        if dtype == pl.Boolean:
            return BOOLEAN
        if dtype == pl.Duration:
            return TIMEDELTA
        if dtype.is_temporal():
            return DATETIME
        if dtype.is_numeric() or dtype == pl.Null:
            return NUMERIC
        if dtype == pl.Object:
            return object_kind(column.to_numpy())
        return OTHER

    def rows(self, start, stop):
        return type(self)(self.data.slice(start, stop - start))

    def numeric(self, i):
        import polars as pl

        column = self.data.to_series(i)
        if column.dtype == pl.Object:
            return object_to_float(column.to_numpy())
        # Nulls become NaN; a float column's own NaN stay NaN.
        return np.asarray(column.cast(pl.Float64).to_numpy(), dtype=np.float64)

    def factorize(self, i):
        import polars as pl

        column = self.data.to_series(i)
        dtype = column.dtype
        if dtype == pl.Object:
            return factorize_array(column.to_numpy())
        if dtype == pl.Categorical or dtype == pl.Enum:
            column = column.cast(pl.String)
        elif dtype.is_float():
            column = column.fill_nan(None)
        levels = column.drop_nulls().unique()
        if len(levels) == 0:
            return np.full(len(column), -1, dtype=np.intp), np.array([], dtype=float)
        # A hash lookup in polars: each value's position among the distinct
        # values, -1 for nulls.
        codes = column.replace_strict(
            levels,
            pl.Series(np.arange(len(levels), dtype=np.int64)),
            default=-1,
            return_dtype=pl.Int64,
        )
        return np.asarray(codes.to_numpy(), dtype=np.intp), levels.to_numpy()


def level_kind(levels):
    """'str' or 'num': how a categorical column's distinct values compare."""
    if levels.dtype.kind in "US":
        return "str"
    if levels.dtype.kind in "biuf":
        return "num"
    types = _types(levels)
    if _all(types, str | np.str_):
        return "str"
    if _all(types, bool | np.bool_ | Real | np.number):
        return "num"
    raise ValueError(
        f"mixes values of types {', '.join(type_names(levels))}; convert it to "
        "one type, e.g. strings"
    )


def level_keys(levels, kind):
    """Distinct values as sortable keys: fixed-width strings or float64."""
    if kind == "str":
        return np.asarray(levels, dtype=object).astype(str)
    try:
        return np.asarray(levels).astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            "held numeric categories when the encoder was fitted but now holds "
            f"values of types {', '.join(type_names(np.asarray(levels)))}"
        ) from exc
