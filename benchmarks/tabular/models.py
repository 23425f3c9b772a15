"""The compared models, each with its untuned defaults.

Each model is a factory ``make(task, seed, threads, budget)`` that returns a
fresh, unfitted estimator taking the raw DataFrame of :mod:`.datasets`; the
only parameters set are the random seed (the same for every model on a fold),
the thread count where the library has one, and in ``--quick`` runs an
iteration budget. A model whose package does not import is reported as n/a
with the reason, and the run goes on without it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from .datasets import CLASSIFICATION

# Parameter names that bound a model's training length, set in --quick runs.
BUDGET_PARAMS = ("max_iter", "n_epochs", "epochs", "max_epochs")


@dataclass(frozen=True)
class Model:
    name: str
    summary: str
    make: Callable[..., object]
    # Rough seconds per fit per 1,000 training rows with the full budget,
    # from 3 x 3-fold runs of four of the data sets (1 thread, on a busy
    # 2-core machine, halved for RealMLP-TD); only used to estimate run time.
    # RealMLP-TD's 256 epochs of small batches dominate a full run.
    cost: float


def _set_seed_and_budget(estimator, seed: int, budget: int | None):
    """Set every ``*random_state`` and, in quick runs, every iteration cap."""
    params = estimator.get_params()
    updates = {k: seed for k in params if k.split("__")[-1] == "random_state"}
    if budget is not None:
        updates |= {k: budget for k in params if k.split("__")[-1] in BUDGET_PARAMS}
    return estimator.set_params(**updates)


def _skmlp_tabular(task: str, seed: int, threads: int, budget: int | None):
    import skmlp

    name = "TabularMLPClassifier" if task == CLASSIFICATION else "TabularMLPRegressor"
    cls = getattr(skmlp, name, None)
    if cls is None:
        raise ModuleNotFoundError(
            f"skmlp {skmlp.__version__} has no {name} yet (issue 13)"
        )
    # It takes the DataFrame as it is: its own encoder is part of the model.
    return _set_seed_and_budget(cls(), seed, budget)


def _mlp_pipeline(task: str, seed: int, threads: int, budget: int | None):
    import skrub

    from skmlp import MLPClassifier, MLPRegressor

    mlp = MLPClassifier() if task == CLASSIFICATION else MLPRegressor()
    return _set_seed_and_budget(skrub.tabular_pipeline(mlp), seed, budget)


def _hgb(task: str, seed: int, threads: int, budget: int | None):
    import skrub

    which = "classifier" if task == CLASSIFICATION else "regressor"
    return _set_seed_and_budget(skrub.tabular_pipeline(which), seed, budget)


def _as_float(X):
    return X.astype("float64")


def _realmlp(task: str, seed: int, threads: int, budget: int | None):
    from pytabkit import RealMLP_TD_Classifier, RealMLP_TD_Regressor
    from sklearn.compose import make_column_selector, make_column_transformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    cls = RealMLP_TD_Classifier if task == CLASSIFICATION else RealMLP_TD_Regressor
    # pytabkit encodes categories itself, missing ones included, but refuses
    # NaN in numeric columns; median plus a missing indicator is what skrub's
    # pipeline does for the MLP column too. Bools become 0/1 numbers: the
    # input check pytabkit runs casts a frame that mixes bool and category
    # columns to float as a whole, which fails on the categories.
    impute = make_column_transformer(
        (
            SimpleImputer(strategy="median", add_indicator=True),
            make_column_selector(dtype_include="number"),
        ),
        (
            FunctionTransformer(_as_float, feature_names_out="one-to-one"),
            make_column_selector(dtype_include="bool"),
        ),
        remainder="passthrough",
        verbose_feature_names_out=False,
    ).set_output(transform="pandas")
    model = cls(device="cpu", n_threads=threads, verbosity=0)
    return make_pipeline(impute, _set_seed_and_budget(model, seed, budget))


def _linear(task: str, seed: int, threads: int, budget: int | None):
    import skrub
    from sklearn.linear_model import LogisticRegression, RidgeCV

    # skrub has no linear default of its own; these are the usual baselines,
    # with skrub's encoders, imputer and squashing scaler in front.
    model = LogisticRegression() if task == CLASSIFICATION else RidgeCV()
    return _set_seed_and_budget(skrub.tabular_pipeline(model), seed, None)


MODELS: dict[str, Model] = {
    m.name: m
    for m in (
        Model(
            "skmlp tabular",
            "skmlp.TabularMLPClassifier / TabularMLPRegressor on the raw frame",
            _skmlp_tabular,
            1.0,
        ),
        Model(
            "MLP pipeline",
            "skrub.tabular_pipeline(skmlp.MLPClassifier() / MLPRegressor())",
            _mlp_pipeline,
            0.4,
        ),
        Model(
            "HistGradientBoosting",
            'skrub.tabular_pipeline("classifier" / "regressor")',
            _hgb,
            0.4,
        ),
        Model(
            "RealMLP-TD",
            "pytabkit RealMLP_TD_Classifier / RealMLP_TD_Regressor, cpu",
            _realmlp,
            7.0,
        ),
        Model(
            "linear",
            "skrub.tabular_pipeline(LogisticRegression() / RidgeCV())",
            _linear,
            0.1,
        ),
    )
}

# Short names for --models.
KEYS = {
    "tabular": "skmlp tabular",
    "mlp": "MLP pipeline",
    "hgb": "HistGradientBoosting",
    "realmlp": "RealMLP-TD",
    "linear": "linear",
}
# The reference of the fit-time ratio column.
REFERENCE = "HistGradientBoosting"
# What each model needs importable, beyond the benchmark's own requirements.
NEEDS = {"RealMLP-TD": ("torch", "pytabkit")}


def unavailable_reason(name: str) -> str | None:
    """Why a model cannot run here, or None when it can.

    Builds the model once for each task, which imports its package.
    """
    for module in NEEDS.get(name, ()):
        try:
            importlib.import_module(module)
        except Exception as exc:  # an import can fail with more than ImportError
            return f"{module} not importable ({type(exc).__name__}: {exc})"
    for task in ("classification", "regression"):
        try:
            MODELS[name].make(task, 0, 1, None)
        except ImportError as exc:
            return str(exc)
    return None


def library_versions() -> list[str]:
    """Versions of the libraries behind the models, for the run's header."""
    from importlib import metadata

    out = []
    for dist in ("skmlp", "scikit-learn", "skrub", "pandas", "torch", "pytabkit"):
        try:
            out.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            out.append(f"{dist} not installed")
    return out
