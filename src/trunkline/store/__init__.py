"""The results store: a durable DuckDB run registry with every run's output tables."""

from trunkline.store.duck import DEFAULT_STORE, Store, StoreError, default_store_path
from trunkline.store.results import result_tables, save_result

__all__ = ["DEFAULT_STORE", "Store", "StoreError", "default_store_path", "result_tables",
           "save_result"]
