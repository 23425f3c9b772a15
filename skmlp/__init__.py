"""skmlp: multi-layer perceptrons for scikit-learn, in pure NumPy.

A drop-in for :mod:`sklearn.neural_network`'s ``MLPClassifier`` and
``MLPRegressor``: same parameters, defaults, fitted attributes and methods.
"""

from ._classifier import MLPClassifier
from ._config import config_context, get_config, set_config
from ._display import LossCurveDisplay
from ._divergence import DivergenceWarning
from ._engine import EngineWarning
from ._regressor import MLPRegressor
from ._tabular_classifier import TabularMLPClassifier
from ._tabular_encoder import TabularEncoder
from ._tabular_regressor import TabularMLPRegressor

__version__ = "0.1.0"

__all__ = [
    "DivergenceWarning",
    "EngineWarning",
    "LossCurveDisplay",
    "MLPClassifier",
    "MLPRegressor",
    "TabularEncoder",
    "TabularMLPClassifier",
    "TabularMLPRegressor",
    "__version__",
    "config_context",
    "get_config",
    "set_config",
]
