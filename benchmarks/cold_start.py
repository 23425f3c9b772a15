"""Cold start: import and first fit in a fresh process (measurement 7).

A script or a test that trains one small model pays for the import and for
everything the first fit loads or compiles, once per process. This section
starts a new Python process per measurement, which runs :data:`CHILD`:
NumPy is imported and a 500 x 20, 3-class data set made before the clock
starts (both libraries need them alike); then the process times

* the import of the estimator (``from sklearn.neural_network import
  MLPClassifier`` or ``from skmlp import MLPClassifier``), and
* ``MLPClassifier(max_iter=50, random_state=0).fit(X, y).predict(X)``
  (Adam, the default solver),

and prints them as one JSON line, with whether Numba was loaded.

Cases, interleaved run by run so that a busy spell of the machine hits all of
them alike: scikit-learn; skmlp with ``SKMLP_ENGINE=numpy``; when Numba is
installed, skmlp with ``SKMLP_ENGINE=numba`` and a warm on-disk cache (a
temporary ``NUMBA_CACHE_DIR`` filled by one untimed process), then the very
first fit with an empty cache, which compiles the kernels (a new
``NUMBA_CACHE_DIR`` per process). One untimed process per library before the
timed ones fills the operating system's file cache: this measures a fresh
process, not a fresh boot. BLAS runs at its default thread count.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .common import load_estimators, median, safe_call
from .machine import wait_quiet
from .report import Table, fmt, fmt_ratio

ROOT = Path(__file__).resolve().parent.parent
N_ROWS, N_FEATURES, N_CLASSES, MAX_ITER = 500, 20, 3, 50
# Timed processes per case: (full run, --quick); --repeats overrides both.
PROCESSES = (7, 2)
# Processes with an empty Numba cache, each compiling the kernels (seconds).
COLD_PROCESSES = (2, 1)

CHILD = f"""\
import json, sys, time, warnings
import numpy as np

rng = np.random.default_rng(0)
X = rng.standard_normal(({N_ROWS}, {N_FEATURES}))
y = np.argmax(X @ rng.standard_normal(({N_FEATURES}, {N_CLASSES})), axis=1)
warnings.simplefilter("ignore")  # ConvergenceWarning after max_iter epochs
start = time.perf_counter()
if sys.argv[1] == "scikit-learn":
    from sklearn.neural_network import MLPClassifier
else:
    from skmlp import MLPClassifier
imported = time.perf_counter()
MLPClassifier(max_iter={MAX_ITER}, random_state=0).fit(X, y).predict(X)
done = time.perf_counter()
print(json.dumps({{
    "import": imported - start,
    "fit_predict": done - imported,
    "numba": "numba" in sys.modules,
}}))
"""


@dataclass(frozen=True)
class Case:
    """One row: which library, which skmlp engine, which Numba cache."""

    label: str
    lib: str
    engine: str | None = None
    # None: Numba's default cache; "warm": one shared directory filled by a
    # warm-up process; "cold": a new empty directory for every process.
    cache: str | None = None


SKLEARN = Case("scikit-learn", "scikit-learn")
NUMPY = Case("skmlp, SKMLP_ENGINE=numpy", "skmlp", "numpy")
NUMBA_WARM = Case("skmlp, SKMLP_ENGINE=numba, cache warm", "skmlp", "numba", "warm")
NUMBA_COLD = Case(
    "skmlp, SKMLP_ENGINE=numba, cache cold (compiles)", "skmlp", "numba", "cold"
)


def spawn(case: Case, cache_dir: str | None) -> dict:
    """Run :data:`CHILD` in a new process; return its timings."""
    env = dict(os.environ)
    env.pop("SKMLP_ENGINE", None)
    if case.engine is not None:
        env["SKMLP_ENGINE"] = case.engine
    if cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = cache_dir
    cmd = [sys.executable, "-c", CHILD, case.lib]
    proc = subprocess.run(
        cmd, cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{case.label}: child failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure(cases: list[Case], n: int, n_cold: int) -> dict[Case, list[dict]]:
    """Timings of ``n`` processes per case (``n_cold`` for a cold cache)."""
    results: dict[Case, list[dict]] = {case: [] for case in cases}
    with tempfile.TemporaryDirectory(prefix="skmlp-cold-start-") as tmp:
        warm_dir = os.path.join(tmp, "warm")

        def cache_dir(case: Case) -> str | None:
            if case.cache == "cold":
                return tempfile.mkdtemp(dir=tmp)
            return warm_dir if case.cache == "warm" else None

        warmed = [case for case in cases if case.cache != "cold"]
        for case in warmed:  # untimed: file cache, and the warm Numba cache
            safe_call(f"cold_start warm-up {case.label}", spawn, case, cache_dir(case))
        # Interleaved, so that load from other processes spreads over all cases.
        schedule = [case for _ in range(n) for case in warmed]
        schedule += [
            case for _ in range(n_cold) for case in cases if case not in warmed
        ]
        for case in schedule:
            wait_quiet()
            result = safe_call(f"cold_start {case.label}", spawn, case, cache_dir(case))
            if result is not None:
                results[case].append(result)
    return results


def _stats(runs: list[dict], key) -> tuple:
    values = [key(r) for r in runs]
    if not values:
        return None, None, None
    return median(values), min(values), max(values)


def _numba_loaded(runs: list[dict]) -> str:
    """Whether the processes had imported Numba by the end: yes, no or mixed."""
    loaded = {r["numba"] for r in runs}
    if len(loaded) != 1:
        return "mixed" if loaded else "n/a"
    return "yes" if loaded.pop() else "no"


def _total(run: dict) -> float:
    return run["import"] + run["fit_predict"]


def _import(run: dict) -> float:
    return run["import"]


def _fit_predict(run: dict) -> float:
    return run["fit_predict"]


def run(quick: bool, repeats: int | None, markdown: bool) -> None:
    n = repeats or PROCESSES[quick]
    n_cold = COLD_PROCESSES[quick]
    cases = [SKLEARN]
    if load_estimators()["skmlp"] is not None:
        cases.append(NUMPY)
        if importlib.util.find_spec("numba") is not None:
            cases += [NUMBA_WARM, NUMBA_COLD]
    results = measure(cases, n, n_cold)
    _print_start_table(results, n, n_cold, markdown)
    _print_import_table(results, n, markdown)


def _print_start_table(results, n: int, n_cold: int, markdown: bool) -> None:
    cold = f" ({n_cold} with a cold Numba cache)" if NUMBA_COLD in results else ""
    table = Table(
        f"Cold start: fresh process, import + first fit ({N_ROWS} x {N_FEATURES}, "
        f"{N_CLASSES} classes, Adam, max_iter={MAX_ITER}) + predict, "
        f"median of {n} processes{cold}",
        [
            "case",
            "import s",
            "fit+predict s",
            "total s",
            "min",
            "max",
            "total/sklearn",
            "numba loaded",
        ],
    )
    reference = _stats(results[SKLEARN], _total)[0]
    for case, runs in results.items():
        total, low, high = _stats(runs, _total)
        table.add(
            case.label,
            fmt(_stats(runs, _import)[0]),
            fmt(_stats(runs, _fit_predict)[0]),
            fmt(total),
            fmt(low),
            fmt(high),
            fmt_ratio(total, reference),
            _numba_loaded(runs),
        )
    table.note(
        "timed inside each process: NumPy is imported and the data made "
        "before the clock starts; total = import + fit+predict, min and max "
        "of it over the processes; BLAS at its default thread count"
    )
    table.note("total/sklearn < 1: skmlp is ready sooner than scikit-learn")
    if NUMBA_COLD in results:
        table.note(
            "cache warm: NUMBA_CACHE_DIR filled by one untimed process; cache "
            "cold: an empty NUMBA_CACHE_DIR per process, whose fit compiles"
        )
    elif NUMPY in results:
        table.note("numba is not importable: no SKMLP_ENGINE=numba rows")
    table.note("single processes on a shared machine are noisy: compare medians")
    table.print(markdown)


def _print_import_table(results, n: int, markdown: bool) -> None:
    table = Table(
        f"Cold start: import alone, median of {n} processes",
        ["import", "seconds", "min", "max", "import/sklearn"],
    )
    reference = _stats(results[SKLEARN], _import)[0]
    for label, case in (
        ("from sklearn.neural_network import MLPClassifier", SKLEARN),
        ("from skmlp import MLPClassifier", NUMPY),
    ):
        if case in results:
            value, low, high = _stats(results[case], _import)
            table.add(
                label, fmt(value), fmt(low), fmt(high), fmt_ratio(value, reference)
            )
    table.note(
        "timed in the processes above, before their fit (skmlp: the "
        "SKMLP_ENGINE=numpy ones)"
    )
    table.print(markdown)
