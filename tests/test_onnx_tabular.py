"""ONNX export of TabularEncoder: onnxruntime computes what ``transform`` does.

Each test fits an encoder on a mixed table (penguins with their missing
measurements and sexes, or a synthetic table with every kind of column),
converts it with ``skl2onnx.to_onnx`` once ``skmlp.onnx`` is imported, feeds
onnxruntime the rows as :func:`skmlp.onnx.input_feed` builds them and compares
the output with ``transform``: to ``1e-12`` in float64 (in practice bit for
bit, the graph computes the same operations), to ``1e-5`` in float32.
"""

import copy
from functools import cache

import numpy as np
import onnxruntime as ort
import pandas as pd
import polars as pl
import pytest
from palmerpenguins import load_penguins
from skl2onnx import to_onnx
from skl2onnx.common.data_types import (
    DoubleTensorType,
    FloatTensorType,
    StringTensorType,
)
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from skmlp import (
    MLPClassifier,
    TabularEncoder,
    TabularMLPClassifier,
    TabularMLPRegressor,
)
from skmlp._onnx_tabular_network import ACTIVATIONS as TABULAR_ACTIVATIONS
from skmlp._tabular_math import BASE_ACTIVATIONS
from skmlp.onnx import input_feed, input_types

DTYPES = [np.float32, np.float64]
TOLERANCE = {np.float32: 1e-5, np.float64: 1e-12}
CITIES = ["lyon", "oslo", "paris", "rome", "wien"]


def mixed_frame(n, seed=0):
    """Numbers, nullable integers, booleans, a category dtype, strings and a
    string column of a few hundred levels, each with missing values."""
    rng = np.random.default_rng(seed)
    age = rng.normal(40, 12, n).round()
    age[rng.random(n) < 0.1] = np.nan
    income = pd.array(rng.lognormal(10, 1, n).round().astype(int), dtype="Int64")
    income[rng.random(n) < 0.05] = pd.NA
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
            "member": rng.random(n) < 0.3,
            "verified": verified,
            "city": city,
            "plan": plan,
            "zip_code": pd.Series(zip_code, dtype="string"),
        }
    )


def unseen(frame):
    """``frame`` with categories and values fit never saw."""
    frame = frame.copy()
    frame.loc[:5, "plan"] = "enterprise"
    frame["city"] = frame["city"].cat.add_categories(["bern"])
    frame.loc[6:9, "city"] = "bern"
    frame.loc[10:15, "zip_code"] = "99999"
    frame.loc[16:20, "age"] = [-1e6, 1e6, 1e30, -1e30, 0.0]
    frame.loc[21:25, "income"] = pd.NA
    return frame


def session(model, dtype, **kwargs):
    kwargs.setdefault("initial_types", input_types(model, dtype))
    onx = to_onnx(model, **kwargs)
    return ort.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )


def assert_same_encoding(encoder, sess, X, dtype, feed=None):
    (out,) = sess.run(None, feed or input_feed(encoder, X, dtype))
    assert out.dtype == dtype
    expected = encoder.transform(X)
    assert out.shape == expected.shape
    # Relative too: without clipping, an outlier encodes as a large number.
    tolerance = TOLERANCE[dtype]
    np.testing.assert_allclose(out, expected, rtol=tolerance, atol=tolerance)
    return out


@pytest.fixture(scope="module")
def frame():
    return mixed_frame(2000)


@pytest.mark.parametrize("dtype", DTYPES)
def test_penguins(dtype):
    X = load_penguins()
    encoder = TabularEncoder().fit(X)
    assert encoder.indicator_features_.size and any(encoder._has_missing)
    assert_same_encoding(encoder, session(encoder, dtype), X, dtype)


def test_penguins_with_the_types_skl2onnx_guesses():
    # to_onnx(model, X) declares each column from its first value: strings,
    # doubles and int64 here. A missing string is fed as the empty string.
    X = load_penguins()
    encoder = TabularEncoder().fit(X)
    sess = session(encoder, np.float64, X=X, initial_types=None)
    feed = {c: X[[c]].to_numpy() for c in X.columns}
    for c in ["species", "island", "sex"]:
        feed[c] = X[[c]].fillna("").to_numpy(dtype=object)
    assert_same_encoding(encoder, sess, X, np.float64, feed)


def test_booleans_integers_and_categories_with_the_types_skl2onnx_guesses():
    rng = np.random.default_rng(0)
    n = 300
    X = pd.DataFrame(
        {
            "number": rng.normal(size=n),
            "count": rng.integers(0, 100, n),
            "flag": rng.random(n) < 0.5,
            "plan": rng.choice(["basic", "pro", "team"], n).astype(object),
            "city": pd.Categorical(rng.choice(CITIES, n)),
        }
    )
    X.loc[3:4, "number"] = np.nan
    X.loc[5:9, "plan"] = None
    encoder = TabularEncoder().fit(X)
    sess = session(encoder, np.float64, X=X, initial_types=None)
    assert [i.type for i in sess.get_inputs()] == [
        "tensor(double)",
        "tensor(int64)",
        "tensor(bool)",
        "tensor(string)",
        "tensor(string)",
    ]
    feed = {c: X[[c]].to_numpy() for c in ["number", "count", "flag"]}
    for c in ["plan", "city"]:
        feed[c] = X[[c]].astype(object).fillna("").to_numpy()
    assert_same_encoding(encoder, sess, X, np.float64, feed)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "params",
    [
        {},
        {"max_onehot_categories": None},
        {"max_onehot_categories": 0},
        {"min_frequency": 0.05, "numeric_imputation": "mean"},
        {
            "numeric_scaling": "standard",
            "max_absolute_value": None,
            "add_indicator": False,
            "min_frequency": None,
        },
        {"numeric_scaling": None, "max_absolute_value": 1.5},
    ],
)
def test_mixed_table_with_unseen_values(frame, params, dtype):
    encoder = TabularEncoder(**params).fit(frame)
    sess = session(encoder, dtype)
    assert_same_encoding(encoder, sess, frame, dtype)
    assert_same_encoding(encoder, sess, unseen(mixed_frame(300, seed=1)), dtype)


def test_embedding_codes_and_onehot_blocks(frame):
    encoder = TabularEncoder().fit(frame)
    assert list(encoder.feature_kinds_[encoder.embedding_features_]) == ["embedding"]
    assert encoder.embedding_cardinalities_[0] > 100
    X = unseen(mixed_frame(300, seed=1))
    out = assert_same_encoding(encoder, session(encoder, np.float64), X, np.float64)
    codes = out[:, encoder.output_slices_["embedding"]]
    assert codes[10:16].ravel().tolist() == [0] * 6  # an unknown zip code
    assert set(codes[X["zip_code"].isna().to_numpy()].ravel()) == {1}
    plan = out[:, encoder.onehot_slices_[1]]
    assert not plan[:6].any()  # 'enterprise' has no column


@pytest.mark.parametrize("dtype", DTYPES)
def test_huge_values_are_clipped_to_the_bound(dtype):
    # Past the float32 range a value is fed as inf, which the smooth
    # clipping maps to the bound, as the encoder maps 1e300.
    X = pd.DataFrame({"x": [-1e300, -1.0, 0.0, 1.0, 2.0, 1e300]})
    encoder = TabularEncoder().fit(X.iloc[1:5])
    with np.errstate(over="ignore"):
        feed = input_feed(encoder, X, dtype)
    out = assert_same_encoding(encoder, session(encoder, dtype), X, dtype, feed)
    assert out[[0, -1], 0].tolist() == [-3.0, 3.0]


def test_polars_input(frame):
    encoder = TabularEncoder().fit(frame)
    polars_frame = pl.from_pandas(frame.astype({"city": object}))
    (out,) = session(encoder, np.float64).run(
        None, input_feed(encoder, polars_frame, np.float64)
    )
    np.testing.assert_array_equal(out, encoder.transform(frame))


@pytest.mark.parametrize("dtype", DTYPES)
def test_numpy_input_as_one_tensor_or_one_per_column(dtype):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 4)) * [1, 10, 1e3, 1]
    X[rng.random(X.shape) < 0.1] = np.nan
    X[:, 2] = 5.0  # a constant column: scale inf, encoded as 0
    X[:, 3] = rng.integers(0, 4, 300)  # numeric categories
    encoder = TabularEncoder(categorical_features=[3]).fit(X)
    sess = session(encoder, dtype, X=X[:1].astype(dtype), initial_types=None)
    assert_same_encoding(encoder, sess, X, dtype, {"X": X.astype(dtype)})
    assert [name for name, _ in input_types(encoder)] == ["x0", "x1", "x2", "x3"]
    assert_same_encoding(encoder, session(encoder, dtype), X, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_numeric_and_boolean_categories(dtype):
    rng = np.random.default_rng(1)
    n = 400
    X = pd.DataFrame(
        {
            "floor": pd.Categorical(rng.integers(0, 12, n)),
            "rate": rng.choice([0.1, 0.25, 1 / 3, np.nan], n),
            "flag": rng.random(n) < 0.5,
            "count": rng.integers(0, 300, n),
        }
    )
    encoder = TabularEncoder(
        categorical_features=["floor", "rate", "flag", "count"]
    ).fit(X)
    assert encoder.embedding_features_.size == 2
    new = X.copy()
    new["rate"] = rng.choice([0.1, 0.2, 1 / 3, np.nan], n)
    new["count"] = rng.integers(-5, 400, n)
    sess = session(encoder, dtype)
    assert_same_encoding(encoder, sess, X, dtype)
    assert_same_encoding(encoder, sess, new, dtype)


def test_inputs_are_matched_by_name():
    X = load_penguins()
    encoder = TabularEncoder().fit(X)
    types = input_types(encoder, np.float64)[::-1]
    sess = session(encoder, np.float64, initial_types=types)
    assert [i.name for i in sess.get_inputs()] == [name for name, _ in types]
    assert_same_encoding(encoder, sess, X, np.float64)


def test_input_types_follow_the_columns():
    encoder = TabularEncoder().fit(load_penguins())
    types = dict(input_types(encoder, np.float64))
    assert isinstance(types["sex"], StringTensorType)
    assert isinstance(types["year"], DoubleTensorType)
    assert types["year"].shape == [None, 1]
    assert isinstance(dict(input_types(encoder))["year"], FloatTensorType)
    with pytest.raises(ValueError, match="float32 or np.float64"):
        input_types(encoder, np.int64)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "final",
    [
        LogisticRegression(max_iter=1000),
        MLPClassifier((8,), solver="lbfgs", max_iter=50, random_state=0),
    ],
    ids=["LogisticRegression", "MLPClassifier"],
)
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_in_a_pipeline(final, dtype):
    data = load_penguins()
    X, y = data.drop(columns="species"), data["species"]
    pipe = make_pipeline(TabularEncoder(), clone(final)).fit(X, y)
    sess = session(pipe, dtype, options={"zipmap": False})
    labels, proba = sess.run(None, input_feed(pipe, X, dtype))
    np.testing.assert_array_equal(labels, pipe.predict(X))
    np.testing.assert_allclose(
        proba, pipe.predict_proba(X), rtol=0, atol=TOLERANCE[dtype]
    )


def test_unfitted_encoder():
    with pytest.raises(NotFittedError, match="call 'fit'"):
        to_onnx(TabularEncoder(), initial_types=[("X", FloatTensorType([None, 3]))])
    with pytest.raises(NotFittedError):
        input_types(TabularEncoder())


def test_wrong_inputs_are_named():
    encoder = TabularEncoder().fit(load_penguins())
    types = input_types(encoder)
    with pytest.raises(ValueError, match="fitted on 8 columns"):
        to_onnx(encoder, initial_types=types[:3])
    wrong = [(n, FloatTensorType([None, 1]) if n == "sex" else t) for n, t in types]
    with pytest.raises(TypeError, match="'sex' holds string categories"):
        to_onnx(encoder, initial_types=wrong)
    wrong = [(n, StringTensorType([None, 1]) if n == "year" else t) for n, t in types]
    with pytest.raises(TypeError, match="'year' holds numbers"):
        to_onnx(encoder, initial_types=wrong)
    wrong = [(n, FloatTensorType([None, 2]) if n == "year" else t) for n, t in types]
    with pytest.raises(ValueError, match="each input has one column"):
        to_onnx(encoder, initial_types=wrong)


def test_what_onnx_cannot_tell_apart_is_not_implemented():
    X = pd.DataFrame({"a": ["", "x", "x", "y", "y", None, ""]})
    encoder = TabularEncoder().fit(X)
    with pytest.raises(NotImplementedError, match="empty string"):
        to_onnx(encoder, initial_types=input_types(encoder))
    # Without missing values in fit, a missing value and "" both get the
    # unknown code when "" is infrequent: nothing to tell apart.
    encoder = TabularEncoder().fit(pd.DataFrame({"a": ["", "x", "x", "y", "y"]}))
    sess = session(encoder, np.float64)
    assert_same_encoding(
        encoder, sess, pd.DataFrame({"a": ["", None, "x"]}), np.float64
    )

    X = pd.DataFrame({"a": [0.1, 0.1, 1 + 1e-12, 1 + 1e-12, 1.0, 1.0]})
    encoder = TabularEncoder(categorical_features=["a"]).fit(X)
    with pytest.raises(NotImplementedError, match="equal in float32"):
        to_onnx(encoder, initial_types=input_types(encoder, np.float32))
    assert_same_encoding(encoder, session(encoder, np.float64), X, np.float64)


# -- TabularMLPClassifier and TabularMLPRegressor ------------------------------


def tabular_params(**params):
    """Small networks, trained briefly: the tests compare two computations of
    the same network, not how well it learned."""
    return {"hidden_layer_sizes": (16, 8), "max_iter": 3, "random_state": 0, **params}


@cache
def table():
    X = mixed_frame(1500)
    labels = np.where(X["score"] > 0, "high", "low")
    labels[X["plan"] == "team"] = "team"
    return X, labels, X["score"] * 1e3 + X["age"].fillna(0)


@cache
def fitted_classifier(**params):
    X, labels, _ = table()
    return TabularMLPClassifier(**tabular_params(**params)).fit(X, labels)


@cache
def fitted_regressor(**params):
    X, _, target = table()
    return TabularMLPRegressor(**tabular_params(**params)).fit(X, target)


def estimator_tolerance(model, dtype):
    """float64 graphs of float64 networks agree to rounding; any float32
    step leaves float32's precision."""
    return TOLERANCE[
        np.float64 if model.dtype == "float64" == np.dtype(dtype) else np.float32
    ]


def run_estimator(model, X, dtype, options=None):
    sess = session(model, dtype, options=options)
    return sess.run(None, input_feed(model, X, dtype))


def assert_same_classifier(model, X, dtype):
    labels, proba = run_estimator(model, X, dtype, {"zipmap": False})
    np.testing.assert_array_equal(labels, model.predict(X))
    assert proba.dtype == dtype and proba.shape == (len(X), len(model.classes_))
    tolerance = estimator_tolerance(model, dtype)
    np.testing.assert_allclose(proba, model.predict_proba(X), rtol=0, atol=tolerance)


def test_every_tabular_activation_has_an_onnx_form():
    assert set(TABULAR_ACTIVATIONS) == set(BASE_ACTIVATIONS)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", sorted(BASE_ACTIVATIONS))
def test_tabular_classifier(activation, dtype):
    model = fitted_classifier(activation=activation, dtype="float64")
    assert model.numeric_embedding_ is not None and model.category_embeddings_
    assert_same_classifier(model, table()[0], dtype)
    assert_same_classifier(model, unseen(mixed_frame(300, seed=1)), dtype)


@pytest.mark.parametrize("dtype", DTYPES)
def test_tabular_classifier_float32_network_integer_classes_and_zipmap(dtype):
    X, labels, _ = table()
    model = TabularMLPClassifier(
        **tabular_params(numeric_embedding=None, parametric_activation=False)
    ).fit(X, (labels == "high").astype(int))
    assert model.numeric_embedding_ is None
    assert_same_classifier(model, X, dtype)
    if dtype == np.float32:  # ZipMap takes float32 only
        labels, proba = run_estimator(model, X, dtype)
        assert proba[0].keys() == {0, 1}
        expected = model.predict_proba(X)[0]
        assert [proba[0][0], proba[0][1]] == pytest.approx(expected, abs=1e-5)


def test_tabular_classifier_options():
    model = fitted_classifier(dtype="float64")
    X = table()[0][:50]
    outputs = run_estimator(model, X, np.float32, {"zipmap": "columns"})
    assert len(outputs) == 1 + len(model.classes_)
    np.testing.assert_allclose(
        outputs[1], model.predict_proba(X)[:, 0], rtol=0, atol=1e-5
    )
    options = {"zipmap": False, "nocl": True, "output_class_labels": True}
    labels, _, classes = run_estimator(model, X, np.float64, options)
    np.testing.assert_array_equal(classes, [0, 1, 2])
    np.testing.assert_array_equal(labels, model.predict_proba(X).argmax(axis=1))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", sorted(BASE_ACTIVATIONS))
def test_tabular_regressor(activation, dtype):
    model = fitted_regressor(activation=activation, dtype="float64")
    for X in (table()[0], unseen(mixed_frame(300, seed=1))):
        (prediction,) = run_estimator(model, X, dtype)
        assert prediction.dtype == dtype and prediction.shape == (len(X), 1)
        # The network predicts standardised targets: it agrees to the
        # tolerance on their scale.
        tolerance = estimator_tolerance(model, dtype)
        atol = tolerance * model.target_scale_[0]
        np.testing.assert_allclose(
            prediction.ravel(), model.predict(X), rtol=tolerance, atol=atol
        )


@pytest.mark.parametrize("dtype", DTYPES)
def test_tabular_regressor_several_outputs_unclamped_float32(dtype):
    data = load_penguins()
    X = data.drop(columns=["bill_length_mm", "body_mass_g"])
    Y = data[["bill_length_mm", "body_mass_g"]].fillna(0).to_numpy()
    model = TabularMLPRegressor(**tabular_params(clamp_output=False)).fit(X, Y)
    (prediction,) = run_estimator(model, X, dtype)
    assert prediction.shape == Y.shape
    scale = model.target_scale_
    np.testing.assert_allclose(
        prediction / scale, model.predict(X) / scale, rtol=1e-5, atol=1e-5
    )


def test_tabular_estimators_that_cannot_be_converted():
    with pytest.raises(NotFittedError, match="call 'fit'"):
        to_onnx(
            TabularMLPClassifier(),
            initial_types=[("X", FloatTensorType([None, 3]))],
        )
    model = fitted_classifier(dtype="float64")
    with pytest.raises(TypeError, match="zipmap"):
        to_onnx(model, initial_types=input_types(model, np.float64))
    model = copy.deepcopy(model)
    model.activation = "softsign"
    with pytest.raises(NotImplementedError, match="'softsign'"):
        to_onnx(model, initial_types=input_types(model), options={"zipmap": False})


def test_tabular_regressor_clamps_to_the_training_range():
    model = copy.deepcopy(fitted_regressor(dtype="float64"))
    X = table()[0]
    low, high = np.quantile(model.predict(X), [0.2, 0.8])
    model.target_min_, model.target_max_ = np.array([low]), np.array([high])
    (prediction,) = run_estimator(model, X, np.float64)
    tolerance = 1e-12 * model.target_scale_[0]
    np.testing.assert_allclose(
        prediction.ravel(), model.predict(X), rtol=1e-12, atol=tolerance
    )
    assert (prediction == low).mean() > 0.1 and (prediction == high).mean() > 0.1


@pytest.mark.parametrize("model_dtype", ["float32", "float64"])
def test_a_table_of_strings_gives_a_graph_of_the_models_dtype(model_dtype):
    rng = np.random.default_rng(0)
    X = pd.DataFrame(
        {
            "a": rng.choice(list("abc"), 400),
            "b": pd.Categorical(rng.choice([f"level{i}" for i in range(40)], 400)),
        }
    )
    y = (X["a"] == "a") ^ (rng.random(400) < 0.1)
    model = TabularMLPClassifier(**tabular_params(dtype=model_dtype)).fit(X, y)
    assert model.encoder_.n_numeric_ == 0
    assert_same_classifier(model, X, np.dtype(model_dtype).type)
    encoder = TabularEncoder(dtype=model_dtype).fit(X)
    sess = session(encoder, np.float32)
    assert_same_encoding(encoder, sess, X, np.dtype(model_dtype).type)


@pytest.mark.parametrize("dtype", DTYPES)
def test_tabular_regressor_on_one_array_tensor(dtype):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(400, 5))
    X[rng.random(X.shape) < 0.05] = np.nan
    X[:, 4] = rng.integers(0, 30, 400)  # numeric categories, embedded
    y = np.nan_to_num(X[:, 0]) + X[:, 4] / 10
    model = TabularMLPRegressor(
        **tabular_params(categorical_features=[4], max_onehot_categories=4)
    ).fit(X, y)
    assert list(model.encoder_.feature_kinds_).count("embedding") == 1
    sess = session(model, dtype, X=X[:1].astype(dtype), initial_types=None)
    (prediction,) = sess.run(None, {"X": X.astype(dtype)})
    np.testing.assert_allclose(
        prediction.ravel(), model.predict(X), rtol=1e-5, atol=1e-5 * y.std()
    )
