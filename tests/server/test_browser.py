"""The pages in a real browser: headless Chromium driven through ChromeDriver's W3C WebDriver protocol.

No browser-automation library is needed: WebDriver is plain HTTP+JSON, spoken here with httpx (already a
dev dependency). Chromium and ChromeDriver are the Debian packages `chromium` and `chromium-driver`; the
tests skip cleanly when they are absent. The server is a real uvicorn on 127.0.0.1 (query worker
processes included), and the browser is started with every background-network feature off, so the only
host it talks to is ours — which the tests check.

Screenshots of /sdg/13 and of a policy page are written to docs/screenshots/ (real data).
"""

from __future__ import annotations

import base64
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import ld_fixture as fx  # tests/server/fixtures/, put on sys.path by conftest.py
import pytest

from kg.paths import ROOT
from kg.stores import open_store
from server.app import create_app

POLICY = fx.POLICY
ld_settings = fx.ld_settings
ld_store = fx.ld_store
serve = fx.serve

pytestmark = pytest.mark.browser

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
# Screenshots go to a temporary folder; set KEIKAKU_SCREENSHOTS=docs/screenshots to refresh the ones in docs/.
SCREENSHOTS = (
    ROOT / os.environ["KEIKAKU_SCREENSHOTS"]
    if os.environ.get("KEIKAKU_SCREENSHOTS")
    else Path(tempfile.mkdtemp(prefix="keikaku-screenshots-"))
)
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--lang=ja",
    "--window-size=1280,1000",
]


class WebDriver:
    """The few W3C WebDriver commands the tests need."""

    def __init__(self, url: str) -> None:
        self.http = httpx.Client(base_url=url, timeout=60.0)
        self.session = ""

    def cmd(self, method: str, path: str, payload: dict[str, Any] | None = None) -> Any:
        response = self.http.request(method, f"/session/{self.session}{path}", json=payload)
        data = response.json()
        if response.status_code >= 400:
            raise RuntimeError(f"webdriver {path}: {data.get('value', data)}")
        return data.get("value")

    def start(self, profile: str) -> None:
        caps = {
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "goog:chromeOptions": {
                        "binary": CHROMIUM,
                        "args": [*FLAGS, f"--user-data-dir={profile}"],
                        "prefs": {"intl.accept_languages": "ja,en"},  # a Japanese reader's browser
                    },
                }
            }
        }
        data = self.http.post("/session", json=caps).json()
        self.session = data["value"]["sessionId"]

    def get(self, url: str) -> None:
        self.cmd("POST", "/url", {"url": url})

    def js(self, script: str, *args: Any) -> Any:
        return self.cmd("POST", "/execute/sync", {"script": script, "args": list(args)})

    def wait_for(self, script: str, timeout: float = 30.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = self.js(script)
            if value:
                return value
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for: {script}")

    def click(self, css: str) -> None:
        element = self.cmd("POST", "/element", {"using": "css selector", "value": css})
        self.cmd("POST", f"/element/{element[ELEMENT]}/click", {})

    def screenshot(self, path: Path, width: int = 1280) -> None:
        """A full-page screenshot (the window is made as tall as the page first)."""
        height = int(self.js("return Math.ceil(document.documentElement.scrollHeight)"))
        self.cmd("POST", "/window/rect", {"width": width, "height": min(max(height + 140, 800), 12000)})
        time.sleep(0.3)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(self.cmd("GET", "/screenshot")))
        self.cmd("POST", "/window/rect", {"width": width, "height": 1000})

    def resources(self) -> list[str]:
        """Every URL the page has fetched (scripts, styles, XHR/fetch)."""
        return self.js("return performance.getEntriesByType('resource').map(e => e.name)")

    def quit(self) -> None:
        if self.session:
            self.http.delete(f"/session/{self.session}")
        self.http.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def browser() -> Iterator[WebDriver]:
    if not CHROMIUM or not CHROMEDRIVER:
        pytest.skip("chromium and chromedriver are not installed (Debian: chromium chromium-driver)")
    port = _free_port()
    driver_proc = subprocess.Popen(
        [CHROMEDRIVER, f"--port={port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    profile = tempfile.mkdtemp(prefix="keikaku-chromium-")
    driver = WebDriver(f"http://127.0.0.1:{port}")
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if driver.http.get("/status").json()["value"]["ready"]:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.skip("chromedriver did not start")
            time.sleep(0.1)
        driver.start(profile)
        yield driver
    finally:
        driver.quit()
        driver_proc.terminate()
        driver_proc.wait(10)
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def fixture_site(ld_dist: Path) -> Iterator[str]:
    """The fixture dataset served by uvicorn, with the real worker-process executor."""
    app = create_app(ld_settings(ld_dist, query_workers=1), ld_store())
    with serve(app) as url:
        yield url


@pytest.fixture(scope="module")
def real_site(real_dist: Path) -> Iterator[str]:
    settings = ld_settings(real_dist, query_workers=1, max_rows=10_000)
    app = create_app(settings, open_store(None, dist=real_dist))
    with serve(app) as url:
        yield url


def _only_local(resources: list[str], site: str) -> None:
    foreign = [r for r in resources if not r.startswith(site)]
    assert not foreign, f"the page fetched from other hosts: {foreign}"


def test_editor_runs_an_example_and_shows_rows(browser: WebDriver, fixture_site: str) -> None:
    browser.get(fixture_site + "/sparql/ui")
    kind = browser.wait_for("const e = document.querySelector('[data-editor]'); return e && e.dataset.editor")
    options = browser.js("return Array.from(document.querySelectorAll('#examples option')).map(o => o.value)")
    assert "measures-by-sdg" in options
    # choose the example "measures-by-sdg" (sdg 13 written in) from the dropdown
    browser.js(
        "const s = document.getElementById('examples'); s.value = 'measures-by-sdg';"
        "s.dispatchEvent(new Event('change'));"
    )
    if kind == "yasgui":
        browser.wait_for("return window.keikakuYasgui && document.querySelector('.yasqe .CodeMirror')")
        query = browser.js("return window.keikakuYasgui.getTab().getQuery()")
        assert "contributesTo" in query and "VALUES" in query
        browser.click(".tabPanel.active .yasqe_queryButton")
        rows = browser.wait_for(
            "const rows = document.querySelectorAll('.tabPanel.active .yasr table tbody tr');"
            "return rows.length && !rows[0].querySelector('.dataTables_empty') ? rows.length : 0"
        )
        text = browser.js("return document.querySelector('.tabPanel.active .yasr table tbody').innerText")
    else:
        browser.click("#run")
        rows = browser.wait_for("return document.querySelectorAll('#results table tbody tr').length")
        text = browser.js("return document.querySelector('#results table tbody').innerText")
    assert rows >= 3
    assert "温暖化" in text or "policy/1-2" in text  # the Kamakura climate policy and its measures
    _only_local(browser.resources(), fixture_site)
    browser.screenshot(SCREENSHOTS / "editor.png")


def test_home_to_sdg13_in_two_clicks(browser: WebDriver, fixture_site: str) -> None:
    """Policy staff: home page → the SDG 13 tile → the list of policies and measures."""
    browser.get(fixture_site + "/")
    browser.click("li.goal-13 a")
    browser.wait_for("return location.pathname === '/sdg/13'")
    text = browser.js("return document.querySelector('#elements').innerText")
    assert "温暖化対策" in text
    assert "鎌倉市" in text
    _only_local(browser.resources(), fixture_site)


def test_xss_literals_stay_text_in_the_browser(browser: WebDriver, fixture_site: str) -> None:
    browser.get(fixture_site + "/id/kamakura/test-xss/policy/1")
    browser.wait_for("return document.readyState === 'complete'")
    assert browser.js("return document.querySelectorAll('main script, main img, main style').length") == 0
    assert "<script>" in browser.js("return document.querySelector('h1').innerText")


def test_screenshots_of_real_pages(browser: WebDriver, real_site: str) -> None:
    """docs/screenshots/sdg-13.png and policy.png, from the real dataset (look at them after changes)."""
    browser.get(real_site + "/sdg/13")
    browser.wait_for("return document.querySelector('#elements table') !== null")
    browser.screenshot(SCREENSHOTS / "sdg-13.png")
    browser.get(f"{real_site}/id/{POLICY}")
    browser.wait_for("return document.querySelector('h1') !== null")
    assert "温暖化対策" in browser.js("return document.querySelector('h1').innerText")
    browser.screenshot(SCREENSHOTS / "policy.png")
    browser.get(real_site + "/")
    browser.wait_for("return document.querySelectorAll('li.goal').length === 17")
    browser.screenshot(SCREENSHOTS / "home.png")
    for name in ("sdg-13.png", "policy.png", "home.png"):
        assert (SCREENSHOTS / name).stat().st_size > 10_000
