"""The Examples sections of the docstrings run, against the installed package.

They run through :mod:`doctest` on the imported modules rather than through
pytest's ``--doctest-modules`` on the source files, so they test the package
exactly as ``pip install .`` installed it.
"""

import doctest
import importlib
import pkgutil

import pytest

import skmlp

MODULES = sorted(
    info.name for info in pkgutil.walk_packages(skmlp.__path__, prefix="skmlp.")
)
# The public faces must carry runnable examples, not just pass vacuously.
WITH_EXAMPLES = {
    "skmlp._classifier",
    "skmlp._regressor",
    "skmlp._display",
    "skmlp._tabular_encoder",
    "skmlp.streaming",
    "skmlp.onnx",
}


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("name", ["skmlp", *MODULES])
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(
        module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    )
    assert result.failed == 0
    if name in WITH_EXAMPLES:
        assert result.attempted > 0
