"""Benchmarks comparing skmlp with scikit-learn's MLP (and optionally PyTorch).

Run everything from the repository root with::

    python -m benchmarks            # full run (about 10-15 minutes on 2 cores)
    python -m benchmarks --quick    # tiny smoke run, exercises every code path
    python -m benchmarks --help     # all options

Modules:

* ``common``    -- run sizes, estimator loading, fit timing, synthetic data
* ``machine``   -- BLAS libraries and thread counts, idle check before timings
* ``report``    -- tables as aligned text or Markdown
* ``gemm``      -- matrix-multiply peak of this machine (the roofline)
* ``train``     -- training time per epoch and final quality on dense data
* ``torch_mlp`` -- the equivalent PyTorch eager training loop
* ``sparse``    -- training on a TF-IDF-like CSR matrix
* ``predict``   -- ``predict_proba`` latency and throughput
* ``memory``    -- peak memory of ``fit``, each library in its own subprocess
* ``cold_start`` -- import and first fit, each in a fresh process

The accuracy benchmark on real mixed-type tables is a package of its own:
``python -m benchmarks.tabular`` (see ``benchmarks/tabular/README.md``).
"""
