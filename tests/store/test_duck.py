"""Results store: round trip, SIGKILL durability and concurrent writers (real subprocesses)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from trunkline.errors import InputError
from trunkline.store import Store

_WRITER = textwrap.dedent("""
    import sys, numpy as np, pandas as pd
    from trunkline.store import Store
    path, label, n, rows = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    store = Store(path, timeout=120)
    for i in range(n):
        df = pd.DataFrame({"x": np.arange(rows, dtype=float), "y": np.full(rows, i)})
        if i == 0:
            print("START", flush=True)
        store.save("test", f"{label}-{i}", {"i": i, "label": label}, {"data": df},
                   {"i": i, "rows": rows})
    print("DONE", flush=True)
""")


def _spawn(path: Path, label: str, n: int, rows: int) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", _WRITER, str(path), label, str(n),
                             str(rows)], stdout=subprocess.PIPE, text=True)


def test_round_trip_and_delete(tmp_path: Path) -> None:
    store = Store(tmp_path / "runs.duckdb")
    df = pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]})
    rid = store.save("line", "pos2", {"q": "50 bcm/yr @ RU"}, {"profile": df},
                     {"fuel": 0.08, "violations": []})
    rec = store.show(rid)
    assert rec["status"] == "complete" and rec["kind"] == "line"
    assert rec["inputs"] == {"q": "50 bcm/yr @ RU"}
    assert rec["tables"] == {"profile": 2}
    assert "trunkline" in rec["versions"]
    pd.testing.assert_frame_equal(store.table(rid, "profile"), df)
    paths = store.export(rid, tmp_path / "export", fmt="csv")
    assert sorted(p.name for p in paths) == ["profile.csv", "run.json"]
    assert store.compare([rid]).loc["fuel", rid] == pytest.approx(0.08)
    store.delete(rid)
    assert store.list().empty
    with pytest.raises(InputError, match="no such run"):
        store.show(rid)


def test_same_inputs_same_hash(tmp_path: Path) -> None:
    store = Store(tmp_path / "s.duckdb")
    a = store.save("k", "s", {"x": 1, "y": [1, 2]}, {}, {})
    b = store.save("k", "s", {"y": [1, 2], "x": 1}, {}, {})
    runs = store.list().set_index("id")
    assert runs.loc[a, "scenario_hash"] == runs.loc[b, "scenario_hash"]


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_sigkill_mid_write_leaves_no_partial_run(tmp_path: Path) -> None:
    path = tmp_path / "runs.duckdb"
    store = Store(path)
    keep = store.save("test", "before", {}, {"data": pd.DataFrame({"x": [1.0]})}, {})
    proc = _spawn(path, "big", 1, 30_000_000)  # one large table: seconds to write
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "START"
    time.sleep(0.5)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    after = Store(path)
    runs = after.list()
    assert list(runs["id"]) == [keep]  # the killed run is not visible at all
    assert after.table(keep, "data")["x"].tolist() == [1.0]
    # and the store still takes writes
    new = after.save("test", "after", {}, {"data": pd.DataFrame({"x": [2.0]})}, {})
    assert set(after.list()["id"]) == {keep, new}


def test_concurrent_writers_do_not_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "runs.duckdb"
    Store(path)
    procs = [_spawn(path, label, 12, 2000) for label in ("a", "b")]
    for p in procs:
        out, _ = p.communicate(timeout=300)
        assert p.returncode == 0 and "DONE" in out
    store = Store(path)
    runs = store.list()
    assert len(runs) == 24
    for rid in runs["id"]:
        rec = store.show(rid)
        df = store.table(rid, "data")
        assert len(df) == 2000 and np.all(df["y"] == rec["summary"]["i"])
