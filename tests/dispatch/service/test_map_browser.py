"""The live map in headless Chromium: it draws from the service alone and stays live."""

import os
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"no Chromium at {CHROMIUM}"),
]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_map_shows_couriers_and_orders_live_from_the_service_only(
    live_server, auth, order_body, online_body, tmp_path
):
    sync_api = pytest.importorskip("playwright.sync_api")
    token = auth["dispatcher"]["Authorization"].removeprefix("Bearer ")
    with httpx.Client(base_url=live_server, timeout=20.0) as api:
        api.post("/couriers/c1/online", json=online_body(), headers=auth["c1"])
        api.post("/orders", json=order_body("o1"), headers=auth["dispatcher"])

        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
            )
            page = browser.new_page(viewport={"width": 1100, "height": 760})
            hosts: set[str] = set()
            page.on("request", lambda request: hosts.add(urlparse(request.url).netloc))
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))

            page.goto(f"{live_server}/map#token={token}")
            page.wait_for_selector("#conn:has-text('live')", timeout=15_000)
            page.wait_for_selector(
                "#counts:has-text('couriers online')", timeout=15_000
            )

            api.post(
                "/couriers/c2/online", json=online_body(lon=116.46), headers=auth["c2"]
            )
            api.post("/orders", json=order_body("o2"), headers=auth["dispatcher"])
            counts = page.locator("#counts")
            counts.filter(has_text="couriers online2").wait_for(timeout=15_000)

            screenshot = Path(os.environ.get("ONEHOUR_MAP_SHOT", tmp_path / "map.png"))
            page.screenshot(path=str(screenshot))
            attribution = page.inner_text("#attribution")
            browser.close()

    assert "© OpenStreetMap contributors" in attribution
    assert hosts == {urlparse(live_server).netloc}
    assert not errors
    assert screenshot.stat().st_size > 10_000


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_api_docs_render_offline_from_the_service_alone(live_server):
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        page = browser.new_page()
        hosts: set[str] = set()
        page.on("request", lambda request: hosts.add(urlparse(request.url).netloc))
        page.goto(f"{live_server}/docs")
        page.get_by_text("/orders/{order_id}/cancel").first.wait_for(timeout=20_000)
        title = page.locator(".info .title").first.inner_text()
        browser.close()

    assert "onehour dispatch" in title
    assert hosts == {urlparse(live_server).netloc}
