"""Each role's day in a real browser (issue 19, "Done when"): the account manager finds
a contact by phone number through global search, edits a deal's amount on its page,
adds a task to it and completes it from home; the head of sales' home shows the team's
numbers, the same as the attainment and forecast reports give for his line. Screenshots
of both homes at 1440 and 390 px, where no page is wider than the screen; the homes and
task pages pass axe. (Saving a list view and exporting it is test_list_views.py.)"""
import os
import uuid
from datetime import date, timedelta
from decimal import Decimal

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from conftest import ARTIFACTS, api, axe_problems_signed_in, sign_in, submit, token_for, wait_for_next_page


def shot(browser, name):
    os.makedirs(ARTIFACTS, exist_ok=True)
    browser.save_screenshot(os.path.join(ARTIFACTS, name + ".png"))


def amount(text):
    """`USD 1,234.50` as the number it shows."""
    return Decimal("".join(ch for ch in text if ch.isdigit() or ch in ".-"))


def fits(browser):
    return browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")


def both_widths(browser, name):
    browser.set_window_size(1440, 900)
    browser.refresh()
    shot(browser, name + "-1440")
    browser.set_window_size(390, 844)
    browser.refresh()
    assert fits(browser), f"{name} scrolls sideways at 390 px"
    shot(browser, name + "-390")
    browser.set_window_size(1440, 900)


def test_the_account_managers_day(browser, base):
    ana = token_for(base, "ana.torres@demo.test")
    tag = uuid.uuid4().hex[:6]
    browser.set_window_size(1440, 900)

    # A contact found by the phone number as it is read out, through the header's search.
    contact = next(c for c in api(base, "GET", "/api/v1/contacts?limit=50", token=ana)["items"] if c.get("phone"))
    digits = "".join(ch for ch in contact["phone"] if ch.isdigit())
    sign_in(browser, base, "ana.torres@demo.test")
    ActionChains(browser).send_keys("/").perform()
    box = browser.switch_to.active_element
    page = browser.find_element("tag name", "html")
    box.send_keys(digits[-7:-4] + " " + digits[-4:] + Keys.ENTER)
    wait_for_next_page(browser, page)
    names = [a.text for a in browser.find_elements("css selector", "#search-contacts li a")]
    assert contact["name"] in names

    # A deal's amount edited on its page.
    account = api(base, "POST", "/api/v1/accounts", {"name": f"Role day {tag}"}, token=ana)
    deal = api(base, "POST", "/api/v1/opportunities", {
        "accountId": account["id"], "name": f"Role day deal {tag}", "stage": "qualification",
        "closeDate": "2031-04-30", "amount": "30000.00"}, token=ana)
    browser.get(f"{base}/opportunities/{deal['id']}")
    box = browser.find_element("id", "deal-amount")
    box.clear()
    box.send_keys("42,500")
    submit(browser, browser.find_element("css selector", "form#details button[type=submit]"))
    assert api(base, "GET", f"/api/v1/opportunities/{deal['id']}", token=ana)["amount"] == "42500.00"

    # A task added from the deal's page, due yesterday, comes back to the deal's Tasks.
    submit(browser, browser.find_element("css selector", "#record-tasks a.button"))
    browser.find_element("id", "task-subject").send_keys(f"Send the revised quote {tag}")
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    browser.execute_script("document.getElementById('task-dueAt').value = arguments[0]", yesterday)
    submit(browser, browser.find_element("css selector", "form#new-task button[type=submit]"))
    assert f"/opportunities/{deal['id']}" in browser.current_url
    assert f"Send the revised quote {tag}" in browser.find_element("id", "record-tasks").text
    assert browser.find_elements("css selector", "nav.side .nav-badge"), "the navigation counts the overdue task"

    # Completed from home with one click.
    browser.get(base + "/")
    done = browser.find_element("css selector", f"#my-tasks button[aria-label='Complete Send the revised quote {tag}']")
    submit(browser, done)
    assert f"Send the revised quote {tag}" not in browser.find_element("id", "my-tasks").text
    tasks = api(base, "GET", f"/api/v1/activities?opportunityId={deal['id']}", token=ana)["items"]
    assert [t["doneAt"] is not None for t in tasks if t["subject"] == f"Send the revised quote {tag}"] == [True]
    both_widths(browser, "home-account-manager")


def test_the_head_of_sales_home_shows_the_teams_numbers(browser, base):
    morgan = token_for(base, "morgan.reyes@demo.test")
    me = next(u["id"] for u in api(base, "GET", "/api/v1/users?limit=100", token=morgan)["items"] if u["email"] == "morgan.reyes@demo.test")
    line = next(r for r in api(base, "GET", "/api/v1/reports/attainment", token=morgan)["rows"] if r["userId"] == me and r["rollup"])
    forecast = next(r for r in api(base, "GET", "/api/v1/reports/forecast", token=morgan)["rows"] if r["userId"] == me and r["rollup"])

    browser.set_window_size(1440, 900)
    sign_in(browser, base, "morgan.reyes@demo.test")
    cards = [s.get_attribute("id") for s in browser.find_elements("css selector", "main section")]
    assert cards[0] == "team-home", f"the team's quarter is his first card, not his own week: {cards}"
    team = browser.find_element("id", "team-home")
    assert amount(team.find_element("css selector", ".team-credited").text) == Decimal(line["credited"])
    if line["quota"] is not None:
        assert amount(team.find_element("css selector", ".team-quota").text) == Decimal(line["quota"])
    assert amount(browser.find_element("id", "team-closed").text) == Decimal(forecast["closed"])
    assert amount(browser.find_element("id", "team-pipeline").text) == Decimal(forecast["pipeline"])
    people = [r.find_element("css selector", "td").text for r in browser.find_elements("css selector", "#team-members tbody tr")]
    assert "Ana Torres" in people
    both_widths(browser, "home-head-of-sales")


def test_the_homes_and_task_pages_pass_axe(browser, base):
    problems = axe_problems_signed_in(browser, base, {
        "morgan.reyes@demo.test": ["/", "/tasks?view=team"],
        "admin@demo.test": ["/", "/tasks/new?next=/tasks"],
        "ana.torres@demo.test": ["/tasks", "/tasks/new?accountId=1&next=/accounts/1"]})
    assert not problems, "\n".join(problems)
