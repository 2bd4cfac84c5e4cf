"""A durable results store in DuckDB: a run registry and the output tables of every run.

Layout of the database file:

* ``runs``: one row per run — ``id``, ``kind`` (steady, line, network, transient,
  plan, montecarlo…), ``scenario``, ``scenario_hash`` (SHA-256 of the inputs),
  ``inputs`` and ``summary`` (JSON), ``versions`` (package versions, JSON),
  ``created`` / ``finished`` timestamps and ``status``;
* ``run_tables``: which output tables a run has (``run_id``, ``name``,
  ``table_name``, ``rows``);
* one DuckDB table per output table, named ``t_<run id>_<name>``.

Durability: a run is written in **one transaction** — its tables, its index rows and
its registry row, committed together. DuckDB is ACID with a write-ahead log, so a
process killed mid-write (even by SIGKILL) leaves the store as it was before the run:
no partial run is ever visible, and the file stays readable (tested with a real
subprocess). Concurrency: DuckDB lets one process at a time open a file for writing;
a writer that finds the file locked retries with back-off for up to ``timeout``
seconds, so concurrent writers are serialised and none corrupts the store.
"""

from __future__ import annotations

import builtins
import hashlib
import json
import os
import random
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any, Final

import duckdb
import pandas as pd

from trunkline.errors import InputError, TrunklineError
from trunkline.io import atomic_path

__all__ = ["DEFAULT_STORE", "RunRecord", "Store", "StoreError", "default_store_path"]

#: Environment variable that overrides the default store location.
STORE_ENV: Final = "TRUNKLINE_STORE"
_PACKAGES: Final = ("trunkline", "numpy", "scipy", "pandas", "pyaga8", "duckdb")
_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS runs (
    id VARCHAR PRIMARY KEY, kind VARCHAR NOT NULL, scenario VARCHAR,
    scenario_hash VARCHAR, inputs JSON, summary JSON, versions JSON,
    created TIMESTAMP, finished TIMESTAMP, status VARCHAR NOT NULL);
CREATE TABLE IF NOT EXISTS run_tables (
    run_id VARCHAR NOT NULL, name VARCHAR NOT NULL, table_name VARCHAR NOT NULL,
    rows BIGINT, PRIMARY KEY (run_id, name));
"""


class StoreError(TrunklineError):
    """The results store could not be read or written."""


def default_store_path() -> Path:
    """``$TRUNKLINE_STORE``, else ``runs.duckdb`` in the user's data directory."""
    env = os.environ.get(STORE_ENV)
    if env:
        return Path(env)
    from platformdirs import user_data_dir

    return Path(user_data_dir("trunkline", appauthor=False)) / "runs.duckdb"


DEFAULT_STORE = "default"


def _versions() -> dict[str, str]:
    out = {}
    for p in _PACKAGES:
        try:
            out[p] = metadata.version(p)
        except metadata.PackageNotFoundError:
            out[p] = "not installed"
    return out


def _json(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, default=str)


def scenario_hash(inputs: Mapping[str, Any]) -> str:
    """SHA-256 of the canonical JSON of a run's inputs."""
    return hashlib.sha256(_json(dict(inputs)).encode()).hexdigest()


class RunRecord(dict[str, Any]):
    """A registry row as a dict (id, kind, scenario, status, inputs, summary, tables…)."""


class Store:
    """The results store (a DuckDB file).

    Args:
        path: database file; None or "default" → :func:`default_store_path`.
        timeout: seconds a writer waits for another writer's lock.
    """

    def __init__(self, path: str | Path | None = None, timeout: float = 60.0) -> None:
        self.path = default_store_path() if path in (None, DEFAULT_STORE) else Path(str(path))
        self.timeout = timeout
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as con:
            con.execute(_SCHEMA)

    # -- connections ---------------------------------------------------------
    @contextmanager
    def _connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        deadline = time.monotonic() + self.timeout
        delay = 0.01
        while True:
            try:
                con = duckdb.connect(str(self.path), read_only=read_only and self.path.exists())
                break
            except duckdb.IOException as exc:  # locked by another process
                if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                    raise StoreError(f"cannot open the results store {self.path}: {exc}") \
                        from None
                time.sleep(delay * (1 + random.random()))
                delay = min(delay * 2, 0.5)
        try:
            yield con
        finally:
            con.close()

    # -- writing -------------------------------------------------------------
    def save(self, kind: str, scenario: str, inputs: Mapping[str, Any],
             tables: Mapping[str, pd.DataFrame], summary: Mapping[str, Any],
             run_id: str | None = None) -> str:
        """Store a finished run atomically; returns its id."""
        rid = run_id or uuid.uuid4().hex[:12]
        for name in tables:
            if not name.isidentifier():
                raise InputError("table name must be an identifier", element="store",
                                 field="tables", value=name, expected="e.g. 'profile'")
        created = datetime.now(UTC).replace(tzinfo=None)
        with self._connect() as con:
            con.execute("BEGIN TRANSACTION")
            try:
                for name, df in tables.items():
                    table = f"t_{rid}_{name}"
                    con.register("_frame", _storable(df))
                    con.execute(f'CREATE TABLE "{table}" AS SELECT * FROM _frame')
                    con.unregister("_frame")
                    con.execute("INSERT INTO run_tables VALUES (?, ?, ?, ?)",
                                [rid, name, table, len(df)])
                con.execute(
                    "INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [rid, kind, scenario, scenario_hash(inputs), _json(dict(inputs)),
                     _json(dict(summary)), _json(_versions()), created,
                     datetime.now(UTC).replace(tzinfo=None), "complete"])
                con.execute("COMMIT")
            except Exception:
                con.execute("ROLLBACK")
                raise
        return rid

    def delete(self, run_id: str) -> None:
        """Remove a run and its tables (one transaction)."""
        with self._connect() as con:
            self._require(con, run_id)
            con.execute("BEGIN TRANSACTION")
            for (table,) in con.execute("SELECT table_name FROM run_tables WHERE run_id = ?",
                                        [run_id]).fetchall():
                con.execute(f'DROP TABLE IF EXISTS "{table}"')
            con.execute("DELETE FROM run_tables WHERE run_id = ?", [run_id])
            con.execute("DELETE FROM runs WHERE id = ?", [run_id])
            con.execute("COMMIT")

    # -- reading -------------------------------------------------------------
    @staticmethod
    def _require(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
        if con.execute("SELECT count(*) FROM runs WHERE id = ?", [run_id]).fetchone() \
                == (0,):
            raise InputError("no such run", element="store", field="run_id", value=run_id,
                             expected="an id from 'trunkline runs list'")

    def list(self, kind: str | None = None) -> pd.DataFrame:
        """The registry, newest first (id, kind, scenario, status, created, …)."""
        with self._connect(read_only=True) as con:
            sql = ("SELECT id, kind, scenario, status, created, finished, scenario_hash "
                   "FROM runs")
            params: list[Any] = []
            if kind:
                sql += " WHERE kind = ?"
                params.append(kind)
            return con.execute(sql + " ORDER BY created DESC", params).df()

    def show(self, run_id: str) -> RunRecord:
        """One run: registry fields, inputs, summary, versions and its tables."""
        with self._connect(read_only=True) as con:
            self._require(con, run_id)
            row = con.execute("SELECT * FROM runs WHERE id = ?", [run_id]).fetchone()
            assert row is not None
            cols = [d[0] for d in con.description or []]
            rec = RunRecord(zip(cols, row, strict=True))
            for key in ("inputs", "summary", "versions"):
                rec[key] = json.loads(rec[key]) if rec[key] else {}
            rec["tables"] = {n: r for n, r in con.execute(
                "SELECT name, rows FROM run_tables WHERE run_id = ? ORDER BY name",
                [run_id]).fetchall()}
            return rec

    def table(self, run_id: str, name: str) -> pd.DataFrame:
        """One output table of a run."""
        with self._connect(read_only=True) as con:
            self._require(con, run_id)
            hit = con.execute("SELECT table_name FROM run_tables WHERE run_id = ? AND "
                              "name = ?", [run_id, name]).fetchone()
            if hit is None:
                names = [n for (n,) in con.execute(
                    "SELECT name FROM run_tables WHERE run_id = ?", [run_id]).fetchall()]
                raise InputError("no such table", element=f"run {run_id}", field="table",
                                 value=name, expected=f"one of {names}")
            return con.execute(f'SELECT * FROM "{hit[0]}"').df()

    def compare(self, run_ids: builtins.list[str]) -> pd.DataFrame:
        """Summaries of several runs side by side (a row per summary key)."""
        cols = {rid: self.show(rid)["summary"] for rid in run_ids}
        return pd.DataFrame(cols)

    def export(self, run_id: str, folder: str | Path, fmt: str = "parquet"
               ) -> builtins.list[Path]:
        """Write a run's tables (Parquet or CSV) and its record (JSON), atomically."""
        if fmt not in ("parquet", "csv"):
            raise InputError("unknown export format", element="export", field="fmt",
                             value=fmt, expected="'parquet' or 'csv'")
        rec = self.show(run_id)
        folder = Path(folder)
        paths = []
        for name in rec["tables"]:
            df = self.table(run_id, name)
            target = folder / f"{name}.{fmt}"
            with atomic_path(target) as tmp:
                if fmt == "parquet":
                    df.to_parquet(tmp, index=False)
                else:
                    df.to_csv(tmp, index=False)
            paths.append(target)
        target = folder / "run.json"
        with atomic_path(target) as tmp:
            tmp.write_text(json.dumps(rec, indent=2, default=str), encoding="utf-8")
        paths.append(target)
        return paths


def _storable(df: pd.DataFrame) -> pd.DataFrame:
    """A copy DuckDB can store: named index reset to columns, object columns as text."""
    out = df.reset_index() if df.index.name is not None or not isinstance(
        df.index, pd.RangeIndex) else df.copy()
    out.columns = [str(c) for c in out.columns]
    for c in out.columns:
        if out[c].dtype == object:
            out[c] = out[c].map(lambda v: v if v is None or isinstance(v, str) else _json(v))
    return out
