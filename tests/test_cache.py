"""The solvers' least-recently-used memo table."""

from __future__ import annotations

import pytest

from trunkline.cache import LruCache
from trunkline.errors import InputError


def test_least_recently_used_entry_goes_first() -> None:
    c: LruCache[int] = LruCache(2)
    c.put("a", 1)
    c.put("b", 2)
    assert c.get("a") == 1  # "a" is now the most recently used
    c.put("c", 3)
    assert c.get("b") is None
    assert (c.get("a"), c.get("c"), len(c)) == (1, 3, 2)
    c.clear()
    assert len(c) == 0


def test_size_must_be_positive() -> None:
    with pytest.raises(InputError, match="at least one"):
        LruCache(0)
