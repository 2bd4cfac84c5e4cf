"""CLI: run --store, then runs list/show/compare/export/delete."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from trunkline.cli.app import app

runner = CliRunner()


def test_store_and_manage_runs(tmp_path: Path) -> None:
    db = str(tmp_path / "runs.duckdb")
    res = runner.invoke(app, ["run", "--no-files", "--no-plan", "--format", "json", "--store", db])
    assert res.exit_code == 0, res.output
    rid = json.loads(res.stdout)["run_id"]
    listed = runner.invoke(app, ["runs", "list", "--store", db])
    assert listed.exit_code == 0 and rid in listed.stdout
    shown = runner.invoke(app, ["runs", "show", rid, "--store", db])
    rec = json.loads(shown.stdout)
    assert rec["kind"] == "line" and rec["tables"]["stations"] > 0
    assert runner.invoke(app, ["runs", "compare", rid, "--store", db]).exit_code == 0
    out = tmp_path / "exp"
    assert runner.invoke(app, ["runs", "export", rid, str(out), "--store", db]).exit_code == 0
    assert (out / "profile.parquet").exists() and (out / "run.json").exists()
    assert runner.invoke(app, ["runs", "delete", rid, "--store", db]).exit_code == 0
    missing = runner.invoke(app, ["runs", "show", rid, "--store", db])
    assert missing.exit_code == 2
