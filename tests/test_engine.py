"""Choosing the engine: the setting, Numba missing or broken, the warning.

The two engines compute the same kernels (``test_kernels.py``); these check
which one runs: ``SKMLP_ENGINE`` and :func:`skmlp.set_config` choose it, the
plain install without Numba trains on NumPy in silence, and a Numba that is
installed but cannot import or compile makes skmlp fall back to NumPy with one
:class:`skmlp.EngineWarning`, or raise when Numba was asked for by name.
"""

import os
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

import skmlp
from skmlp import _engine
from skmlp._engine import NUMPY_KERNELS, engine_name, kernels

X = np.random.default_rng(0).normal(size=(60, 4))
y = (X[:, 0] > 0).astype(int)


@pytest.fixture
def fresh_resolution():
    """Forget which engine was chosen, before and after the test."""
    _engine._resolve.cache_clear()
    yield
    _engine._resolve.cache_clear()


def numba_absent(monkeypatch):
    real = _engine.importlib.util.find_spec
    monkeypatch.setattr(
        _engine.importlib.util,
        "find_spec",
        lambda name, *args: None if name == "numba" else real(name, *args),
    )


def test_default_engine_is_auto(monkeypatch):
    monkeypatch.delenv("SKMLP_ENGINE", raising=False)
    assert skmlp.get_config() == {"engine": "auto"}


@pytest.mark.parametrize("value", ["numpy", "NumPy ", "numba", "auto"])
def test_environment_variable_sets_the_default(monkeypatch, value):
    monkeypatch.setenv("SKMLP_ENGINE", value)
    assert skmlp.get_config()["engine"] == value.strip().lower()
    with skmlp.config_context(engine="numpy"):
        assert skmlp.get_config()["engine"] == "numpy"  # the setting wins


def test_bad_environment_variable_is_named(monkeypatch):
    monkeypatch.setenv("SKMLP_ENGINE", "cuda")
    with pytest.raises(ValueError, match="SKMLP_ENGINE.*'cuda'"):
        skmlp.get_config()
    model = skmlp.MLPClassifier(max_iter=2)
    with pytest.raises(ValueError, match="SKMLP_ENGINE"):
        model.fit(X, y)
    assert not hasattr(model, "coefs_")


def test_bad_engine_name_is_refused():
    with pytest.raises(ValueError, match="engine must be one of auto, numpy, numba"):
        skmlp.set_config(engine="fast")
    assert skmlp.get_config()["engine"] in ("auto", "numpy", "numba")


def test_config_context_restores_the_setting_after_an_error():
    before = skmlp.get_config()
    with pytest.raises(RuntimeError), skmlp.config_context(engine="numpy"):
        assert engine_name() == "numpy"
        raise RuntimeError
    assert skmlp.get_config() == before


def test_set_config_applies_to_the_whole_process():
    before = skmlp.get_config()["engine"]
    try:
        skmlp.set_config(engine="numpy")
        assert kernels() is NUMPY_KERNELS
        skmlp.set_config()  # None leaves the setting as it is
        assert skmlp.get_config()["engine"] == "numpy"
    finally:
        skmlp.set_config(engine=before)


def test_auto_without_numba_is_numpy_in_silence(monkeypatch, fresh_resolution):
    numba_absent(monkeypatch)
    with warnings.catch_warnings():
        warnings.simplefilter("error", skmlp.EngineWarning)
        with skmlp.config_context(engine="auto"):
            assert engine_name() == "numpy"
            model = skmlp.MLPClassifier(solver="lbfgs", random_state=0).fit(X, y)
    assert model.score(X, y) > 0.9


def test_numba_asked_for_but_missing_says_how_to_install(monkeypatch, fresh_resolution):
    numba_absent(monkeypatch)
    model = skmlp.MLPClassifier(max_iter=2)
    with skmlp.config_context(engine="numba"):
        with pytest.raises(ImportError, match=r"skmlp\[fast\]"):
            model.fit(X, y)
    assert not hasattr(model, "coefs_")


def failing_compiler():
    raise RuntimeError("LLVM cannot target this CPU")


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_numba_that_cannot_compile_falls_back_once(monkeypatch, fresh_resolution):
    monkeypatch.setattr(_engine.importlib.util, "find_spec", lambda name: object())
    monkeypatch.setattr(_engine, "_compiled", failing_compiler)
    with skmlp.config_context(engine="auto"):
        with pytest.warns(skmlp.EngineWarning, match="LLVM cannot target") as record:
            skmlp.MLPClassifier(max_iter=3).fit(X, y)
            skmlp.MLPClassifier(max_iter=3).fit(X, y)
        engine_warnings = [w for w in record if w.category is skmlp.EngineWarning]
        assert len(engine_warnings) == 1  # said once, not on every fit
        assert kernels() is NUMPY_KERNELS
    with skmlp.config_context(engine="numba"):
        with pytest.raises(RuntimeError, match="LLVM cannot target"):
            skmlp.MLPClassifier(max_iter=3).fit(X, y)


def run_python(code, env_update, tmp_path):
    env = {**os.environ, **env_update}
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )


FIT_TWICE = """
    import warnings
    import numpy as np
    from skmlp import MLPClassifier
    from skmlp._engine import engine_name

    warnings.simplefilter("ignore", category=DeprecationWarning)
    X = np.random.default_rng(0).normal(size=(80, 3))
    y = (X[:, 0] > 0).astype(int)
    for _ in range(2):
        model = MLPClassifier(max_iter=400, random_state=0).fit(X, y)
    print(engine_name(), model.score(X, y))
"""


@pytest.mark.parametrize("engine", ["auto", "numpy"])
def test_broken_numba_install_trains_on_numpy(tmp_path, engine):
    # A numba package that fails on import, as Numba does beside a NumPy newer
    # than it supports.
    fake = tmp_path / "site" / "numba"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text(
        'raise ImportError("Numba needs NumPy 2.5 or less. Got NumPy 9.9.")\n'
    )
    result = run_python(
        FIT_TWICE,
        {"PYTHONPATH": str(tmp_path / "site"), "SKMLP_ENGINE": engine},
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    name, score = result.stdout.split()
    assert name == "numpy" and float(score) > 0.9
    warnings_shown = result.stderr.count("EngineWarning")
    if engine == "auto":
        assert warnings_shown == 1, result.stderr
        assert "Numba needs NumPy 2.5 or less" in result.stderr
        assert "SKMLP_ENGINE=numpy" in result.stderr  # how to silence it
    else:
        assert warnings_shown == 0, result.stderr
