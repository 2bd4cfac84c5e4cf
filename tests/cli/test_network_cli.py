"""CLI: trunkline solve on a network scenario and on a GasLib instance."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from trunkline.cli.app import app
from trunkline.model.gaslib import gaslib_path

runner = CliRunner()


def test_solve_builtin_network_json() -> None:
    res = runner.invoke(app, ["solve", "osiadacz_1988", "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["converged"] and data["feasible"]
    # Osiadacz (1988) ex. 2(a): node 5 at 76.040 bar
    assert data["pressures_bar"]["5"] == pytest.approx(76.040, rel=5e-4)


def test_solve_gaslib_with_nomination() -> None:
    res = runner.invoke(app, ["solve", str(gaslib_path("GasLib-11.net")), "--scenario",
                              str(gaslib_path("GasLib-11.scn")), "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["converged"]
    assert data["nodes"] == 11
    # the slack supplies the nominated balance: entries 160 + 140 + 0 thousand m³/h (normal)
    assert data["supply_kg_s"] > 0


def test_solve_bad_input() -> None:
    res = runner.invoke(app, ["solve", "power_of_siberia_2"])
    assert res.exit_code == 2
    assert "not a network scenario" in (res.stderr or res.output)


def test_gaslib_check_finds_the_nomination_feasible() -> None:
    res = runner.invoke(app, ["gaslib", "check", str(gaslib_path("GasLib-11.net")),
                              str(gaslib_path("GasLib-11.scn")), "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["feasible"] is True and data["violated"] == []
    assert {d["type"] for d in data["decisions"]} >= {"Compressor"}
    # how it was found: IPOPT's iterations and the stages of the search
    assert data["ipopt_iterations"] > 0
    assert any("simulated" in line for line in data["strategy_log"])
    table = runner.invoke(app, ["gaslib", "check", str(gaslib_path("GasLib-11.net")),
                                str(gaslib_path("GasLib-11.scn"))])
    assert table.exit_code == 0, table.output
    assert f"{data['ipopt_iterations']} IPOPT iterations" in table.output


def _unbalanced_scn(folder: Path) -> Path:
    """GasLib-11's nomination with exit01 taking 500 instead of 100 (1000 m³/h): it does
    not balance."""
    scn = gaslib_path("GasLib-11.scn").read_text()
    exit01 = scn.index('id="exit01"')
    bad = folder / "unbalanced.scn"
    bad.write_text(scn[:exit01] + scn[exit01:].replace('value="100.00"', 'value="500.00"', 2))
    return bad


def test_gaslib_check_of_an_infeasible_nomination_says_why(tmp_path: Path) -> None:
    bad = _unbalanced_scn(tmp_path)
    res = runner.invoke(app, ["gaslib", "check", str(gaslib_path("GasLib-11.net")), str(bad)])
    assert res.exit_code == 1
    assert "INFEASIBLE" in res.output and "violated:" in res.output
    # the violated bound, then the strategy log (what the search tried) says it again
    assert res.output.count("nomination unbalanced") == 2


def test_gaslib_check_reads_combined_decisions() -> None:
    args = ["gaslib", "check", str(gaslib_path("GasLib-582-v2.net")),
            str(gaslib_path("GasLib-582-v2_nomination_freezing_1.scn")),
            "--cs", str(gaslib_path("GasLib-582-v2.cs")), "--format", "json"]
    res = runner.invoke(app, [*args, "--cdf", str(gaslib_path("GasLib-582-v2.cdf"))])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["feasible"] is True
    missing = runner.invoke(app, [*args, "--cdf", "nowhere.cdf"])
    assert missing.exit_code == 2
    assert "nowhere.cdf" in (missing.stderr or missing.output)


def test_packaged_gaslib_files_by_bare_name(tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    # the README's examples run from any directory: a bare GasLib file name with no such
    # file here is the packaged one; a file here of that name comes first
    monkeypatch.chdir(tmp_path)
    res = runner.invoke(app, ["solve", "GasLib-40.net", "--scenario", "GasLib-40.scn",
                              "--format", "json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["nodes"] == 40
    res = runner.invoke(app, ["gaslib", "check", "GasLib-11.net", "GasLib-11.scn",
                              "--format", "json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["feasible"] is True
    (tmp_path / "GasLib-11.net").write_text("not XML")
    res = runner.invoke(app, ["solve", "GasLib-11.net"])
    assert res.exit_code == 2 and "not well-formed XML" in (res.stderr or res.output)


def test_gaslib_check_writes_the_decided_network_for_solve(tmp_path: Path) -> None:
    from trunkline.optimize import check_nomination

    out = tmp_path / "decided" / "GasLib-40.toml"
    res = runner.invoke(app, ["gaslib", "check", "GasLib-40.net", "GasLib-40.scn",
                              "--out", str(out), "--format", "json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["written"] == str(out)
    solved = runner.invoke(app, ["solve", str(out), "--format", "json"])
    assert solved.exit_code == 0, solved.output
    data = json.loads(solved.stdout)
    assert data["feasible"] and "(feasible)" in data["network"]
    # the written file holds the check's operating point: solving it is the check's
    # verifying simulation again (the same inputs; the gas to its last bit or so)
    sim = check_nomination("GasLib-40").simulation
    assert sim is not None
    got = {k: v * 1e5 for k, v in data["pressures_bar"].items()}
    assert got == pytest.approx(sim.pressure, rel=1e-9)
    assert data["flows_kg_s"] == pytest.approx(sim.flow, rel=1e-9, abs=1e-9)


def test_gaslib_check_of_a_set_of_nominations(tmp_path: Path) -> None:
    # GasLib-11's nomination and one that cannot balance: one row each
    bad = _unbalanced_scn(tmp_path)
    args = ["gaslib", "check", "GasLib-11.net", "GasLib-11.scn", str(bad)]
    res = runner.invoke(app, [*args, "--format", "json", "--out", str(tmp_path / "out")])
    assert res.exit_code == 1  # not every nomination is feasible
    rows = json.loads(res.stdout)
    assert [r["feasible"] for r in rows] == [True, False]
    assert "unbalanced" in rows[1]["first_violation"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["GasLib-11.toml",
                                                                    "unbalanced.toml"]
    table = runner.invoke(app, [*args, "--jobs", "2"])
    assert table.exit_code == 1
    assert "1 of 2 nominations feasible" in table.output
    assert "infeasible" in table.output and "unbalanced" in table.output


def test_solve_writes_its_tables(tmp_path: Path) -> None:
    import pandas as pd

    out = tmp_path / "res"
    res = runner.invoke(app, ["solve", "GasLib-40.net", "--scenario", "GasLib-40.scn",
                              "--out", str(out), "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout)
    assert data["written"] == str(out)
    tables = {f"{t}.{f}" for t in ("nodes", "edges", "compressors") for f in ("csv", "parquet")}
    assert {p.name for p in out.iterdir()} == {*tables, "summary.json"}
    nodes = pd.read_parquet(out / "nodes.parquet").set_index("id")
    assert nodes["pressure [Pa]"].to_dict() == pytest.approx(
        {k: v * 1e5 for k, v in data["pressures_bar"].items()}, rel=1e-12)
    edges = pd.read_csv(out / "edges.csv", index_col="id")
    # a standard volume names its reference condition (GasLib: normal, 0 °C)
    assert "standard_flow [m3/s @ normal]" in edges.columns
    assert json.loads((out / "summary.json").read_text())["converged"] is True
