"""The deals list view (issue 19, item 4) in a real browser: filter with the form,
sort by a column, and the next page and the CSV link keep the filters."""
from selenium.webdriver.support.ui import Select

from conftest import sign_in, submit


def test_a_person_filters_sorts_and_pages_the_deals_list(browser, base):
    sign_in(browser, base, "admin@demo.test")
    submit(browser, browser.find_element("css selector", "nav a[href='/opportunities']"))
    assert browser.find_element("css selector", "h1").text == "Deals"
    Select(browser.find_element("name", "status")).select_by_value("all")
    browser.find_element("name", "amountMin").send_keys("10,000")
    submit(browser, browser.find_element("css selector", "form.filters button[type=submit]"))
    assert "amountMin=10%2C000" in browser.current_url
    assert browser.find_element("name", "amountMin").get_attribute("value") == "10,000"
    count = browser.find_element("id", "list-count").text
    assert count.endswith("deals")
    assert "status=all" in browser.find_element("id", "list-csv").get_attribute("href")

    submit(browser, browser.find_element("link text", "Amount"))
    assert browser.find_element("css selector", "th[aria-sort=ascending]").text.startswith("Amount")
    nexts = browser.find_elements("css selector", "a[rel=next]")
    if nexts:
        submit(browser, nexts[0])
        assert "amountMin=10%2C000" in browser.current_url and "sort=amount" in browser.current_url
        assert browser.find_element("id", "list-count").text == count, "the next page is the same view"
