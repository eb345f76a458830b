"""report.html in a real headless Chromium (Debian's chromium + chromium-driver, driven by selenium).

Checks what only a browser can, at a 1280 x 800 viewport: the answer (the line per scenario and the top
findings) is in the first screen, nothing overflows horizontally (the summary matrix of the built-in
matrix's 15 env/route columns included), a collapsed section opens on click, the kind filter hides the
findings of other kinds (CSS only: the page runs no script), every <img> decoded (naturalWidth > 0),
the console has no error (a blocked fetch, a CSP violation or a broken data: URI would all log one),
and hostile artifact text arrived as text, not markup.

Screenshots are kept as test artifacts: in ``$RNNCOMPARE_TEST_ARTIFACTS`` when set, else in pytest's
tmp_path; the test prints where.

Without chromium this test skips on a workstation but FAILS under CI=true: CI must install it
(``apt-get install -y chromium chromium-driver``; selenium from PyPI).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from compare.host.cli import main
from tests.helpers.report_artifacts import (
    EVIL_CONFIG,
    EVIL_ENV,
    EVIL_REASON,
    WIDE_SCENARIOS,
    write_artifacts,
    write_wide_artifacts,
)

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
WIDTH, HEIGHT = 1280, 800
FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    f"--window-size={WIDTH},{HEIGHT}",
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
    # The viewport itself is 1280 x 800 (a window of that size loses some of it to the browser's frame).
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False},
    )
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    """Where the screenshots go: $RNNCOMPARE_TEST_ARTIFACTS, else a pytest temporary folder."""
    folder = Path(os.environ.get("RNNCOMPARE_TEST_ARTIFACTS") or tmp_path_factory.mktemp("screenshots"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _shoot(driver, folder: Path, name: str) -> Path:
    target = folder / name
    assert driver.save_screenshot(str(target)) and target.stat().st_size > 0
    print(f"screenshot: {target}")
    return target


@pytest.fixture(scope="module")
def report_page(tmp_path_factory) -> Path:
    folder = write_artifacts(tmp_path_factory.mktemp("artifacts"))
    out = tmp_path_factory.mktemp("report")
    assert main(["report", str(folder), "--out", str(out), "--baseline", "tf115:tf1"]) == 0
    return out / "report.html"


@pytest.fixture(scope="module")
def wide_page(tmp_path_factory) -> Path:
    folder = write_wide_artifacts(tmp_path_factory.mktemp("wide-artifacts"))
    out = tmp_path_factory.mktemp("wide-report")
    assert main(["report", str(folder), "--out", str(out), "--baseline", "tf115:tf1"]) == 0
    return out / "report.html"


def _open(driver, page: Path) -> None:
    driver.get(page.as_uri())
    driver.execute_script("window.scrollTo(0, 0)")


def _visible(driver, selector: str) -> list:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0])).map(e => getComputedStyle(e).display != 'none')",
        selector,
    )


# ---------------------------------------------------------------- the answer first, at 1280 x 800


def test_answer_is_in_the_first_screen(browser, wide_page, shots):
    _open(browser, wide_page)
    assert browser.execute_script("return [innerWidth, innerHeight]") == [WIDTH, HEIGHT]
    _shoot(browser, shots, "report-top.png")
    bottoms = browser.execute_script(
        "const r = s => document.querySelector(s).getBoundingClientRect().bottom;"
        "const cards = document.querySelectorAll('#findings .finding');"
        "return [r('#answer-table'), cards[0].getBoundingClientRect().bottom, cards[1].getBoundingClientRect().top]"
    )
    answer, first_finding, second_finding = bottoms
    assert answer <= HEIGHT and first_finding <= HEIGHT and second_finding < HEIGHT, bottoms
    lines = browser.execute_script(
        "return Array.from(document.querySelectorAll('#answer-table tbody tr')).map(r => r.innerText)"
    )
    assert len(lines) == len(WIDE_SCENARIOS) and all("differs in" in line for line in lines)
    fix = browser.execute_script("return document.querySelector('#findings .finding .fix').innerText")
    assert fix.startswith("Fix:") and len(fix) > len("Fix: ")


def test_nothing_overflows_horizontally(browser, wide_page, shots):
    _open(browser, wide_page)
    widths = "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    scroll, client = browser.execute_script(widths)
    assert scroll <= client, (scroll, client)
    grid = browser.execute_script(
        "const g = document.getElementById('summary-grid'); return [g.scrollWidth, g.parentElement.clientWidth,"
        " g.querySelectorAll('thead tr:last-child th').length]"
    )
    assert grid[0] <= grid[1] and grid[2] == 15, grid  # the whole matrix fits: no scrolling inside either
    browser.execute_script("document.getElementById('summary-grid').scrollIntoView()")
    _shoot(browser, shots, "report-matrix.png")
    browser.execute_script("document.querySelectorAll('details').forEach(d => d.open = true)")
    scroll, client = browser.execute_script(widths)
    assert scroll <= client, (scroll, client)  # wide evidence tables scroll inside their own box


def test_a_collapsed_section_opens_on_click(browser, wide_page, shots):
    _open(browser, wide_page)
    summary = browser.find_element("css selector", ".evidence details.section > summary")
    parent = "return arguments[0].parentElement.open"
    assert browser.execute_script(parent, summary) is False
    browser.execute_script("arguments[0].scrollIntoView()", summary)
    summary.click()
    assert browser.execute_script(parent, summary) is True
    _shoot(browser, shots, "report-opened.png")
    finding = browser.find_element("css selector", "#findings .finding details > summary")
    browser.execute_script("arguments[0].scrollIntoView()", finding)
    finding.click()
    assert browser.execute_script(parent, finding) is True


def test_the_filter_hides_findings_of_other_kinds(browser, wide_page, shots):
    _open(browser, wide_page)
    assert all(_visible(browser, ".finding")) and len(_visible(browser, ".finding.function")) >= 1
    browser.find_element("css selector", "label:has(#kind-distribution)").click()
    assert not any(_visible(browser, ".finding.function")) and all(_visible(browser, ".finding.distribution"))
    assert _visible(browser, ".finding.distribution")  # in the run-wide list and in every scenario
    _shoot(browser, shots, "report-filtered.png")
    browser.find_element("css selector", "label:has(#kind-all)").click()
    assert all(_visible(browser, ".finding"))


# ---------------------------------------------------------------- a standalone, inert page


def test_renders_with_answer_and_grid(browser, report_page):
    _open(browser, report_page)
    assert browser.title == "rnncompare report"
    assert browser.execute_script("return document.querySelectorAll('#summary-grid tbody tr').length") == 2
    assert browser.execute_script("return document.querySelectorAll('#answer-table tbody tr').length") == 2
    states = browser.execute_script(
        "return Array.from(document.querySelectorAll('#summary-grid td .state')).map(e => e.textContent)"
    )
    assert "baseline" in states and "error" in states and "differs" in states


def test_every_image_loaded(browser, report_page):
    _open(browser, report_page)
    browser.execute_script("document.querySelectorAll('details').forEach(d => d.open = true)")
    images = browser.execute_script("return Array.from(document.images).map(i => [i.complete, i.naturalWidth, i.alt])")
    assert len(images) > 10
    broken = [alt for complete, width, alt in images if not complete or width <= 0]
    assert not broken, broken


def test_no_console_errors(browser, report_page):
    browser.get(report_page.as_uri())  # a fresh load: the log holds only this page's messages
    severe = [entry for entry in browser.get_log("browser") if entry.get("level") == "SEVERE"]
    assert not severe, severe


def test_artifact_text_is_text_not_markup(browser, report_page, shots):
    _open(browser, report_page)
    browser.execute_script("document.querySelectorAll('details').forEach(d => d.open = true)")
    assert browser.execute_script("return document.scripts.length") == 0
    assert browser.execute_script("return document.querySelectorAll('[onerror], [onmouseover]').length") == 0
    text = browser.execute_script("return document.body.innerText")
    for hostile in (EVIL_ENV, EVIL_REASON, EVIL_CONFIG):
        assert hostile in text
    browser.execute_script("window.scrollTo(0, 0)")
    _shoot(browser, shots, "report-hostile.png")
