"""TabularEncoder on DataFrames as users have them.

The tests build one mixed table (numbers, nullable integers, booleans, low-
and high-cardinality categories, each kind of missing value) and check the
encoding column by column against its definition, then the same table as
polars and NumPy input, the errors, the layout attributes a network will
rely on, and scikit-learn's machinery (pipelines, set_output, pickling).
"""

import pickle
import sys

import numpy as np
import pandas as pd
import polars as pl
import pytest
import skops.io as sio
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from palmerpenguins import load_penguins
from sklearn.base import clone
from sklearn.compose import ColumnTransformer, make_column_transformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

import skmlp._tabular_encoder
from skmlp import TabularEncoder

N = 3000
CITIES = ["lyon", "oslo", "paris", "rome", "wien"]


def mixed_frame(n=N, seed=0):
    """A table with every kind of column and every kind of missing value."""
    rng = np.random.default_rng(seed)
    age = rng.normal(40, 12, n).round()
    age[rng.random(n) < 0.1] = np.nan
    income = pd.array(rng.lognormal(10, 1, n).round().astype(int), dtype="Int64")
    income[rng.random(n) < 0.05] = pd.NA
    member = rng.random(n) < 0.3
    verified = pd.array(rng.random(n) < 0.6, dtype="boolean")
    verified[rng.random(n) < 0.1] = pd.NA
    city = pd.Categorical(rng.choice(CITIES, n), categories=CITIES)
    city[rng.random(n) < 0.05] = np.nan
    plan = rng.choice(["basic", "pro", "team"], n).astype(object)
    plan[rng.random(n) < 0.05] = None
    zip_code = np.array([f"{z:05d}" for z in rng.integers(0, 300, n)], dtype=object)
    zip_code[rng.random(n) < 0.02] = None
    return pd.DataFrame(
        {
            "age": age,
            "income": income,
            "score": rng.standard_normal(n),
            "member": member,
            "verified": verified,
            "city": city,
            "plan": plan,
            "zip_code": pd.Series(zip_code, dtype="string"),
        }
    )


def to_polars(frame):
    """The same table as polars columns: nulls, Categorical, Enum, String."""
    columns = {}
    for name in frame.columns:
        column = frame[name]
        values = column.astype(object).where(column.notna(), None).tolist()
        columns[name] = values
    return pl.DataFrame(
        {
            "age": pl.Series(columns["age"], dtype=pl.Float64),
            "income": pl.Series(columns["income"], dtype=pl.Int64),
            "score": pl.Series(columns["score"], dtype=pl.Float64),
            "member": pl.Series(columns["member"], dtype=pl.Boolean),
            "verified": pl.Series(columns["verified"], dtype=pl.Boolean),
            "city": pl.Series(columns["city"], dtype=pl.Enum(CITIES)),
            "plan": pl.Series(columns["plan"], dtype=pl.Categorical),
            "zip_code": pl.Series(columns["zip_code"], dtype=pl.String),
        }
    )


def robust_clip(x, bound=3.0):
    """The default numeric encoding, written out from its definition."""
    present = x[~np.isnan(x)]
    median = np.median(present)
    q25, q75 = np.percentile(present, [25, 75])
    z = (np.where(np.isnan(x), median, x) - median) / (q75 - q25)
    return z / np.sqrt(1 + (z / bound) ** 2)


@pytest.fixture(scope="module")
def frame():
    return mixed_frame()


@pytest.fixture(scope="module")
def fitted(frame):
    encoder = TabularEncoder(max_onehot_categories=8)
    return encoder, encoder.fit_transform(frame)


def test_each_column_is_encoded_by_its_kind(frame, fitted):
    encoder, Xt = fitted
    assert list(encoder.feature_kinds_) == [
        "numeric",
        "numeric",
        "numeric",
        "boolean",
        "boolean",
        "onehot",
        "onehot",
        "embedding",
    ]
    names = list(encoder.get_feature_names_out())
    column = dict(zip(names, Xt.T, strict=True))
    for name in ["age", "income", "score"]:
        x = frame[name].to_numpy(dtype=float, na_value=np.nan)
        np.testing.assert_allclose(column[name], robust_clip(x), rtol=1e-12)
        assert np.abs(column[name]).max() < 3
    assert set(np.unique(column["member"])) == {0.0, 1.0}
    np.testing.assert_array_equal(column["member"], frame["member"])
    # A missing boolean gets the median of the present ones (True is the
    # more frequent value) and is flagged.
    verified = frame["verified"].to_numpy(dtype=float, na_value=1.0)
    np.testing.assert_array_equal(column["verified"], verified)
    for name in ["age", "income", "verified"]:
        np.testing.assert_array_equal(column[f"{name}_missing"], frame[name].isna())
    assert "score_missing" not in column and "member_missing" not in column
    for city in CITIES:
        np.testing.assert_array_equal(column[f"city_{city}"], frame["city"] == city)
    np.testing.assert_array_equal(column["city_missing"], frame["city"].isna())
    np.testing.assert_array_equal(column["plan_missing"], frame["plan"].isna())


def test_embedded_codes_follow_the_sorted_categories(frame, fitted):
    encoder, Xt = fitted
    codes = Xt[:, encoder.output_slices_["embedding"]][:, 0]
    zip_categories = encoder.categories_[-1]  # the last categorical column
    assert list(zip_categories) == sorted(frame["zip_code"].dropna().unique())
    zips = frame["zip_code"]
    expected = np.where(
        zips.isna(), 1, np.searchsorted(zip_categories, zips.fillna("")) + 2
    )
    np.testing.assert_array_equal(codes, expected)
    assert encoder.embedding_cardinalities_.tolist() == [len(zip_categories) + 2]


def test_layout_attributes_describe_the_output(fitted):
    encoder, Xt = fitted
    slices = encoder.output_slices_
    assert list(slices) == ["numeric", "indicator", "onehot", "embedding"]
    assert slices["numeric"] == slice(0, encoder.n_numeric_) == slice(0, 5)
    assert slices["indicator"] == slice(5, 8)
    assert (
        slices["embedding"].stop == Xt.shape[1] == len(encoder.get_feature_names_out())
    )
    # The one-hot blocks tile their block, one per one-hot input column, and
    # every row sets exactly one column of each (all categories, and missing
    # values, were seen in fit).
    onehot = encoder.onehot_slices_
    assert onehot[0].start == slices["onehot"].start
    assert onehot[-1].stop == slices["onehot"].stop
    assert all(a.stop == b.start for a, b in zip(onehot, onehot[1:], strict=False))
    assert [s.stop - s.start for s in onehot] == [6, 4]  # 5 cities + missing
    for block in onehot:
        np.testing.assert_array_equal(Xt[:, block].sum(axis=1), 1)
    np.testing.assert_array_equal(encoder.numeric_features_, [0, 1, 2, 3, 4])
    np.testing.assert_array_equal(encoder.indicator_features_, [0, 1, 4])
    np.testing.assert_array_equal(encoder.onehot_features_, [5, 6])
    np.testing.assert_array_equal(encoder.embedding_features_, [7])
    codes = Xt[:, slices["embedding"]]
    assert (codes >= 0).all()
    assert (codes < encoder.embedding_cardinalities_).all()
    np.testing.assert_array_equal(codes, codes.round())


def test_feature_names_are_readable(fitted):
    encoder, _ = fitted
    assert list(encoder.get_feature_names_out()) == [
        "age",
        "income",
        "score",
        "member",
        "verified",
        "age_missing",
        "income_missing",
        "verified_missing",
        "city_lyon",
        "city_oslo",
        "city_paris",
        "city_rome",
        "city_wien",
        "city_missing",
        "plan_basic",
        "plan_pro",
        "plan_team",
        "plan_missing",
        "zip_code_code",
    ]
    np.testing.assert_array_equal(encoder.feature_names_in_, list(mixed_frame(5)))
    assert encoder.n_features_in_ == 8


def test_unknown_categories_encode_without_error(frame, fitted):
    encoder, _ = fitted
    new = frame.head(3).copy()
    new["city"] = pd.Categorical(["tokyo", "paris", None])
    new["plan"] = ["enterprise", "pro", "basic"]
    new["zip_code"] = pd.Series(["99999", "00007", None], dtype="string")
    Xt = encoder.transform(new)
    names = list(encoder.get_feature_names_out())
    city = Xt[:, encoder.onehot_slices_[0]]
    np.testing.assert_array_equal(city[0], 0)  # unknown: no column set
    assert city[1, names.index("city_paris") - encoder.onehot_slices_[0].start] == 1
    assert city[2, -1] == 1  # missing
    assert Xt[0, encoder.onehot_slices_[1]].sum() == 0
    assert Xt[0, -1] == 0  # the unknown code
    assert Xt[2, -1] == 1  # the missing code


def test_infrequent_categories_share_the_unknown_code():
    X = pd.DataFrame({"c": ["a"] * 5 + ["b"] * 3 + ["c", "d"] + [None]})
    encoder = TabularEncoder(min_frequency=2).fit(X)
    assert list(encoder.categories_[0]) == ["a", "b"]
    assert list(encoder.infrequent_categories_[0]) == ["c", "d"]
    assert list(encoder.get_feature_names_out()) == [
        "c_a",
        "c_b",
        "c_missing",
        "c_infrequent",
    ]
    new = pd.DataFrame({"c": ["a", "c", "zzz", None]})
    np.testing.assert_array_equal(
        encoder.transform(new),
        [[1, 0, 0, 0], [0, 0, 0, 1], [0, 0, 0, 1], [0, 0, 1, 0]],
    )
    # As embedding codes: 0 unknown or infrequent, 1 missing, then a, b.
    embedded = TabularEncoder(min_frequency=2, max_onehot_categories=0).fit(X)
    assert embedded.transform(new).ravel().tolist() == [2, 0, 0, 1]
    assert embedded.embedding_cardinalities_.tolist() == [4]
    # A fraction of the rows, and no threshold at all.
    rare = TabularEncoder(min_frequency=0.4).fit(X)
    assert list(rare.categories_[0]) == ["a"]
    assert len(TabularEncoder(min_frequency=None).fit(X).categories_[0]) == 4


def test_missing_value_at_transform_in_a_column_without_any_in_fit():
    X = pd.DataFrame({"c": ["a", "b"] * 5, "x": np.arange(10.0)})
    encoder = TabularEncoder().fit(X)
    Xt = encoder.transform(pd.DataFrame({"c": [None], "x": [np.nan]}))
    # No indicator nor missing column exists: the number is imputed (the
    # median encodes as 0) and the category is unknown.
    assert list(encoder.get_feature_names_out()) == ["x", "c_a", "c_b"]
    np.testing.assert_array_equal(Xt, [[0, 0, 0]])
    codes = TabularEncoder(max_onehot_categories=0).fit(X)
    assert codes.transform(pd.DataFrame({"c": [None], "x": [1.0]}))[0, -1] == 0


@pytest.mark.parametrize(
    "missing",
    [np.nan, None, pd.NA],
    ids=["nan", "none", "pd.NA"],
)
def test_each_kind_of_missing_value(missing):
    X = pd.DataFrame(
        {
            "number": pd.Series([1.0, 2.0, missing, 4.0, 5.0], dtype=object),
            "text": pd.Series(["a", missing, "b", "a", "b"], dtype=object),
        }
    )
    encoder = TabularEncoder().fit(X)
    assert list(encoder.get_feature_names_out()) == [
        "number",
        "number_missing",
        "text_a",
        "text_b",
        "text_missing",
    ]
    Xt = encoder.transform(X)
    np.testing.assert_array_equal(Xt[:, 1], [0, 0, 1, 0, 0])
    np.testing.assert_array_equal(Xt[:, 4], [0, 1, 0, 0, 0])


def test_numeric_scaling_options():
    x = np.array([0.0, 1, 1, 1, 1, 1, 2, np.nan])  # quartiles equal
    X = pd.DataFrame({"x": x, "const": 5.0, "wide": np.arange(8.0) * 100})
    robust = TabularEncoder(max_absolute_value=None).fit(X)
    # Equal quartiles fall back to half the range; a constant column
    # encodes as 0, even for a value not seen in fit.
    np.testing.assert_allclose(robust.scale_, [1.0, np.inf, 525.0 - 175.0])
    Xt = robust.transform(pd.DataFrame({"x": [3.0], "const": [7.0], "wide": [0.0]}))
    np.testing.assert_allclose(Xt[0, :3], [2.0, 0.0, -1.0])
    standard = TabularEncoder(numeric_scaling="standard", numeric_imputation="mean")
    Xt = standard.fit_transform(X)
    present = x[~np.isnan(x)]
    z = (np.where(np.isnan(x), present.mean(), x) - present.mean()) / present.std()
    np.testing.assert_allclose(Xt[:, 0], z / np.sqrt(1 + (z / 3) ** 2))
    raw = TabularEncoder(numeric_scaling=None, max_absolute_value=None).fit(X)
    np.testing.assert_allclose(raw.transform(X)[:, 2], X["wide"])
    np.testing.assert_allclose(
        TabularEncoder(quantile_range=(0, 100)).fit(X).scale_[2], 700
    )
    assert TabularEncoder(add_indicator=False).fit(X).output_slices_["indicator"] == (
        slice(3, 3)
    )


def test_smooth_clipping_bounds_outliers_and_keeps_their_order():
    x = np.concatenate([np.linspace(-1, 1, 50), [1e3, 1e6, -1e9]])
    Xt = TabularEncoder(max_absolute_value=2.0).fit_transform(x[:, None])[:, 0]
    # Far out, the bound itself is the nearest float.
    assert np.abs(Xt).max() == 2 and np.abs(Xt[:-2]).max() < 2
    assert Xt[-3] < Xt[-2] and Xt[-1] == Xt.min()
    order = np.argsort(x)
    assert (np.diff(Xt[order]) >= 0).all()
    assert (np.diff(Xt[order][1:-1]) > 0).all()


def test_polars_input_equals_pandas_input(frame, fitted):
    encoder, Xt = fitted
    polars_frame = to_polars(frame)
    polars_encoder = clone(encoder).fit(polars_frame)
    np.testing.assert_array_equal(polars_encoder.transform(polars_frame), Xt)
    np.testing.assert_array_equal(
        polars_encoder.get_feature_names_out(), encoder.get_feature_names_out()
    )
    # Fitted on pandas, transforming polars (and the reverse) also agree.
    np.testing.assert_array_equal(encoder.transform(polars_frame), Xt)
    np.testing.assert_array_equal(polars_encoder.transform(frame), Xt)


def test_arrow_backed_pandas_columns(frame, fitted):
    """pandas columns stored by pyarrow (in the test extra through the dask
    extra) encode like their NumPy-backed counterparts."""
    import pyarrow as pa

    encoder, Xt = fitted
    arrow = frame.astype(
        {
            "age": "double[pyarrow]",
            "income": "int64[pyarrow]",
            "member": "bool[pyarrow]",
            "verified": "bool[pyarrow]",
            "city": pd.ArrowDtype(pa.dictionary(pa.int32(), pa.string())),
            "plan": "string[pyarrow]",
            "zip_code": pd.ArrowDtype(pa.string()),
        }
    )
    np.testing.assert_array_equal(clone(encoder).fit(arrow).transform(arrow), Xt)


def test_polars_float_nan_and_null_are_both_missing():
    X = pl.DataFrame({"x": [1.0, None, float("nan"), 4.0]})
    encoder = TabularEncoder().fit(X)
    np.testing.assert_array_equal(encoder.transform(X)[:, 1], [0, 1, 1, 0])


def test_numpy_input(frame, fitted):
    encoder, Xt = fitted
    numeric = frame[["age", "score"]]
    from_pandas = TabularEncoder().fit_transform(numeric)
    from_numpy = TabularEncoder().fit_transform(numeric.to_numpy())
    np.testing.assert_array_equal(from_numpy, from_pandas)
    # An object array, with its string column named by index.
    objects = frame[["age", "plan", "city"]].astype(object).to_numpy()
    for categorical in ("from_dtype", [1, 2], [False, True, True]):
        numpy_encoder = TabularEncoder(categorical_features=categorical).fit(objects)
        expected = TabularEncoder().fit_transform(frame[["age", "plan", "city"]])
        np.testing.assert_array_equal(numpy_encoder.transform(objects), expected)
    assert list(numpy_encoder.get_feature_names_out())[:3] == [
        "x0",
        "x0_missing",
        "x1_basic",
    ]
    strings = np.array([["a", "x"], ["b", "y"], ["a", "y"]])
    assert TabularEncoder().fit_transform(strings).shape == (3, 4)


def test_object_arrays_without_pandas_loaded(monkeypatch):
    """Where pandas was never imported, NumPy finds None and NaN itself."""
    X = np.array([[1.0, "a"], [None, None], [np.nan, "b"], [4.0, "a"]], dtype=object)
    expected = TabularEncoder(min_frequency=1).fit_transform(X)
    monkeypatch.delitem(sys.modules, "pandas")
    np.testing.assert_array_equal(
        TabularEncoder(min_frequency=1).fit_transform(X), expected
    )
    assert expected[:, 1].tolist() == [0, 1, 1, 0]  # the missing indicator
    assert expected[:, -1].tolist() == [0, 1, 0, 0]  # the missing category


def test_categorical_features_by_name_index_and_mask():
    X = pd.DataFrame(
        {"n": [1, 2, 3, 1, 2, 3], "z": [10, 20, 10, 20, 10, 20], "c": list("aabbcc")}
    )
    expected = TabularEncoder(categorical_features=["z", "c"]).fit(X)
    assert list(expected.get_feature_names_out()) == [
        "n",
        "z_10",
        "z_20",
        "c_a",
        "c_b",
        "c_c",
    ]
    assert expected.categories_[0].dtype == np.int64
    for spec in ([1, 2], np.array([False, True, True]), ("c", "z")):
        encoder = TabularEncoder(categorical_features=spec).fit(X)
        np.testing.assert_array_equal(encoder.transform(X), expected.transform(X))
    # Listing only some columns leaves numbers numeric.
    numbers = TabularEncoder(categorical_features=[]).fit(X[["n", "z"]])
    assert list(numbers.feature_kinds_) == ["numeric", "numeric"]
    none = TabularEncoder(categorical_features=None).fit(X[["n", "z"]])
    assert list(none.feature_kinds_) == ["numeric", "numeric"]


@pytest.mark.parametrize(
    "spec, message",
    [
        (["c", "nope"], r"categorical_features names \['nope'\], which are not"),
        ([0, 5], r"indices \[5\] out of range for X with 3 columns"),
        ([True, False], r"one entry per column of X \(3\), got 2"),
        ([1.5], "must be 'from_dtype', None, or a list of column names"),
        (None, r"Column\(s\) 'c' \(str\) of X hold strings or categories but are"),
        ([0], r"Column\(s\) 'c' \(str\) of X hold strings or categories but are"),
    ],
)
def test_bad_categorical_features_name_the_problem(spec, message):
    X = pd.DataFrame({"n": [1.0, 2.0], "z": [1, 2], "c": ["a", "b"]})
    with pytest.raises(ValueError, match=message):
        TabularEncoder(categorical_features=spec).fit(X)


def test_names_in_categorical_features_need_column_names():
    with pytest.raises(ValueError, match="X has no column names"):
        TabularEncoder(categorical_features=["a"]).fit(np.zeros((3, 2)))


@pytest.mark.parametrize(
    "column, advice",
    [
        (pd.date_range("2024-01-01", periods=4), "DatetimeEncoder"),
        (pd.date_range("2024-01-01", periods=4, tz="Europe/Paris"), "DatetimeEncoder"),
        (pd.to_timedelta([1, 2, 3, 4], unit="D"), "total_seconds"),
        (pd.period_range("2024-01", periods=4, freq="M"), "DatetimeEncoder"),
        (
            pd.Series(pd.date_range("2024-01-01", periods=4).date, dtype=object),
            "DatetimeEncoder",
        ),
    ],
    ids=["datetime64", "tz-aware", "timedelta", "period", "date-objects"],
)
def test_dates_and_durations_are_rejected_with_advice(column, advice):
    X = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "when": column})
    with pytest.raises(ValueError, match=rf"'when' \(.*\) of X.*{advice}"):
        TabularEncoder().fit(X)
    # Listing the column as categorical does not make it encodable.
    with pytest.raises(ValueError, match=advice):
        TabularEncoder(categorical_features=["when"]).fit(X)


@pytest.mark.parametrize(
    "dtype, advice",
    [
        (pl.Date, "DatetimeEncoder"),
        (pl.Datetime, "DatetimeEncoder"),
        (pl.Duration, "total_seconds"),
    ],
)
def test_polars_dates_and_durations_are_rejected(dtype, advice):
    X = pl.DataFrame({"x": [1.0, 2.0], "when": pl.Series([1, 2]).cast(dtype)})
    with pytest.raises(ValueError, match=rf"'when'.*{advice}"):
        TabularEncoder().fit(X)


def test_free_text_and_identifier_columns_are_rejected_with_advice():
    rng = np.random.default_rng(0)
    comments = [f"comment {i} about item {rng.integers(1000)}" for i in range(500)]
    X = pd.DataFrame({"x": np.arange(500.0), "comment": comments})
    with pytest.raises(ValueError, match="'comment' of X looks like free text") as e:
        TabularEncoder().fit(X)
    assert "500 distinct values among 500 present" in str(e.value)
    assert "StringEncoder or TextEncoder" in str(e.value)
    # The ways out the message gives: a category dtype, or listing it.
    as_category = X.astype({"comment": "category"})
    encoder = TabularEncoder(min_frequency=None).fit(as_category)
    assert encoder.embedding_cardinalities_.tolist() == [502]
    listed = TabularEncoder(categorical_features=["comment"]).fit(X)
    # Seen once each, all the values are infrequent: a single column.
    assert len(listed.infrequent_categories_[0]) == 500
    assert listed.get_feature_names_out()[-1] == "comment_infrequent"
    # Many categories, each seen several times, are categories.
    zips = pd.DataFrame({"zip": [f"{i % 400:05d}" for i in range(2000)]})
    assert TabularEncoder().fit(zips).embedding_cardinalities_.tolist() == [402]


def test_mixed_types_and_infinity_are_rejected_naming_the_column():
    mixed = pd.DataFrame({"ok": [1.0, 2.0, 3.0], "bad": ["a", 1, "b"]})
    with pytest.raises(ValueError, match="Column 'bad' of X: mixes values of types"):
        TabularEncoder().fit(mixed)
    infinite = pd.DataFrame({"ok": [1.0, 2.0], "big": [1.0, np.inf]})
    with pytest.raises(ValueError, match="Column 'big' of X contains infinity"):
        TabularEncoder().fit(infinite)
    encoder = TabularEncoder().fit(pd.DataFrame({"ok": [1.0, 2.0], "n": [1.0, 2.0]}))
    with pytest.raises(ValueError, match="Column 'n' of X: could not convert"):
        encoder.transform(pd.DataFrame({"ok": [1.0], "n": ["seven"]}))


@pytest.mark.parametrize(
    "X, message",
    [
        (pd.DataFrame({"x": []}), "0 sample"),
        (pd.DataFrame(index=[0, 1]), "0 feature"),
        (pl.DataFrame({"x": []}), "0 sample"),
    ],
)
def test_empty_frames_are_rejected(X, message):
    with pytest.raises(ValueError, match=f"Found array with {message}"):
        TabularEncoder().fit(X)


def test_a_failed_fit_leaves_the_encoder_unchanged(frame, fitted):
    encoder = clone(fitted[0]).fit(frame)
    before = pickle.dumps(encoder)
    bad = frame.assign(zip_code=pd.date_range("2024-01-01", periods=len(frame)))
    with pytest.raises(ValueError, match="DatetimeEncoder"):
        encoder.fit(bad)
    assert pickle.dumps(encoder) == before
    fresh = TabularEncoder()
    with pytest.raises(ValueError):
        fresh.fit(bad)
    assert vars(fresh) == vars(TabularEncoder())


def test_float32_output(frame, fitted):
    encoder, Xt = fitted
    Xt32 = TabularEncoder(dtype=np.float32).fit_transform(frame)
    assert Xt32.dtype == np.float32
    np.testing.assert_allclose(Xt32, Xt, rtol=1e-6, atol=1e-7)
    for dtype in (np.int64, "float16", "no such dtype"):
        with pytest.raises(ValueError, match="dtype must be np.float32 or np.flo"):
            TabularEncoder(dtype=dtype).fit(frame)


@pytest.mark.parametrize("quantile_range", [(80, 20), (-1, 50), (10, 50, 90)])
def test_bad_quantile_range(quantile_range):
    with pytest.raises(ValueError, match="Invalid quantile range"):
        TabularEncoder(quantile_range=quantile_range).fit(np.ones((3, 1)))


def test_set_output_pandas_and_polars(frame, fitted):
    encoder, Xt = fitted
    indexed = frame.set_axis(np.arange(len(frame)) * 10)
    out = clone(encoder).set_output(transform="pandas").fit_transform(indexed)
    assert list(out.columns) == list(encoder.get_feature_names_out())
    np.testing.assert_array_equal(out.index, indexed.index)
    np.testing.assert_array_equal(out.to_numpy(), Xt)
    out = clone(encoder).set_output(transform="polars").fit(frame).transform(frame)
    assert isinstance(out, pl.DataFrame)
    assert out.columns == list(encoder.get_feature_names_out())


def test_in_pipelines_and_column_transformers(frame):
    y = (frame["score"] > 0) | (frame["city"] == "rome")
    # One-hot encoding every category makes the output fit any estimator.
    model = make_pipeline(
        TabularEncoder(max_onehot_categories=None), LogisticRegression(max_iter=500)
    )
    assert model.fit(frame, y).score(frame, y) > 0.9
    assert len(model[0].embedding_features_) == 0
    transformer = make_column_transformer(
        (TabularEncoder(), ["age", "city"]),
        ("passthrough", ["score"]),
        verbose_feature_names_out=False,
    )
    Xt = transformer.fit_transform(frame)
    assert list(transformer.get_feature_names_out())[:3] == [
        "age",
        "age_missing",
        "city_lyon",
    ]
    np.testing.assert_array_equal(Xt[:, -1], frame["score"])
    assert isinstance(transformer, ColumnTransformer)


def test_clone_pickle_and_skops(frame, fitted):
    encoder, Xt = fitted
    restored = pickle.loads(pickle.dumps(encoder))
    np.testing.assert_array_equal(restored.transform(frame), Xt)
    assert clone(encoder).get_params() == encoder.get_params()
    # skops finds nothing to trust beyond the class itself: the fitted state
    # is arrays, lists, dicts and slices.
    data = sio.dumps(encoder)
    untrusted = sio.get_untrusted_types(data=data)
    assert untrusted == ["skmlp._tabular_encoder.TabularEncoder"]
    restored = sio.loads(data, trusted=untrusted)
    np.testing.assert_array_equal(restored.transform(frame), Xt)


def test_chunks_give_the_same_result(monkeypatch, frame, fitted):
    """Row chunks of 7 (not dividing the rows) encode like one pass."""
    encoder, Xt = fitted
    monkeypatch.setattr(skmlp._tabular_encoder, "CHUNK_ROWS", 7)
    np.testing.assert_array_equal(encoder.transform(frame), Xt)
    np.testing.assert_array_equal(encoder.transform(to_polars(frame)), Xt)
    objects = frame[["age", "plan"]].astype(object).to_numpy()
    small = TabularEncoder(max_onehot_categories=1).fit(objects)
    monkeypatch.setattr(skmlp._tabular_encoder, "CHUNK_ROWS", 65536)
    expected = small.transform(objects)
    monkeypatch.setattr(skmlp._tabular_encoder, "CHUNK_ROWS", 7)
    np.testing.assert_array_equal(small.transform(objects), expected)


def python_events(function):
    """Number of lines and calls of Python code that ``function()`` runs.

    A loop in Python code reports a line event per iteration, so a loop over
    rows would make the count grow with the rows.
    """
    events = 0

    def trace(frame, event, arg):
        nonlocal events
        events += 1
        return trace

    previous = sys.gettrace()  # e.g. a coverage tracer, put back after
    sys.settrace(trace)
    try:
        function()
    finally:
        sys.settrace(previous)
    return events


@pytest.mark.parametrize("backend", ["pandas", "polars", "numpy"])
def test_no_python_work_per_row(backend, fitted):
    """Ten times the rows (in one chunk) run no more Python code: all the
    work per row happens in compiled code."""
    encoder = clone(fitted[0])
    small, large = mixed_frame(2000, seed=1), mixed_frame(20000, seed=2)
    if backend == "polars":
        small, large = to_polars(small), to_polars(large)
    elif backend == "numpy":
        columns = ["age", "score", "member", "plan"]
        small = small[columns].astype(object).to_numpy()
        large = large[columns].astype(object).to_numpy()
    encoder.fit(large)
    encoder.transform(small)  # imports and caches warmed up
    counts = [python_events(lambda X=X: encoder.transform(X)) for X in (small, large)]
    assert counts[1] <= counts[0] * 1.1, counts


def test_a_large_table_encodes_in_chunks():
    X = mixed_frame(300_000, seed=3)
    encoder = TabularEncoder(dtype=np.float32).fit(X)
    Xt = encoder.transform(X)
    assert Xt.shape == (300_000, 19) and Xt.flags.c_contiguous
    for block in encoder.onehot_slices_:
        np.testing.assert_array_equal(Xt[:, block].sum(axis=1), 1)
    np.testing.assert_array_equal(Xt[:, 5], X["age"].isna())


def test_penguins():
    X = load_penguins().drop(columns="species")
    encoder = TabularEncoder().fit(X)
    assert list(encoder.get_feature_names_out()) == [
        "bill_length_mm",
        "bill_depth_mm",
        "flipper_length_mm",
        "body_mass_g",
        "year",
        "bill_length_mm_missing",
        "bill_depth_mm_missing",
        "flipper_length_mm_missing",
        "body_mass_g_missing",
        "island_Biscoe",
        "island_Dream",
        "island_Torgersen",
        "sex_female",
        "sex_male",
        "sex_missing",
    ]
    Xt = encoder.transform(X)
    assert np.isfinite(Xt).all() and np.abs(Xt[:, :5]).max() < 3


@settings(max_examples=50, deadline=None)
@given(
    x=arrays(
        np.float64,
        st.integers(1, 60),
        elements=st.floats(-1e6, 1e6) | st.just(np.nan),
    ),
    bound=st.floats(0.5, 10),
)
def test_numeric_encoding_is_bounded_monotone_and_row_wise(x, bound):
    encoder = TabularEncoder(max_absolute_value=bound).fit(x[:, None])
    z = encoder.transform(x[:, None])[:, 0]
    assert np.isfinite(z).all() and (np.abs(z) <= bound).all()
    present = ~np.isnan(x)
    order = np.argsort(x[present], kind="stable")
    assert (np.diff(z[present][order]) >= 0).all()
    # Each row's encoding depends on that row alone.
    np.testing.assert_array_equal(encoder.transform(x[::-1, None])[:, 0], z[::-1])


@settings(max_examples=50, deadline=None)
@given(
    # With "a" at least once: a column of None alone would be numeric.
    values=st.lists(st.sampled_from(["a", "b", "c", "d", None]), max_size=40).map(
        lambda values: ["a", *values]
    ),
    new=st.lists(st.sampled_from(["a", "b", "e", None]), min_size=1, max_size=10),
    limit=st.integers(0, 5),
)
def test_categories_encode_consistently(values, new, limit):
    X = pd.DataFrame({"c": pd.Series(values, dtype=object)})
    encoder = TabularEncoder(max_onehot_categories=limit, min_frequency=1).fit(X)
    Xt = encoder.transform(pd.DataFrame({"c": pd.Series(values + new, dtype=object)}))
    assert Xt.shape[1] == len(encoder.get_feature_names_out())
    if encoder.feature_kinds_[0] == "onehot":
        assert set(Xt.sum(axis=1)) <= {0.0, 1.0}
        assert (Xt[: len(values)].sum(axis=1) == 1).all()
    # Equal values, and only equal values, share an encoding.
    keys = ["<missing>" if v is None else v for v in values + new]
    for a, b in [(i, j) for i in range(len(keys)) for j in range(len(keys))]:
        known = keys[a] in keys[: len(values)]
        if keys[a] == keys[b]:
            np.testing.assert_array_equal(Xt[a], Xt[b])
        elif known and keys[b] in keys[: len(values)]:
            assert not np.array_equal(Xt[a], Xt[b])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_numeric_array_path_equals_the_column_path(dtype, monkeypatch):
    from skmlp import _tabular_encoder

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 6)) * [1, 10, 100, 1e3, 1e-3, 1]
    X[rng.random(X.shape) < 0.1] = np.nan
    X[0, 1] = 1e9  # clipped
    X = X.astype(dtype)
    encoder = TabularEncoder().fit(X)
    # With missing values, and without: the fast path's shortcut.
    complete = X[~np.isnan(X).any(axis=1)]
    fast = [encoder.transform(X), encoder.transform(complete)]
    monkeypatch.setattr(_tabular_encoder, "encode_numeric_array", lambda *a: None)
    np.testing.assert_array_equal(fast[0], encoder.transform(X))
    np.testing.assert_array_equal(fast[1], encoder.transform(complete))
    monkeypatch.undo()
    X[3, 2] = np.inf
    with pytest.raises(ValueError, match="infinity"):
        encoder.transform(X)
