"""
A pandas DataFrame through a ColumnTransformer and a grid search
================================================================

Real tables mix numeric and categorical columns and have missing values. A
network needs a complete matrix of numbers on similar scales, so the
preprocessing goes into the model: a
:class:`~sklearn.compose.ColumnTransformer` imputes and scales the numeric
columns and imputes and one-hot encodes the categorical ones, and a
:class:`~sklearn.model_selection.GridSearchCV` tunes the network and the
preprocessing together, with every step refitted inside each fold.

The data are the Palmer penguins (Gorman, Williams and Fraser, 2014): body
measurements of 344 penguins of three species, shipped with the
``palmerpenguins`` package.
"""

# %%
# The data
# --------
# Four numeric measurements, two categorical columns (``island``, ``sex``) and
# the ``species`` to predict. A few rows have missing values.
import matplotlib.pyplot as plt
import pandas as pd
from palmerpenguins import load_penguins
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.metrics import ConfusionMatrixDisplay
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skmlp import MLPClassifier

penguins = load_penguins()
print(penguins.head())
print()
print("missing values per column:")
print(penguins.isna().sum())

# %%
# ``year`` is the year of the measurement, not a property of the bird, so it is
# left out. The split is stratified so the rare species is in both parts.
numeric = ["bill_length_mm", "bill_depth_mm", "flipper_length_mm", "body_mass_g"]
categorical = ["island", "sex"]
X = penguins[numeric + categorical]
y = penguins["species"]
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)

# %%
# Preprocessing and network in one pipeline
# -----------------------------------------
# Each column group gets its own imputer. ``OneHotEncoder`` ignores categories
# it has not seen during ``fit``, so a new island at prediction time gives all
# zeros rather than an error.
preprocess = ColumnTransformer(
    [
        (
            "num",
            make_pipeline(SimpleImputer(strategy="median"), StandardScaler()),
            numeric,
        ),
        (
            "cat",
            make_pipeline(
                SimpleImputer(strategy="most_frequent"),
                OneHotEncoder(handle_unknown="ignore"),
            ),
            categorical,
        ),
    ]
)
model = make_pipeline(
    preprocess, MLPClassifier(solver="lbfgs", max_iter=1000, random_state=0)
)
print(model)

# %%
# Tune the network and the preprocessing together
# -----------------------------------------------
# Step and parameter names join with double underscores, as for any
# scikit-learn pipeline. L-BFGS suits a data set this small: each of the
# 5 x 9 fits takes a fraction of a second.
param_grid = {
    "mlpclassifier__hidden_layer_sizes": [(4,), (16,), (16, 8)],
    "mlpclassifier__alpha": [1e-4, 1e-1, 10.0],
}
search = GridSearchCV(model, param_grid, cv=5, n_jobs=1)
search.fit(X_train, y_train)
print("best parameters:", search.best_params_)
print(f"best cross-validated accuracy: {search.best_score_:.3f}")

results = pd.DataFrame(search.cv_results_)
results["hidden_layer_sizes"] = results[
    "param_mlpclassifier__hidden_layer_sizes"
].astype(str)
print(
    results.pivot_table(
        index="hidden_layer_sizes",
        columns="param_mlpclassifier__alpha",
        values="mean_test_score",
    ).round(3)
)

# %%
# Every setting classifies almost every penguin correctly: the species differ
# clearly in their bills and flippers, so four hidden units are plenty, and
# even a strong penalty leaves enough of the weights to separate them.
#
# Evaluate on the held-out penguins
# ---------------------------------
print(f"test accuracy: {search.score(X_test, y_test):.3f}")
ConfusionMatrixDisplay.from_estimator(search, X_test, y_test, cmap="Blues")
plt.title("Penguin species, held-out test set")
plt.show()

# %%
# The features the network sees
# -----------------------------
# The fitted ``ColumnTransformer`` names its output columns, so the first
# weight matrix of the network can be read feature by feature. Each row of
# ``coefs_[0]`` holds the weights of one input feature into the hidden units.
best = search.best_estimator_
feature_names = best[0].get_feature_names_out()
first_layer = pd.DataFrame(best[-1].coefs_[0], index=feature_names)
print(first_layer.round(2))
