"""Training and prediction where nothing of the install can be written.

A container with a read-only root file system, or a serverless platform, gives
the package directory and ``HOME`` no write access; Numba then has nowhere to
keep its compiled code. This mounts both read-only for real, in a private
mount namespace (``unshare -m``, which needs root or user namespaces), and
runs fit, partial_fit and predict on each engine there.
"""

import importlib.util
import json
import os
import shlex
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import skmlp


def can_mount_privately():
    if shutil.which("unshare") is None or shutil.which("mount") is None:
        return False
    probe = subprocess.run(
        ["unshare", "-m", "sh", "-c", "mount --bind / / 2>/dev/null"],
        capture_output=True,
    )
    return probe.returncode == 0


pytestmark = pytest.mark.skipif(
    not can_mount_privately(),
    reason="needs `unshare -m` and bind mounts (root or user namespaces), "
    "which this machine does not allow",
)

SCRIPT = """
    import json, os, sys, warnings
    import numpy as np
    import skmlp

    warnings.simplefilter("ignore", DeprecationWarning)
    # The mounts really are read-only: otherwise this test proves nothing.
    for place in (os.path.dirname(skmlp.__file__), os.environ["HOME"]):
        try:
            open(os.path.join(place, "probe"), "w").close()
        except OSError:
            continue
        sys.exit(f"{place} is writable")

    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4))
    y = (X[:, 0] - X[:, 1] > 0).astype(int)
    report = {}
    for engine in sys.argv[1:]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", skmlp.EngineWarning)
            with skmlp.config_context(engine=engine):
                model = skmlp.MLPClassifier(max_iter=300, random_state=0)
                model.fit(X, y)
                streamed = skmlp.MLPClassifier(learning_rate_init=0.01, random_state=0)
                for _ in range(20):
                    streamed.partial_fit(X, y, classes=[0, 1])
                probabilities = model.predict_proba(X)
        report[engine] = {
            "score": model.score(X, y),
            "streamed_score": streamed.score(X, y),
            "finite": bool(np.isfinite(probabilities).all()),
            "warnings": [
                str(w.message) for w in caught if w.category is skmlp.EngineWarning
            ],
        }
    print(json.dumps(report))
"""


def test_fit_partial_fit_and_predict_on_a_read_only_install(tmp_path):
    package = Path(skmlp.__file__).resolve().parent
    home = tmp_path / "home"
    home.mkdir()
    engines = ["numpy"]
    if importlib.util.find_spec("numba") is not None:
        engines.append("numba")
    mounts = " && ".join(
        f"mount --bind {shlex.quote(str(p))} {shlex.quote(str(p))} && "
        f"mount -o remount,ro,bind {shlex.quote(str(p))}"
        for p in (package, home)
    )
    command = shlex.join([sys.executable, "-c", textwrap.dedent(SCRIPT), *engines])
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("NUMBA_CACHE_DIR", "XDG_CACHE_HOME", "SKMLP_ENGINE")
    }
    env["HOME"] = str(home)
    result = subprocess.run(
        ["unshare", "-m", "sh", "-c", f"{mounts} && exec {command}"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    for engine in engines:
        assert report[engine]["finite"]
        assert report[engine]["score"] > 0.9
        assert report[engine]["streamed_score"] > 0.8
    assert report["numpy"]["warnings"] == []
    if "numba" in report:
        # Numba cannot keep its machine code: it compiles in memory, and says
        # how to give it a cache directory.
        (message,) = report["numba"]["warnings"]
        assert "cannot cache" in message and "NUMBA_CACHE_DIR" in message
