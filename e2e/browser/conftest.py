"""Selenium in Debian's headless Chromium against a live `baton serve` (BATON_URL)."""
import json
import os
import sys
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.support.ui import WebDriverWait

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # e2e/client.py, the shared HTTP client
import client  # noqa: E402


@pytest.fixture
def base():
    return os.environ["BATON_URL"]


# Screenshots of where each test ended, for people to look at (not committed).
ARTIFACTS = os.path.join(os.path.dirname(__file__), "..", ".build", "screenshots")


@pytest.fixture
def console_allows():
    """Console messages a test expects (substrings), e.g. the 403 of a refused form.
    Anything else the browser logs as an error fails the test."""
    return []


@pytest.fixture
def browser(request, console_allows):
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.implicitly_wait(3)
    yield driver
    try:
        os.makedirs(ARTIFACTS, exist_ok=True)
        driver.save_screenshot(os.path.join(ARTIFACTS, request.node.name + ".png"))
        errors = [entry["message"] for entry in driver.get_log("browser")
                  if entry["level"] == "SEVERE" and not any(allowed in entry["message"] for allowed in console_allows)]
    finally:
        driver.quit()
    assert not errors, "the browser logged errors:\n" + "\n".join(errors)


def submit(browser, button):
    """Clicks a form's button (or a link) and waits until the next page has replaced
    this one and finished loading."""
    page = browser.find_element("tag name", "html")
    button.click()
    wait_for_next_page(browser, page)


def wait_for_next_page(browser, page):
    """Waits until `page` (the old document's html element) is gone and the next
    document has finished loading. Selenium's `staleness_of` is not enough: while
    the old document is torn down, Chrome may answer "Node with given id does not
    belong to the document" instead of a stale reference, and that escapes it."""

    def left(_):
        try:
            page.tag_name  # raises once the old document is gone
            return False
        except (StaleElementReferenceException, WebDriverException):
            return True

    WebDriverWait(browser, 10).until(left)
    WebDriverWait(browser, 10).until(lambda d: d.execute_script("return document.readyState") == "complete")


def sign_in(browser, base, email, password="baton-demo", next_path="/"):
    browser.get(base + "/sign-in?next=" + next_path)
    browser.find_element("id", "email").send_keys(email)
    browser.find_element("id", "password").send_keys(password)
    submit(browser, browser.find_element("css selector", "button[type=submit]"))


def axe_problems(browser, where):
    """Serious and critical WCAG 2 A/AA findings on the page the browser shows, one line each."""
    from axe_selenium_python import Axe
    axe = Axe(browser)
    axe.inject()
    results = axe.run(options={"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa"]}})
    return [f"{where}: {v['id']} ({v['impact']}): {v['help']} at {'; '.join(n['target'][0] for n in v['nodes'][:3])}: "
            f"{v['nodes'][0].get('failureSummary', '')}"
            for v in results["violations"] if v["impact"] in ("serious", "critical")]


def axe_problems_signed_in(browser, base, paths_by_email):
    """The axe findings on each page, read as the person each group of paths names."""
    problems = []
    for email, paths in paths_by_email.items():
        browser.delete_all_cookies()
        sign_in(browser, base, email)
        for path in paths:
            browser.get(base + path)
            problems += axe_problems(browser, f"{email} {path}")
    return problems


def api_response(base, method, path, body=None, token=None, headers=None):
    """Calls the JSON API directly, to set up or check what a page shows: the
    decoded body and the response's headers. A refusal raises `client.Refused`."""
    reply = client.request(base, method, path, body if body is not None else client.ABSENT, token=token,
                           headers={"Content-Type": "application/json", **(headers or {})})
    return client.ok(reply, f"{method} {path}"), reply.headers


def api(base, method, path, body=None, token=None, headers=None):
    return api_response(base, method, path, body, token, headers)[0]


def token_for(base, email, password="baton-demo"):
    return api(base, "POST", "/api/v1/sessions", {"email": email, "password": password})["token"]
