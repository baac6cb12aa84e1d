"""The timesheet in a real headless Chromium (issue 22): a consultant fills a week
against their assignment and submits it, copies it into the next week and submits
that; the project's manager approves the first week and returns the second with a
comment, which the consultant then reads on the page, the approved days locked.

The test makes its own consultant and assignment (new names, dates in March 2031),
so the other tests find the demo firm as it was."""
import uuid

from conftest import api, sign_in, submit, token_for

WEEK_ONE, WEEK_TWO = "2031-03-03", "2031-03-10"  # Mondays


def project_row(browser, project_name):
    return next(r for r in browser.find_elements("css selector", "table.timesheet tbody tr")
                if r.find_element("css selector", "th").text.startswith(project_name))


def cells(row):
    return row.find_elements("css selector", "td input")


def test_a_week_is_filled_copied_submitted_approved_and_returned(browser, base):
    admin = token_for(base, "admin@demo.test")
    felix = token_for(base, "felix.braun@demo.test")
    projects = api(base, "GET", "/api/v1/projects?limit=100", token=felix)["items"]
    people = api(base, "GET", "/api/v1/users?limit=500", token=admin)["items"]
    felix_id = next(p["id"] for p in people if p["email"] == "felix.braun@demo.test")
    project = next(p for p in projects if p["projectManagerId"] == felix_id and p["status"] != "completed")
    suffix = uuid.uuid4().hex[:8]
    email, password = f"tim.{suffix}@timesheet-test.example", f"pass-{suffix}-word"
    person = api(base, "POST", "/api/v1/users", {"email": email, "name": f"Tim Sheet {suffix}", "roles": ["consultant"],
                                                  "password": password}, token=admin)
    api(base, "POST", f"/api/v1/projects/{project['id']}/assignments",
        {"userId": person["id"], "role": "engineer", "start": WEEK_ONE, "end": "2031-03-28", "hoursPerDay": "8",
         "allowOverbook": True}, token=felix)

    # Week one: 8 h Monday to Friday, typed into the grid and submitted.
    sign_in(browser, base, email, password=password, next_path=f"/timesheet?week={WEEK_ONE}")
    row = project_row(browser, project["name"])
    for cell in cells(row)[:5]:
        cell.clear()
        cell.send_keys("8")
    cells(row)[0].send_keys("\t")  # the grid is keyboard-friendly: Tab moves on
    submit(browser, browser.find_element("xpath", "//button[text()='Save and submit the week']"))
    assert "submitted" in browser.find_element("css selector", "p.notice").text
    assert browser.find_element("id", "week-total").text == "40"
    assert browser.find_element("css selector", ".week-nav .status").get_attribute("data-status") == "submitted"

    # Week two: copy last week's rows in, then submit them as they are.
    browser.get(f"{base}/timesheet?week={WEEK_TWO}")
    submit(browser, browser.find_element("xpath", "//button[text()='Copy last week']"))
    assert "copied" in browser.find_element("css selector", "p.notice").text
    row = project_row(browser, project["name"])
    assert [c.get_attribute("value") for c in cells(row)[:5]] == ["8"] * 5
    assert browser.find_element("id", "week-total").text == "40"
    submit(browser, browser.find_element("xpath", "//button[text()='Save and submit the week']"))
    assert "submitted" in browser.find_element("css selector", "p.notice").text

    # The project's manager approves week one and returns week two with a comment.
    browser.delete_all_cookies()
    sign_in(browser, base, "felix.braun@demo.test", next_path="/timesheet")

    def waiting(week):
        return next(r for r in browser.find_elements("css selector", "table.timesheet-waiting tbody tr")
                    if person["name"] in r.text and r.find_elements("css selector", f"a[href$='week={week}']"))

    assert "40" in waiting(WEEK_ONE).text
    submit(browser, waiting(WEEK_ONE).find_element("xpath", ".//button[text()='Approve']"))
    assert "approved" in browser.find_element("css selector", "p.notice").text
    waiting(WEEK_TWO).find_element("name", "comment").send_keys("Friday was the client's holiday")
    submit(browser, waiting(WEEK_TWO).find_element("xpath", ".//button[text()='Return']"))
    assert "returned" in browser.find_element("css selector", "p.notice").text
    assert not [r for r in browser.find_elements("css selector", "table.timesheet-waiting tbody tr") if person["name"] in r.text]

    # The consultant: week one is locked, week two shows the comment and can be changed again.
    browser.delete_all_cookies()
    sign_in(browser, base, email, password=password, next_path=f"/timesheet?week={WEEK_ONE}")
    row = project_row(browser, project["name"])
    assert not cells(row)[:5] or len(row.find_elements("css selector", "span.locked")) >= 5
    assert browser.find_element("css selector", ".week-nav .status").get_attribute("data-status") == "approved"
    browser.get(f"{base}/timesheet?week={WEEK_TWO}")
    assert "Friday was the client's holiday" in browser.find_element("css selector", "section.returned").text
    row = project_row(browser, project["name"])
    assert len(cells(row)) >= 5, "a returned week is open again"
    friday = cells(row)[4]
    friday.clear()
    submit(browser, browser.find_element("xpath", "//button[text()='Save']"))
    assert browser.find_element("id", "week-total").text == "32"

    # The approved week is an actual: the profitability page shows its 40 billable hours
    # (the returned week is not), its charts drawn above the tables.
    browser.delete_all_cookies()
    sign_in(browser, base, "admin@demo.test", next_path="/reports/profitability")
    browser.get(f"{base}/reports/profitability?by=project&from=2031-03-03&to=2031-03-28")
    assert browser.find_element("css selector", "nav.report-nav a[aria-current=page]").text == "Profitability"
    assert browser.find_element("id", "profitability-chart").is_displayed()
    assert browser.find_element("id", "utilization-chart").is_displayed()
    mine = next(r for r in browser.find_elements("css selector", "#utilization-table tbody tr") if person["name"] in r.text)
    assert mine.find_elements("css selector", "td")[0].text == "40"
    assert "format=csv" in browser.find_element("id", "profitability-csv").get_attribute("href")
