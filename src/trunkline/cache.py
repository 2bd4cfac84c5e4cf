"""A small least-recently-used cache shared by the solvers' memo tables.

Station layouts, built NLPs, canonical lines and transient start states are kept by
their inputs and reused; each table holds a bounded number of entries. Lookups and
inserts hold a lock, so the tables may be shared by the dashboard's worker threads.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from typing import Generic, TypeVar

from trunkline.errors import InputError

__all__ = ["LruCache"]

V = TypeVar("V")


class LruCache(Generic[V]):
    """At most ``size`` values by key; the least recently used one is dropped first."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise InputError("a cache holds at least one entry", element="LruCache",
                             field="size", value=size, expected="an integer >= 1")
        self.size = size
        self._data: OrderedDict[Hashable, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> V | None:
        """The value kept for ``key`` (now the most recently used), or None."""
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: Hashable, value: V) -> None:
        """Keep ``value`` for ``key``, dropping the least recently used beyond ``size``."""
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)
