"""Issue 17, item 5 in the browser: a proposal's lines carry a kind (service or
pass-through); the page adds free-text lines, shows and changes their kind, splits
the total live, and the accepted project lists the pass-through as budget items."""

import time

from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import api, sign_in, submit, token_for


def _draft_with_catalog_work(base, token):
    """An opportunity with a draft proposal holding one catalog line; returns the proposal."""
    stamp = str(time.time_ns())
    felix = next(u for u in api(base, "GET", "/api/v1/users?q=felix", token=token)["items"]
                 if u["email"] == "felix.braun@demo.test")
    template = api(base, "GET", "/api/v1/typical-projects?limit=1", token=token)["items"][0]
    account = api(base, "POST", "/api/v1/accounts", {"name": "Kinds client " + stamp}, token=token)
    opportunity = api(base, "POST", "/api/v1/opportunities",
                      {"accountId": account["id"], "name": "Kinds " + stamp, "stage": "proposal",
                       "amount": "50000.00", "closeDate": "2027-06-30"}, token=token)
    return api(base, "POST", f"/api/v1/opportunities/{opportunity['id']}/proposals",
               {"reviewerId": felix["id"], "proposedStart": "2027-05-03",
                "lines": [{"typicalProjectId": template["id"], "quantity": "1"}]}, token=token)


def _money(browser, element_id):
    return float(browser.find_element("id", element_id).text.replace(",", ""))


def test_a_free_text_line_is_pass_through_and_stays_out_of_the_projects_value(browser, base, console_allows):
    console_allows.append("Failed to load resource: the server responded with a status of 422")
    token = token_for(base, "admin@demo.test")
    proposal = _draft_with_catalog_work(base, token)
    services = float(proposal["total"])
    sign_in(browser, base, "admin@demo.test", next_path=f"/proposals/{proposal['id']}")

    # A free-text line with a price in fractions of a cent is refused beside the price
    # (the server's words), what was typed kept, nothing added.
    browser.find_element("id", "free-line-description").send_keys("Travel")
    browser.find_element("id", "free-line-unitPrice").send_keys("1485.001")
    submit(browser, browser.find_element("xpath", "//button[text()='Add free-text line']"))
    assert browser.find_element("id", "free-line-description").get_attribute("value") == "Travel"
    assert browser.find_element("id", "free-line-unitPrice").get_attribute("aria-invalid") == "true"
    assert "cents" in browser.find_element("id", "free-line").text
    assert len(browser.find_elements("css selector", "tr.line")) == 1

    # With its price it is added, pass-through by default, and the total splits.
    browser.find_element("id", "free-line-unitPrice").clear()
    browser.find_element("id", "free-line-unitPrice").send_keys("1485.00")
    assert Select(browser.find_element("id", "free-line-kind")).first_selected_option.get_attribute("value") == "pass_through"
    submit(browser, browser.find_element("xpath", "//button[text()='Add free-text line']"))
    rows = browser.find_elements("css selector", "tr.line")
    assert len(rows) == 2
    assert Select(browser.find_element("id", "kind1")).first_selected_option.get_attribute("value") == "pass_through"
    assert "service" in rows[0].find_element("css selector", "td.kind").text.lower(), "a catalog line is a service, not a choice"
    assert _money(browser, "total") == round(services + 1485.00, 2), "the client pays everything"
    assert _money(browser, "service-value") == services
    assert _money(browser, "pass-through-value") == 1485.00

    # Choosing service moves it into the project's value as you choose; saved, it stays.
    Select(browser.find_element("id", "kind1")).select_by_value("service")
    WebDriverWait(browser, 5).until(lambda d: _money(d, "pass-through-value") == 0)
    assert _money(browser, "service-value") == round(services + 1485.00, 2)
    Select(browser.find_element("id", "kind1")).select_by_value("pass_through")
    WebDriverWait(browser, 5).until(lambda d: _money(d, "pass-through-value") == 1485.00)
    submit(browser, browser.find_element("xpath", "//button[text()='Save lines']"))
    saved = api(base, "GET", f"/api/v1/proposals/{proposal['id']}", token=token)
    assert [line["kind"] for line in saved["lines"]] == ["service", "pass_through"]

    # Accepted, the project is worth the services; the travel is a budget item.
    for action in ("submit", "approve", "send", "accept"):
        api(base, "POST", f"/api/v1/proposals/{proposal['id']}/{action}", {}, token=token)
    project_id = api(base, "GET", f"/api/v1/proposals/{proposal['id']}", token=token)["projectId"]
    project = api(base, "GET", f"/api/v1/projects/{project_id}", token=token)
    assert float(project["contractValue"]) == services
    assert round(sum(float(p["value"]) for p in project["phases"]), 2) == services
    assert project["budgetItems"] == [{"description": "Travel", "amount": "1485.00"}]
    browser.get(f"{base}/projects/{project_id}")
    assert float(browser.find_element("id", "contract-value").text.split()[-1].replace(",", "")) == services
    assert "Travel: USD 1,485.00" in browser.find_element("css selector", "ul.budget-items").text
