"""Running many cases: ensembles in chunks, in this process or on a Dask cluster.

    import trunkline as tl
    res = tl.monte_carlo("power_of_siberia_2", n=10_000, seed=1)            # in-process
    res = tl.monte_carlo("pos2", n=10_000, seed=1, scheduler="tcp://host:8786")  # Dask

The Monte Carlo model itself lives in :mod:`trunkline.plan.montecarlo`; the plan
layer may not import this package, so it takes an *executor* callable, and this
package supplies the Dask one.
"""

from trunkline.run.executor import dask_executor, monte_carlo, progress_bar

__all__ = ["dask_executor", "monte_carlo", "progress_bar"]
