"""Intersphinx inventories for scikit-learn, NumPy, pandas and matplotlib, offline.

Intersphinx turns ``:class:`sklearn.pipeline.Pipeline``` into a link to
scikit-learn's own page by looking the name up in scikit-learn's
``objects.inv``, which it normally downloads when the build starts. Where the
build has no network (as in CI) the download fails, and a failed download is a
warning, which ``-W`` turns into an error.

This module writes an equivalent inventory for each project from the
*installed* packages instead: it walks their public API (``__all__`` and the
public members of each class) and records, for every name, the page where the
project's published documentation documents it. Those documentation sites are
built by autosummary, whose page names follow one fixed rule per project (for
scikit-learn, ``modules/generated/<full name>.html``), so the rule gives the
same address as the real inventory; the few names outside the rule (NumPy's
scalar types, a handful of glossary terms and labels) are listed by hand
below. The links in the built site point at the real online pages.

``conf.py`` calls :func:`write_inventories` on every build; the files are
cached in ``_build/inventories`` and rewritten when a package version changes.
A name the docs refer to that is missing here fails the build (``nitpicky``),
so a gap can never turn into a silently broken link.

Run this file with a downloaded ``objects.inv`` to check the rules against a
project's real inventory (needs network to get the file)::

    python docs/sphinxext/offline_inventory.py sklearn objects.inv
"""

import importlib
import inspect
import json
import pkgutil
import sys
import warnings
import zlib
from pathlib import Path

# Base address of each project's documentation; intersphinx prefixes every
# relative URI in the inventory with it.
BASE_URLS = {
    "sklearn": "https://scikit-learn.org/stable/",
    "numpy": "https://numpy.org/doc/stable/",
    "pandas": "https://pandas.pydata.org/docs/",
    "matplotlib": "https://matplotlib.org/stable/",
    "distributed": "https://distributed.dask.org/en/stable/",
}

PACKAGES = {
    "sklearn": "scikit-learn",
    "numpy": "NumPy",
    "pandas": "pandas",
    "matplotlib": "Matplotlib",
    "distributed": "Dask.distributed",
}

# Names outside each project's page rule: (name, role, uri).
EXTRA_ENTRIES = {
    "sklearn": [
        ("metadata_routing", "std:label", "metadata_routing.html#metadata-routing"),
        (
            "neural_networks_supervised",
            "std:label",
            "modules/neural_networks_supervised.html#neural-networks-supervised",
        ),
        ("glossary", "std:label", "glossary.html#glossary"),
        ("accuracy_score", "std:label", "modules/model_evaluation.html#accuracy-score"),
        ("r2_score", "std:label", "modules/model_evaluation.html#r2-score"),
        ("meta-estimator", "std:term", "glossary.html#term-meta-estimator"),
        (
            "df_output_transform",
            "std:label",
            "modules/df_output_transform.html#df-output-transform",
        ),
        (
            "sphx_glr_auto_examples_miscellaneous_plot_set_output.py",
            "std:label",
            "auto_examples/miscellaneous/plot_set_output.html"
            "#sphx-glr-auto-examples-miscellaneous-plot-set-output-py",
        ),
        ("estimator", "std:term", "glossary.html#term-estimator"),
        ("partial_fit", "std:term", "glossary.html#term-partial_fit"),
        ("warm_start", "std:term", "glossary.html#term-warm_start"),
        ("random_state", "std:term", "glossary.html#term-random_state"),
        ("early stopping", "std:term", "glossary.html#term-early-stopping"),
        ("sample_weight", "std:term", "glossary.html#term-sample_weight"),
        ("class_weight", "std:term", "glossary.html#term-class_weight"),
        ("transform", "std:term", "glossary.html#term-transform"),
        (
            "get_feature_names_out",
            "std:term",
            "glossary.html#term-get_feature_names_out",
        ),
    ],
    "numpy": [
        ("numpy", "py:module", "reference/index.html#module-numpy"),
        (
            "numpy.random.RandomState",
            "py:class",
            "reference/random/legacy.html#numpy.random.RandomState",
        ),
        (
            "numpy.random.Generator",
            "py:class",
            "reference/random/generator.html#numpy.random.Generator",
        ),
        (
            "numpy.random.default_rng",
            "py:function",
            "reference/random/generator.html#numpy.random.default_rng",
        ),
        ("array_like", "std:term", "glossary.html#term-array_like"),
    ],
    "pandas": [],
    "matplotlib": [
        ("matplotlib.axes.Axes", "py:class", "api/axes_api.html#matplotlib.axes.Axes"),
        (
            "matplotlib.figure.Figure",
            "py:class",
            "api/figure_api.html#matplotlib.figure.Figure",
        ),
        (
            "matplotlib.lines.Line2D",
            "py:class",
            "api/_as_gen/matplotlib.lines.Line2D.html#matplotlib.lines.Line2D",
        ),
    ],
    # Only the few names the Dask example refers to.
    "distributed": [
        ("distributed.Client", "py:class", "api.html#distributed.Client"),
        ("distributed.LocalCluster", "py:class", "api.html#distributed.LocalCluster"),
    ],
}


def _import(name):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return importlib.import_module(name)


def _public_members(cls):
    """Names of the public methods of a class, inherited ones included."""
    names = []
    for name in dir(cls):
        if name.startswith("_"):
            continue
        try:
            member = inspect.getattr_static(cls, name)
        except AttributeError:
            continue
        if callable(member) or isinstance(member, staticmethod | classmethod):
            names.append(name)
    return names


def _kind(obj):
    if inspect.isclass(obj):
        return "py:exception" if issubclass(obj, BaseException) else "py:class"
    if callable(obj):
        return "py:function"
    return None


# -- scikit-learn: modules/generated/<name>.html --------------------------


def _sklearn_modules():
    import sklearn

    skip = {"conftest", "tests", "externals", "experimental", "fixes"}
    for info in pkgutil.walk_packages(sklearn.__path__, "sklearn."):
        parts = info.name.split(".")
        if any(p.startswith("_") or p in skip for p in parts):
            continue
        if info.name.startswith(("sklearn.datasets.", "sklearn.utils.murmurhash")):
            continue
        try:
            yield info.name, _import(info.name)
        except ImportError:
            continue


def _sklearn_entries():
    # Functions documented at the top level of the package.
    entries = [
        (f"sklearn.{name}", "py:function", f"modules/generated/sklearn.{name}.html#$")
        for name in ("config_context", "get_config", "set_config", "show_versions")
    ]
    for modname, module in _sklearn_modules():
        entries.append((modname, "py:module", f"api/{modname}.html#module-{modname}"))
        names = getattr(module, "__all__", None)
        if names is None:
            # Without __all__, the API is what the module defines or takes
            # from a private module (sklearn.utils.metadata_routing documents
            # classes defined in sklearn.utils._metadata_requests).
            names = [
                name
                for name, obj in vars(module).items()
                if not name.startswith("_")
                and (
                    getattr(obj, "__module__", None) == modname
                    or "._" in (getattr(obj, "__module__", None) or "")
                )
            ]
        for name in names:
            try:
                obj = getattr(module, name)
            except (AttributeError, ImportError):
                continue  # e.g. experimental names that need an opt-in import
            kind = _kind(obj)
            if kind is None:
                continue
            full = f"{modname}.{name}"
            page = f"modules/generated/{full}.html"
            entries.append((full, kind, page + "#$"))
            if inspect.isclass(obj):
                entries += [
                    (f"{full}.{member}", "py:method", f"{page}#{full}.{member}")
                    for member in _public_members(obj)
                ]
    return entries


# -- NumPy: reference/generated/numpy.<name>.html --------------------------


def _numpy_entries():
    import numpy as np

    entries = []
    for name in np.__all__:
        obj = getattr(np, name, None)
        full = f"numpy.{name}"
        if inspect.ismodule(obj) or obj is None and name != "newaxis":
            continue
        if inspect.isclass(obj) and issubclass(obj, np.generic):
            entries.append((full, "py:class", "reference/arrays.scalars.html#$"))
        elif isinstance(obj, float | int) or name == "newaxis":
            entries.append((full, "py:data", "reference/constants.html#$"))
        elif _kind(obj) is not None:
            page = f"reference/generated/{full}.html"
            entries.append((full, _kind(obj), page + "#$"))
    for name in _public_members(np.ndarray):
        full = f"numpy.ndarray.{name}"
        entries.append((full, "py:method", f"reference/generated/{full}.html#$"))
    for name in np.linalg.__all__:
        full = f"numpy.linalg.{name}"
        if callable(getattr(np.linalg, name, None)):
            page = f"reference/generated/{full}.html#$"
            entries.append((full, _kind(getattr(np.linalg, name)), page))
    for name in _public_members(np.random.RandomState):
        full = f"numpy.random.RandomState.{name}"
        entries.append((full, "py:method", f"reference/random/generated/{full}.html#$"))
    return entries


# -- pandas: reference/api/pandas.<name>.html ------------------------------


def _pandas_entries():
    import pandas as pd

    entries = [("pandas", "py:module", "reference/index.html#module-pandas")]
    for name in pd.__all__:
        obj = getattr(pd, name, None)
        kind = _kind(obj)
        if kind is None or inspect.ismodule(obj):
            continue
        full = f"pandas.{name}"
        entries.append((full, kind, f"reference/api/{full}.html#$"))
    for cls in ("DataFrame", "Series", "Index"):
        for name in _public_members(getattr(pd, cls)):
            full = f"pandas.{cls}.{name}"
            entries.append((full, "py:method", f"reference/api/{full}.html#$"))
    return entries


# -- matplotlib: api/_as_gen/<name>.html -----------------------------------


def _matplotlib_entries():
    import matplotlib.axes
    import matplotlib.pyplot as plt

    entries = []
    for name, obj in vars(plt).items():
        if (
            not name.startswith("_")
            and inspect.isfunction(obj)
            and obj.__module__ == "matplotlib.pyplot"
        ):
            full = f"matplotlib.pyplot.{name}"
            entries.append((full, "py:function", f"api/_as_gen/{full}.html#$"))
    for name in _public_members(matplotlib.axes.Axes):
        full = f"matplotlib.axes.Axes.{name}"
        entries.append((full, "py:method", f"api/_as_gen/{full}.html#$"))
    return entries


ENTRY_FUNCTIONS = {
    "sklearn": _sklearn_entries,
    "numpy": _numpy_entries,
    "pandas": _pandas_entries,
    "matplotlib": _matplotlib_entries,
    "distributed": list,
}


def entries_for(project):
    """All ``(name, role, uri)`` entries of one project, rule-made and extra."""
    seen = {}
    for name, role, uri in ENTRY_FUNCTIONS[project]() + EXTRA_ENTRIES[project]:
        seen[(name, role)] = uri
    return [(name, role, uri) for (name, role), uri in sorted(seen.items())]


def _version(module_name):
    try:
        return getattr(_import(module_name), "__version__", "unknown")
    except ImportError:
        return "not installed"


def dump_inventory(project, entries, version):
    """The bytes of an ``objects.inv`` (format version 2) for ``entries``."""
    header = (
        "# Sphinx inventory version 2\n"
        f"# Project: {PACKAGES[project]}\n"
        f"# Version: {version}\n"
        "# The remainder of this file is compressed using zlib.\n"
    )
    # One line per object: name, domain:role, priority, uri, display name
    # ('-': same as the name); a '$' ending the uri stands for the name.
    body = "".join(f"{name} {role} 1 {uri} -\n" for name, role, uri in entries)
    return header.encode() + zlib.compress(body.encode())


def write_inventories(directory):
    """Write ``<project>.inv`` for every project into ``directory``.

    Returns a dict ``{project: path}``. Files are rewritten only when the
    installed version of a package differs from the one they were made from.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    stamp_path = directory / "versions.json"
    versions = {project: _version(project) for project in BASE_URLS}
    try:
        stamp = json.loads(stamp_path.read_text())
    except (OSError, ValueError):
        stamp = {}
    paths = {}
    for project, version in versions.items():
        path = directory / f"{project}.inv"
        if stamp.get(project) != version or not path.is_file():
            path.write_bytes(dump_inventory(project, entries_for(project), version))
        paths[project] = path
    stamp_path.write_text(json.dumps(versions, indent=1))
    return paths


def compare(project, real_inventory_path):
    """Print the names whose generated address differs from the real one."""
    from sphinx.util.inventory import InventoryFile

    base = BASE_URLS[project]
    real = InventoryFile.loads(Path(real_inventory_path).read_bytes(), uri=base)
    data = real.data if hasattr(real, "data") else real
    checked = wrong = 0
    for name, role, uri in entries_for(project):
        item = data.get(role, {}).get(name)
        if item is None:
            continue
        real_uri = item.uri if hasattr(item, "uri") else item[2]
        ours = base + (uri[:-1] + name if uri.endswith("$") else uri)
        checked += 1
        if ours != real_uri:
            wrong += 1
            print(f"{role} {name}\n  ours: {ours}\n  real: {real_uri}")
    print(f"{checked} names checked, {wrong} with a different address.")
    return wrong


if __name__ == "__main__":
    sys.exit(1 if compare(sys.argv[1], sys.argv[2]) else 0)
