"""Time off and working calendars in a real headless Chromium: a consultant asks from
their week, their manager approves, and the hours and the feed follow; an admin keeps
a holiday calendar and puts a person on it.

Each test makes its own people and calendars (new names, dates in 2031), so the
other tests find the demo firm as it was."""
import uuid

from selenium.webdriver.support.ui import Select

from conftest import api, axe_problems_signed_in, sign_in, submit, token_for


def fresh():
    return uuid.uuid4().hex[:8]


def new_consultant(base, admin, manager_email="felix.braun@demo.test"):
    suffix = fresh()
    people = api(base, "GET", "/api/v1/users?limit=500", token=admin)["items"]
    manager = next(p["id"] for p in people if p["email"] == manager_email)
    email, password = f"tess.{suffix}@time-off-test.example", f"pass-{suffix}-word"
    person = api(base, "POST", "/api/v1/users", {"email": email, "name": f"Tess Away {suffix}", "roles": ["consultant"],
                                                  "managerId": manager, "password": password}, token=admin)
    return person, email, password


def set_value(browser, element_id, value):
    """Date inputs take their value in the browser's locale when typed; set it as the form sends it."""
    browser.execute_script("arguments[0].value = arguments[1]", browser.find_element("id", element_id), value)


def test_a_consultant_asks_from_my_week_and_the_manager_approves(browser, base):
    admin = token_for(base, "admin@demo.test")
    person, email, password = new_consultant(base, admin)
    sign_in(browser, base, email, password=password, next_path="/my-week")
    submit(browser, browser.find_element("link text", "Ask for time off"))
    assert browser.find_element("css selector", "header.page h1").text == "Time off"
    Select(browser.find_element("id", "time-off-kind")).select_by_value("vacation")
    # Monday 3 and Tuesday 4 February 2031.
    set_value(browser, "time-off-start", "2031-02-03")
    set_value(browser, "time-off-end", "2031-02-04")
    browser.find_element("id", "time-off-note").send_keys("Ski trip")
    submit(browser, browser.find_element("xpath", "//button[text()='Ask for time off']"))
    assert "Asked" in browser.find_element("css selector", "p.notice").text
    row = browser.find_element("css selector", "table.time-off tbody tr")
    assert "4 Feb 2031" in row.text and "Pending" in row.text

    # Pending removes nothing: 40 h that week.
    week = f"/api/v1/users/{person['id']}/working-calendar?from=2031-02-03&to=2031-02-10"
    assert api(base, "GET", week, token=admin)["totalHours"] == "40"

    browser.delete_all_cookies()
    sign_in(browser, base, "felix.braun@demo.test", next_path="/time-off/approvals")
    rows = [r for r in browser.find_elements("css selector", "table.time-off tbody tr") if person["name"] in r.text]
    assert len(rows) == 1
    submit(browser, rows[0].find_element("xpath", ".//button[text()='Approve']"))
    assert "approved" in browser.find_element("css selector", "p.notice").text
    assert not [r for r in browser.find_elements("css selector", "table.time-off tbody tr") if person["name"] in r.text]

    # Approved: two days of 8 h come off the week, and the feed has it.
    calendar = api(base, "GET", week, token=admin)
    assert calendar["totalHours"] == "24"
    assert [d["hours"] for d in calendar["days"][:5]] == ["0", "0", "8", "8", "8"]


def test_an_admin_imports_holidays_and_puts_a_person_on_the_calendar(browser, base, console_allows):
    console_allows.append("the server responded with a status of 422")
    admin = token_for(base, "admin@demo.test")
    person, _, _ = new_consultant(base, admin)
    name = f"Testland {fresh()}"
    sign_in(browser, base, "admin@demo.test", next_path="/admin/holidays")
    browser.find_element("id", "calendar-name").send_keys(name)
    browser.find_element("id", "calendar-location").send_keys("Testland")
    submit(browser, browser.find_element("xpath", "//button[text()='Add calendar']"))
    assert browser.find_element("css selector", "header.page h1").text == name
    # A wrong line refuses the file and says which.
    browser.find_element("id", "import-file").send_keys("date,name\n2031-02-30,Nope\n")
    submit(browser, browser.find_element("xpath", "//button[text()='Import']"))
    assert "Line 2" in browser.find_element("css selector", ".field-error").text
    field = browser.find_element("id", "import-file")
    field.clear()
    field.send_keys("BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART;VALUE=DATE:20310203\nSUMMARY:Founders' Day\nEND:VEVENT\nEND:VCALENDAR\n")
    submit(browser, browser.find_element("xpath", "//button[text()='Import']"))
    assert "Founders' Day" in browser.find_element("css selector", "table.holidays").text

    browser.get(base + f"/admin/people/{person['id']}/calendar")
    Select(browser.find_element("id", "week-holidayCalendarId")).select_by_visible_text(name)
    submit(browser, browser.find_element("xpath", "//button[text()='Save']"))
    assert browser.find_element("css selector", ".notice").text == "Saved."
    calendar = api(base, "GET", f"/api/v1/users/{person['id']}/working-calendar?from=2031-02-03&to=2031-02-10", token=admin)
    assert calendar["totalHours"] == "32"
    assert calendar["days"][0].get("holiday") == "Founders' Day"


def test_the_time_off_and_calendar_pages_pass_axe(browser, base):
    """The pages of this feature, checked as test_accessibility.py checks the others."""
    admin = token_for(base, "admin@demo.test")
    calendar = api(base, "GET", "/api/v1/holiday-calendars", token=admin)["items"][0]["id"]
    felix = next(p["id"] for p in api(base, "GET", "/api/v1/users?limit=500", token=admin)["items"]
                 if p["email"] == "felix.braun@demo.test")
    pages = {"felix.braun@demo.test": ["/time-off", "/time-off/approvals", "/"],
             "admin@demo.test": ["/admin/holidays", f"/admin/holidays/{calendar}", f"/admin/people/{felix}/calendar"]}
    problems = axe_problems_signed_in(browser, base, pages)
    assert not problems, "\n".join(problems)
