"""Atomic file output: a file is either written whole or not at all.

Every writer goes through :func:`atomic_write`: the content is written to a
temporary file in the target folder, flushed and fsync'ed, then moved over the
target with :func:`os.replace` (atomic on POSIX and Windows). A crash leaves
the old file (or none), never a half-written one.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Final

import pandas as pd

from trunkline.errors import InputError

__all__ = ["TABLE_FORMATS", "atomic_path", "atomic_write", "write_json", "write_table",
           "write_tables"]

#: Table formats the writers know (by file suffix).
TABLE_FORMATS: Final = ("csv", "parquet")


@contextmanager
def atomic_path(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path next to ``target``; on success move it over ``target``."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        with open(tmp_path, "rb") as fh:
            os.fsync(fh.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp_path, 0o666 & ~umask)  # mkstemp makes 0600: give the usual mode
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def atomic_write(target: str | Path, write: Callable[[IO[Any]], None], mode: str = "w") -> Path:
    """Write a file atomically with ``write(fileobj)``; returns the target path."""
    with atomic_path(target) as tmp:
        encoding = None if "b" in mode else "utf-8"
        with open(tmp, mode, encoding=encoding) as fh:
            write(fh)
    return Path(target)


def write_table(df: pd.DataFrame, target: str | Path) -> Path:
    """Write a table as CSV or Parquet (by the suffix), atomically."""
    target = Path(target)
    with atomic_path(target) as tmp:
        if target.suffix == ".parquet":
            df.to_parquet(tmp, index=False)
        else:
            df.to_csv(tmp, index=False)
    return target


def write_tables(tables: Mapping[str, pd.DataFrame], folder: str | Path,
                 formats: tuple[str, ...], *, element: str = "write",
                 units: Mapping[str, str] | None = None) -> list[Path]:
    """Write every table as ``folder/<name>.<format>`` for each format, atomically.

    ``units``: the SI unit of columns by name; each such column is headed
    ``name [unit]`` in the files (e.g. ``pressure [Pa]``).

    The formats are checked before anything is written; an unknown one raises
    :class:`~trunkline.errors.InputError` naming ``element``.
    """
    for fmt in formats:
        if fmt not in TABLE_FORMATS:
            raise InputError("unknown table format", element=element, field="formats",
                             value=fmt, expected="'csv' or 'parquet'")
    if units:
        tables = {name: df.rename(columns={c: f"{c} [{units[c]}]" for c in df.columns
                                           if c in units})
                  for name, df in tables.items()}
    folder = Path(folder)
    return [write_table(df, folder / f"{name}.{fmt}")
            for name, df in tables.items() for fmt in formats]


def write_json(data: Any, target: str | Path) -> Path:
    """Write JSON atomically (UTF-8, indented)."""
    return atomic_write(target, lambda fh: json.dump(data, fh, indent=2, default=str))
