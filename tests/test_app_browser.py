"""``siting serve`` in a real browser: Debian's chromium, headless, driven through chromedriver by selenium,
with every host name unresolvable and every non-loopback request sent to a closed proxy (no network).
It opens the app, fills a small scenario in the form (after a wrong value, to see the error on its field),
runs it, waits for the result page with its report and map, runs a second scenario started from the app's
own file, and compares the two in the library. Skipped when chromium, chromedriver or selenium is absent.

Screenshots go to $SITING_APP_SCREENSHOTS when set (docs/app_*.png were made that way), else to tmp_path.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any, Iterator

import pytest

from model.app.library import fmt_value
from tests.conftest import REPO

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[dev]')")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(CHROMIUM is None or CHROMEDRIVER is None, reason="no chromium and chromedriver (Debian: apt-get install chromium chromium-driver)"),
]

from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

# Loopback is never proxied; everything else goes to a closed port, and no host name resolves.
OFFLINE = ["--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
           "--disable-background-networking", "--disable-component-update", "--no-first-run"]
RUN_TIMEOUT_S = 600


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    served = tmp_path / "served"
    served.mkdir()
    shutil.copy(REPO / "runs" / "base.toml", served / "base.toml")
    port = _free_port()
    log = (tmp_path / "serve.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "model.cli", "serve", str(served), "--port", str(port)],
                            cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(url + "/", timeout=2).read()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError((tmp_path / "serve.log").read_text())
            time.sleep(0.3)
    yield url, served
    proc.send_signal(signal.SIGINT)  # uvicorn shuts down; the app cancels any run it still has
    proc.wait(timeout=180)
    log.close()


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1300,1000",
                "--hide-scrollbars", f"--user-data-dir={tmp_path / 'profile'}", *OFFLINE]:
        options.add_argument(arg)
    from selenium.webdriver.chrome.service import Service

    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(120)
    yield driver
    driver.quit()


def _resources(driver: Any) -> list[str]:
    return list(driver.execute_script("return performance.getEntriesByType('resource').map(function (e) { return e.name; })"))


def _shot(driver: Any, tmp_path: Path, name: str, height: int | None = None) -> None:
    folder = Path(os.environ.get("SITING_APP_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    if height:
        driver.set_window_size(1300, height)
    driver.execute_script("window.scrollTo(0, 0)")
    driver.save_screenshot(str(folder / f"app_{name}.png"))
    driver.set_window_size(1300, 1000)


def _fill(driver: Any, field_id: str, text: str) -> None:
    box = driver.find_element(By.ID, field_id)
    box.clear()
    box.send_keys(text)


def _tick(driver: Any, name: str, value: str, on: bool = True) -> None:
    box = driver.find_element(By.CSS_SELECTOR, f'input[name="{name}"][value="{value}"]')
    if box.is_selected() != on:
        driver.execute_script("arguments[0].click()", box)


def _wait_for_result(driver: Any) -> None:
    # app.js polls the job and reloads the page when the run has ended; the result link then appears
    WebDriverWait(driver, RUN_TIMEOUT_S, poll_frequency=1, ignored_exceptions=(NoSuchElementException, StaleElementReferenceException)).until(
        lambda d: d.find_elements(By.ID, "result-link") or d.find_element(By.ID, "job-state").text in ("failed", "no solution", "cancelled")
    )
    assert driver.find_element(By.ID, "job-state").text == "done", driver.find_element(By.ID, "job").text


def test_fill_run_see_and_compare_in_chromium(server: tuple[str, Path], browser: Any, tmp_path: Path) -> None:
    url, served = server
    d = browser
    fetched: list[str] = []
    d.get(url + "/")
    assert "No run folders yet" in d.find_element(By.TAG_NAME, "main").text
    fetched += _resources(d)

    # start from runs/base.toml (no budget, all counties): Wyoming, $2bn, one thread
    d.find_element(By.LINK_TEXT, "New scenario").click()
    WebDriverWait(d, 30).until(ec.presence_of_element_located((By.ID, "scenarios")))
    row = d.find_element(By.XPATH, "//table[@id='scenarios']//tr[td[contains(., 'base.toml')]]")
    row.find_element(By.LINK_TEXT, "start from it").click()
    assert WebDriverWait(d, 30).until(ec.presence_of_element_located((By.ID, "base-file"))).text == "base.toml"
    _fill(d, "f-name", "wy-2bn")
    _fill(d, "f-description", "Wyoming, $2bn of equity")
    _fill(d, "f-budget-equity_usd", "-2e9")  # wrong on purpose
    _tick(d, "candidates.states", "WY")
    _fill(d, "f-solver-time_limit_s", "120")
    _fill(d, "f-solver-threads", "1")
    d.find_element(By.ID, "submit").click()
    error = WebDriverWait(d, 30).until(ec.presence_of_element_located((By.ID, "err-f-budget-equity_usd")))
    assert error.text == "Input should be greater than 0"
    assert d.find_element(By.ID, "f-name").get_attribute("value") == "wy-2bn"  # what was typed is kept
    _shot(d, tmp_path, "form_error", 1100)
    _fill(d, "f-budget-equity_usd", "2e9")
    fetched += _resources(d)
    d.find_element(By.ID, "submit").click()

    # the job page, live until the run ends
    WebDriverWait(d, 30).until(ec.presence_of_element_located((By.ID, "job")))
    _wait_for_result(d)
    summary = json.loads((served / "wy-2bn" / "summary.json").read_text())
    # HiGHS' last incumbent: the objective before the second stage (cleanup) removed any fragments
    assert d.find_element(By.ID, "job-incumbent").text == fmt_value(summary["cleanup"]["objective_before"], unit="PFLOPS")
    assert summary["status"] == "optimal" and summary["facility_mw_by_state"].keys() == {"WY"}
    _shot(d, tmp_path, "job", 1100)
    fetched += _resources(d)

    # the result page: headline figures from summary.json, the sites, and report.html with its map
    d.find_element(By.ID, "result-link").click()
    assert WebDriverWait(d, 30).until(ec.presence_of_element_located((By.ID, "run-status"))).text == "optimal"
    shown = d.find_element(By.CSS_SELECTOR, '#headline td[data-key="compute_pflops"]').text
    assert shown == fmt_value(summary["compute_pflops"], "compute_pflops")
    counties = [c.text for c in d.find_elements(By.CSS_SELECTOR, '#sites td[data-col="county_name"]')]
    assert len(counties) == summary["sites_built"] >= 1
    fetched += _resources(d)
    _shot(d, tmp_path, "run", 1500)
    report = d.find_element(By.ID, "report")
    d.execute_script("arguments[0].scrollIntoView()", report)
    d.switch_to.frame(report)
    WebDriverWait(d, 30).until(lambda x: "wy-2bn" in x.find_element(By.TAG_NAME, "h1").text)
    fetched += _resources(d)
    the_map = d.find_element(By.CSS_SELECTOR, "iframe.map")
    d.execute_script("arguments[0].scrollIntoView()", the_map)
    d.switch_to.frame(the_map)
    WebDriverWait(d, 30).until(lambda x: x.execute_script("return typeof L === 'object' && document.querySelectorAll('canvas, .leaflet-interactive').length > 0"))
    fetched += _resources(d)
    d.switch_to.default_content()

    # a second run, started from the scenario file the app wrote: $3bn
    d.get(url + "/new?base=app-scenarios/wy-2bn.toml")
    assert d.find_element(By.ID, "f-budget-equity_usd").get_attribute("value") == "2e+09"
    assert d.find_element(By.CSS_SELECTOR, 'input[name="candidates.states"][value="WY"]').is_selected()
    _fill(d, "f-name", "wy-3bn")
    _fill(d, "f-description", "Wyoming, $3bn of equity")
    _fill(d, "f-budget-equity_usd", "3e9")
    _shot(d, tmp_path, "form", 1300)
    d.find_element(By.ID, "submit").click()
    WebDriverWait(d, 30).until(ec.presence_of_element_located((By.ID, "job")))
    _wait_for_result(d)
    second = json.loads((served / "wy-3bn" / "summary.json").read_text())
    assert second["budget_usd"] == 3e9 and second["compute_pflops"] > summary["compute_pflops"]

    # the library lists both; tick them and compare
    d.get(url + "/")
    for rel in ("wy-2bn", "wy-3bn"):
        _tick(d, "run", rel)
    _shot(d, tmp_path, "library")
    d.find_element(By.ID, "compare-button").click()
    WebDriverWait(d, 30).until(ec.presence_of_element_located((By.ID, "compare-headline")))
    names = [h.text.split("\n")[0] for h in d.find_elements(By.CSS_SELECTOR, "#compare-headline thead th")][1:]
    assert sorted(names) == ["wy-2bn", "wy-3bn"]  # the library lists the newest first

    def cells(key: str) -> dict[str, str]:
        row = d.find_elements(By.CSS_SELECTOR, f'#compare-headline tr[data-key="{key}"] td')
        return {name: cell.text for name, cell in zip(names, row)}

    for key in ("compute_pflops", "capex_usd", "it_mw", "sites_built"):
        shown = cells(key)
        for name, s in (("wy-2bn", summary), ("wy-3bn", second)):
            # the first column is the reference; the other carries its change against it
            assert shown[name].split(" +")[0].split(" -")[0] == fmt_value(s[key], key), (key, shown)
    assert cells("compute_pflops")[names[1]].endswith("%")  # e.g. "+51.9%"
    fetched += _resources(d)
    _shot(d, tmp_path, "compare", 1250)

    # nothing left the machine: every resource any page fetched came from the app itself
    assert fetched and all(r.startswith(url + "/") for r in fetched), [r for r in fetched if not r.startswith(url + "/")]
