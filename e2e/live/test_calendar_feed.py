"""The calendar feed, read by a real iCalendar parser, against a live demo server.

Run by scripts/e2e.sh with BATON_URL pointing at the server it started.
"""
import json
import os

import icalendar

import client

BASE = os.environ["BATON_URL"]


def call(method, path, body=None, token=None):
    reply = client.request(BASE, method, path, body if body is not None else client.ABSENT, token=token)
    if not 200 <= reply.status < 300:
        raise client.Refused(reply, f"{method} {path}")
    return reply.status, reply.headers, reply.body


def sign_in(email):
    _, _, body = call("POST", "/api/v1/sessions", {"email": email, "password": "baton-demo"})
    return json.loads(body)["token"]


def test_a_consultants_feed_has_an_event_per_assignment_with_where_to_show_up():
    token = sign_in("ivy.chen@demo.test")
    _, _, me = call("GET", "/api/v1/me", token=token)
    me = json.loads(me)
    _, _, week = call("GET", f"/api/v1/users/{me['id']}/assignments", token=token)
    assignments = json.loads(week)["items"]
    assert len(assignments) >= 2, "the demo gives Ivy work for two clients"

    status, headers, feed = call("GET", me["calendarUrl"])
    assert status == 200
    assert headers["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(feed)
    # Approved time off is in the feed too (issue 18), as all-day events of its own.
    events = [c for c in calendar.walk() if c.name == "VEVENT" and str(c["UID"]).startswith("assignment-")]
    assert len(events) == len(assignments)
    by_uid = {str(e["UID"]): e for e in events}
    for a in assignments:
        event = by_uid[f"assignment-{a['assignmentId']}@baton"]
        assert a["project"] in str(event["SUMMARY"]) and a["client"] in str(event["SUMMARY"])
        # Where to show up: the assignment's site (its name and address, issue 24) when it
        # names one of the client's sites, else its free-text location, else "Remote".
        _, _, listed = call("GET", f"/api/v1/sites?accountId={a['accountId']}", token=token)
        sites = {", ".join(p for p in (site["name"], site.get("address")) if p) for site in json.loads(listed)["items"]}
        assert str(event["LOCATION"]) in sites | {a["location"] or "Remote"}
        assert event["DTSTART"].dt.isoformat() == a["start"]
        # All-day events end the day after the last day.
        assert event["DTEND"].dt.toordinal() - 1 == __import__("datetime").date.fromisoformat(a["end"]).toordinal()
        assert a["projectManager"]["email"] in str(event["DESCRIPTION"])


def test_a_new_feed_token_retires_the_old_link():
    token = sign_in("jon.alvarez@demo.test")
    _, _, me = call("GET", "/api/v1/me", token=token)
    old = json.loads(me)["calendarUrl"]
    _, _, fresh = call("POST", "/api/v1/me/calendar-token", {}, token=token)
    new = json.loads(fresh)["calendarUrl"]
    assert new != old
    assert call("GET", new)[0] == 200
    try:
        call("GET", old)
        raise AssertionError("the old link still works")
    except client.Refused as error:
        assert error.status == 404
