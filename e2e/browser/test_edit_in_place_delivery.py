"""Issue 19, item 1, in a real browser: a project's manager moves its start on the
project page (every phase follows); a deal's splits are edited on the deal's page (a
wrong total is said by the splits and saves nothing, a right one saves) and a person
is added to its team. Both pages fit 390 px and stay axe-clean.

Each test makes its own account, deal and project (dates in 2031), so the other tests
find the demo firm as it was."""
import datetime
import uuid

import pytest
from selenium.webdriver.support.ui import Select

from conftest import api, axe_problems, sign_in, submit, token_for


@pytest.fixture
def console_allows():
    return ["422"]  # a refused team is answered 422, as the API's would be


def fresh():
    return uuid.uuid4().hex[:6]


def new_deal(base, token, tag, stage="qualification"):
    account = api(base, "POST", "/api/v1/accounts", {"name": f"In place delivery {tag}"}, token=token)
    return api(base, "POST", "/api/v1/opportunities", {
        "accountId": account["id"], "name": f"Delivery deal {tag}", "stage": stage,
        "closeDate": "2031-04-30", "amount": "40000.00"}, token=token)["id"]


def felix_runs_a_new_project(base, admin, felix_id):
    """A project from a won order, run by Felix: the admin sends and accepts its proposal."""
    deal = new_deal(base, admin, fresh(), stage="proposal")
    # A line from the catalog: its typical project brings the phases.
    typical = api(base, "GET", "/api/v1/typical-projects?limit=1", token=admin)["items"][0]["id"]
    proposal = api(base, "POST", f"/api/v1/opportunities/{deal}/proposals", {
        "proposedStart": "2031-05-05", "reviewerId": felix_id, "lines": [{"typicalProjectId": typical, "quantity": "1"}]},
        token=admin)["id"]
    for move in ("submit", "approve", "send"):
        api(base, "POST", f"/api/v1/proposals/{proposal}/{move}", {}, token=admin)
    return api(base, "POST", f"/api/v1/proposals/{proposal}/accept", {}, token=admin)["project"]["id"]


def fits_390(browser, where):
    browser.set_window_size(390, 844)
    document, viewport = browser.execute_script("return [document.documentElement.scrollWidth, window.innerWidth]")
    assert document <= viewport, f"{where} scrolls sideways at 390 px: {document} > {viewport}"
    browser.set_window_size(1280, 900)


def test_a_project_manager_moves_the_projects_start_on_its_page(browser, base):
    admin = token_for(base, "admin@demo.test")
    felix = token_for(base, "felix.braun@demo.test")
    felix_id = next(u["id"] for u in api(base, "GET", "/api/v1/users?limit=100", token=admin)["items"]
                    if u["email"] == "felix.braun@demo.test")
    project_id = felix_runs_a_new_project(base, admin, felix_id)
    before = api(base, "GET", f"/api/v1/projects/{project_id}", token=felix)
    starts = [p["start"] for p in before["phases"]]
    new_start = (datetime.date.fromisoformat(starts[0]) + datetime.timedelta(days=14)).isoformat()

    sign_in(browser, base, "felix.braun@demo.test", next_path=f"/projects/{project_id}")
    assert not axe_problems(browser, "the project page with its details form")
    fits_390(browser, "the project page")
    start = browser.find_element("id", "project-start")
    # A date box takes the date as typed in the browser's own order; set it as the form would send it.
    browser.execute_script("arguments[0].value = arguments[1]", start, new_start)
    name = browser.find_element("id", "project-name")
    name.clear()
    name.send_keys(f"{before['name']} (moved)")
    submit(browser, browser.find_element("css selector", "form#details button[type=submit]"))

    after = api(base, "GET", f"/api/v1/projects/{project_id}", token=felix)
    assert after["name"] == f"{before['name']} (moved)"
    assert after["phases"][0]["start"] == new_start
    moved = [(datetime.date.fromisoformat(a["start"]) - datetime.date.fromisoformat(b)).days for a, b in zip(after["phases"], starts)]
    assert set(moved) == {14}, "every phase moves with the first"
    assert "(moved)" in browser.find_element("tag name", "h1").text

    submit(browser, browser.find_element("css selector", "form#hold button"))
    assert api(base, "GET", f"/api/v1/projects/{project_id}", token=felix)["status"] == "on_hold"
    submit(browser, browser.find_element("css selector", "form#resume button"))
    assert api(base, "GET", f"/api/v1/projects/{project_id}", token=felix)["status"] == "active"


def test_a_deals_splits_are_edited_and_a_person_added_to_its_team(browser, base):
    ana = token_for(base, "ana.torres@demo.test")
    deal_id = new_deal(base, ana, fresh())
    sign_in(browser, base, "ana.torres@demo.test", next_path=f"/opportunities/{deal_id}")
    assert not axe_problems(browser, "the deal page with its team form")
    fits_390(browser, "the deal page")

    # Felix, a project manager, joins with 30 %, while Ana keeps 100 %: 130 is refused by the splits.
    colleague = "Felix Braun"
    Select(browser.find_element("id", "new-person")).select_by_visible_text(colleague)
    Select(browser.find_element("id", "new-role")).select_by_value("project_manager")
    browser.find_element("id", "new-split").send_keys("30")
    submit(browser, browser.find_element("css selector", "form#team-form button[type=submit]"))
    error = browser.find_element("id", "team-total-error")
    assert "Splits must add up to exactly 100 (they add up to 130)" in error.text
    assert browser.find_element("id", "team-0-split").get_attribute("aria-describedby") == "team-total-error"
    assert browser.find_element("id", "new-split").get_attribute("value") == "30", "what was typed is kept"
    assert len(api(base, "GET", f"/api/v1/opportunities/{deal_id}", token=ana)["team"]) == 1, "nothing saved"
    assert not axe_problems(browser, "the deal page with the splits refused")

    ana_split = browser.find_element("id", "team-0-split")
    ana_split.clear()
    ana_split.send_keys("70")
    submit(browser, browser.find_element("css selector", "form#team-form button[type=submit]"))
    team = api(base, "GET", f"/api/v1/opportunities/{deal_id}", token=ana)["team"]
    assert sorted((m["role"], m["splitPercent"]) for m in team) == [("owner", "70"), ("project_manager", "30")]
    assert browser.find_element("id", "team-total").text == "Splits add up to 100%"
    legends = [e.text for e in browser.find_elements("css selector", "form#team-form legend")]
    assert colleague in legends
