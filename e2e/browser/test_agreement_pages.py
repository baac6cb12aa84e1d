"""The recurring book's pages (issue 23) in a real headless Chromium, at 1440 and 390 px:
the agreements list and its filters, an account's agreements, and the recurring revenue
report (charts drawn above the tables that hold the API's numbers), none wider than a
phone and all clean under axe. The demo firm has agreements in every status."""
import pytest

from conftest import api, axe_problems, sign_in, submit, token_for

SIZES = [(1440, 900), (390, 844)]


def fits(browser, path):
    inner = browser.execute_script("return window.innerWidth")
    document, body = browser.execute_script("return [document.documentElement.scrollWidth, document.body.scrollWidth]")
    assert document <= inner and body <= inner, f"{path} is {document}px wide on a {inner}px screen"


def clean(browser, path):
    bad = axe_problems(browser, path)
    assert not bad, "\n".join(bad)


@pytest.mark.parametrize("size", SIZES)
def test_the_agreements_list_filters_by_status_and_says_the_books_mrr(browser, base, size):
    browser.set_window_size(*size)
    sign_in(browser, base, "admin@demo.test", next_path="/agreements")
    assert browser.find_element("css selector", "h1").text == "Agreements"
    assert browser.find_element("css selector", "nav a[href='/agreements']"), "the navigation links the list"
    every = int(browser.find_element("id", "agreements-count").text)
    browser.find_element("css selector", "#status option[value='active']").click()
    submit(browser, browser.find_element("css selector", "form.picker button"))
    assert "status=active" in browser.current_url
    statuses = {td.text for td in browser.find_elements("css selector", "#agreements td[data-label=Status]")}
    assert statuses <= {"Active"}, statuses
    assert int(browser.find_element("id", "agreements-count").text) <= every
    for cell in browser.find_elements("css selector", "#agreements td[data-label=MRR]"):
        assert cell.text.startswith("USD "), "money through the formatter, not a raw decimal"
    fits(browser, "/agreements")
    clean(browser, "/agreements")


@pytest.mark.parametrize("size", SIZES)
def test_an_accounts_agreements_show_on_its_page(browser, base, size):
    browser.set_window_size(*size)
    token = token_for(base, "admin@demo.test")
    agreements = api(base, "GET", "/api/v1/agreements?limit=50", token=token)["items"]
    if not agreements:
        pytest.skip("the demo firm has no agreements yet")
    account = agreements[0]["accountId"]
    sign_in(browser, base, "admin@demo.test", next_path=f"/accounts/{account}")
    section = browser.find_element("id", "agreements")
    assert section.text == "Agreements"
    names = [a["name"] for a in agreements if a["accountId"] == account]
    shown = browser.find_element("css selector", "ul.agreements").text
    assert all(n in shown for n in names), (names, shown)
    fits(browser, f"/accounts/{account}")


@pytest.mark.parametrize("size", SIZES)
def test_the_recurring_revenue_report_draws_its_charts_above_the_apis_numbers(browser, base, size):
    browser.set_window_size(*size)
    sign_in(browser, base, "ana.torres@demo.test", next_path="/reports/recurring-revenue")
    links = [a.text for a in browser.find_elements("css selector", "nav.report-nav a")]
    assert "Recurring revenue" in links
    for canvas in ("movement-chart", "retention-chart", "renewals-chart"):
        assert browser.execute_script(
            "return typeof Chart !== 'undefined' && Chart.getChart(arguments[0]) !== undefined", canvas), f"{canvas} is drawn"
    frm, to = (browser.find_element("id", i).get_attribute("value") for i in ("from", "to"))
    token = token_for(base, "ana.torres@demo.test")
    report = api(base, "GET", f"/api/v1/reports/recurring-revenue?from={frm}&to={to}", token=token)
    rows = browser.find_elements("css selector", "#movement-table tbody tr")
    assert len(rows) == len(report["lines"]), "a row a month, as the API"
    closing = browser.find_element("id", "movement-closing").text
    assert closing.replace("USD ", "").replace(",", "") == report["total"]["closing"]
    due = api(base, "GET", "/api/v1/reports/renewals-due", token=token)
    assert browser.find_element("id", "renewals-90").text == str(due["within90"])
    fits(browser, "/reports/recurring-revenue")
    clean(browser, "/reports/recurring-revenue")


@pytest.mark.parametrize("size", SIZES)
def test_an_agreements_page_shows_its_lines_and_the_downgrade_form(browser, base, size):
    browser.set_window_size(*size)
    token = token_for(base, "admin@demo.test")
    live = api(base, "GET", "/api/v1/agreements?status=active&limit=1", token=token)["items"]
    if not live:
        pytest.skip("the demo firm has no active agreement")
    agreement = live[0]
    path = f"/agreements/{agreement['id']}"
    sign_in(browser, base, "admin@demo.test", next_path="/agreements")
    browser.find_element("css selector", f"#agreements a[href='{path}']").click()
    assert browser.find_element("css selector", "h1").text == agreement["name"]
    assert browser.find_element("id", "agreement-mrr").text.startswith("USD ")
    rows = browser.find_elements("css selector", "#agreement-lines tbody tr")
    assert len(rows) == len(agreement["lines"])
    assert browser.find_element("css selector", f"form[action='{path}/downgrade'] button").text == "Downgrade"
    fits(browser, path)
    clean(browser, path)
