"""BLAS thread control, so that benchmarks compare libraries on the same number of cores."""

from __future__ import annotations

from threadpoolctl import threadpool_info, threadpool_limits

_limiter = None


def set_num_threads(n: int) -> None:
    """Use ``n`` threads in NumPy's BLAS (and OpenMP) from now on."""
    global _limiter
    if not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads: n must be a positive integer, got {n!r}")
    _limiter = threadpool_limits(limits=n)


def get_num_threads() -> int:
    """The number of threads NumPy's BLAS uses."""
    counts = [p["num_threads"] for p in threadpool_info() if p.get("user_api") == "blas"]
    return max(counts) if counts else 1
