"""The rotation board (issue 24, item 3) in a real browser: a block of days selected
with the mouse (click, shift-click) and dragged, and one selected and moved with the
keyboard (Enter, Shift+arrow, M, arrow, Enter), go through the API's move-days: the
assignment splits, the people's calendar feeds say so, the undo takes it back; the
board scrolls within itself at 390 px and passes axe. Works on an assignment of its
own, far in the future, removed at the end."""
import os
import uuid
from urllib.parse import quote

import icalendar
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

import client
from conftest import ARTIFACTS, api, axe_problems, sign_in, submit, token_for

MONDAY = "2031-03-03"
BOARD = f"/rotation?from={MONDAY}&zoom=week"


def feed_events(base, token):
    """The person's feed, parsed: uid → (first day, last day included)."""
    url = api(base, "GET", "/api/v1/me", token=token)["calendarUrl"]
    reply = client.request(base, "GET", url)
    assert reply.status == 200, reply.status
    days = {}
    for event in icalendar.Calendar.from_ical(reply.body).walk("VEVENT"):
        start, end = event["DTSTART"].dt, event["DTEND"].dt
        days[str(event["UID"])] = (start.isoformat(), end.fromordinal(end.toordinal() - 1).isoformat())
    return days


def drag(browser, chip, cell):
    """HTML5 drag and drop as the browser delivers it: dragstart on the block, drop on the cell, one DataTransfer."""
    browser.execute_script("""
        const dt = new DataTransfer();
        arguments[0].dispatchEvent(new DragEvent('dragstart', {dataTransfer: dt, bubbles: true}));
        arguments[1].dispatchEvent(new DragEvent('dragover', {dataTransfer: dt, bubbles: true, cancelable: true}));
        arguments[1].dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));
    """, chip, cell)


def wait_for_new_page(browser, old):
    WebDriverWait(browser, 10).until(lambda d: d.execute_script("return document.readyState") == "complete"
                                     and d.find_element("tag name", "html") != old)


def test_moving_a_block_by_drag_and_keyboard_updates_the_feed_and_undoes(browser, base):
    admin = token_for(base, "admin@demo.test")
    jon, ivy = token_for(base, "jon.alvarez@demo.test"), token_for(base, "ivy.chen@demo.test")
    jon_id, ivy_id = api(base, "GET", "/api/v1/me", token=jon)["id"], api(base, "GET", "/api/v1/me", token=ivy)["id"]
    project = api(base, "GET", "/api/v1/projects", token=admin)["items"][0]["id"]
    role = f"Rotation {uuid.uuid4().hex[:6]}"
    made = api(base, "POST", f"/api/v1/projects/{project}/assignments", {
        "userId": jon_id, "role": role, "start": MONDAY, "end": "2031-03-05", "hoursPerDay": "2", "status": "confirmed", "allowOverbook": True}, token=admin)
    assignment = made["id"]
    # At Jon's home base (the demo's office for Denver and Boulder): the test's moves are then
    # judged on hours alone, whatever the travel to the project's own site would be.
    home = api(base, "GET", f"/api/v1/users/{jon_id}/day-plans?from={MONDAY}&to=2031-03-04", token=admin)["homeSiteId"]
    if home:
        client.request(base, "PUT", f"/api/v1/projects/{project}/assignments/{assignment}/site", {"siteId": home}, token=admin)
    uid = f"assignment-{assignment}@baton"

    def chip_at(user, column):
        return browser.find_element("css selector", f"tr[data-user='{user}'] td[data-column='{column}'] button.chip[data-block^='{project}.{assignment}.']")

    def pieces(feed):
        """The feed's events of this role's assignments other than the test's own: the moved blocks."""
        return sorted(days for key, days in feed.items() if key.startswith("assignment-") and key != uid and days[0] >= "2031-03-01"
                      and days[0] <= "2031-03-31")

    def undo():
        submit(browser, browser.find_element("css selector", "#rotation-undo button"))
        assert feed_events(base, jon)[uid] == ("2031-03-03", "2031-03-05"), "the undo gives the assignment its days back"
        assert not pieces(feed_events(base, ivy)) and not pieces(feed_events(base, jon)), "and removes the pieces"

    try:
        assert feed_events(base, jon)[uid] == ("2031-03-03", "2031-03-05")
        ivy_before, jon_before = pieces(feed_events(base, ivy)), pieces(feed_events(base, jon))
        assert not ivy_before and not jon_before, "nobody else has work those days in the demo"

        sign_in(browser, base, "admin@demo.test", next_path=quote(BOARD, safe="/"))
        browser.set_window_size(1440, 900)
        # With the mouse: Monday, shift-click Tuesday, drag them to Ivy's Wednesday.
        chip_at(jon_id, 0).click()
        ActionChains(browser).key_down(Keys.SHIFT).click(chip_at(jon_id, 1)).key_up(Keys.SHIFT).perform()
        assert chip_at(jon_id, 1).get_attribute("aria-pressed") == "true" and chip_at(jon_id, 2).get_attribute("aria-pressed") == "false"
        assert "2 days" in browser.find_element("id", "rotation-status").text
        old = browser.find_element("tag name", "html")
        drag(browser, chip_at(jon_id, 0), browser.find_element("css selector", f"tr[data-user='{ivy_id}'] td[data-column='2']"))
        wait_for_new_page(browser, old)
        assert browser.find_elements("id", "rotation-undo"), "the move offers its undo"
        assert feed_events(base, jon)[uid] == ("2031-03-05", "2031-03-05"), "Jon keeps Wednesday"
        assert pieces(feed_events(base, ivy)) == [("2031-03-05", "2031-03-06")], "Ivy's feed has Monday and Tuesday, two days later"
        os.makedirs(ARTIFACTS, exist_ok=True)
        browser.save_screenshot(os.path.join(ARTIFACTS, "rotation-board-1440.png"))
        undo()

        # With the keyboard: Tuesday selected, Shift+Right adds Wednesday, M picks them up, Right a day later, Enter.
        chip = chip_at(jon_id, 1)
        browser.execute_script("arguments[0].focus()", chip)
        chip.send_keys(Keys.ENTER)
        assert chip.get_attribute("aria-pressed") == "true"
        ActionChains(browser).key_down(Keys.SHIFT).send_keys(Keys.ARROW_RIGHT).key_up(Keys.SHIFT).perform()
        assert chip_at(jon_id, 2).get_attribute("aria-pressed") == "true" and chip_at(jon_id, 0).get_attribute("aria-pressed") == "false"
        chip.send_keys("m")
        chip.send_keys(Keys.ARROW_RIGHT)
        assert "1 day later" in browser.find_element("id", "rotation-status").text
        old = browser.find_element("tag name", "html")
        chip.send_keys(Keys.ENTER)
        wait_for_new_page(browser, old)
        assert feed_events(base, jon)[uid] == ("2031-03-03", "2031-03-03"), "Jon's assignment keeps Monday"
        assert pieces(feed_events(base, jon)) == [("2031-03-05", "2031-03-06")], "and Tuesday and Wednesday are a day later"
        undo()

        # The board passes axe and, on a phone, scrolls within itself.
        serious = axe_problems(browser, BOARD)
        assert not serious, "\n".join(serious)
        browser.set_window_size(390, 844)
        browser.get(base + BOARD)
        assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth"), "no sideways scroll at 390 px"
        assert browser.execute_script("const s = document.querySelector('.rotation-scroll'); return s.scrollWidth > s.clientWidth"), \
            "the board scrolls within itself"
        browser.save_screenshot(os.path.join(ARTIFACTS, "rotation-board-390.png"))
    finally:
        # The assignment was the test's own: it leaves the demo firm as it found it.
        version = api(base, "GET", f"/api/v1/projects/{project}/assignments/{assignment}", token=admin)["version"]
        client.request(base, "DELETE", f"/api/v1/projects/{project}/assignments/{assignment}", token=admin,
                       headers={"If-Match": f'"{version}"'})
