"""The public names the issues promise are importable from the top level."""

from __future__ import annotations

import inspect

import trunkline as tl

#: issue 3 (networks): the builder, the solver, GasLib import and nomination validation;
#: and what this package adds for files and sets of nominations
NETWORK_API = ("Network", "solve_steady", "read_gaslib", "write_gaslib", "load_gaslib",
               "check_nomination", "check_nominations", "NetworkScenario",
               "write_network_scenario", "load_scenario")


def test_every_exported_name_exists() -> None:
    missing = [name for name in tl.__all__ if not hasattr(tl, name)]
    assert missing == []


def test_network_api_at_the_top_level() -> None:
    assert set(NETWORK_API) <= set(tl.__all__)
    params = inspect.signature(tl.read_gaslib).parameters
    assert list(params)[:3] == ["net_path", "scn_path", "cs_path"]
    assert params["scn_path"].default is None and params["cs_path"].default is None
