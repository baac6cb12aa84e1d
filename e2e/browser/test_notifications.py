"""Notifications and the client's acceptance in a real headless Chromium (issue 20):
a consultant's time off is approved and the bell in her header counts it, the
notifications page opens its record and marks it read; a client opens the link of a
sent proposal, types name and title, ticks the consent and accepts, and the proposal
is accepted with its project.

Each test makes its own people and records, so the other tests find the demo firm as it was."""
import uuid

from conftest import api, sign_in, submit, token_for


def fresh():
    return uuid.uuid4().hex[:8]


def test_the_bell_counts_a_decided_time_off_and_the_page_opens_it(browser, base):
    admin = token_for(base, "admin@demo.test")
    suffix = fresh()
    people = api(base, "GET", "/api/v1/users?limit=500", token=admin)["items"]
    manager = next(p["id"] for p in people if p["email"] == "felix.braun@demo.test")
    email, password = f"nell.{suffix}@notify-test.example", f"pass-{suffix}-word"
    person = api(base, "POST", "/api/v1/users", {"email": email, "name": f"Nell Notified {suffix}", "roles": ["consultant"],
                                                  "managerId": manager, "password": password}, token=admin)
    mine = token_for(base, email, password)
    request = api(base, "POST", "/api/v1/time-off", {"kind": "vacation", "start": "2031-03-03", "end": "2031-03-04"}, token=mine)
    felix = token_for(base, "felix.braun@demo.test")
    api(base, "POST", f"/api/v1/time-off/{request['id']}/approve", {}, token=felix, headers={"If-Match": '"1"'})

    sign_in(browser, base, email, password=password)
    bell = browser.find_element("id", "bell")
    assert bell.find_element("css selector", ".bell-count").text == "1"
    assert "1 unread" in bell.get_attribute("aria-label")
    home = browser.find_element("id", "home-notifications")
    assert "was approved" in home.text
    submit(browser, bell)
    assert browser.find_element("css selector", "header.page h1").text == "Notifications"
    item = browser.find_element("css selector", "li.notification.unread")
    assert "3 Mar 2031" in item.text
    submit(browser, item.find_element("css selector", "button"))
    # The record: the time-off page, and the bell is back to zero.
    assert browser.current_url.endswith("/time-off")
    assert browser.find_element("css selector", "#bell .bell-count").text == "0"
    assert api(base, "GET", "/api/v1/notifications/unread-count", token=mine)["unread"] == 0
    assert person["id"]


def test_a_client_accepts_through_the_link(browser, base):
    admin = token_for(base, "admin@demo.test")
    dev = token_for(base, "dev.patel@demo.test")
    grace = token_for(base, "grace.kim@demo.test")
    people = api(base, "GET", "/api/v1/users?limit=500", token=admin)["items"]
    dev_id = next(p["id"] for p in people if p["email"] == "dev.patel@demo.test")
    grace_id = next(p["id"] for p in people if p["email"] == "grace.kim@demo.test")
    name = f"Linked Client {fresh()}"
    account = api(base, "POST", "/api/v1/accounts", {"name": name, "ownerId": dev_id}, token=admin)
    opportunity = api(base, "POST", "/api/v1/opportunities", {
        "accountId": account["id"], "name": f"Audit for {name}", "stage": "proposal", "amount": "9000.00",
        "closeDate": "2031-03-31", "ownerId": dev_id}, token=admin)
    p = api(base, "POST", f"/api/v1/opportunities/{opportunity['id']}/proposals", {
        "lines": [{"description": "Audit", "quantity": "3", "unit": "day", "unitPrice": "1200.00"}],
        "validUntil": "2099-12-31", "proposedStart": "2031-04-07"}, token=dev)
    api(base, "PATCH", f"/api/v1/proposals/{p['id']}", {"reviewerId": grace_id}, token=dev, headers={"If-Match": '"1"'})
    api(base, "POST", f"/api/v1/proposals/{p['id']}/submit", {}, token=dev)
    api(base, "POST", f"/api/v1/proposals/{p['id']}/approve", {}, token=grace)
    api(base, "POST", f"/api/v1/proposals/{p['id']}/send", {}, token=dev)
    link = api(base, "POST", f"/api/v1/proposals/{p['id']}/client-link", None, token=dev)

    browser.get(base + link["url"])  # the client signs in to nothing
    assert name in browser.find_element("id", "document").text
    browser.find_element("id", "name").send_keys("Jo Client")
    browser.find_element("id", "title").send_keys("Head of IT")
    browser.find_element("id", "consent").click()
    submit(browser, browser.find_element("id", "accept"))
    assert "is accepted" in browser.find_element("id", "decision-message").text
    assert browser.find_elements("id", "accept-form") == []

    after = api(base, "GET", f"/api/v1/proposals/{p['id']}", token=dev)
    assert after["status"] == "accepted" and after["projectId"]
    evidence = api(base, "GET", f"/api/v1/proposals/{p['id']}/client-decision", token=dev)["decision"]
    assert evidence["name"] == "Jo Client" and evidence["title"] == "Head of IT"
    assert "Chrome" in (evidence["userAgent"] or "")
