"""Fixtures shared by the test modules."""

import importlib.util

import pytest

import skmlp

HAS_NUMBA = importlib.util.find_spec("numba") is not None

ENGINES = [
    pytest.param("numpy"),
    pytest.param(
        "numba",
        marks=pytest.mark.skipif(
            not HAS_NUMBA,
            reason="Numba is not installed: this environment tests the NumPy "
            "engine alone (the default environment has both)",
        ),
    ),
]


@pytest.fixture(params=ENGINES)
def engine(request):
    """Run the test once on each engine that this environment can run."""
    with skmlp.config_context(engine=request.param):
        yield request.param
