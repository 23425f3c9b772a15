"""The machine under test: BLAS libraries and threads, and an idle check."""

from __future__ import annotations

import os
import platform
import time

import numpy as np


def blas_threads() -> int:
    """Thread count of the first BLAS library NumPy loaded."""
    from threadpoolctl import threadpool_info

    for info in threadpool_info():
        if info.get("user_api") == "blas":
            return int(info["num_threads"])
    return os.cpu_count() or 1


def environment_lines(threads: int, skmlp: str, torch_version: str | None) -> list[str]:
    """Header lines: versions, CPU, BLAS libraries and thread counts."""
    import scipy
    import sklearn
    from threadpoolctl import threadpool_info

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(ln.split(":", 1)[1].strip() for ln in fh if "model name" in ln)
    except (OSError, StopIteration):
        pass
    lines = [
        f"python {platform.python_version()} on {platform.system()}, {cpu}, "
        f"{os.cpu_count()} logical CPUs",
        f"numpy {np.__version__}, scipy {scipy.__version__}, "
        f"scikit-learn {sklearn.__version__}, torch {torch_version or 'not used'}",
        f"skmlp: {skmlp}",
        f"threads: {threads} (BLAS limited with threadpoolctl; "
        f"torch.set_num_threads({threads}) when torch is used)",
    ]
    pools = sorted(
        threadpool_info(), key=lambda i: (i.get("user_api", ""), i.get("filepath", ""))
    )
    for info in pools:
        lines.append(
            f"threadpool: {info.get('user_api')} {info.get('internal_api')} "
            f"{info.get('version')} num_threads={info.get('num_threads')} "
            f"arch={info.get('architecture', '-')} "
            f"({os.path.basename(info.get('filepath', ''))})"
        )
    return lines


QUIET = {"checks": 0, "busy": 0, "waited": 0.0, "max_wait": 30.0, "budget": 300.0}


def _cpu_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs from /proc/stat."""
    with open("/proc/stat") as fh:
        fields = [int(v) for v in fh.readline().split()[1:9]]
    return sum(fields) - fields[3] - fields[4], sum(fields)


def other_cpu_load(window: float = 0.2) -> float | None:
    """Share of all CPUs used by other processes during ``window`` seconds."""
    try:
        busy0, total0 = _cpu_ticks()
        own0 = time.process_time()
        time.sleep(window)
        busy1, total1 = _cpu_ticks()
        own = time.process_time() - own0
    except (OSError, ValueError):
        return None
    hz = os.sysconf("SC_CLK_TCK")
    others = (busy1 - busy0) / hz - own
    return max(others, 0.0) / max((total1 - total0) / hz, 1e-9)


def wait_quiet(threshold: float = 0.1) -> None:
    """Before a timing, wait (up to ``QUIET['max_wait']`` s) for an idle machine.

    All waits together are limited to ``QUIET['budget']`` seconds.

    Benchmarks on a shared machine are easily disturbed by other processes; this
    waits while they use more than ``threshold`` of the CPUs and counts the
    timings that had to start anyway.
    """
    start = time.monotonic()
    QUIET["checks"] += 1
    while True:
        load = other_cpu_load()
        if load is None or load < threshold:
            break
        waited = time.monotonic() - start
        if waited >= min(QUIET["max_wait"], QUIET["budget"] - QUIET["waited"]):
            QUIET["busy"] += 1
            break
    QUIET["waited"] += time.monotonic() - start


def quiet_summary() -> str:
    return (
        f"idle check: {QUIET['busy']} of {QUIET['checks']} timings started while "
        f"other processes used >10% of the CPUs (waited {QUIET['waited']:.0f} s in "
        f"total, at most {QUIET['max_wait']:.0f} s each, "
        f"{QUIET['budget']:.0f} s overall)"
    )
