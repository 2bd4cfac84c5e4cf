"""The network's node and element maps keep their elements' fields as columns.

Whatever changes a map — the builder, ``replace_edge``, or the dict's own methods —
its columns must equal the fields read from the elements one by one, in the map's
order, and its version must count up; a solve must see every change.
"""

from __future__ import annotations

import math
import pickle
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trunkline.errors import InputError
from trunkline.gas import Gas
from trunkline.model.network import EDGE_TYPES, FLOW_LAWS, EdgeMap, Network, NodeMap, Pipe
from trunkline.solve import solve_steady


def _expected_node_columns(nodes: dict[str, object]) -> dict[str, list[float]]:
    return {f: [getattr(n, f) for n in nodes.values()] for f in NodeMap.FIELDS}


def assert_columns_match(net: Network) -> None:
    """The maps' columns equal the elements' fields read one by one."""
    nodes, edges = net.nodes, net.edges
    assert isinstance(nodes, NodeMap) and isinstance(edges, EdgeMap)
    cols = nodes.columns()
    for f, want in _expected_node_columns(nodes).items():
        np.testing.assert_array_equal(cols[f], np.array(want, dtype=float), err_msg=f)
    assert dict(nodes.index) == {k: i for i, k in enumerate(nodes)}
    pos = {k: i for i, k in enumerate(nodes)}
    fr, to = edges.ends(nodes)
    assert fr.tolist() == [pos[e.from_node] for e in edges.values()]
    assert to.tolist() == [pos[e.to_node] for e in edges.values()]
    ecols = edges.columns()
    for f in ("flow_min", "flow_max"):
        np.testing.assert_array_equal(ecols[f], [getattr(e, f) for e in edges.values()])
    for f in ("length", "diameter", "roughness", "efficiency"):
        want = [getattr(e, f) if isinstance(e, Pipe) else math.nan for e in edges.values()]
        np.testing.assert_array_equal(ecols[f], want, err_msg=f)
    type_code, law_code = edges.codes()
    assert [EDGE_TYPES[c] for c in type_code.tolist()] == [type(e) for e in edges.values()]
    assert law_code.tolist() == [FLOW_LAWS.index(e.flow_law) if isinstance(e, Pipe) else -1
                                 for e in edges.values()]
    assert edges.types() == [type(e) for e in edges.values()]


def _network() -> Network:
    net = Network("maps")
    for i, h in enumerate((0.0, 10.0, 25.0, 5.0)):
        net.add_node(f"n{i}", height=h, p_min=1e5 * i, p_max=80e5 + i)
    net.add_pipe("p01", "n0", "n1", 10e3, 0.5, flow_law="colebrook")
    net.add_pipe("p12", "n1", "n2", 20e3, 0.4, flow_law="hofer", flow_max=50.0)
    net.add_short_pipe("s23", "n2", "n3")
    net.add_valve("v03", "n0", "n3", open=False)
    net.add_compressor("c13", "n1", "n3", ratio=1.2)
    net.set_pressure("n0", 60e5)
    net.set_demand("n2", 10.0)
    return net


def test_columns_follow_the_builder_and_every_dict_method() -> None:
    net = _network()
    assert_columns_match(net)
    versions = [(net.nodes.version, net.edges.version)]  # type: ignore[attr-defined]

    def changed() -> None:
        assert_columns_match(net)
        v = (net.nodes.version, net.edges.version)  # type: ignore[attr-defined]
        assert v != versions[-1], "a change must count a map's version up"
        versions.append(v)

    net.replace_edge("p01", diameter=0.6)
    changed()
    net.edges["p12"] = replace(net.edges["p12"], length=5e3)  # type: ignore[type-var]
    changed()
    net.nodes["n1"] = replace(net.nodes["n1"], height=-3.0)
    changed()
    del net.edges["s23"]
    changed()
    net.edges.update({"s23": net.edges["p12"].__class__("s23", "n3", "n2", length=1.0,
                                                        diameter=1.0)})
    changed()
    assert net.edges.pop("v03").id == "v03"
    changed()
    net.edges.setdefault("v03", replace(net.edges["c13"], id="v03"))
    changed()
    # removing a node renumbers the rest: the end-node positions follow
    net.nodes.pop("n0")
    net.nodes["n0"] = replace(net.nodes["n1"], id="n0")
    changed()
    net.nodes |= {"n9": replace(net.nodes["n1"], id="n9")}
    changed()
    net.edges.popitem()
    changed()
    net.edges.clear()
    changed()


def test_copy_and_pickle_keep_their_own_columns() -> None:
    net = _network()
    twin = net.copy()
    twin.replace_edge("p01", length=1.0)
    twin.nodes["n3"] = replace(twin.nodes["n3"], p_max=1e6)
    assert_columns_match(twin)
    assert_columns_match(net)
    assert net.edges["p01"].length == 10e3  # type: ignore[attr-defined]
    assert net.nodes.columns()["p_max"][3] == 80e5 + 3
    back = pickle.loads(pickle.dumps(net))
    assert back == net
    assert_columns_match(back)


def test_what_a_solve_compiled_stays_with_the_network_only() -> None:
    """A solve keeps its compiled arrays with the network: never with a copy, a pickle or
    a replaced network, and never in a comparison."""
    net = _network()
    net.replace_edge("v03", open=True)
    net.replace_edge("c13", mode="bypass")
    solve_steady(net, Gas({"methane": 1.0}))
    assert net._solver_cache is not None
    assert net.copy()._solver_cache is None
    assert replace(net, name="other")._solver_cache is None
    assert pickle.loads(pickle.dumps(net))._solver_cache is None
    assert net == pickle.loads(pickle.dumps(net))


def test_a_plain_dict_given_becomes_a_map() -> None:
    net = _network()
    built = Network("plain", nodes=dict(net.nodes), edges=dict(net.edges),
                    pressures=dict(net.pressures), injections=dict(net.injections))
    assert isinstance(built.nodes, NodeMap) and isinstance(built.edges, EdgeMap)
    assert_columns_match(built)


def test_a_value_that_is_no_element_or_under_another_id_is_an_error() -> None:
    net = _network()
    with pytest.raises(InputError, match="wrong type"):
        net.nodes["x"] = "junction"  # type: ignore[assignment]
    with pytest.raises(InputError, match="another id"):
        net.nodes["x"] = net.nodes["n1"]
    with pytest.raises(InputError, match="wrong type"):
        net.edges["x"] = net.nodes["n1"]  # type: ignore[assignment]
    assert "x" not in net.nodes and "x" not in net.edges
    assert_columns_match(net)


def test_an_element_set_before_its_node_is_named_by_the_solver() -> None:
    net = _network()
    net.edges["p9"] = replace(net.edges["p01"], id="p9", to_node="n7")  # type: ignore[type-var]
    with pytest.raises(InputError, match="unknown node") as err:
        solve_steady(net, Gas({"methane": 1.0}))
    assert "p9" in str(err.value) and "to_node" in str(err.value)
    net.add_node("n7")  # now it exists: the columns look it up again
    assert_columns_match(net)


def test_a_solve_sees_every_change_to_the_maps() -> None:
    """The compiled arrays are reused by map version: a change made through the dict's
    own methods after a solve must give the answer of a fresh network."""
    gas = Gas({"methane": 1.0})
    net = Network("chain")
    for i in range(3):
        net.add_node(f"n{i}")
    net.add_pipe("a", "n0", "n1", 50e3, 0.5)
    net.add_pipe("b", "n1", "n2", 50e3, 0.5)
    net.set_pressure("n0", 70e5)
    net.set_demand("n2", 30.0)
    before = solve_steady(net, gas).pressure["n2"]
    net.edges["b"] = replace(net.edges["b"], diameter=0.4)  # type: ignore[type-var]
    after = solve_steady(net, gas).pressure["n2"]
    fresh = net.copy()
    assert after < before
    assert after == pytest.approx(solve_steady(fresh, gas).pressure["n2"], rel=1e-12)
    net.nodes = dict(net.nodes)  # a plain dict put in place of the map: still read right
    assert solve_steady(net, gas).pressure["n2"] == pytest.approx(after, rel=1e-12)


_OPS = st.lists(st.tuples(st.sampled_from(("set", "replace", "delete", "pop_node",
                                           "add_node")),
                          st.integers(0, 7), st.floats(0.1, 100.0)), max_size=25)


@settings(max_examples=60, deadline=None)
@given(ops=_OPS)
def test_any_sequence_of_changes_keeps_the_columns(ops: list[tuple[str, int, float]]) -> None:
    net = _network()
    for op, i, x in ops:
        ids = list(net.edges)
        nids = list(net.nodes)
        if op == "set" and len(nids) >= 2:
            a, b = nids[i % len(nids)], nids[(i + 1) % len(nids)]
            net.edges[f"e{i}"] = Pipe(f"e{i}", a, b, length=x * 1e3, diameter=x / 100)
        elif op == "replace" and ids:
            e = net.edges[ids[i % len(ids)]]
            net.edges[e.id] = replace(e, flow_max=x)
        elif op == "delete" and ids:
            del net.edges[ids[i % len(ids)]]
        elif op == "pop_node" and nids:
            gone = net.nodes.pop(nids[i % len(nids)])
            for eid in [k for k, e in net.edges.items()
                        if gone.id in (e.from_node, e.to_node)]:
                del net.edges[eid]
        elif op == "add_node":
            net.nodes[f"m{i}"] = replace(next(iter(net.nodes.values())), id=f"m{i}",
                                         height=x) if net.nodes else \
                Network().add_node(f"m{i}", height=x)
    assert_columns_match(net)


def test_an_element_with_a_field_that_is_no_number_changes_nothing() -> None:
    net = _network()
    before = dict(net.nodes)
    version = net.nodes.version  # type: ignore[attr-defined]
    with pytest.raises(InputError, match="not a number") as err:
        net.nodes["n1"] = replace(net.nodes["n1"], height=None)  # type: ignore[arg-type]
    assert "height" in str(err.value) and "n1" in str(err.value)
    assert net.nodes == before and net.nodes.version == version  # type: ignore[attr-defined]
    assert_columns_match(net)
