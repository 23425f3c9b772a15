"""Persistence: pickle, joblib and skops round trips, and resumed training.

A saved and loaded model must predict bitwise what the original predicts, in
the same process and in a fresh one; skops must find no untrusted type beyond
the list documented in the README; and a model saved between two
``partial_fit`` calls must continue exactly as one that was never saved.
"""

import io
import pickle
import re
import subprocess
import sys
import textwrap
import warnings
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
import skops.io as sio
from sklearn.exceptions import ConvergenceWarning

from skmlp import MLPClassifier, MLPRegressor, TabularMLPClassifier, TabularMLPRegressor

README = Path(__file__).resolve().parents[1] / "README.md"

rng = np.random.RandomState(0)
X = rng.normal(size=(80, 4))
LABELS = np.array(["cat", "dog", "eel"])[(X[:, 0] > 0).astype(int) + (X[:, 1] > 0)]

CONFIGS = {
    "multiclass-adam": (MLPClassifier, {}, LABELS),
    "binary-sgd": (MLPClassifier, {"solver": "sgd"}, X[:, 2] > 0),
    "multilabel-lbfgs": (
        MLPClassifier,
        {"solver": "lbfgs"},
        np.c_[X[:, 0] > 0, X[:, 1] > 0].astype(int),
    ),
    "multiclass-early-stopping": (MLPClassifier, {"early_stopping": True}, LABELS),
    "regression-adam": (MLPRegressor, {}, X @ np.arange(4.0)),
    "regression-sgd-float32": (MLPRegressor, {"solver": "sgd"}, X[:, 0]),
    "poisson-lbfgs": (
        MLPRegressor,
        {"solver": "lbfgs", "loss": "poisson"},
        np.round(np.exp(X[:, 0])),
    ),
    "tabular-classifier": (TabularMLPClassifier, {}, LABELS),
    "tabular-regressor-float64": (
        TabularMLPRegressor,
        {"dtype": "float64"},
        X @ np.arange(4.0),
    ),
}


def fitted(name, frame=False):
    Estimator, params, y = CONFIGS[name]
    Xf = X.astype(np.float32) if name.endswith("float32") else X
    if frame:
        Xf = pd.DataFrame(Xf, columns=["a", "b", "c", "d"])
    estimator = Estimator(hidden_layer_sizes=(8, 4), max_iter=30, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.set_params(**params).fit(Xf, y), Xf


def outputs(estimator, X):
    """Every prediction method's output, by name."""
    methods = ["predict", "predict_proba", "predict_log_proba"]
    return {m: getattr(estimator, m)(X) for m in methods if hasattr(estimator, m)}


def assert_bitwise_equal(ours, theirs):
    assert ours.keys() == theirs.keys()
    for method in ours:
        a, b = np.asarray(ours[method]), np.asarray(theirs[method])
        assert a.dtype == b.dtype and a.shape == b.shape, method
        assert a.tobytes() == b.tobytes(), f"{method} differs"


def documented_trusted_types():
    """The skops trusted list printed in the README's saving section."""
    text = README.read_text()
    section = text.split("## Saving and loading models", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"TRUSTED = \[(.*?)\]", section, flags=re.DOTALL).group(1)
    return re.findall(r'"([\w.]+)"', block)


@pytest.mark.parametrize("frame", [False, True], ids=["array", "dataframe"])
@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_pickle_and_joblib_round_trips_predict_bitwise(name, frame, tmp_path):
    estimator, Xf = fitted(name, frame)
    expected = outputs(estimator, Xf)

    assert_bitwise_equal(outputs(pickle.loads(pickle.dumps(estimator)), Xf), expected)
    path = tmp_path / "model.joblib"
    joblib.dump(estimator, path)
    assert_bitwise_equal(outputs(joblib.load(path), Xf), expected)


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_joblib_model_predicts_bitwise_in_a_fresh_process(name, tmp_path):
    estimator, Xf = fitted(name)
    joblib.dump(estimator, tmp_path / "model.joblib")
    np.save(tmp_path / "X.npy", Xf)
    script = textwrap.dedent(
        """
        import sys
        from pathlib import Path

        import joblib
        import numpy as np

        folder = Path(sys.argv[1])
        model = joblib.load(folder / "model.joblib")
        X = np.load(folder / "X.npy")
        for method in ("predict", "predict_proba", "predict_log_proba"):
            if hasattr(model, method):
                np.save(folder / f"{method}.npy", getattr(model, method)(X))
        """
    )
    subprocess.run([sys.executable, "-c", script, str(tmp_path)], check=True)
    fresh = {m: np.load(tmp_path / f"{m}.npy") for m in outputs(estimator, Xf)}
    assert_bitwise_equal(fresh, outputs(estimator, Xf))


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_skops_round_trip_trusts_only_documented_types(name):
    estimator, Xf = fitted(name, frame=True)
    data = sio.dumps(estimator)
    untrusted = sio.get_untrusted_types(data=data)
    trusted = documented_trusted_types()
    assert set(untrusted) <= set(trusted), set(untrusted) - set(trusted)
    assert all(name.startswith("skmlp.") for name in untrusted)

    with pytest.raises(sio.exceptions.UntrustedTypesFoundException):
        sio.loads(data)
    loaded = sio.loads(data, trusted=trusted)
    assert_bitwise_equal(outputs(loaded, Xf), outputs(estimator, Xf))


def test_documented_trusted_list_is_exactly_what_skmlp_models_need():
    """Every documented type is needed by some model, and nothing else is."""
    needed = set()
    for name in CONFIGS:
        estimator, _ = fitted(name)
        needed.update(sio.get_untrusted_types(data=sio.dumps(estimator)))
    assert sorted(needed) == sorted(documented_trusted_types())


def continued(estimator, chunks, save):
    """partial_fit over ``chunks``, saving and loading after the first."""
    first, *rest = chunks
    estimator.partial_fit(*first)
    estimator = save(estimator)
    for chunk in rest:
        estimator.partial_fit(*chunk)
    return estimator


def through_pickle(estimator):
    return pickle.loads(pickle.dumps(estimator))


def through_joblib(estimator):
    buffer = io.BytesIO()
    joblib.dump(estimator, buffer)
    buffer.seek(0)
    return joblib.load(buffer)


def through_skops(estimator):
    return sio.loads(sio.dumps(estimator), trusted=documented_trusted_types())


@pytest.mark.parametrize(
    "save", [through_pickle, through_joblib, through_skops], ids=lambda f: f.__name__
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("solver", ["sgd", "adam"])
@pytest.mark.parametrize("kind", ["classifier", "regressor"])
def test_partial_fit_resumed_after_saving_matches_uninterrupted(
    kind, solver, dtype, save
):
    Xd = X.astype(dtype)
    if kind == "classifier":
        y = LABELS
        first = (Xd[:40], y[:40], None, np.unique(y))
        make = MLPClassifier
    else:
        y = X @ np.arange(4.0)
        first = (Xd[:40], y[:40])
        make = MLPRegressor
    chunks = [first, (Xd[40:], y[40:]), (Xd[:40], y[:40])]
    params = {
        "hidden_layer_sizes": (8,),
        "solver": solver,
        "learning_rate": "invscaling" if solver == "sgd" else "constant",
        "batch_size": 16,
    }

    # A seeded RandomState instance is itself saved with the model, so the
    # shuffling continues from where it was too.
    def estimator():
        return make(**params, random_state=np.random.RandomState(3))

    straight = continued(estimator(), chunks, save=lambda e: e)
    resumed = continued(estimator(), chunks, save=save)
    ours = resumed.coefs_ + resumed.intercepts_
    theirs = straight.coefs_ + straight.intercepts_
    for a, b in zip(ours, theirs, strict=True):
        assert a.dtype == b.dtype == dtype
        assert a.tobytes() == b.tobytes()
    assert resumed.loss_curve_ == straight.loss_curve_
    assert resumed.t_ == straight.t_
    assert_bitwise_equal(outputs(resumed, Xd), outputs(straight, Xd))
