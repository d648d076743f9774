"""The review flow in a real browser: `gongkai serve` as a subprocess on 127.0.0.1, Debian's headless
chromium driven by selenium + chromium-driver (no browser downloads): open the queue, open a flag,
log in, dismiss it with a note, and see it leave the queue and enter its history."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_serve_archive import build_archive

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path(shutil.which("chromedriver") or "/usr/bin/chromedriver")
PASSWORD = "browser-pw"
NOTE = "表中总计含撤回的1件，不是错误"

if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
    pytest.skip("needs Debian's chromium and chromium-driver (/usr/bin/chromium, chromedriver): "
                "apt-get install chromium chromium-driver (.ci/run does this)", allow_module_level=True)
webdriver = pytest.importorskip("selenium.webdriver", reason="selenium not installed: pip install -e '.[dev]'")
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

#: a wait that polls across a navigation: while the old page unloads, chromedriver may answer "node does not
#: belong to the document" (a plain WebDriverException) for the element the condition looks up; a real
#: failure still ends as a TimeoutException
_ACROSS_NAVIGATION = (StaleElementReferenceException, WebDriverException)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"gongkai serve exited {proc.returncode}: {proc.stderr.read().decode()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError(f"gongkai serve did not listen on {port} within {timeout}s")


def serve(db: Path, archive: Path):
    port = free_port()
    env = {**os.environ, "GONGKAI_REVIEW_PASSWORD": PASSWORD}
    proc = subprocess.Popen([sys.executable, "-c", "from archive.cli import main; main()", "serve",
                             "--host", "127.0.0.1", "--port", str(port), "--db", str(db),
                             "--archive", str(archive)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for_port(port, proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture
def server(tmp_path):
    paths = build_archive(tmp_path)
    yield from serve(paths.db, paths.archive)


@pytest.fixture
def sample_server(sample_crawl):
    """`gongkai serve` over the crawled sample web (night 1, checked): real MISSING, LATE and T3 flags."""
    yield from serve(sample_crawl["tmp"] / "night1.db", sample_crawl["tmp"] / "archive")


@pytest.fixture
def browser(tmp_path):
    os.environ.setdefault("SE_OFFLINE", "true")  # selenium-manager must never download anything
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--no-first-run", "--window-size=1400,1100",
                f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(arg)
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=str(CHROMEDRIVER)))
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def queue_flags(driver) -> list[str]:
    return [tr.get_attribute("data-flag") for tr in driver.find_elements(By.CSS_SELECTOR, "#queue tbody tr")]


def test_review_a_flag_in_the_browser(server, browser, tmp_path):
    wait = WebDriverWait(browser, 15, ignored_exceptions=_ACROSS_NAVIGATION)
    browser.get(server + "/-/gongkai")
    assert sorted(queue_flags(browser)) == ["1", "2", "3"]
    assert browser.find_elements(By.CSS_SELECTOR, "svg.gk-chart")

    browser.find_element(By.LINK_TEXT, "#1").click()
    wait.until(EC.presence_of_element_located((By.ID, "flag-message")))
    assert browser.find_element(By.ID, "flag-status").text == "open"
    assert "67" in browser.find_element(By.ID, "evidence-fields").text
    assert "表三 （七）总计 / 总计" in browser.find_element(By.ID, "evidence-values").text
    # the archived page beside it, from the raw capture, with its scripts not run
    frame = browser.find_element(By.ID, "capture")
    assert frame.get_attribute("sandbox") == ""
    browser.switch_to.frame(frame)
    assert browser.find_element(By.ID, "t").text == "平潭综合实验区2021年度政府信息公开工作年度报告"
    browser.switch_to.default_content()
    assert browser.title != "SCRIPT RAN"

    browser.find_element(By.ID, "login-link").click()
    wait.until(EC.presence_of_element_located((By.ID, "username"))).send_keys("李审阅")
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.ID, "login-submit").click()
    wait.until(EC.presence_of_element_located((By.ID, "note"))).send_keys(NOTE)
    browser.find_element(By.ID, "dismiss").click()

    wait.until(EC.text_to_be_present_in_element((By.ID, "flag-status"), "dismissed"))
    history = browser.find_elements(By.CSS_SELECTOR, "#history tbody tr")
    assert [td.text for td in history[-1].find_elements(By.TAG_NAME, "td")][1:] == ["dismissed", "李审阅", NOTE]
    browser.save_screenshot(str(tmp_path / "flag.png"))
    if os.environ.get("GONGKAI_SCREENSHOTS"):
        shutil.copy(tmp_path / "flag.png", Path(os.environ["GONGKAI_SCREENSHOTS"]) / "flag-dismissed.png")

    browser.get(server + "/-/gongkai")
    assert sorted(queue_flags(browser)) == ["2", "3"]
    browser.get(server + "/-/gongkai?status=dismissed")
    assert queue_flags(browser) == ["1"]


def evidence_field(driver, name: str) -> str:
    return driver.find_element(By.CSS_SELECTOR, f'#evidence-fields dd[data-field="{name}"]').text


def test_home_page_and_the_evidence_of_missing_late_and_t3_flags(sample_server, sample_crawl, browser):
    """The home page at /, then a MISSING, a LATE and a T3 flag: evidence fields first, the decision
    (login link, then the form once logged in) beside them in the top row, not under the report's values."""
    from datetime import date

    wait = WebDriverWait(browser, 15, ignored_exceptions=_ACROSS_NAVIGATION)
    truth = sample_crawl["truth1"]
    flags = [f for f in sample_crawl["flags_night1"] if f["status"] == "open"]
    browser.get(sample_server + "/")
    assert browser.find_element(By.TAG_NAME, "h1").text == "gongkai 政府信息公开年报档案"
    assert "#1" in browser.find_element(By.ID, "last-run").text
    rules = {tr.get_attribute("data-rule") for tr in browser.find_elements(By.CSS_SELECTOR, "#flags-by-rule tr[data-rule]")}
    assert rules == {f["rule"] for f in flags}
    assert browser.find_element(By.ID, "missing-this-year").is_displayed()
    browser.find_element(By.CSS_SELECTOR, "#search input[name=q]").send_keys("青石县")
    browser.find_element(By.CSS_SELECTOR, "#search input[type=submit]").click()
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, "table.rows-and-columns")))
    assert "青石县" in browser.find_element(By.CSS_SELECTOR, "table.rows-and-columns").text

    planted = next(a for a in truth["anomalies"] if a["rule"] == "MISSING" and not a.get("nights"))
    missing = next(f for f in flags if f["rule"] == "MISSING" and f["publisher"] == planted["publisher"]
                   and f["year"] == planted["year"])
    browser.get(f"{sample_server}/-/gongkai/flag/{missing['id']}")
    assert evidence_field(browser, "deadline") == planted["deadline"]
    as_of = evidence_field(browser, "as_of")
    assert int(evidence_field(browser, "days_overdue")) == (date.fromisoformat(as_of)
                                                            - date.fromisoformat(planted["deadline"])).days
    login_link = browser.find_element(By.ID, "login-link")
    fields_box = browser.find_element(By.ID, "evidence-fields")
    assert login_link.location["y"] < fields_box.location["y"] + 400  # beside the evidence, not far below

    late_a = next(a for a in truth["anomalies"] if a["rule"] == "LATE")
    late = next(f for f in flags if f["rule"] == "LATE" and f["subject"] == late_a["report_url"])
    browser.get(f"{sample_server}/-/gongkai/flag/{late['id']}")
    assert evidence_field(browser, "deadline") == late_a["deadline"]
    assert evidence_field(browser, "published") == late_a["published"]
    assert int(evidence_field(browser, "days_late")) == (date.fromisoformat(late_a["published"])
                                                         - date.fromisoformat(late_a["deadline"])).days

    # a T3 flag, logged in: the decision form sits in the top row beside the evidence
    t3 = next(f for f in flags if f["rule"] == "T3-BALANCE")
    browser.find_element(By.ID, "login-link").click()
    wait.until(EC.presence_of_element_located((By.ID, "username"))).send_keys("李审阅")
    browser.find_element(By.ID, "password").send_keys(PASSWORD)
    browser.find_element(By.ID, "login-submit").click()
    wait.until(EC.presence_of_element_located((By.ID, "decide")))  # back on the LATE flag, logged in
    browser.get(f"{sample_server}/-/gongkai/flag/{t3['id']}")
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, '#evidence-fields dd[data-field="expected"]')))
    wait.until(EC.presence_of_element_located((By.ID, "decide")))
    assert evidence_field(browser, "expected") == str(t3["evidence"]["expected"])
    assert evidence_field(browser, "found") == str(t3["evidence"]["found"])
    form, fields_box = browser.find_element(By.ID, "decide"), browser.find_element(By.ID, "evidence-fields")
    values = browser.find_element(By.ID, "report-values")
    assert form.is_displayed() and browser.find_element(By.ID, "confirm").is_displayed()
    assert form.location["x"] > fields_box.location["x"] + 300  # beside, in the right-hand column
    assert form.location["y"] < values.location["y"]  # above the report's ~200 values
    json_box = browser.find_element(By.ID, "evidence-json")
    assert json_box.location["y"] > values.location["y"]  # JSON last
