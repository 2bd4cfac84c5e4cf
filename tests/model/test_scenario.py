"""Scenario files: the built-in Power of Siberia 2 scenario, its sources, and validation."""

from __future__ import annotations

import copy
import math
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from trunkline.errors import InputError, ScenarioError
from trunkline.model import BUILTIN_SCENARIOS, Trunkline, load_scenario, scenario_from_dict

SCENARIO = "power_of_siberia_2"
SOURCES_MD = Path(__file__).parents[2] / "docs" / "sources.md"

# Published lengths (docs/sources.md).
RUSSIA_LENGTH = 2600e3  # [m] Reuters; GEM 2,594 km, TASS ~2,700 km [S:russian-length]
MONGOLIA_LENGTH = 962.9e3  # [m] Gazprom statement [S:sv-length]
TOTAL_LENGTH = 3550e3  # [m] "total Russia + Mongolia ~3,550 km", FT [S:total-length]
TOTAL_LENGTH_RTOL = 0.02  # the FT figure is rounded ("~3,550 km")
LENGTH_RTOL = 1e-9  # section lengths are given explicitly: exact up to float rounding
TORTUOSITY_MIN, TORTUOSITY_MAX = 1.0, 1.3  # pipeline / geodesic length, plausible range

# Contract quantity: 50 bcm/yr of Gazprom cubic metres (20 degC) [S:acq] [S:gazprom-m3],
# a contract year of 365 days.
THROUGHPUT_M3_S = 50e9 / (365 * 86400)
THROUGHPUT_RTOL = 1e-12
COMPOSITION_SUM_TOL = 1e-12
ELEVATION_ATOL = 1e-9  # [m] linear interpolation between waypoints

# Tags are kebab-case; the placeholder "[S:...]" in the file's header comment is not a tag.
TAG = re.compile(r"\[S:([a-z0-9][a-z0-9-]*)\]")
HEADING = re.compile(r"^### \[S:([a-z0-9][a-z0-9-]*)\]\s*$", re.MULTILINE)


def _toml_text() -> str:
    return resources.files("trunkline.scenarios").joinpath(f"{SCENARIO}.toml").read_text("utf-8")


def _toml_data() -> dict[str, Any]:
    return tomllib.loads(_toml_text())


@pytest.fixture(scope="module")
def line() -> Trunkline:
    return load_scenario(SCENARIO)


@pytest.fixture(scope="module")
def base_data() -> dict[str, Any]:
    return _toml_data()


# --------------------------------------------------------------------------- built-in scenario


def test_builtin_names() -> None:
    assert SCENARIO in BUILTIN_SCENARIOS


@pytest.mark.parametrize("name", ["power_of_siberia_2", "pos2", "POS2", "power-of-siberia-2"])
def test_builtin_scenario_loads_by_name_and_alias(name: str) -> None:
    line = load_scenario(name)
    assert isinstance(line, Trunkline)
    assert line.name == SCENARIO


def test_builtin_scenario_loads_from_path(tmp_path: Path) -> None:
    path = tmp_path / "copy.toml"
    path.write_text(_toml_text(), encoding="utf-8")
    assert load_scenario(path).length == load_scenario(SCENARIO).length
    assert load_scenario(str(path)).name == SCENARIO


def test_section_lengths(line: Trunkline) -> None:
    russia, mongolia = line.sections
    assert russia.length == pytest.approx(RUSSIA_LENGTH, rel=LENGTH_RTOL)
    assert mongolia.length == pytest.approx(MONGOLIA_LENGTH, rel=LENGTH_RTOL)


def test_tortuosity_factors_are_plausible(line: Trunkline) -> None:
    # The published lengths exceed the great-circle sums of the waypoints; the factor
    # reconciling them must be a plausible route tortuosity [S:waypoints].
    for sec in line.sections:
        assert TORTUOSITY_MIN < sec.tortuosity < TORTUOSITY_MAX, sec.name
        assert sec.length == pytest.approx(sec.geodesic_length * sec.tortuosity)


def test_total_length_matches_press_figure(line: Trunkline) -> None:
    assert line.length == pytest.approx(TOTAL_LENGTH, rel=TOTAL_LENGTH_RTOL)
    assert line.length == pytest.approx(RUSSIA_LENGTH + MONGOLIA_LENGTH, rel=LENGTH_RTOL)


def test_waypoint_chainage_is_monotonic(line: Trunkline) -> None:
    ch = line.waypoint_chainage
    assert len(ch) == len(line.waypoints)
    assert ch[0] == 0.0
    assert np.all(np.diff(ch) > 0.0)
    assert ch[-1] == pytest.approx(line.length, rel=LENGTH_RTOL)
    # The border waypoint ends the Russian section.
    border = next(i for i, w in enumerate(line.waypoints) if w.name.startswith("Naushki"))
    assert line.sections[0].end == border
    assert ch[border] == pytest.approx(RUSSIA_LENGTH, rel=LENGTH_RTOL)


def test_elevation_interpolation(line: Trunkline) -> None:
    ch = line.waypoint_chainage
    el = line.waypoint_elevation
    # At the waypoints: their own elevations.
    np.testing.assert_allclose(line.elevation_at(ch), el, atol=ELEVATION_ATOL)
    # Midway between two waypoints: the mean of the two (linear).
    mid = 0.5 * (ch[:-1] + ch[1:])
    np.testing.assert_allclose(line.elevation_at(mid), 0.5 * (el[:-1] + el[1:]),
                               atol=ELEVATION_ATOL)
    # Beyond the ends: held at the end values.
    assert float(line.elevation_at(-1.0)) == pytest.approx(el[0])
    assert float(line.elevation_at(line.length + 1e3)) == pytest.approx(el[-1])
    # Spot values from the waypoint list [S:waypoints].
    assert el[0] == pytest.approx(60.0)  # Aganskaya CS
    assert max(el) == pytest.approx(1350.0)  # Ulaanbaatar
    assert el[-1] == pytest.approx(965.0)  # Erenhot


def test_gas_composition_sums_to_one(line: Trunkline) -> None:
    assert math.fsum(line.composition.values()) == pytest.approx(1.0, abs=COMPOSITION_SUM_TOL)
    assert all(x > 0 for x in line.composition.values())
    # [S:gas-proxy]: dry Cenomanian gas, 98.156 mol % methane.
    assert line.composition["methane"] == pytest.approx(0.98156, rel=1e-9)


def test_throughput_is_50_bcm_per_year_at_ru(line: Trunkline) -> None:
    assert line.throughput.reference.name == "RU"
    assert line.throughput.reference.temperature == pytest.approx(293.15)  # [S:gazprom-m3]
    assert line.throughput.reference.pressure == pytest.approx(101325.0)
    assert line.throughput.value == pytest.approx(THROUGHPUT_M3_S, rel=THROUGHPUT_RTOL)
    assert line.throughput_basis == "delivery"


def test_builtin_scenario_is_auto_placed(line: Trunkline) -> None:
    assert line.stations is None
    assert line.station_design.unit_power == pytest.approx(32e6)  # [S:gtu-sizes]
    for sec in line.sections:
        assert sec.maop == pytest.approx(9.8e6)  # [S:pos1-pipe]
        assert sec.outside_diameter == pytest.approx(1.42)


# --------------------------------------------------------------------------- sources


def _headings() -> list[str]:
    return HEADING.findall(SOURCES_MD.read_text("utf-8"))


def test_every_tag_in_the_scenario_has_a_sources_heading() -> None:
    tags = set(TAG.findall(_toml_text()))
    assert tags, "the scenario cites no sources"
    missing = sorted(tags - set(_headings()))
    assert not missing, f"tags without a '### [S:tag]' heading in {SOURCES_MD.name}: {missing}"


def test_sources_headings_are_unique() -> None:
    headings = _headings()
    duplicates = sorted({h for h in headings if headings.count(h) > 1})
    assert not duplicates


@dataclass(frozen=True)
class _Line:
    number: int  # 1-based
    kind: str  # "blank", "comment", "header", "value" or "continuation"
    table: str  # the table the line is in ("" before the first header)
    key: str = ""  # for "value" lines
    text: str = ""


_HEADER_LINE = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.-]+)\s*\]\]?\s*(#.*)?$")
_VALUE_LINE = re.compile(r'^\s*("[^"]+"|[A-Za-z0-9_-]+)\s*=')


def _scan(text: str) -> list[_Line]:
    """Classify the lines of a TOML file (enough TOML for scenario files)."""
    out: list[_Line] = []
    table = ""
    in_string = False  # inside a multi-line """ string
    for n, raw in enumerate(text.splitlines(), start=1):
        s = raw.strip()
        if in_string:
            kind, key = "continuation", ""
            in_string = s.count('"""') % 2 == 0
        elif not s:
            kind, key = "blank", ""
        elif s.startswith("#"):
            kind, key = "comment", ""
        elif m := _HEADER_LINE.match(raw):
            table = m.group(2)
            kind, key = "header", ""
        elif m := _VALUE_LINE.match(raw):
            kind, key = "value", m.group(1).strip('"')
            in_string = s.count('"""') % 2 == 1
        else:
            kind, key = "continuation", ""  # a multi-line array
        out.append(_Line(n, kind, table, key, raw))
    return out


def _covering_block(lines: list[_Line], i: int) -> list[str]:
    """The comment block covering value line ``i`` (empty if none)."""
    j = i - 1
    while j >= 0 and lines[j].kind in ("value", "continuation"):
        j -= 1
    if j >= 0 and lines[j].kind == "header" and lines[j].table == lines[i].table:
        j -= 1  # a comment directly above a table header covers that table
    block = []
    while j >= 0 and lines[j].kind == "comment":
        block.append(lines[j].text)
        j -= 1
    return block


# Tables whose values must be covered; [scenario] is metadata, and the
# [[route.waypoints]] entries are covered by the route-level comment (checked apart).
_CHECKED_TABLES = ("gas", "gas.composition", "operation", "route.sections", "stations",
                   "stations.list")
# Value lines that are not figures and need no source: identifiers, and run or method
# settings. Listed one by one so that a new figure cannot slip in under them.
_NOT_FIGURES = {
    ("gas", "eos"): "method choice (equation of state), not a figure",
    ("operation", "month"): "run setting (which month's ground temperature)",
    ("route.sections", "name"): "identifier",
    ("route.sections", "from"): "reference to a waypoint",
    ("route.sections", "to"): "reference to a waypoint",
}
_COVERS = ("[S:", "assumption")


def test_scanner_sees_every_key_of_the_scenario() -> None:
    """The line scanner below finds exactly the keys tomllib parses (so the check is sound)."""
    data = _toml_data()
    scanned: list[tuple[str, list[str]]] = []
    for ln in _scan(_toml_text()):
        if ln.kind == "header":
            scanned.append((ln.table, []))
        elif ln.kind == "value":
            scanned[-1][1].append(ln.key)
    occurrence: dict[str, int] = {}
    for table, keys in scanned:
        node: Any = data
        for part in table.split("."):
            node = node[part]
        if isinstance(node, list):  # an array of tables: the next element
            k = occurrence.get(table, 0)
            occurrence[table] = k + 1
            node = node[k]
        leaves = [k for k, v in node.items()
                  if not isinstance(v, dict)
                  and not (isinstance(v, list) and v and isinstance(v[0], dict))]
        assert sorted(keys) == sorted(leaves), table


def test_every_value_cites_a_source_or_an_assumption() -> None:
    """Every value line of the scenario is covered by a comment citing "[S:" or "assumption".

    The rule is block-based: a comment block (consecutive comment lines) covers the
    value lines that follow it, up to the next blank line or table header; a comment
    block directly above a table header covers that table's first lines. Checking only
    the nearest comment line would be too strict where one block comment covers a whole
    table (the gas composition, the pipe of both sections). Identifiers and run/method
    settings listed in ``_NOT_FIGURES`` need no source.
    """
    lines = _scan(_toml_text())
    uncovered = []
    for i, ln in enumerate(lines):
        if ln.kind != "value" or ln.table not in _CHECKED_TABLES:
            continue
        if (ln.table, ln.key) in _NOT_FIGURES:
            continue
        block = _covering_block(lines, i)
        if not any(tag in c for c in block for tag in _COVERS):
            uncovered.append(f"line {ln.number} [{ln.table}] {ln.text.strip()}")
    assert not uncovered, "values citing no [S:tag] and no assumption:\n" + "\n".join(uncovered)


def test_not_figures_list_is_not_stale() -> None:
    present = {(ln.table, ln.key) for ln in _scan(_toml_text()) if ln.kind == "value"}
    assert set(_NOT_FIGURES) <= present


def test_waypoints_are_covered_by_the_route_comment() -> None:
    lines = _scan(_toml_text())
    first = next(i for i, ln in enumerate(lines)
                 if ln.kind == "header" and ln.table == "route.waypoints")
    block = _covering_block(lines, first + 1)
    assert any("[S:waypoints]" in c for c in block)
    waypoint_keys = {ln.key for ln in lines if ln.kind == "value" and ln.table == "route.waypoints"}
    assert waypoint_keys == {"name", "lat", "lon", "elevation"}


def test_covering_block_rule() -> None:
    text = "\n".join([
        "[stations]",
        "# assumption: covers the next two",
        "a = 1",
        "b = 2",
        "",
        "c = 3",
        "# no source here",
        "d = 4",
        "# [S:x] above the header",
        "[gas.composition]",
        "methane = 1.0",
    ])
    lines = _scan(text)
    covered = {ln.key: any(t in c for c in _covering_block(lines, i) for t in _COVERS)
               for i, ln in enumerate(lines) if ln.kind == "value"}
    assert covered == {"a": True, "b": True, "c": False, "d": False, "methane": True}


# --------------------------------------------------------------------------- invalid input


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """A mutator setting data[a][b]... (integers index lists) to ``value``."""
    def mutate(data: dict[str, Any]) -> None:
        *parents, last = [int(p) if p.isdigit() else p for p in path.split("/")]
        node: Any = data
        for p in parents:
            node = node[p]
        node[last] = value
    return mutate


def _halve_composition(data: dict[str, Any]) -> None:
    comp = data["gas"]["composition"]
    for k in comp:
        comp[k] /= 2.0


BAD_VARIANTS: list[tuple[str, Callable[[dict[str, Any]], None], tuple[str, ...]]] = [
    ("composition-sum-0.5", _halve_composition, ("sum", "0.5")),
    ("unknown-component", _set("gas/composition/unobtainium", 0.001),
     ("unobtainium", "unknown")),
    ("negative-diameter", _set("route/sections/0/outside_diameter", "-1420 mm"),
     ("outside_diameter", "-1420 mm")),
    ("wall-thicker-than-radius", _set("route/sections/0/wall_thickness", "800 mm"),
     ("wall_thickness", "800 mm", "radius")),
    ("unknown-waypoint", _set("route/sections/1/to", "Atlantis"),
     ("to", "Atlantis", "waypoint")),
    ("length-as-maop", _set("route/sections/0/maop", "9.8 km"),
     ("maop", "9.8 km")),
    ("throughput-without-reference", _set("operation/throughput", "50 bcm/yr"),
     ("throughput", "50 bcm/yr", "reference")),
    ("unknown-top-level-key", _set("pipelines", {"x": 1}), ("pipelines",)),
    ("unknown-section-key", _set("route/sections/0/diameter", "1420 mm"), ("diameter",)),
    ("month-13", _set("operation/month", 13), ("month", "13")),
    ("eos", _set("gas/eos", "ideal-ish"), ("eos", "ideal-ish")),
    ("zero-throughput", _set("operation/throughput", "0 bcm/yr @ RU"),
     ("throughput", "positive")),
    ("eleven-ground-temperatures", _set("route/sections/0/ground_temperature", ["0 degC"] * 11),
     ("ground_temperature", "12")),
    ("length-and-tortuosity", _set("route/sections/0/tortuosity", 1.1),
     ("length", "tortuosity")),
    ("shorter-than-geodesic", _set("route/sections/1/length", "500 km"),
     ("length", "500 km", "geodesic")),
]


@pytest.mark.parametrize(("mutate", "needles"), [(m, n) for _, m, n in BAD_VARIANTS],
                         ids=[name for name, _, _ in BAD_VARIANTS])
def test_bad_input_names_field_and_value(base_data: dict[str, Any],
                                         mutate: Callable[[dict[str, Any]], None],
                                         needles: tuple[str, ...]) -> None:
    data = copy.deepcopy(base_data)
    mutate(data)
    with pytest.raises(ScenarioError) as info:
        scenario_from_dict(data)
    message = str(info.value)
    for needle in needles:
        assert needle in message, f"{needle!r} not in {message!r}"


def test_scenario_error_is_an_input_error() -> None:
    assert issubclass(ScenarioError, InputError)
    assert issubclass(ScenarioError, ValueError)


def test_builtin_data_is_valid_unchanged(base_data: dict[str, Any]) -> None:
    # The variants above fail because of their change, not because of the base data.
    assert scenario_from_dict(copy.deepcopy(base_data)).length == pytest.approx(
        RUSSIA_LENGTH + MONGOLIA_LENGTH, rel=LENGTH_RTOL)


def test_toml_syntax_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text('[gas\neos = "gerg2008"\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match="invalid TOML") as info:
        load_scenario(path)
    assert str(path) in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "no-such-scenario.toml"
    with pytest.raises(ScenarioError, match="no such scenario") as info:
        load_scenario(path)
    assert str(path) in str(info.value)


def test_unknown_builtin_name() -> None:
    with pytest.raises(ScenarioError, match="power_of_siberia_2"):
        load_scenario("power_of_siberia_3")


# --------------------------------------------------------------------------- fixed placement

FIXED_STATIONS = [  # deliberately out of order
    {"name": "CS Irkutsk", "chainage": "2320 km", "units": 3},
    {"name": "CS Aganskaya", "chainage": "0 km", "units": 2},
    {"name": "CS Ulaanbaatar", "chainage": "2907.9 km", "units": 4},
]


def _fixed(base: dict[str, Any], items: list[dict[str, Any]]) -> dict[str, Any]:
    data = copy.deepcopy(base)
    data["stations"]["placement"] = "fixed"
    data["stations"]["list"] = copy.deepcopy(items)
    return data


def test_fixed_placement_sorted_with_spares(base_data: dict[str, Any]) -> None:
    line = scenario_from_dict(_fixed(base_data, FIXED_STATIONS))
    assert line.stations is not None
    assert [s.name for s in line.stations] == ["CS Aganskaya", "CS Irkutsk", "CS Ulaanbaatar"]
    chainages = [s.chainage for s in line.stations]
    assert chainages == sorted(chainages)
    assert chainages == pytest.approx([0.0, 2320e3, 2907.9e3])
    spare = base_data["stations"]["spare_units"]
    by_name = {s.name: s for s in line.stations}
    for item in FIXED_STATIONS:
        station = by_name[item["name"]]
        assert station.units_installed == item["units"] + spare
        assert station.units_available == item["units"]


def test_fixed_placement_from_a_file(tmp_path: Path) -> None:
    text = _toml_text().replace('placement = "auto"', 'placement = "fixed"')
    text += '\n[[stations.list]]\nname = "CS-1"\nchainage = "0 km"\nunits = 2\n'
    path = tmp_path / "fixed.toml"
    path.write_text(text, encoding="utf-8")
    line = load_scenario(path)
    assert line.stations is not None
    assert [(s.name, s.units_installed) for s in line.stations] == [("CS-1", 3)]


@pytest.mark.parametrize("chainage", ["4000 km", "-1 km", "3562.9 km"])
def test_fixed_station_outside_the_line(base_data: dict[str, Any], chainage: str) -> None:
    items = [{"name": "CS-far", "chainage": chainage, "units": 2}]
    with pytest.raises(ScenarioError, match="chainage") as info:
        scenario_from_dict(_fixed(base_data, items))
    assert chainage in str(info.value)


def test_fixed_placement_needs_a_list(base_data: dict[str, Any]) -> None:
    with pytest.raises(ScenarioError, match="station list"):
        scenario_from_dict(_fixed(base_data, []))


def test_fixed_station_needs_a_unit(base_data: dict[str, Any]) -> None:
    items = [{"name": "CS-0", "chainage": "0 km", "units": 0}]
    with pytest.raises(ScenarioError, match="units"):
        scenario_from_dict(_fixed(base_data, items))


def test_throughput_as_mass_flow() -> None:
    """A scenario may give its throughput as a mass flow; it is held at RU (real gas)."""
    data = _toml_data()
    data["operation"]["throughput"] = "1100 kg/s"
    line = scenario_from_dict(data)
    assert line.throughput.reference.name == "RU"
    assert line.mass_flow() == pytest.approx(1100.0, rel=1e-12)


def test_heat_transfer_given_exactly_once() -> None:
    """A section gives U directly or the soil conductivity to compute it, not both/neither."""
    data = _toml_data()
    sec = data["route"]["sections"][0]
    sec["heat_transfer_coefficient"] = "1.5 W/(m**2*K)"
    with pytest.raises(ScenarioError, match="exactly one"):
        scenario_from_dict(data)
    del sec["soil_conductivity"]
    line = scenario_from_dict(data)
    assert line.sections[0].heat_transfer_coefficient == pytest.approx(1.5)
