"""``import skmlp`` and a first fit load only what they need.

A script that trains one small model pays, once per process, for every module
that the import and the first fit load; the optional accelerators and
integrations (Numba, plotting, Dask, ONNX) are imported by the functions that
use them. Each test runs a fresh interpreter, since the test session itself
has long imported all of these.
"""

import json
import os
import subprocess
import sys

# Not in this list, although skmlp defers them too: pandas and scipy.optimize.
# scikit-learn loads both itself as soon as skmlp imports sklearn.base:
# sklearn.utils.fixes imports pandas when it is installed, and scipy.stats,
# which imports scipy.optimize (measured with scikit-learn 1.9: `import
# sklearn.base` alone loads both). test_nothing_beyond_scikit_learns_mlp
# covers them: skmlp may not load them where scikit-learn's MLP does not.
OPTIONAL = (
    "numba",
    "llvmlite",
    "matplotlib",
    "dask",
    "distributed",
    "dask_ml",
    "skl2onnx",
    "onnx",
    "onnxruntime",
    # TabularEncoder reads polars DataFrames, importing polars only then.
    "polars",
)

FIRST_FITS = """
import warnings

import numpy as np
from {module} import MLPClassifier, MLPRegressor

warnings.simplefilter("ignore")  # ConvergenceWarning of the short fits
rng = np.random.default_rng(0)
X = rng.standard_normal((200, 5))
y = (X[:, 0] > 0).astype(int)
MLPClassifier(max_iter=5, random_state=0).fit(X, y).predict_proba(X)
MLPClassifier(solver="sgd", max_iter=5, random_state=0).fit(X, y).predict(X)
MLPRegressor(max_iter=5, random_state=0).fit(X, X[:, 1]).predict(X)
"""


def loaded_modules(code: str) -> set[str]:
    """Names in ``sys.modules`` after ``code`` ran in a new interpreter.

    The process trains on the NumPy engine (``SKMLP_ENGINE=numpy``), which
    needs nothing beyond NumPy and SciPy.
    """
    env = {**os.environ, "SKMLP_ENGINE": "numpy"}
    script = code + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    proc = subprocess.run(
        [sys.executable, "-c", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return set(json.loads(proc.stdout.strip().splitlines()[-1]))


def optional_packages_in(modules: set[str]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in OPTIONAL)


def test_import_loads_no_optional_package():
    modules = loaded_modules("import skmlp")
    assert "skmlp" in modules
    assert optional_packages_in(modules) == []


def test_first_fits_load_no_optional_package():
    modules = loaded_modules(FIRST_FITS.format(module="skmlp"))
    assert "skmlp._training" in modules
    assert optional_packages_in(modules) == []


def test_nothing_beyond_scikit_learns_mlp():
    """skmlp loads no third-party module that scikit-learn's MLP does not."""
    ours = loaded_modules(FIRST_FITS.format(module="skmlp"))
    theirs = loaded_modules(FIRST_FITS.format(module="sklearn.neural_network"))
    extra = {
        m
        for m in ours - theirs
        if m.split(".")[0] not in sys.stdlib_module_names | {"skmlp"}
    }
    assert sorted(extra) == []
