"""
Regression on a real table: fuel consumption of cars
====================================================

:class:`skmlp.MLPRegressor` predicts the fuel efficiency (miles per gallon)
of 1970s and early 1980s cars from their engine, weight, model year and
origin: the classic "Auto MPG" table, shipped with the ``vega_datasets``
package. The example compares the network with a linear model, looks at its
errors, and shows how a robust loss reacts to outliers in the target.
"""

# %%
# The data
# --------
# The table has text (``Name``, ``Origin``), a date (``Year``) and numbers,
# and a few missing values. Rows without a target are dropped; the model year
# becomes a number.
import matplotlib.pyplot as plt
import numpy as np
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.impute import SimpleImputer
from sklearn.linear_model import RidgeCV
from sklearn.metrics import PredictionErrorDisplay, r2_score
from sklearn.model_selection import (
    KFold,
    cross_val_predict,
    cross_validate,
    train_test_split,
)
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from vega_datasets import local_data

from skmlp import MLPRegressor

cars = local_data.cars()
cars = cars.dropna(subset=["Miles_per_Gallon"])
cars["Model_year"] = cars["Year"].dt.year
print(cars.head())
print(f"{len(cars)} cars; missing values: {cars.isna().sum().sum()}")

numeric = [
    "Cylinders",
    "Displacement",
    "Horsepower",
    "Weight_in_lbs",
    "Acceleration",
    "Model_year",
]
categorical = ["Origin"]
X = cars[numeric + categorical]
y = cars["Miles_per_Gallon"].to_numpy()

# %%
# The model
# ---------
# The preprocessing imputes the missing horsepower values, standardises the
# numbers and one-hot encodes the origin. The network has two hidden layers
# and trains with Adam; a :class:`~sklearn.compose.TransformedTargetRegressor`
# standardises the target too, so that the default scale of the initial
# weights suits it, and turns predictions back into miles per gallon.
preprocess = ColumnTransformer(
    [
        (
            "num",
            make_pipeline(SimpleImputer(strategy="median"), StandardScaler()),
            numeric,
        ),
        ("cat", OneHotEncoder(handle_unknown="ignore"), categorical),
    ]
)


def network(**params):
    """The network in a pipeline; the target is standardised as well."""
    mlp = MLPRegressor(
        hidden_layer_sizes=(32, 16),
        learning_rate_init=0.01,
        alpha=0.1,
        max_iter=500,
        random_state=0,
        **params,
    )
    return make_pipeline(
        preprocess,
        TransformedTargetRegressor(regressor=mlp, transformer=StandardScaler()),
    )


models = {
    "ridge regression": make_pipeline(preprocess, RidgeCV()),
    "MLPRegressor": network(),
}

# %%
# Cross-validated comparison
# --------------------------
# Fuel consumption is not linear in weight or horsepower (it falls steeply at
# first, then levels off), which a network can follow and a linear model
# cannot. The table is sorted by model year, so the folds are shuffled.
cv = KFold(n_splits=5, shuffle=True, random_state=0)
for name, model in models.items():
    scores = cross_validate(
        model, X, y, cv=cv, scoring=("r2", "neg_mean_absolute_error")
    )
    print(
        f"{name:>18}: R^2 = {scores['test_r2'].mean():.3f}, mean absolute "
        f"error = {-scores['test_neg_mean_absolute_error'].mean():.2f} mpg"
    )

# %%
# Predictions against the truth
# -----------------------------
# Each car's fuel consumption as predicted by the models that did not see it
# during the cross-validation above; points on the diagonal are perfect
# predictions. The linear model's errors follow a curve: it underestimates
# the fuel efficiency of the most and the least efficient cars and
# overestimates that of those in between. The network's errors do not.
fig, axes = plt.subplots(1, 2, figsize=(10, 4.5))
for ax, (name, model) in zip(axes, models.items(), strict=True):
    y_pred = cross_val_predict(model, X, y, cv=cv)
    PredictionErrorDisplay.from_predictions(
        y, y_pred, kind="actual_vs_predicted", ax=ax, scatter_kwargs={"alpha": 0.5}
    )
    ax.set_title(f"{name}: R^2 = {r2_score(y, y_pred):.3f}")
    ax.set_xlabel("predicted mpg")
    ax.set_ylabel("actual mpg")
plt.tight_layout()
plt.show()

X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)

# %%
# A robust loss for a corrupted target
# ------------------------------------
# Suppose a tenth of the training targets were entered wrongly, off by a large
# amount. The squared error grows with the square of a residual, so these few
# rows pull hard on the fit. ``loss='huber'`` is quadratic for small
# residuals and linear for large ones (beyond one standard deviation of the
# standardised target here), and ``loss='absolute_error'`` is linear
# everywhere: a wrong target pulls with a bounded force. The test set is left
# clean.
rng = np.random.default_rng(0)
y_corrupted = y_train.copy()
corrupted = rng.choice(len(y_train), size=len(y_train) // 10, replace=False)
y_corrupted[corrupted] += rng.choice([-1, 1], size=corrupted.size) * 30

for loss in ("squared_error", "huber", "absolute_error"):
    model = network(loss=loss).fit(X_train, y_corrupted)
    error = np.abs(model.predict(X_test) - y_test).mean()
    print(f"loss={loss!r:>16}: test mean absolute error = {error:.2f} mpg")

# %%
# Both robust losses stay far closer to the error of a model trained on clean
# targets (the cross-validated error above) than the squared error does. The
# Huber loss keeps the squared error's efficiency on the many small
# residuals; ``huber_delta`` sets where it turns linear, in the units of the
# target the network sees (here standardised, so one standard deviation).
