"""The dashboard in a real browser: Debian's chromium driven by playwright.

Opens the dashboard, runs Power of Siberia 2 with a changed throughput, waits for the
run to finish and checks the interactive chart and the route figure on the results
page; saves a screenshot under pytest's temporary directory. Skipped only when
``/usr/bin/chromium`` is absent and ``TRUNKLINE_REQUIRE_BROWSER`` is unset (CI sets it,
so a missing browser fails there). Never downloads a browser.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

if not CHROMIUM.exists() and not os.environ.get("TRUNKLINE_REQUIRE_BROWSER"):
    pytest.skip("no /usr/bin/chromium (set TRUNKLINE_REQUIRE_BROWSER=1 to make this fail)",
                allow_module_level=True)

uvicorn = pytest.importorskip("uvicorn")
sync_api = pytest.importorskip("playwright.sync_api")

from trunkline.web import create_app  # noqa: E402


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    store = tmp_path_factory.mktemp("store") / "runs.duckdb"
    port = _free_port()
    config = uvicorn.Config(create_app(store), host="127.0.0.1", port=port,
                            log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the dashboard server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.mark.slow
def test_run_pos2_with_changed_throughput(server: str, tmp_path: Path) -> None:
    assert CHROMIUM.exists(), "TRUNKLINE_REQUIRE_BROWSER is set but /usr/bin/chromium is missing"
    errors: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            # only the dashboard itself is ever contacted
            page.route("**/*", lambda route: route.continue_()
                       if route.request.url.startswith(server) else route.abort())
            page.goto(server + "/")
            assert "Power of Siberia 2" in page.inner_text("main")
            page.click("text=Run this scenario")
            page.fill("#throughput", "42 bcm/yr @ RU")
            page.click("#run-button")
            page.wait_for_url("**/jobs/*")
            page.wait_for_selector(".progress")
            page.wait_for_url("**/runs/*", timeout=600_000)
            chart = page.locator("#fig-profile")
            chart.locator(".main-svg").first.wait_for(timeout=60_000)
            assert "js-plotly-plot" in (chart.get_attribute("class") or "")
            assert chart.locator(".scatterlayer .trace").count() >= 4
            assert page.locator("#route-map svg .cs").count() > 10
            assert page.locator("#route-map svg .border").count() >= 2
            cards = page.inner_text("#headline ~ .cards")
            assert "42.00 bcm/yr" in cards
            shot = tmp_path / "dashboard.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
            # history lists the run; the compare page needs two
            page.goto(server + "/runs")
            assert page.locator("#runs-table tbody tr").count() == 1
        finally:
            browser.close()
    assert not errors, errors
