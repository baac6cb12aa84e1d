"""Selenium in Debian's headless Chromium against a live `baton serve` (BATON_URL)."""
import os

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service


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


def sign_in(browser, base, email, password="baton-demo", next_path="/"):
    browser.get(base + "/sign-in?next=" + next_path)
    browser.find_element("id", "email").send_keys(email)
    browser.find_element("id", "password").send_keys(password)
    browser.find_element("css selector", "button[type=submit]").click()
