"""The dashboard's JSON API and pages, through FastAPI's test client."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("httpx")

from fastapi.testclient import TestClient

from trunkline.store import Store
from trunkline.web import create_app
from trunkline.web.cases import RunRequest, prepare

from ._fakes import fake_runner


@pytest.fixture()
def client(tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(tmp_path / "runs.duckdb", max_jobs=2, runner=fake_runner)
    with TestClient(app) as c:
        yield c


def _wait(client: TestClient, job_id: str, timeout: float = 120.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["status"] in ("done", "failed"):
            return dict(job)
        time.sleep(0.05)
    raise AssertionError(f"job {job_id} did not finish")


def _run(client: TestClient, **body: Any) -> str:
    r = client.post("/api/runs", json=body)
    assert r.status_code == 202, r.text
    job = _wait(client, r.json()["id"])
    assert job["status"] == "done", job
    return str(job["run_id"])


def test_scenarios_and_openapi(client: TestClient) -> None:
    scen = client.get("/api/scenarios").json()
    assert [s["name"] for s in scen] == ["power_of_siberia_2"]  # networks are not offered
    spec = client.get("/openapi.json").json()
    for path in ("/api/scenarios", "/api/runs", "/api/runs/{run_id}", "/api/jobs/{job_id}",
                 "/api/compare"):
        assert path in spec["paths"], path
    assert "RunRequest" in spec["components"]["schemas"]


def test_run_job_history_compare(client: TestClient) -> None:
    a = _run(client, throughput="45 bcm/yr @ RU")
    b = _run(client, scenario="pos2", maop="9.5 MPa")
    runs = client.get("/api/runs").json()
    assert {r["id"] for r in runs} == {a, b}
    rec = client.get(f"/api/runs/{a}").json()
    assert rec["inputs"]["throughput"] == "45 bcm/yr @ RU"
    assert set(rec["tables"]) == {"profile", "stations", "route"}
    tab = client.get(f"/api/runs/{b}/tables/profile").json()
    assert tab["rows"] == 20 and tab["records"][0]["maop"] == pytest.approx(9.5e6)
    cmp = client.get("/api/compare", params=[("ids", a), ("ids", b)]).json()
    assert cmp["ids"] == [a, b] and cmp["summary"]["stations"] == [1, 1]
    # pages
    for url in ("/", "/run", "/runs", f"/runs/{a}", f"/compare?ids={a}&ids={b}"):
        r = client.get(url)
        assert r.status_code == 200, url
        assert "text/html" in r.headers["content-type"]
        assert "script-src 'self'" in r.headers["content-security-policy"]
    page = client.get(f"/runs/{a}").text
    assert '<script src="/static/plotly.min.js">' in page and "fig-profile" in page
    assert 'id="route-map"' in page
    report = client.get(f"/runs/{a}/report.html")
    assert "attachment" in report.headers["content-disposition"]
    assert "Plotly" in report.text and "/static/plotly.min.js" not in report.text
    js = client.get("/static/plotly.min.js")
    assert js.status_code == 200 and len(js.content) > 1_000_000


def test_form_runs_and_redirects(client: TestClient) -> None:
    r = client.post("/run", data={"scenario": "power_of_siberia_2",
                                  "throughput": "40 bcm/yr @ RU", "month": "1"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/jobs/")
    job_id = r.headers["location"].rsplit("/", 1)[1]
    assert client.get(f"/jobs/{job_id}").status_code == 200
    assert _wait(client, job_id)["status"] == "done"


@pytest.mark.parametrize(("body", "words"), [
    ({"throughput": "45 bananas"}, "throughput"),
    ({"throughput": "45 bcm/yr"}, "reference"),
    ({"maop": "-3 MPa"}, "maop"),
    ({"stations": 1}, "stations: Input should be greater than or equal to 2"),
    ({"scenario": "../../etc/passwd"}, "unknown scenario"),
    ({"scenario": "osiadacz_1988"}, "unknown scenario"),
    ({"discount_rate": 3}, "discount_rate"),
    ({"path": "/etc/passwd"}, "path: is not an input of a run"),
])
def test_invalid_inputs_are_refused_in_plain_words(client: TestClient, body: dict[str, Any],
                                                   words: str) -> None:
    r = client.post("/api/runs", json=body)
    assert r.status_code == 422, r.text
    msg = r.json()["error"]
    assert words.lower() in msg.lower(), msg
    assert "Traceback" not in msg
    assert client.get("/api/jobs").json() == []  # nothing was queued


def test_form_error_is_shown(client: TestClient) -> None:
    r = client.post("/run", data={"throughput": "lots", "discount_rate_percent": "8"})
    assert r.status_code == 422
    assert 'id="form-error"' in r.text and "throughput" in r.text


def test_request_size_limit(client: TestClient) -> None:
    big = {"throughput": "x" * (70 * 1024)}
    r = client.post("/api/runs", json=big)
    assert r.status_code == 413 and "too large" in r.json()["error"]

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted while reading
        for _ in range(80):
            yield b"a" * 1024

    r = client.post("/api/runs", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413


def test_concurrent_job_limit(tmp_path: Path) -> None:
    release = threading.Event()

    def slow(*args: Any) -> str:
        release.wait(30)
        return str(fake_runner(*args))

    app = create_app(tmp_path / "runs.duckdb", max_jobs=1, runner=slow)
    with TestClient(app) as c:
        first = c.post("/api/runs", json={})
        assert first.status_code == 202
        second = c.post("/api/runs", json={"throughput": "40 bcm/yr @ RU"})
        assert second.status_code == 429
        assert "at most 1 at a time" in second.json()["error"]
        release.set()
        assert _wait(c, first.json()["id"])["status"] == "done"
        assert c.post("/api/runs", json={}).status_code == 202


def test_unknown_ids_and_paths(client: TestClient) -> None:
    for url in ("/api/runs/nope", "/api/runs/..%2F..%2Fetc%2Fpasswd", "/api/jobs/nope",
                "/runs/nope", "/api/runs/abc/tables/profile"):
        r = client.get(url)
        assert r.status_code == 404, url
    rid = _run(client)
    r = client.get(f"/api/runs/{rid}/tables/secrets")
    assert r.status_code == 404 and "has no table" in r.json()["error"]
    assert client.get(f"/api/runs/{rid}/tables/..%2F..%2Fsecrets").status_code == 404
    assert client.get("/api/compare", params={"ids": rid}).status_code == 422
    r = client.get("/runs/nope")
    assert "text/html" in r.headers["content-type"] and "no run with id" in r.text


def test_only_loopback_hosts(client: TestClient) -> None:
    assert client.get("/api/scenarios", headers={"host": "evil.example"}).status_code == 400
    assert client.get("/api/scenarios", headers={"host": "127.0.0.1:8000"}).status_code == 200


def test_failed_job_reports_plain_error(tmp_path: Path) -> None:
    from trunkline.errors import InfeasibleError

    def infeasible(*args: Any) -> str:
        raise InfeasibleError("the line cannot carry this flow", limits=["MAOP"])

    with TestClient(create_app(tmp_path / "s.duckdb", runner=infeasible)) as c:
        job = _wait(c, c.post("/api/runs", json={}).json()["id"])
    assert job["status"] == "failed" and "cannot carry this flow" in job["error"]


def test_prepare_applies_changes_through_the_schema() -> None:
    case = prepare(RunRequest(maop="9.5 MPa", stations=12, discount_rate=0.08,
                              price="240 USD/1000 m3"))
    assert all(s.maop == pytest.approx(9.5e6) for s in case.line.sections)
    assert case.line.stations is not None and len(case.line.stations) == 12
    assert case.plan is not None
    assert case.plan.economics.discount_rate == pytest.approx(0.08)
    assert case.plan.price_case == "fixed" and case.plan.line is case.line
    assert prepare(RunRequest()).plan is None


@pytest.mark.slow
def test_real_run_with_changed_throughput(tmp_path: Path) -> None:
    with TestClient(create_app(tmp_path / "runs.duckdb")) as c:
        rid = _run(c, throughput="40 bcm/yr @ RU")
        rec = c.get(f"/api/runs/{rid}").json()
    s = rec["summary"]
    assert s["delivered_bcm_per_yr"] == pytest.approx(40.0, rel=1e-6)
    assert s["feasible"] is True and rec["kind"] == "line"
    assert Store(tmp_path / "runs.duckdb").table(rid, "stations").shape[0] == s["stations"]


