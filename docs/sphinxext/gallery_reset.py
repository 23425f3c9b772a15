"""Give every example of the gallery the same starting conditions.

sphinx-gallery runs all examples in one process, so a setting one example
changes would carry over into the next. Besides matplotlib (reset by
sphinx-gallery itself), this restores the BLAS thread counts the build started
with: an example that limits them (the Dask example gives this process one
thread) must not slow down, or speed up, the timings of the examples after it.
"""

from threadpoolctl import threadpool_info, threadpool_limits

# Thread count of each BLAS library, as found when conf.py imports this.
_INITIAL_THREADS = {
    info["prefix"]: info["num_threads"]
    for info in threadpool_info()
    if info["user_api"] == "blas"
}


def reset_blas_threads(gallery_conf, fname):
    """sphinx-gallery ``reset_modules`` hook: restore the BLAS thread counts."""
    if _INITIAL_THREADS:
        threadpool_limits(limits=dict(_INITIAL_THREADS))
