"""Issue 19, item 6, in a real browser: the board's compact cards keep their moves in
one menu (two tab stops a card), a card dropped on the lost zone, or marked lost from its
menu, asks why in the board's one dialog with the firm's reasons, the last move can be
undone, "all" shows every open deal, a period that is not understood is said, and the
menu and the dialog work from the keyboard alone."""
import uuid

from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import api, sign_in, submit, token_for

FOCUSABLE = "a[href], button, input:not([type=hidden]), select, textarea, summary"


def deal(base, token, tag, close="2031-05-20"):
    account = api(base, "POST", "/api/v1/accounts", {"name": f"Board {tag}"}, token=token)
    return api(base, "POST", "/api/v1/opportunities", {
        "accountId": account["id"], "name": f"Board deal {tag}", "stage": "qualification",
        "closeDate": close, "amount": "48000.00"}, token=token)["id"]


def drop(browser, card_id, zone_selector):
    """HTML5 drag and drop as the browser delivers it: a drop event carrying the card's id."""
    browser.execute_script("""
        const dt = new DataTransfer(); dt.setData('text/plain', arguments[0]);
        document.querySelector(arguments[1]).dispatchEvent(new DragEvent('drop', {dataTransfer: dt, bubbles: true, cancelable: true}));
    """, str(card_id), zone_selector)


def test_compact_cards_and_the_lost_zone_asks_why_then_undo(browser, base):
    ana = token_for(base, "ana.torres@demo.test")
    tag = uuid.uuid4().hex[:6]
    deal_id = deal(base, ana, tag)
    sign_in(browser, base, "ana.torres@demo.test", next_path="/pipeline?period=all")
    assert "Showing every open deal" in browser.find_element("id", "period-hint").text
    card = browser.find_element("css selector", f".card-deal[data-id='{deal_id}']")
    text = card.text
    for fact in (f"Board deal {tag}", f"Board {tag}", "48,000.00", "20 May 2031", "AT", "d in stage"):
        assert fact in text, fact
    stops = [e for e in card.find_elements("css selector", FOCUSABLE) if e.is_displayed()]
    assert len(stops) == 2, "the deal's link and its menu: two tab stops"
    # The board scrolls within itself: the page is no wider than the window.
    assert browser.execute_script("return document.documentElement.scrollWidth <= window.innerWidth")

    drop(browser, deal_id, ".drop-zone.lost")
    dialog = browser.find_element("id", "lost-dialog")
    WebDriverWait(browser, 5).until(lambda _: dialog.get_attribute("open") is not None)
    assert f"Board deal {tag}" in dialog.text
    Select(browser.find_element("id", "lost-dialog-reason")).select_by_value("__other")
    browser.find_element("id", "lost-dialog-other").send_keys("Went in-house")
    submit(browser, dialog.find_element("css selector", "button[type=submit]"))
    assert not browser.find_elements("css selector", f".card-deal[data-id='{deal_id}']"), "a lost deal leaves the board"
    stored = api(base, "GET", f"/api/v1/opportunities/{deal_id}", token=ana)
    assert (stored["stage"], stored["lostReason"]) == ("closed_lost", "Went in-house")

    undo = browser.find_element("css selector", "form#undo button")
    assert "back to Qualification" in undo.text
    submit(browser, undo)
    assert browser.find_elements("css selector", f".column[data-stage='qualification'] .card-deal[data-id='{deal_id}']")
    assert api(base, "GET", f"/api/v1/opportunities/{deal_id}", token=ana)["stage"] == "qualification"


def test_a_period_not_understood_is_said_and_the_menu_works_from_the_keyboard(browser, base):
    ana = token_for(base, "ana.torres@demo.test")
    tag = uuid.uuid4().hex[:6]
    deal_id = deal(base, ana, tag, close="2031-08-01")
    sign_in(browser, base, "ana.torres@demo.test", next_path="/pipeline?period=2031Q3")
    message = browser.find_element("id", "period-error").text
    assert '"2031Q3" is not a period' in message and "Showing this quarter" in message
    assert not browser.find_elements("css selector", f".card-deal[data-id='{deal_id}']")

    field = browser.find_element("id", "period")
    field.clear()
    field.send_keys("2031-Q3")
    submit(browser, browser.find_element("css selector", "form.search button[type=submit]"))
    assert not browser.find_elements("id", "period-error")
    summary = browser.find_element("css selector", f".card-deal[data-id='{deal_id}'] details.card-menu summary")
    browser.execute_script("arguments[0].focus()", summary)
    summary.send_keys(Keys.ENTER)
    move = browser.find_element("css selector", f".card-deal[data-id='{deal_id}'] .move button[value=proposal]")
    assert move.is_displayed(), "Enter opens the menu"
    move.send_keys(Keys.ENTER)
    WebDriverWait(browser, 10).until(lambda d: d.find_elements("css selector", f".column[data-stage='proposal'] .card-deal[data-id='{deal_id}']"))
    assert api(base, "GET", f"/api/v1/opportunities/{deal_id}", token=ana)["stage"] == "proposal"


def open_dialog(browser):
    dialog = browser.find_element("id", "lost-dialog")
    WebDriverWait(browser, 5).until(lambda _: dialog.get_attribute("open") is not None)
    return dialog


def ana_on_a_board_with_a_new_deal(browser, base, close):
    """Ana's token, the new deal's tag and id, and her board of the quarter it closes in."""
    ana = token_for(base, "ana.torres@demo.test")
    tag = uuid.uuid4().hex[:6]
    deal_id = deal(base, ana, tag, close=close)
    sign_in(browser, base, "ana.torres@demo.test", next_path="/pipeline?period=2031-Q2")
    return ana, tag, deal_id


def test_mark_lost_from_a_cards_menu_asks_why_in_the_one_dialog(browser, base):
    ana, tag, deal_id = ana_on_a_board_with_a_new_deal(browser, base, "2031-06-10")
    card = browser.find_element("css selector", f".card-deal[data-id='{deal_id}']")
    assert not card.find_elements("css selector", "select, form"), "a card carries no reason list and no form of its own"
    card.find_element("css selector", "details.card-menu summary").click()
    link = card.find_element("css selector", ".move a.lost")
    # Without JavaScript the link is the deal's page, where it is closed with a reason.
    assert link.get_attribute("href") == f"{base}/opportunities/{deal_id}#mark-lost"
    link.click()
    dialog = open_dialog(browser)
    assert f"Board deal {tag}" in dialog.text
    assert browser.find_element("id", "lost-dialog-form").get_attribute("action") == f"{base}/pipeline/{deal_id}/stage"
    Select(browser.find_element("id", "lost-dialog-reason")).select_by_value("Chose a competitor")
    submit(browser, dialog.find_element("css selector", "button[type=submit]"))
    assert not browser.find_elements("css selector", f".card-deal[data-id='{deal_id}']"), "a lost deal leaves the board"
    stored = api(base, "GET", f"/api/v1/opportunities/{deal_id}", token=ana)
    assert (stored["stage"], stored["lostReason"]) == ("closed_lost", "Chose a competitor")
    assert "back to Qualification" in browser.find_element("css selector", "form#undo button").text


def test_mark_lost_with_the_keyboard_alone(browser, base):
    ana, _, deal_id = ana_on_a_board_with_a_new_deal(browser, base, "2031-06-11")
    summary = browser.find_element("css selector", f".card-deal[data-id='{deal_id}'] details.card-menu summary")
    browser.execute_script("arguments[0].focus()", summary)
    keys = ActionChains(browser)

    def press(*pressed):
        for key in pressed:
            keys.send_keys(key)
        keys.perform()
        keys.reset_actions()

    def focused():
        return browser.switch_to.active_element

    def tab_to_the_lost_link():
        press(Keys.ENTER)  # opens the menu
        for _ in range(10):
            if focused().get_attribute("class") == "lost":
                return
            press(Keys.TAB)
        raise AssertionError("Tab never reached Mark lost in the open menu")

    tab_to_the_lost_link()
    press(Keys.ENTER)
    open_dialog(browser)
    assert focused().get_attribute("id") == "lost-dialog-reason", "the dialog starts at its reason"
    # Escape leaves the deal as it was and gives the focus back to the card's menu.
    press(Keys.ESCAPE)
    WebDriverWait(browser, 5).until(lambda _: browser.find_element("id", "lost-dialog").get_attribute("open") is None)
    assert focused() == summary
    assert api(base, "GET", f"/api/v1/opportunities/{deal_id}", token=ana)["stage"] == "qualification"

    tab_to_the_lost_link()
    press(Keys.ENTER)
    open_dialog(browser)
    press(Keys.ARROW_DOWN)  # the first of the firm's reasons
    reason = Select(browser.find_element("id", "lost-dialog-reason")).first_selected_option.get_attribute("value")
    assert reason not in ("", "__other")
    press(Keys.TAB, Keys.TAB)  # past "Other reason" to the dialog's button
    assert focused().get_attribute("type") == "submit"
    press(Keys.ENTER)
    WebDriverWait(browser, 10).until(lambda d: not d.find_elements("css selector", f".card-deal[data-id='{deal_id}']"))
    stored = api(base, "GET", f"/api/v1/opportunities/{deal_id}", token=ana)
    assert (stored["stage"], stored["lostReason"]) == ("closed_lost", reason)
