"""The console (SPEC §10) in a real browser: Debian's chromium, headless, driven through
chromium-driver by python3-selenium, against the binary on 127.0.0.1."""
import os
import shutil
import tempfile

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from conftest import sample_value

CONFIG = """
global:
  adminApiKey: admin-key
metricGroups:
  jobs:
    name: jobs
    apiKey: jobs-key
    maxTimeSeries: 1000
    displayMetrics: true
  small:
    name: small
    apiKey: small-key
    maxTimeSeries: 2
    displayMetrics: true
"""


@pytest.fixture
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    profile = tempfile.mkdtemp(prefix="console-chromium-")
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--no-first-run", f"--user-data-dir={profile}"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()  # stops chromium and chromedriver
        shutil.rmtree(profile, ignore_errors=True)


def counters(n, label="k"):
    return "# TYPE jobs_total counter\n" + "".join(
        f'jobs_total{{{label}="{i:03d}"}} 1\n' for i in range(n))


def follow(driver, by, what):
    """Clicks a link or button and waits until the page it leads to has loaded (a click
    returns before a form's or link's navigation is done)."""
    old = driver.find_element(By.TAG_NAME, "html")
    driver.find_element(by, what).click()
    WebDriverWait(driver, 15).until(expected_conditions.staleness_of(old))
    WebDriverWait(driver, 15).until(
        lambda d: d.execute_script("return document.readyState") == "complete")


def rows(driver):
    return driver.find_elements(By.CSS_SELECTOR, "#series tr td:first-child")


def test_overview_lists_groups_and_the_refused_pushes_with_their_text(start_server, browser):
    s = start_server(CONFIG)
    assert s.push("jobs", counters(3), key="jobs-key")[0] == 201
    status, text_400 = s.push("jobs", "jobs_total{k=\"1\"} one\n", key="jobs-key")
    assert status == 400
    status, text_422 = s.push("small", counters(3), key="small-key")
    assert status == 422
    browser.get(f"http://127.0.0.1:{s.port}/")
    assert browser.title == "metrics-accumulator"
    groups = browser.find_element(By.ID, "groups").text
    assert "jobs" in groups and "3 / 1000" in groups and "0 / 2" in groups
    refusals = browser.find_element(By.ID, "refusals").find_elements(By.CSS_SELECTOR, "tr.refused")
    assert len(refusals) == 2
    newest, older = (r.find_elements(By.TAG_NAME, "td") for r in refusals)
    assert [newest[1].text, newest[2].text, newest[4].text] == ["small", "422", text_422.strip()]
    assert [older[1].text, older[2].text, older[4].text] == ["jobs", "400", text_400.strip()]
    assert "jobs-key" not in browser.page_source and "admin-key" not in browser.page_source


def test_series_browser_filters_and_pages(start_server, browser):
    s = start_server(CONFIG)
    assert s.push("jobs", counters(250), key="jobs-key")[0] == 201
    browser.get(f"http://127.0.0.1:{s.port}/console/groups/jobs")
    assert len(rows(browser)) == 100
    assert rows(browser)[0].text == 'jobs_total{k="000"}'
    follow(browser, By.ID, "next")
    assert len(rows(browser)) == 100
    assert rows(browser)[0].text == 'jobs_total{k="100"}'
    follow(browser, By.ID, "next")
    assert len(rows(browser)) == 50
    assert browser.find_elements(By.ID, "next") == []
    follow(browser, By.ID, "previous")
    assert rows(browser)[0].text == 'jobs_total{k="100"}'
    field = browser.find_element(By.NAME, "match")
    field.clear()
    field.send_keys('{k=~"01."}')
    follow(browser, By.CSS_SELECTOR, "#filter button")
    assert [r.text for r in rows(browser)] == [
        f'jobs_total{{k="01{i}"}}' for i in range(10)]
    assert "match=%7Bk%3D%7E%2201.%22%7D" in browser.current_url  # a link to share
    # A selector that does not parse says why.
    field = browser.find_element(By.NAME, "match")
    field.clear()
    field.send_keys('{k=')
    follow(browser, By.CSS_SELECTOR, "#filter button")
    assert "match:" in browser.find_element(By.ID, "problem").text


def _act(browser, form_id, key):
    form = browser.find_element(By.ID, form_id)
    form.find_element(By.CSS_SELECTOR, "input[type=password]").send_keys(key)
    form.find_element(By.TAG_NAME, "button").click()
    out = WebDriverWait(browser, 10, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: d.find_element(By.ID, form_id).find_element(By.TAG_NAME, "output").text or None)
    return out


def test_delete_needs_the_right_key_and_removes_exactly_the_matches(start_server, browser):
    s = start_server(CONFIG)
    assert s.push("jobs", counters(250), key="jobs-key")[0] == 201
    browser.get(f"http://127.0.0.1:{s.port}/console/groups/jobs?match=%7Bk%3D~%2201.%22%7D")
    assert len(rows(browser)) == 10
    assert _act(browser, "delete", "wrong-key").startswith("401")
    assert s.scrape("/metrics/jobs").count("jobs_total{") == 250
    # The key went as a header, never into the page's URL, and the field is empty again.
    assert "wrong-key" not in browser.current_url
    assert browser.find_element(By.CSS_SELECTOR, "#delete input").get_attribute("value") == ""
    assert _act(browser, "delete", "jobs-key").startswith("200")
    out = s.scrape("/metrics/jobs")
    assert out.count("jobs_total{") == 240
    assert sample_value(out, 'jobs_total{k="010"}') is None
    assert sample_value(out, 'jobs_total{k="009"}') == 1
    assert sample_value(out, 'jobs_total{k="020"}') == 1
    # The page reloads itself after a success.
    WebDriverWait(browser, 15, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: len(rows(d)) == 0)
    # Reset takes the admin key.
    assert _act(browser, "reset", "jobs-key").startswith("401")
    assert _act(browser, "reset", "admin-key").startswith("200")
    assert "jobs_total{" not in s.scrape("/metrics/jobs")


def test_a_label_value_holding_markup_is_shown_as_text(start_server, browser):
    s = start_server(CONFIG)
    evil = "<script>window.__pwned=1</script><img src=x onerror=window.__pwned=2>"
    body = '# TYPE jobs_total counter\njobs_total{k="' + evil.replace('"', '\\"') + '"} 1\n'
    assert s.push("jobs", body, key="jobs-key")[0] == 201
    browser.get(f"http://127.0.0.1:{s.port}/console/groups/jobs")
    [row] = rows(browser)
    assert row.text == 'jobs_total{k="' + evil + '"}'
    assert browser.execute_script("return window.__pwned") is None
    assert browser.find_elements(By.CSS_SELECTOR, "#series img") == []


def test_read_only_views_work_without_javascript(start_server):
    s = start_server(CONFIG)
    assert s.push("jobs", counters(120), key="jobs-key")[0] == 201
    status, headers, page = s.request("GET", "/console/groups/jobs?match=&page=1")
    assert status == 200 and headers["content-type"].startswith("text/html")
    html = page.decode()
    assert html.count("<tr><td><code>") == 20
    assert "script-src 'self'" in headers["content-security-policy"]
    status, _, script = s.request("GET", "/console/console.js")
    assert status == 200 and b"X-API-KEY" in script
