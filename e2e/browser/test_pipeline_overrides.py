"""Issue 16, item 12, in a real browser: a board move that replaces a deal's
probability override says so above the board; ticking "keep my override" keeps it."""
import time
import uuid

from selenium.webdriver.common.keys import Keys

from conftest import api, sign_in, submit, token_for


def test_the_board_says_a_move_replaced_the_override_and_keeps_it_when_ticked(browser, base):
    ana = token_for(base, "ana.torres@demo.test")
    tag = uuid.uuid4().hex[:6]
    account = api(base, "POST", "/api/v1/accounts", {"name": f"Override board {tag}"}, token=ana)
    deals = {}
    for name in ("told", "kept"):
        deals[name] = api(base, "POST", "/api/v1/opportunities", {
            "accountId": account["id"], "name": f"{name} {tag}", "stage": "qualification",
            "closeDate": "2031-02-14", "amount": "1000.00", "probability": "35"}, token=ana)["id"]

    sign_in(browser, base, "ana.torres@demo.test", next_path="/pipeline?period=2031-Q1")
    card = browser.find_element("css selector", f".card-deal[data-id='{deals['told']}']")
    assert card.find_elements("css selector", "input[name^=keepOverride]"), "a card with an override offers to keep it"
    card.find_element("css selector", "details.card-menu summary").click()
    submit(browser, card.find_element("css selector", ".move button[value=proposal]"))
    notice = browser.find_element("css selector", "p[role=alert]").text
    assert f"told {tag}: Moving to Proposal replaced the probability override (35%) by the stage's 60%" in notice
    assert api(base, "GET", f"/api/v1/opportunities/{deals['told']}", token=ana)["probability"] == "60"

    card = browser.find_element("css selector", f".card-deal[data-id='{deals['kept']}']")
    card.find_element("css selector", "details.card-menu summary").click()
    card.find_element("css selector", "input[name^=keepOverride]").click()
    submit(browser, card.find_element("css selector", ".move button[value=proposal]"))
    assert not browser.find_elements("css selector", "p[role=alert]"), "a kept override needs no word"
    kept = api(base, "GET", f"/api/v1/opportunities/{deals['kept']}", token=ana)
    assert (kept["stage"], kept["probability"]) == ("proposal", "35")
    moved = browser.find_element("css selector", f".card-deal[data-id='{deals['kept']}']")
    assert moved.find_elements("css selector", "input[name^=keepOverride]"), "still overridden, still offered"


def test_enter_in_a_keep_box_moves_no_deal(browser, base):
    """The boxes sit in the board's one form: Enter in one must not send the form's first move."""
    ana = token_for(base, "ana.torres@demo.test")
    tag = uuid.uuid4().hex[:6]
    account = api(base, "POST", "/api/v1/accounts", {"name": f"Enter box {tag}"}, token=ana)
    deal_id = api(base, "POST", "/api/v1/opportunities", {
        "accountId": account["id"], "name": f"enter {tag}", "stage": "qualification",
        "closeDate": "2031-02-14", "amount": "1000.00", "probability": "35"}, token=ana)["id"]
    sign_in(browser, base, "ana.torres@demo.test", next_path="/pipeline?period=2031-Q1")
    first = browser.find_element("css selector", ".card-deal").get_attribute("data-id")
    before = {i: api(base, "GET", f"/api/v1/opportunities/{i}", token=ana)["stage"] for i in (first, deal_id)}
    card = browser.find_element("css selector", f".card-deal[data-id='{deal_id}']")
    card.find_element("css selector", "details.card-menu summary").click()
    card.find_element("css selector", "input[name^=keepOverride]").send_keys(Keys.ENTER)
    time.sleep(1)  # time for a submission, if Enter started one
    assert browser.current_url == base + "/pipeline?period=2031-Q1"
    assert {i: api(base, "GET", f"/api/v1/opportunities/{i}", token=ana)["stage"] for i in (first, deal_id)} == before
