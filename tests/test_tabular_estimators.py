"""TabularMLPClassifier and TabularMLPRegressor on tables as users have them."""

import os
import pickle
import signal

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.model_selection import train_test_split

import skmlp
from skmlp import TabularMLPClassifier, TabularMLPRegressor

SMALL = {"hidden_layer_sizes": (32, 32), "max_iter": 30, "random_state": 0}


@pytest.fixture(scope="module")
def penguins():
    palmerpenguins = pytest.importorskip("palmerpenguins")
    frame = palmerpenguins.load_penguins()
    y = frame.pop("species").to_numpy()
    return train_test_split(frame, y, test_size=0.3, random_state=0, stratify=y)


def mixed_frame(n=600, seed=0):
    """Numbers with gaps, a boolean, a small and a large categorical."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "price": rng.lognormal(10, 1, n),
            "flag": rng.random(n) < 0.3,
            "colour": pd.Categorical(rng.choice(["red", "green", "blue"], n)),
            "city": rng.choice([f"city{i}" for i in range(60)], n).astype(object),
        }
    )
    frame.loc[rng.random(n) < 0.1, "x"] = np.nan
    frame.loc[rng.random(n) < 0.05, "colour"] = None
    city_effect = rng.normal(size=60)[frame["city"].str[4:].astype(int)]
    signal_ = (
        2 * np.nan_to_num(frame["x"].to_numpy())
        + np.log(frame["price"])
        + np.where(frame["colour"] == "red", 1.5, 0)
        + 2 * city_effect
    )
    return frame, signal_


def test_classifier_learns_penguins(penguins):
    X_train, X_test, y_train, y_test = penguins
    clf = TabularMLPClassifier(random_state=0, max_iter=60).fit(X_train, y_train)
    assert clf.score(X_test, y_test) > 0.95
    proba = clf.predict_proba(X_test)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-6)
    np.testing.assert_array_equal(
        clf.classes_[proba.argmax(axis=1)], clf.predict(X_test)
    )
    np.testing.assert_allclose(np.exp(clf.predict_log_proba(X_test)), proba, rtol=1e-6)
    assert list(clf.feature_names_in_) == list(X_train.columns)
    assert clf.n_features_in_ == X_train.shape[1]
    assert 1 <= clf.best_epoch_ <= 60 and len(clf.validation_scores_) == 60


def test_regressor_learns_an_unscaled_target():
    # The drop-in MLP never learns a price in the hundreds of thousands in
    # its default epochs; the standardised target does.
    X, signal_ = mixed_frame()
    y = 50_000 * signal_ + 300_000
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    reg = TabularMLPRegressor(random_state=0, max_iter=60).fit(X_train, y_train)
    assert reg.score(X_test, y_test) > 0.8
    assert reg.target_scale_[0] > 10_000
    # Predictions stay within the range of the training targets.
    far = X_test.assign(x=1e6)
    assert reg.predict(far).max() <= y_train.max()
    unclamped = clone(reg).set_params(clamp_output=False).fit(X_train, y_train)
    assert unclamped.score(X_test, y_test) > 0.8


def test_high_cardinality_column_gets_an_embedding_and_unknowns_predict():
    X, signal_ = mixed_frame()
    y = (signal_ > np.median(signal_)).astype(int)
    clf = TabularMLPClassifier(**SMALL).fit(X, y)
    assert len(clf.category_embeddings_) == 1
    assert clf.category_embeddings_[0].shape[1] == clf.embedding_dim
    unseen = X.head(5).assign(city="atlantis", colour=None)
    assert clf.predict_proba(unseen).shape == (5, 2)


def test_periodic_embedding_attributes_and_switch():
    X, signal_ = mixed_frame(200)
    y = signal_
    reg = TabularMLPRegressor(**SMALL).fit(X, y)
    n_numeric = reg.encoder_.n_numeric_
    emb = reg.numeric_embedding_
    assert emb["frequencies"].shape == (n_numeric, reg.n_frequencies)
    assert emb["weights"].shape == (n_numeric, reg.n_frequencies, 3)
    plain = TabularMLPRegressor(numeric_embedding=None, **SMALL).fit(X, y)
    assert plain.numeric_embedding_ is None
    assert plain.coefs_[0].shape[0] == reg.coefs_[0].shape[0] - 3 * n_numeric


@pytest.mark.parametrize(
    "categorical_features", [["colour", "city"], [3, 4], [False] * 3 + [True] * 2]
)
def test_categorical_features_as_in_hist_gradient_boosting(categorical_features):
    X, signal_ = mixed_frame(200)
    X = X.assign(colour=X["colour"].astype(object))
    clf = TabularMLPClassifier(categorical_features=categorical_features, **SMALL)
    clf.fit(X, signal_ > np.median(signal_))
    assert list(clf.encoder_.is_categorical_) == [False, False, False, True, True]


def test_polars_input():
    pl = pytest.importorskip("polars")
    X, signal_ = mixed_frame(200)
    frame = pl.from_pandas(X.assign(colour=X["colour"].astype(str)))
    reg = TabularMLPRegressor(**SMALL).fit(frame, signal_)
    np.testing.assert_allclose(
        reg.predict(frame),
        TabularMLPRegressor(**SMALL)
        .fit(X.assign(colour=X["colour"].astype(str)), signal_)
        .predict(X.assign(colour=X["colour"].astype(str))),
        rtol=1e-5,
    )


def test_datetime_column_is_refused_with_advice():
    X, signal_ = mixed_frame(50)
    X["when"] = pd.date_range("2020-01-01", periods=50)
    with pytest.raises(ValueError, match="when"):
        TabularMLPRegressor(**SMALL).fit(X, signal_)


def test_random_state_reproduces_bit_for_bit():
    X, signal_ = mixed_frame(300)
    y = signal_ > np.median(signal_)
    a = TabularMLPClassifier(**SMALL).fit(X, y).predict_proba(X)
    b = TabularMLPClassifier(**SMALL).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(a, b)
    other = TabularMLPClassifier(**{**SMALL, "random_state": 1}).fit(X, y)
    assert not np.array_equal(other.predict_proba(X), a)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_both_engines_compute_the_same_fit_bit_for_bit(dtype):
    pytest.importorskip("numba")
    X, signal_ = mixed_frame(300)
    predictions = []
    for engine in ("numpy", "numba"):
        with skmlp.config_context(engine=engine):
            reg = TabularMLPRegressor(dtype=dtype, **SMALL).fit(X, signal_)
            predictions.append(reg.predict(X))
    np.testing.assert_array_equal(predictions[0], predictions[1])


def test_float64_and_float32():
    X, signal_ = mixed_frame(300)
    reg32 = TabularMLPRegressor(**SMALL).fit(X, signal_)
    reg64 = TabularMLPRegressor(dtype="float64", **SMALL).fit(X, signal_)
    assert reg32.coefs_[0].dtype == np.float32
    assert reg64.coefs_[0].dtype == np.float64
    assert reg32.transform(X).dtype == np.float32
    assert abs(reg32.score(X, signal_) - reg64.score(X, signal_)) < 0.05


def test_sample_weight_and_class_weight_shift_the_decision():
    X, signal_ = mixed_frame(400)
    y = np.where(signal_ > np.quantile(signal_, 0.85), "rare", "common")
    plain = TabularMLPClassifier(**SMALL).fit(X, y)
    balanced = TabularMLPClassifier(class_weight="balanced", **SMALL).fit(X, y)
    weights = np.where(y == "rare", 5.0, 1.0)
    weighted = TabularMLPClassifier(**SMALL).fit(X, y, sample_weight=weights)
    rare = (plain.predict(X) == "rare").mean()
    assert (balanced.predict(X) == "rare").mean() > rare
    assert (weighted.predict(X) == "rare").mean() > rare
    ones = TabularMLPClassifier(**SMALL).fit(X, y, sample_weight=np.ones(len(y)))
    np.testing.assert_allclose(
        ones.predict_proba(X), plain.predict_proba(X), rtol=1e-4, atol=1e-5
    )


def test_user_validation_set_and_no_validation():
    X, signal_ = mixed_frame(300)
    X_train, X_val, y_train, y_val = train_test_split(X, signal_, random_state=0)
    reg = TabularMLPRegressor(**SMALL).fit(X_train, y_train, X_val=X_val, y_val=y_val)
    assert len(reg.validation_scores_) == 30
    best = int(np.argmax(reg.validation_scores_)) + 1
    assert reg.best_epoch_ == max(
        i + 1
        for i, s in enumerate(reg.validation_scores_)
        if s == reg.validation_scores_[best - 1]
    )
    # The kept weights are those of the best epoch: they score its score.
    rmse = np.sqrt(np.mean((reg.predict(X_val) - y_val) ** 2)) / reg.target_scale_[0]
    assert rmse == pytest.approx(-max(reg.validation_scores_), rel=1e-3)
    last = TabularMLPRegressor(validation_fraction=None, **SMALL).fit(X_train, y_train)
    assert last.best_epoch_ is None and last.validation_scores_ is None
    with pytest.raises(ValueError, match="together"):
        TabularMLPRegressor(**SMALL).fit(X_train, y_train, X_val=X_val)


def test_warm_start_continues_and_keeps_the_encoder():
    X, signal_ = mixed_frame(300)
    reg = TabularMLPRegressor(warm_start=True, **SMALL).fit(X, signal_)
    encoder = reg.encoder_
    first = reg.predict(X)
    reg.fit(X, signal_)
    assert reg.encoder_ is encoder
    assert not np.array_equal(reg.predict(X), first)
    with pytest.raises(ValueError, match="same layer sizes"):
        reg.set_params(hidden_layer_sizes=(16,)).fit(X, signal_)


def test_errors_leave_the_fitted_estimator_unchanged():
    X, signal_ = mixed_frame(200)
    reg = TabularMLPRegressor(**SMALL).fit(X, signal_)
    before = reg.predict(X)
    state = dict(vars(reg))
    with pytest.raises(ValueError, match="samples"):
        reg.fit(X, signal_[:-3])
    with pytest.raises(ValueError):
        reg.fit(X.assign(when=pd.Timestamp("2020-01-01")), signal_)
    assert vars(reg).keys() == state.keys()
    np.testing.assert_array_equal(reg.predict(X), before)


def test_bad_targets_are_named():
    X, signal_ = mixed_frame(60)
    with pytest.raises(ValueError, match="at least 2 classes"):
        TabularMLPClassifier(**SMALL).fit(X, np.zeros(60))
    with pytest.raises(ValueError, match="y is None"):
        TabularMLPClassifier(**SMALL).fit(X, None)
    with pytest.raises(ValueError, match="NaN|infinity"):
        TabularMLPRegressor(**SMALL).fit(X, np.full(60, np.nan))


def test_divergence_keeps_the_best_validated_epoch(monkeypatch):
    from skmlp import _tabular_training

    X, signal_ = mixed_frame(300)
    batch, calls = _tabular_training._batch, []

    def overflowing(*args):
        calls.append(1)
        if len(calls) > 5 * 2:  # two batches an epoch: epoch 6 overflows
            raise FloatingPointError("overflow encountered in matmul")
        return batch(*args)

    monkeypatch.setattr(_tabular_training, "_batch", overflowing)
    reg = TabularMLPRegressor(batch_size=128, **SMALL)
    with pytest.warns(skmlp.DivergenceWarning, match="epoch 6"):
        reg.fit(X, signal_)
    assert reg.n_iter_ == 5 and 1 <= reg.best_epoch_ <= 5
    best = reg.validation_scores_[reg.best_epoch_ - 1]
    assert best == max(reg.validation_scores_)
    assert np.isfinite(reg.predict(X)).all()
    # Without held-out rows there is nothing to fall back on.
    calls.clear()
    with pytest.raises(FloatingPointError, match="learning_rate_init"):
        TabularMLPRegressor(validation_fraction=None, batch_size=128, **SMALL).fit(
            X, signal_
        )


def test_transform_and_feature_names():
    X, signal_ = mixed_frame(100)
    reg = TabularMLPRegressor(**SMALL).fit(X, signal_)
    hidden = reg.transform(X)
    assert hidden.shape == (100, 32)
    assert reg.transform(X, layer=0).shape == (100, 32)
    names = reg.get_feature_names_out()
    assert names[0] == "tabularmlpregressor0" and len(names) == 32
    with pytest.raises(ValueError, match="layer"):
        reg.transform(X, layer=2)


def test_pickle_and_skops_round_trip(tmp_path):
    X, signal_ = mixed_frame(200)
    clf = TabularMLPClassifier(**SMALL).fit(X, signal_ > np.median(signal_))
    expected = clf.predict_proba(X)
    restored = pickle.loads(pickle.dumps(clf))
    np.testing.assert_array_equal(restored.predict_proba(X), expected)
    # The views of the restored network share its flat vector again.
    restored._network.params[...] = 0
    assert (restored._network.p["W0"] == 0).all()
    sio = pytest.importorskip("skops.io")
    path = tmp_path / "model.skops"
    sio.dump(clf, path)
    loaded = sio.load(path, trusted=sio.get_untrusted_types(file=path))
    np.testing.assert_array_equal(loaded.predict_proba(X), expected)


class Recorder:
    def __init__(self, stop_after=None):
        self.stop_after, self.scores, self.epochs = stop_after, [], 0

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        pass

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(
        self, estimator, context, *, X=None, y=None, fitted_estimator=None
    ):
        if context.task_name == "epoch" and fitted_estimator is not None:
            self.epochs += 1
            self.scores.append(fitted_estimator.score(X, y))
            return self.stop_after is not None and self.epochs >= self.stop_after
        return False


def test_callbacks_see_each_epoch_and_can_stop():
    X, signal_ = mixed_frame(200)
    recorder = Recorder(stop_after=4)
    reg = TabularMLPRegressor(validation_fraction=None, **SMALL)
    reg.set_callbacks(recorder).fit(X, signal_)
    assert reg.n_iter_ == 4 and recorder.epochs == 4
    assert recorder.scores[-1] == pytest.approx(reg.score(X, signal_))


def test_progress_bar_and_verbose(capsys):
    from sklearn.callback import ProgressBar

    X, signal_ = mixed_frame(100)
    reg = TabularMLPRegressor(**{**SMALL, "max_iter": 3}, verbose=True)
    reg.set_callbacks(ProgressBar()).fit(X, signal_)
    lines = [line for line in capsys.readouterr().out.splitlines() if "Epoch" in line]
    assert len(lines) == 3 and "validation score" in lines[0]


class InterruptAt(Recorder):
    def __init__(self, epoch):
        super().__init__()
        self.at = epoch

    def on_fit_task_end(self, estimator, context, **kwargs):
        if context.task_name == "epoch":
            self.epochs += 1
            if self.epochs == self.at:
                os.kill(os.getpid(), signal.SIGINT)
        return False


def test_ctrl_c_keeps_a_usable_model():
    X, signal_ = mixed_frame(200)
    reg = TabularMLPRegressor(**SMALL).set_callbacks(InterruptAt(3))
    with pytest.warns(UserWarning, match="interrupted.*best on the validation"):
        reg.fit(X, signal_)
    assert reg.n_iter_ == 3
    assert np.isfinite(reg.predict(X)).all()


def test_class_weight_applies_to_held_out_rows_missing_a_class():
    X, signal_ = mixed_frame(300)
    y = np.digitize(signal_, np.quantile(signal_, [0.3, 0.7]))
    X_val, y_val = X.head(40), np.where(y[:40] == 2, 1, y[:40])
    assert set(y_val) == {0, 1}
    clf = TabularMLPClassifier(class_weight="balanced", **SMALL)
    clf.fit(X, y, X_val=X_val, y_val=y_val)
    assert len(clf.validation_scores_) == 30


def test_prediction_ignores_the_output_chosen_for_the_encoder():
    X, signal_ = mixed_frame(300)
    reg = TabularMLPRegressor(hidden_layer_sizes=(16,), max_iter=3, random_state=0)
    reg.fit(X, signal_)
    expected = reg.predict(X), reg.transform(X)
    reg.encoder_.set_output(transform="pandas")
    assert isinstance(reg.encoder_.transform(X), pd.DataFrame)
    np.testing.assert_array_equal(reg.predict(X), expected[0])
    np.testing.assert_array_equal(reg.transform(X), expected[1])
