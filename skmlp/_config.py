"""skmlp's own settings: which engine trains the networks.

The setting is process-wide. Its default comes from the environment variable
``SKMLP_ENGINE``, which worker processes (joblib, Dask) inherit, so one
``export`` sets the engine everywhere; :func:`set_config` and
:func:`config_context` change it in the running process.
"""

import os
from contextlib import contextmanager

ENGINES = ("auto", "numpy", "numba")
ENGINE_VARIABLE = "SKMLP_ENGINE"

_config = {"engine": None}


def get_config():
    """The current skmlp settings.

    Returns
    -------
    config : dict
        ``{"engine": name}``: ``'auto'`` (the default) trains with the Numba
        engine when Numba is installed and works and with the NumPy engine
        otherwise; ``'numpy'`` and ``'numba'`` force one of them. Set by
        :func:`set_config` or :func:`config_context`, else by the environment
        variable ``SKMLP_ENGINE``.

    Examples
    --------
    >>> import skmlp
    >>> with skmlp.config_context(engine="numpy"):
    ...     skmlp.get_config()["engine"]
    'numpy'
    """
    engine = _config["engine"]
    if engine is None:
        engine = os.environ.get(ENGINE_VARIABLE, "").strip().lower() or "auto"
        if engine not in ENGINES:
            raise ValueError(
                f"The environment variable {ENGINE_VARIABLE} must be one of "
                f"{', '.join(ENGINES)}; got {os.environ[ENGINE_VARIABLE]!r}."
            )
    return {"engine": engine}


def set_config(engine=None):
    """Change skmlp's settings for the whole process.

    Parameters
    ----------
    engine : {'auto', 'numpy', 'numba'} or None, default=None
        The engine that runs the training work: ``'numpy'`` always works;
        ``'numba'`` needs Numba (``pip install "skmlp[fast]"``) and raises
        when it cannot be used; ``'auto'`` takes Numba when it can and NumPy
        otherwise. None leaves the setting as it is. Both engines train the
        same networks, up to rounding; see :ref:`engines`.

    See Also
    --------
    config_context : Change the settings within a ``with`` block.
    get_config : The current settings.
    """
    if engine is not None:
        if engine not in ENGINES:
            raise ValueError(
                f"engine must be one of {', '.join(ENGINES)}; got {engine!r}."
            )
        _config["engine"] = engine


@contextmanager
def config_context(*, engine=None):
    """Change skmlp's settings within a ``with`` block, then restore them.

    Parameters
    ----------
    engine : {'auto', 'numpy', 'numba'} or None, default=None
        As in :func:`set_config`.

    Examples
    --------
    >>> import numpy as np
    >>> import skmlp
    >>> X, y = np.random.default_rng(0).normal(size=(50, 3)), np.arange(50) % 2
    >>> with skmlp.config_context(engine="numpy"):
    ...     model = skmlp.MLPClassifier(solver="lbfgs").fit(X, y)
    >>> model.n_iter_ > 0
    True
    """
    previous = _config["engine"]
    set_config(engine=engine)
    try:
        yield
    finally:
        _config["engine"] = previous
