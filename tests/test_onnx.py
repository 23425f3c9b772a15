"""ONNX export: onnxruntime computes what skmlp's estimators predict.

Each test fits a small network on a data set bundled with scikit-learn,
converts it with ``skl2onnx.to_onnx`` once ``skmlp.onnx`` is imported, runs it
with onnxruntime and compares the labels, probabilities or predictions with
skmlp's own. A ``float32`` graph rounds the weights and the input to
``float32``, so its probabilities agree with skmlp's ``float64`` ones to
``1e-5``; a ``float64`` graph computes what skmlp computes, to ``1e-12``.
"""

import copy
from functools import cache

import numpy as np
import onnxruntime as ort
import pytest
from onnx import TensorProto
from skl2onnx import to_onnx
from skl2onnx.common.exceptions import MissingShapeCalculator
from sklearn.compose import ColumnTransformer
from sklearn.datasets import (
    load_breast_cancer,
    load_diabetes,
    load_digits,
    load_iris,
    load_linnerud,
    load_wine,
)
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

import skmlp.onnx
from skmlp import MLPClassifier, MLPRegressor
from skmlp._activations import HIDDEN_ACTIVATIONS
from skmlp._onnx_graph import ACTIVATIONS

# The fits are deliberately short: the tests compare two implementations of
# the same network, not how well it learned.
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

DTYPES = [np.float32, np.float64]
TOLERANCE = {np.float32: 1e-5, np.float64: 1e-12}
ONNX_DTYPE = {np.float32: TensorProto.FLOAT, np.float64: TensorProto.DOUBLE}


@cache
def scaled(load):
    """``(X, y)`` of a bundled data set, features standardised."""
    X, y = load(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@cache
def species_model():
    """A classifier of the iris species, by name."""
    X, y = scaled(load_iris)
    return classifier().fit(X, load_iris().target_names[y])


@cache
def digits_model():
    """Ten classes of digits, from pixel intensities scaled to [0, 1]."""
    X, y = load_digits(return_X_y=True)
    return classifier((16,)).fit(X / 16, y)


@cache
def multilabel_model():
    """Three labels per digit: odd, over 4, multiple of 3."""
    X, y = scaled(load_digits)
    Y = np.column_stack([y % 2, y > 4, y % 3 == 0]).astype(int)
    return classifier((16,)).fit(X, Y)


def session(model, X, options=None):
    """An onnxruntime session of ``model`` converted for inputs like ``X``."""
    onx = to_onnx(model, X[:1], options=options)
    return ort.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )


def run(model, X, options=None):
    """The outputs of ``model`` converted to ONNX, on ``X``."""
    return session(model, X, options).run(None, {"X": X})


def assert_same_classifier(model, X, dtype, options=None):
    """Labels equal to ``predict``, probabilities close to ``predict_proba``."""
    labels, proba = run(model, X.astype(dtype), {"zipmap": False, **(options or {})})
    np.testing.assert_array_equal(labels, model.predict(X))
    assert proba.dtype == dtype
    np.testing.assert_allclose(
        proba, model.predict_proba(X), rtol=0, atol=TOLERANCE[dtype]
    )
    return labels, proba


def classifier(hidden=(8,), **params):
    return MLPClassifier(hidden, solver="lbfgs", max_iter=50, random_state=0, **params)


def regressor(hidden=(8,), **params):
    return MLPRegressor(
        hidden_layer_sizes=hidden,
        solver="lbfgs",
        max_iter=50,
        random_state=0,
        **params,
    )


# -- hidden activations -------------------------------------------------------


def test_every_hidden_activation_has_an_onnx_form():
    assert set(ACTIVATIONS) == set(HIDDEN_ACTIVATIONS)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
def test_hidden_activations_softmax_head(activation, dtype):
    X, y = scaled(load_wine)
    model = classifier((10, 6), activation=activation).fit(X, y)
    assert model.out_activation_ == "softmax"
    assert_same_classifier(model, X, dtype)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
def test_hidden_activations_stay_finite_on_huge_inputs(activation, dtype):
    # Pre-activations of the order of 1e4 to 1e5: softplus, ELU, GELU and
    # SiLU must neither overflow nor lose their linear or flat part.
    X, y = scaled(load_diabetes)
    model = regressor((6,), activation=activation).fit(X, y / y.std())
    X_huge = (1e4 * X[:50]).astype(dtype)
    (prediction,) = run(model, X_huge)
    expected = model.predict(X_huge)
    assert np.all(np.isfinite(prediction))
    scale = np.abs(expected).max()
    np.testing.assert_allclose(
        prediction.ravel(), expected, rtol=0, atol=TOLERANCE[dtype] * scale
    )


def test_gelu_is_the_exact_erf_form_in_both_dtypes():
    # The tanh approximation of GELU differs from the erf form by up to ~1e-3
    # around |z| = 2: an identity network with weights 1 shows the activation.
    X = np.linspace(-8, 8, 201)[:, np.newaxis]
    model = regressor((1,), activation="gelu").fit(X, X.ravel())
    model.coefs_ = [np.ones((1, 1)), np.ones((1, 1))]
    model.intercepts_ = [np.zeros(1), np.zeros(1)]
    for dtype in DTYPES:
        (prediction,) = run(model, X.astype(dtype))
        np.testing.assert_allclose(
            prediction.ravel(), model.predict(X), rtol=0, atol=TOLERANCE[dtype]
        )


# -- heads --------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_binary_logistic_head_gives_both_probabilities(dtype):
    X, y = scaled(load_breast_cancer)
    model = classifier(activation="tanh").fit(X, y)
    assert model.out_activation_ == "logistic" and model.n_outputs_ == 1
    labels, proba = assert_same_classifier(model, X, dtype)
    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1, atol=TOLERANCE[dtype])


@pytest.mark.parametrize("dtype", DTYPES)
def test_multiclass_softmax_head_on_ten_classes(dtype):
    X, _ = load_digits(return_X_y=True)
    labels, proba = assert_same_classifier(digits_model(), X / 16, dtype)
    assert proba.shape == (len(X), 10)


# ONNX's ZipMap takes float32 probabilities only, for any skl2onnx classifier.
@pytest.mark.parametrize(
    "dtype, zipmap", [(np.float32, False), (np.float64, False), (np.float32, True)]
)
def test_multilabel_head_predicts_the_indicator_matrix(dtype, zipmap):
    X, _ = scaled(load_digits)
    model = multilabel_model()
    labels, proba = run(model, X.astype(dtype), {"zipmap": zipmap})
    assert labels.dtype == np.int64
    np.testing.assert_array_equal(labels, model.predict(X))
    if zipmap:
        proba = np.array([[row[j] for j in range(3)] for row in proba])
    np.testing.assert_allclose(
        proba, model.predict_proba(X), rtol=0, atol=TOLERANCE[dtype]
    )


@pytest.mark.parametrize("dtype", DTYPES)
def test_identity_head_single_output(dtype):
    X, y = scaled(load_diabetes)
    model = regressor().fit(X, y / y.std())
    (prediction,) = run(model, X.astype(dtype))
    assert prediction.shape == (len(X), 1)
    assert prediction.dtype == dtype
    np.testing.assert_allclose(
        prediction.ravel(), model.predict(X), rtol=0, atol=TOLERANCE[dtype]
    )


@pytest.mark.parametrize("dtype", DTYPES)
def test_identity_head_several_outputs(dtype):
    X, Y = load_linnerud(return_X_y=True)
    X = StandardScaler().fit_transform(X)
    Y = Y / Y.std(axis=0)
    model = regressor(activation="elu").fit(X, Y)
    (prediction,) = run(model, X.astype(dtype))
    assert prediction.shape == Y.shape
    np.testing.assert_allclose(
        prediction, model.predict(X), rtol=0, atol=TOLERANCE[dtype]
    )


@pytest.mark.parametrize("dtype", DTYPES)
def test_poisson_exp_head(dtype):
    X, y = scaled(load_diabetes)
    model = regressor(loss="poisson", activation="softplus").fit(X, y / y.mean())
    assert model.out_activation_ == "exp"
    (prediction,) = run(model, X.astype(dtype))
    np.testing.assert_allclose(
        prediction.ravel(), model.predict(X), rtol=TOLERANCE[dtype]
    )


@pytest.mark.parametrize("dtype", DTYPES)
def test_poisson_exp_head_caps_huge_scores_as_skmlp_does(dtype):
    # Fitted in the graph's dtype, skmlp predicts in that dtype too, and caps
    # the scores below log(finfo(dtype).max): the prediction stays finite.
    X, y = scaled(load_diabetes)
    X = X.astype(dtype)
    model = regressor(loss="poisson").fit(X, y / y.mean())
    model.intercepts_[-1] += 1e4
    expected = model.predict(X)
    assert np.all(np.isfinite(expected))
    (prediction,) = run(model, X)
    assert np.all(np.isfinite(prediction))
    np.testing.assert_allclose(prediction.ravel(), expected, rtol=TOLERANCE[dtype])


def test_network_without_hidden_layer():
    X, y = scaled(load_iris)
    model = classifier(()).fit(X, y)
    for dtype in DTYPES:
        assert_same_classifier(model, X, dtype)


# -- dtypes and inputs ---------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_graph_computes_in_the_input_dtype(dtype):
    X, y = scaled(load_iris)
    other = np.float32 if dtype == np.float64 else np.float64
    # Weights of the other dtype are converted: a float32 model runs in double
    # in a double graph, and a double model in float32 in a float32 graph.
    model = classifier(activation="gelu").fit(X.astype(other), y)
    onx = to_onnx(model, X[:1].astype(dtype))
    floats = {TensorProto.FLOAT, TensorProto.DOUBLE}
    weight_types = {t.data_type for t in onx.graph.initializer} & floats
    assert weight_types == {ONNX_DTYPE[dtype]}
    cast_to = {a.i for n in onx.graph.node if n.op_type == "Cast" for a in n.attribute}
    assert not cast_to & floats  # the input is used as it comes
    assert_same_classifier(model, X, dtype)


def test_integer_input_is_cast_to_float():
    X, _ = load_digits(return_X_y=True)  # pixel intensities 0 .. 16
    model = copy.deepcopy(digits_model())
    model.coefs_[0] = model.coefs_[0] / 16  # the same network on raw pixels
    labels, proba = run(model, X.astype(np.int64), {"zipmap": False})
    np.testing.assert_array_equal(labels, model.predict(X))
    np.testing.assert_allclose(proba, model.predict_proba(X), rtol=0, atol=1e-5)


# -- class labels and classifier options ----------------------------------------


@pytest.mark.parametrize(
    "kind", ["offset int", "int64 beyond int32", "str", "integral float", "bool"]
)
def test_class_labels(kind):
    X, y = scaled(load_iris)
    labels = {
        "offset int": y + 10,
        "int64 beyond int32": y * 2**40,
        "str": load_iris().target_names[y],
        "integral float": y.astype(float),
        "bool": y == 1,
    }[kind]
    model = classifier().fit(X, labels)
    onnx_labels, _ = assert_same_classifier(model, X, np.float32)
    assert onnx_labels.dtype == (object if kind == "str" else np.int64)


def test_zipmap_default_gives_a_dictionary_per_sample():
    X, _ = scaled(load_iris)
    model = species_model()
    labels, dictionaries = run(model, X.astype(np.float32))
    np.testing.assert_array_equal(labels, model.predict(X))
    assert list(dictionaries[0]) == list(model.classes_)
    proba = np.array([[row[c] for c in model.classes_] for row in dictionaries])
    np.testing.assert_allclose(proba, model.predict_proba(X), rtol=0, atol=1e-5)


def test_zipmap_columns_gives_one_output_per_class():
    X, y = scaled(load_wine)
    model = classifier().fit(X, y)
    onnx_session = session(model, X.astype(np.float32), {"zipmap": "columns"})
    names = [output.name for output in onnx_session.get_outputs()]
    assert names == ["output_label", "i0", "i1", "i2"]
    labels, *columns = onnx_session.run(None, {"X": X.astype(np.float32)})
    np.testing.assert_array_equal(labels, model.predict(X))
    np.testing.assert_allclose(
        np.column_stack(columns), model.predict_proba(X), rtol=0, atol=1e-5
    )


def test_nocl_labels_are_class_indices():
    X, _ = scaled(load_iris)
    model = species_model()
    labels, _ = run(model, X.astype(np.float32), {"zipmap": False, "nocl": True})
    np.testing.assert_array_equal(model.classes_[labels], model.predict(X))


def test_output_class_labels():
    X, _ = scaled(load_iris)
    model = species_model()
    options = {"zipmap": False, "output_class_labels": True}
    labels, _, classes = run(model, X.astype(np.float32), options)
    np.testing.assert_array_equal(classes, model.classes_)
    np.testing.assert_array_equal(labels, model.predict(X))


# -- pipelines -------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_pipeline_with_standard_scaler(dtype):
    X, y = load_wine(return_X_y=True)
    model = make_pipeline(StandardScaler(), classifier(activation="silu")).fit(X, y)
    assert_same_classifier(model, X, dtype)


def test_column_transformer_on_a_dataframe():
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    columns = list(X.columns)
    preprocess = ColumnTransformer(
        [
            ("standard", StandardScaler(), columns[:15]),
            ("minmax", MinMaxScaler(), columns[15:]),
        ]
    )
    model = make_pipeline(preprocess, classifier(activation="leaky_relu"))
    model.fit(X, y)
    onx = to_onnx(model, X[:1], options={id(model[-1]): {"zipmap": False}})
    onnx_session = ort.InferenceSession(
        onx.SerializeToString(), providers=["CPUExecutionProvider"]
    )
    # One input per column, each (n_samples, 1), double as in the DataFrame;
    # skl2onnx turns the spaces of the column names into underscores.
    inputs = onnx_session.get_inputs()
    feeds = {i.name: X[[c]].to_numpy() for i, c in zip(inputs, columns, strict=True)}
    labels, proba = onnx_session.run(None, feeds)
    np.testing.assert_array_equal(labels, model.predict(X))
    np.testing.assert_allclose(proba, model.predict_proba(X), rtol=0, atol=1e-12)


def test_regressor_in_a_pipeline():
    X, y = load_diabetes(return_X_y=True)
    model = make_pipeline(MinMaxScaler(), regressor(activation="logistic"))
    model.fit(X, y / y.std())
    (prediction,) = run(model, X)
    np.testing.assert_allclose(prediction.ravel(), model.predict(X), atol=1e-12)


# -- errors and registration -----------------------------------------------------


@pytest.mark.parametrize("model", [MLPClassifier(), MLPRegressor()])
def test_unfitted_model_is_refused(model):
    X, _ = scaled(load_iris)
    with pytest.raises(NotFittedError, match="not fitted yet.*ONNX"):
        to_onnx(model, X[:1])


def test_activation_without_onnx_form_is_named():
    X, y = scaled(load_iris)
    model = classifier().fit(X, y)
    model.activation = "swish_beta"  # as if skmlp gained one with no ONNX form
    with pytest.raises(NotImplementedError, match="activation='swish_beta'"):
        to_onnx(model, X[:1])


@pytest.mark.parametrize(
    "estimator, head", [(MLPClassifier, "exp"), (MLPRegressor, "softmax")]
)
def test_head_without_onnx_form_is_named(estimator, head):
    X, y = scaled(load_iris)
    model = estimator(hidden_layer_sizes=(4,), solver="lbfgs", max_iter=5)
    model.fit(X, y)
    model.out_activation_ = head
    with pytest.raises(NotImplementedError, match=f"out_activation_='{head}'"):
        to_onnx(model, X[:1])


def test_register_estimator_converts_a_subclass():
    class WrappedRegressor(MLPRegressor):
        pass

    X, y = scaled(load_diabetes)
    model = WrappedRegressor(hidden_layer_sizes=(4,), solver="lbfgs", max_iter=20)
    model.fit(X, y / y.std())
    with pytest.raises(MissingShapeCalculator):
        to_onnx(model, X[:1])
    skmlp.onnx.register_estimator(
        WrappedRegressor, "regressor", skmlp.onnx.convert_mlp_regressor
    )
    (prediction,) = run(model, X)
    np.testing.assert_allclose(prediction.ravel(), model.predict(X), atol=1e-12)


def test_register_estimator_rejects_an_unknown_kind():
    with pytest.raises(ValueError, match="kind must be one of"):
        skmlp.onnx.register_estimator(
            MLPRegressor, "ranker", skmlp.onnx.convert_mlp_regressor
        )
