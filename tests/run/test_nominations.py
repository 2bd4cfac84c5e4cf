"""Checking a set of nominations: in this process, in worker processes, on Dask."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from distributed import Client, LocalCluster

from trunkline.errors import InputError
from trunkline.model import load_scenario
from trunkline.model.gaslib import gaslib_path, load_gaslib, write_gaslib
from trunkline.run import NOMINATION_COLUMNS, check_nominations

NET = gaslib_path("GasLib-11.net")


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """GasLib-11's nomination, the same at 0.85 × every flow, one whose exits take 5 × their
    nomination (it cannot balance) and one that names a node the network lacks."""
    folder = tmp_path_factory.mktemp("scn")
    data = load_gaslib("GasLib-11")
    assert data.nomination is not None
    scaled = {k: (0.85 * lo, 0.85 * hi) for k, (lo, hi) in data.nomination.items()}
    unbalanced = {k: ((5 * lo, 5 * hi) if hi < 0 else (lo, hi))
                  for k, (lo, hi) in data.nomination.items()}
    files = [gaslib_path("GasLib-11.scn")]
    for name, nom in (("scaled", scaled), ("unbalanced", unbalanced)):
        write_gaslib(replace(data, nomination=nom), folder / "copy.net", folder / f"{name}.scn")
        files.append(folder / f"{name}.scn")
    text = gaslib_path("GasLib-11.scn").read_text().replace('id="exit01"', 'id="nowhere"')
    (folder / "unknown_node.scn").write_text(text)
    return [*files, folder / "unknown_node.scn"]


def _verdicts(table: pd.DataFrame) -> list[tuple[str, bool, int, bool]]:
    return [(Path(r.scenario).name, bool(r.feasible), int(r.ipopt_iterations), bool(r.error))
            for r in table.itertuples(index=False)]


def test_a_set_in_this_process(scenarios: list[Path], tmp_path: Path) -> None:
    done: list[int] = []
    table = check_nominations(NET, scenarios, out_dir=tmp_path / "out", progress=done.append)
    assert list(table.columns) == list(NOMINATION_COLUMNS)
    assert list(table["scenario"]) == [str(s) for s in scenarios]  # the order given
    assert list(table["feasible"]) == [True, True, False, False]
    assert len(done) == 4
    unbalanced, unknown = table.iloc[2], table.iloc[3]
    assert "unbalanced" in unbalanced["first_violation"] and not unbalanced["error"]
    # a file that cannot be read is a row with its error, not the end of the run
    assert "nowhere" in unknown["error"] and unknown["written"] == ""
    # each decided network written, and loadable
    for row in table.iloc[:3].itertuples(index=False):
        assert Path(row.written).name == f"{Path(row.scenario).stem}.toml"
        assert load_scenario(row.written).name == Path(row.scenario).stem


def test_worker_processes_give_the_same_table(scenarios: list[Path]) -> None:
    one = check_nominations(NET, scenarios[:3])
    two = check_nominations(NET, scenarios[:3], jobs=2)
    assert _verdicts(two) == _verdicts(one)


def test_a_dask_cluster_gives_the_same_table(scenarios: list[Path]) -> None:
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        table = check_nominations(NET, scenarios, scheduler=client)
    assert _verdicts(table) == _verdicts(check_nominations(NET, scenarios))


@pytest.mark.parametrize(("kwargs", "field"), [
    ({"scenarios": []}, "scenarios"),
    ({"jobs": 0}, "jobs"),
])
def test_bad_arguments(scenarios: list[Path], kwargs: dict[str, object], field: str) -> None:
    args: dict[str, object] = {"scenarios": scenarios[:1], **kwargs}
    with pytest.raises(InputError) as err:
        check_nominations(NET, **args)  # type: ignore[arg-type]
    assert err.value.field == field


def test_two_files_of_one_name_would_overwrite_each_other(scenarios: list[Path],
                                                          tmp_path: Path) -> None:
    twin = tmp_path / "other" / scenarios[1].name
    twin.parent.mkdir()
    twin.write_text(scenarios[1].read_text())
    with pytest.raises(InputError, match="same file"):
        check_nominations(NET, [scenarios[1], twin], out_dir=tmp_path / "out")
    assert not (tmp_path / "out").exists()
