"""Staffing in a real headless Chromium (issue 18): a project manager changes an
assignment's hours a day on the project page and removes it; the project's staffing
view shows people x weeks with an overbooked week marked; a manager filters the firm's
resources by location.

Each test makes its own consultant (new names, dates in 2031), so the other tests find
the demo firm as it was."""
import uuid

from conftest import api, sign_in, submit, token_for


def fresh():
    return uuid.uuid4().hex[:8]


def felix_project(base, felix):
    projects = api(base, "GET", "/api/v1/projects?limit=100", token=felix)["items"]
    return next(p for p in projects if p["projectManagerId"] is not None and p["status"] != "completed")


def new_consultant(base, admin, location="Denver, CO"):
    suffix = fresh()
    person = api(base, "POST", "/api/v1/users", {"email": f"sam.{suffix}@staffing-test.example", "name": f"Sam Staff {suffix}",
                                                  "roles": ["consultant"], "homeLocation": location,
                                                  "password": f"pass-{suffix}-word"}, token=admin)
    return person


def test_a_project_manager_changes_and_removes_an_assignment_and_sees_the_weeks(browser, base):
    admin = token_for(base, "admin@demo.test")
    felix = token_for(base, "felix.braun@demo.test")
    project = felix_project(base, felix)
    person = new_consultant(base, admin)
    # Monday 3 to Friday 7 February 2031 at 6 h a day, and 4 h more on the Tuesday: 10 h that day.
    made = api(base, "POST", f"/api/v1/projects/{project['id']}/assignments",
               {"userId": person["id"], "role": "engineer", "start": "2031-02-03", "end": "2031-02-07", "hoursPerDay": "6"}, token=felix)
    api(base, "POST", f"/api/v1/projects/{project['id']}/assignments",
        {"userId": person["id"], "role": "engineer", "start": "2031-02-04", "end": "2031-02-04", "hoursPerDay": "4",
         "allowOverbook": True}, token=felix)

    sign_in(browser, base, "felix.braun@demo.test", next_path=f"/projects/{project['id']}")
    item = browser.find_element("id", f"assignment-{made['id']}")
    assert "6 h a day (30 h/week)" in item.text
    hours = item.find_element("name", "hoursPerDay")
    hours.clear()
    hours.send_keys("5")
    # 5 + 4 on the Tuesday is past 8 h: booked only when overbooking is allowed.
    item.find_element("css selector", "form.change-assignment input[name=allowOverbook]").click()
    submit(browser, item.find_element("css selector", "form.change-assignment button[type=submit]"))
    item = browser.find_element("id", f"assignment-{made['id']}")
    assert "5 h a day (25 h/week)" in item.text and person["name"] in item.text, "still the same person"

    # The staffing view: the week of 3 February, 25 + 4 = 29 h on this project, a day past 8 h marked.
    browser.get(f"{base}/projects/{project['id']}/staffing")
    row = next(r for r in browser.find_elements("css selector", "table.staffing-grid tbody tr") if person["name"] in r.text)
    marked = row.find_elements("css selector", "td.overbooked")
    assert marked and marked[0].text.startswith("29")

    # Removed from the page: gone from the team.
    browser.get(f"{base}/projects/{project['id']}")
    submit(browser, browser.find_element("id", f"assignment-{made['id']}").find_element(
        "css selector", "form.remove-assignment button[type=submit]"))
    assert not browser.find_elements("id", f"assignment-{made['id']}")


def test_a_manager_filters_the_resources_by_location(browser, base):
    admin = token_for(base, "admin@demo.test")
    place = f"Town{fresh()}"
    person = new_consultant(base, admin, location=f"{place}, CO")
    sign_in(browser, base, "morgan.reyes@demo.test", next_path="/resources")
    assert browser.find_element("css selector", "header.page h1").text == "Resources"
    browser.find_element("id", "location").send_keys(place)
    submit(browser, browser.find_element("css selector", "form.filters button[type=submit]"))
    rows = browser.find_elements("css selector", "table.staffing-grid tbody tr")
    assert len(rows) == 1 and person["name"] in rows[0].text
    # Free all eight weeks: the lightest band.
    assert len(rows[0].find_elements("css selector", "td.util.free")) == 8
