"""Saving result objects into the store: what tables and summary each kind of run has."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from trunkline.errors import InputError
from trunkline.solve import LineResult, NetworkResult
from trunkline.store.duck import Store

__all__ = ["result_tables", "save_result"]


def result_tables(result: object) -> tuple[str, dict[str, pd.DataFrame], dict[str, Any]]:
    """(kind, tables, summary) of a result object.

    Line and network results are known here; any other result (plan, transient,
    Monte Carlo) provides ``store_tables() -> dict[str, DataFrame]`` and
    ``store_summary() -> dict`` (and optionally ``store_kind``).
    """
    if isinstance(result, LineResult):
        return "line", {"profile": result.profile, "stations": result.stations}, \
            result.summary
    if isinstance(result, NetworkResult):
        tables = {"nodes": result.nodes, "edges": result.edges}
        comp = result.compressors
        if len(comp):
            tables["compressors"] = comp
        return "network", tables, {"network": result.network, "converged": result.converged,
                                   "iterations": result.iterations,
                                   "residual": result.residual, "feasible": result.feasible,
                                   "violations": list(result.violations)}
    tables_fn = getattr(result, "store_tables", None)
    summary_fn = getattr(result, "store_summary", None)
    if callable(tables_fn) and callable(summary_fn):
        kind = str(getattr(result, "store_kind", type(result).__name__.lower()))
        return kind, dict(tables_fn()), dict(summary_fn())
    raise InputError("this result cannot be stored", element="store", field="result",
                     value=type(result).__name__,
                     expected="a LineResult, NetworkResult or an object with store_tables() "
                              "and store_summary()")


def save_result(store: Store, result: object, scenario: str,
                inputs: Mapping[str, Any] | None = None) -> str:
    """Save a result with its inputs; returns the run id."""
    kind, tables, summary = result_tables(result)
    return store.save(kind, scenario, dict(inputs or {}), tables, summary)
