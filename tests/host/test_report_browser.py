"""report.html in a real headless Chromium (Debian's chromium + chromium-driver, driven by selenium).

Checks what only a browser can: the page renders, the summary grid is there, every <img> decoded
(naturalWidth > 0), the console has no error (a blocked fetch, a CSP violation or a broken data: URI
would all log one), and hostile artifact text arrived as text, not markup.

Without chromium this test skips on a workstation but FAILS under CI=true: CI must install it
(``apt-get install -y chromium chromium-driver``; selenium from PyPI).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from compare.host.cli import main
from tests.helpers.report_artifacts import EVIL_CONFIG, EVIL_ENV, EVIL_REASON, write_artifacts

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1400,1000",
)


def _find(path: str) -> str:
    """Debian's path, else the same program on PATH; "" when neither exists."""
    return path if os.path.exists(path) else (shutil.which(os.path.basename(path)) or "")


def _missing() -> str:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install selenium)"
    for path in (CHROMIUM, CHROMEDRIVER):
        if not _find(path):
            return f"{path} is missing (apt-get install -y chromium chromium-driver)"
    return ""


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    why = _missing()
    if why:
        if os.environ.get("CI") == "true":
            pytest.fail("CI needs a headless browser: " + why)
        pytest.skip(why)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = _find(CHROMIUM)
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument("--user-data-dir=" + str(tmp_path_factory.mktemp("chromium-profile")))
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    # An explicit driver path: selenium-manager is never asked to download one.
    driver = webdriver.Chrome(service=Service(_find(CHROMEDRIVER)), options=options)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def report_page(tmp_path_factory) -> Path:
    folder = write_artifacts(tmp_path_factory.mktemp("artifacts"))
    out = tmp_path_factory.mktemp("report")
    assert main(["report", str(folder), "--out", str(out), "--baseline", "tf115:tf1"]) == 0
    return out / "report.html"


@pytest.fixture(scope="module")
def loaded(browser, report_page):
    browser.get(report_page.as_uri())
    browser.execute_script("document.querySelectorAll('details').forEach(d => d.open = true)")
    return browser


def test_renders_with_grid(loaded):
    assert loaded.title == "rnncompare report"
    rows = loaded.execute_script("return document.querySelectorAll('#summary-grid tbody tr').length")
    assert rows == 2
    states = loaded.execute_script(
        "return Array.from(document.querySelectorAll('#summary-grid td .state')).map(e => e.textContent)"
    )
    assert "baseline" in states and "error" in states and any(s.startswith("differs") for s in states)


def test_every_image_loaded(loaded):
    images = loaded.execute_script("return Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.alt])")
    assert len(images) > 10
    broken = [alt for complete, width, alt in images if not complete or width <= 0]
    assert not broken, broken


def test_no_console_errors(loaded, report_page):
    loaded.get(report_page.as_uri())  # a fresh load: the log holds only this page's messages
    severe = [entry for entry in loaded.get_log("browser") if entry.get("level") == "SEVERE"]
    assert not severe, severe


def test_artifact_text_is_text_not_markup(loaded):
    assert loaded.execute_script("return document.scripts.length") == 0
    assert loaded.execute_script("return document.querySelectorAll('[onerror], [onmouseover]').length") == 0
    text = loaded.execute_script("return document.body.innerText")
    for hostile in (EVIL_ENV, EVIL_REASON, EVIL_CONFIG):
        assert hostile in text


def test_screenshot(loaded, report_page):
    """Leaves report.png beside report.html (and at $RNNCOMPARE_SCREENSHOT when set) for a human look."""
    target = Path(os.environ.get("RNNCOMPARE_SCREENSHOT") or report_page.with_suffix(".png"))
    assert loaded.save_screenshot(str(target))
    assert target.stat().st_size > 0
