"""How many threads numpy's BLAS may use while training: one, in the dashboard's training
process and in `backprop-tui train` alike.

A matrix product's last bits depend on how BLAS splits it between threads, so a run on two
threads and the same run on one can differ in the last bits. One thread makes the numbers
the same in the dashboard and on the command line on every machine, whatever its core
count, and leaves the dashboard's other core to the UI.
"""

from __future__ import annotations

from threadpoolctl import threadpool_limits

TRAINING_BLAS_THREADS = 1


def training_threads() -> threadpool_limits:
    """A context (`with training_threads(): …`) in which BLAS runs on
    `TRAINING_BLAS_THREADS` threads; the previous limits come back on exit."""
    return threadpool_limits(limits=TRAINING_BLAS_THREADS, user_api="blas")
