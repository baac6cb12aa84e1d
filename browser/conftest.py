"""Selenium in Debian's headless Chromium against a live `baton serve` (BATON_URL)."""
import os

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.support.ui import WebDriverWait


@pytest.fixture
def base():
    return os.environ["BATON_URL"]


@pytest.fixture
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.implicitly_wait(3)
    yield driver
    driver.quit()


def submit(browser, button):
    """Clicks a form's button (or a link) and waits until the next page has replaced
    this one and finished loading."""
    page = browser.find_element("tag name", "html")
    button.click()

    def left(_):
        try:
            page.tag_name  # raises once the old document is gone
            return False
        except (StaleElementReferenceException, WebDriverException):
            # Chrome reports a detached node either way, depending on timing.
            return True

    WebDriverWait(browser, 10).until(left)
    WebDriverWait(browser, 10).until(lambda d: d.execute_script("return document.readyState") == "complete")


def sign_in(browser, base, email, password="baton-demo", next_path="/"):
    browser.get(base + "/sign-in?next=" + next_path)
    browser.find_element("id", "email").send_keys(email)
    browser.find_element("id", "password").send_keys(password)
    submit(browser, browser.find_element("css selector", "button[type=submit]"))
