"""Sphinx configuration of the skmlp documentation.

Build from the repository root (``pip install ".[docs]"`` first)::

    sphinx-build -W --keep-going -b html docs docs/_build/html

``-W`` makes every warning an error: a reference to a name, page or label that
does not exist fails the build, and so does an example of the gallery that
raises. See ``docs/README.md`` for how the links to scikit-learn, NumPy and
pandas resolve without network access.
"""

import os
import re
import sys
from pathlib import Path

import skmlp
import skmlp.onnx
import skmlp.streaming

DOCS = Path(__file__).resolve().parent
sys.path.insert(0, str(DOCS / "sphinxext"))

from offline_inventory import BASE_URLS, write_inventories  # noqa: E402

# -- Project -------------------------------------------------------------------

project = "skmlp"
author = "The skmlp developers"
copyright = "The skmlp developers"
release = skmlp.__version__
version = ".".join(release.split(".")[:2])

# -- General -------------------------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    # Ships MathJax 3.2.2, copies it into _static/mathjax/ and points
    # mathjax_path there, so that formulas render with no network access
    # (sphinx.ext.mathjax alone loads MathJax from a CDN when a page is viewed).
    # docs/sphinxext/check_offline_math.py checks the built site for this.
    "sphinx-mathjax-offline",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
    "matplotlib.sphinxext.plot_directive",
]

root_doc = "index"
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "README.md",
    "sphinxext",
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
]
default_role = "literal"
# Every cross-reference must resolve: a name, label or page that does not
# exist is a warning, and with -W an error.
nitpicky = True
# The user guide's toctree takes the Markdown pages docs/errors.md and
# docs/scaling.md by glob, so that it builds while either is being written.
suppress_warnings = ["toc.empty_glob"]
# Pages written in Markdown (docs/*.md) get anchors for their headings, so
# that other pages can link to a section.
myst_heading_anchors = 3
myst_enable_extensions = ["dollarmath"]

# -- API reference ---------------------------------------------------------------

autosummary_generate = True
autodoc_default_options = {"members": True, "inherited-members": True}
autodoc_typehints = "none"
# numpydoc renders the sections; autodoc already lists the members.
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True


# "name : type" lines of numpydoc sections; in the type, a word that ends in
# an underscore (``(n_features_in_,)``) would be read as a link target.
_PARAMETER_LINE = re.compile(r"^(\s*\w+ : )(.*)$")
_TRAILING_UNDERSCORE = re.compile(r"(?<![`\w])(\w+_)(?=[,)\s]|$)")


def _quote_attribute_names_in_types(app, what, name, obj, options, lines):
    """Quote fitted-attribute names in parameter types, as literals."""
    for i, line in enumerate(lines):
        match = _PARAMETER_LINE.match(line)
        if match:
            head, kind = match.groups()
            lines[i] = head + _TRAILING_UNDERSCORE.sub(r"`\1`", kind)


def _check_api_reference(app):
    """Fail the build when a public name is missing from the API reference."""
    text = (DOCS / "api.rst").read_text()
    documented = set(re.findall(r"^\s{3}(\w+)\s*$", text, flags=re.MULTILINE))
    public = {name for name in skmlp.__all__ if not name.startswith("__")}
    public |= set(skmlp.streaming.__all__)
    public |= set(skmlp.onnx.__all__)
    for name in sorted(public - documented):
        from sphinx.util import logging

        logging.getLogger(__name__).warning(
            "public name %r is missing from docs/api.rst", name
        )


# -- Links to other projects -------------------------------------------------------
# The build must work without network access. Instead of downloading each
# project's objects.inv, offline_inventory.write_inventories() writes one from
# the installed package (see sphinxext/offline_inventory.py); the links still
# point at the projects' online documentation. Set
# SKMLP_DOCS_ONLINE_INVENTORIES=1 to use the downloaded inventories instead.

if os.environ.get("SKMLP_DOCS_ONLINE_INVENTORIES"):
    intersphinx_mapping = {name: (url, None) for name, url in BASE_URLS.items()}
else:
    _inventories = write_inventories(DOCS / "_build" / "inventories")
    intersphinx_mapping = {
        name: (url, str(_inventories[name])) for name, url in BASE_URLS.items()
    }
intersphinx_timeout = 10

# -- Example gallery -----------------------------------------------------------------

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    # Run every example, not only those named plot_*.
    "filename_pattern": r"\.py$",
    "within_subsection_order": "gallery_order.ExampleOrder",
    # Before each example: reset matplotlib, and the BLAS thread counts.
    "reset_modules": ("matplotlib", "gallery_reset.reset_blas_threads"),
    "doc_module": ("skmlp",),
    "reference_url": {"skmlp": None},
    "backreferences_dir": "generated/backreferences",
    "remove_config_comments": True,
    "show_memory": False,
    "min_reported_time": 1,
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
}

# Figures made by the ``.. plot::`` directive (the activation functions).
plot_include_source = True
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 110)]
plot_rcparams = {"figure.autolayout": True}

# -- HTML ----------------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"skmlp {release}"
html_theme_options = {
    "logo": {"text": "skmlp"},
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "header_links_before_dropdown": 7,
    "secondary_sidebar_items": ["page-toc", "sourcelink"],
}
html_sidebars = {"index": [], "comparison": [], "getting_started": []}
html_show_sourcelink = False
html_copy_source = False


def setup(app):
    app.connect("builder-inited", _check_api_reference)
    # Before numpydoc (priority 500) turns the sections into reST.
    app.connect(
        "autodoc-process-docstring", _quote_attribute_names_in_types, priority=400
    )
