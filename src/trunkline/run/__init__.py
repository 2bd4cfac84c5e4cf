"""Running many cases: ensembles in chunks, and sets of nominations, in this process or
on a Dask cluster (nominations also in local worker processes).

    import trunkline as tl
    res = tl.monte_carlo("power_of_siberia_2", n=10_000, seed=1)            # in-process
    res = tl.monte_carlo("pos2", n=10_000, seed=1, scheduler="tcp://host:8786")  # Dask

The Monte Carlo model itself lives in :mod:`trunkline.plan.montecarlo`; the plan
layer may not import this package, so it takes an *executor* callable, and this
package supplies the Dask one.
"""

from trunkline.run.executor import dask_executor, monte_carlo, progress_bar
from trunkline.run.nominations import (
    NOMINATION_COLUMNS,
    check_nominations,
    write_decided_network,
)

__all__ = ["NOMINATION_COLUMNS", "check_nominations", "dask_executor", "monte_carlo",
           "progress_bar", "write_decided_network"]
