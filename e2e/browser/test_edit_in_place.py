"""Issue 19, item 1, in a real browser: a deal's amount is edited on its page, a
stale save shows only the fields each side changed, the stage path's steps move the
deal, lost takes a reason from the firm's list, and a lost deal reopens; a contact's
phone is edited on its own page and found by it through the search; the proposal
header is edited in place."""
import random
import uuid

import pytest

from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from conftest import api, api_response, sign_in, submit, token_for, wait_for_next_page


def new_deal(base, token, tag):
    account = api(base, "POST", "/api/v1/accounts", {"name": f"In place {tag}"}, token=token)
    return api(base, "POST", "/api/v1/opportunities", {
        "accountId": account["id"], "name": f"In place deal {tag}", "stage": "qualification",
        "closeDate": "2031-04-30", "amount": "30000.00"}, token=token)["id"]


def test_the_amount_is_edited_on_the_deal_page_and_a_conflict_lists_only_what_changed(browser, base):
    ana = token_for(base, "ana.torres@demo.test")
    deal_id = new_deal(base, ana, uuid.uuid4().hex[:6])
    sign_in(browser, base, "ana.torres@demo.test", next_path=f"/opportunities/{deal_id}")
    amount = browser.find_element("id", "deal-amount")
    amount.clear()
    amount.send_keys("35,000")
    submit(browser, browser.find_element("css selector", "form#details button[type=submit]"))
    assert api(base, "GET", f"/api/v1/opportunities/{deal_id}", token=ana)["amount"] == "35000.00"

    # Someone else changes the next step while this page is open; my amount change conflicts.
    body, headers = api_response(base, "GET", f"/api/v1/opportunities/{deal_id}", token=ana)
    api(base, "PATCH", f"/api/v1/opportunities/{deal_id}", {"nextStep": "Call the CFO"}, token=ana,
        headers={"If-Match": headers.get("ETag")})
    amount = browser.find_element("id", "deal-amount")
    amount.clear()
    amount.send_keys("36000")
    submit(browser, browser.find_element("css selector", "form#details button[type=submit]"))
    panel = browser.find_element("css selector", "section.conflict")
    rows = [r.find_element("css selector", "th").text for r in panel.find_elements("css selector", "tbody tr")]
    assert rows == ["Amount", "Next step"], rows
    assert "changed by them" in panel.find_elements("css selector", "tbody tr")[1].text
    assert browser.find_element("id", "deal-nextStep").get_attribute("value") == "Call the CFO", "theirs where I changed nothing"
    submit(browser, browser.find_element("css selector", "form#details button[type=submit]"))
    saved = api(base, "GET", f"/api/v1/opportunities/{deal_id}", token=ana)
    assert (saved["amount"], saved["nextStep"]) == ("36000.00", "Call the CFO")


def test_the_stage_path_moves_the_deal_loses_it_with_a_listed_reason_and_reopens_it(browser, base):
    ana = token_for(base, "ana.torres@demo.test")
    deal_id = new_deal(base, ana, uuid.uuid4().hex[:6])
    sign_in(browser, base, "ana.torres@demo.test", next_path=f"/opportunities/{deal_id}")
    submit(browser, browser.find_element("css selector", "ol.path button[value=proposal]"))
    assert browser.find_element("css selector", "ol.path li.current").text.startswith("Proposal")

    browser.find_element("css selector", "details#mark-lost summary").click()
    Select(browser.find_element("id", "lost-reason")).select_by_value("Chose a competitor")
    submit(browser, browser.find_element("css selector", "details#mark-lost button[type=submit]"))
    assert "Chose a competitor" in browser.find_element("css selector", "section.fields").text
    assert api(base, "GET", f"/api/v1/opportunities/{deal_id}", token=ana)["stage"] == "closed_lost"

    Select(browser.find_element("id", "reopen-stage")).select_by_value("negotiation")
    submit(browser, browser.find_element("css selector", "form#reopen button"))
    reopened = api(base, "GET", f"/api/v1/opportunities/{deal_id}", token=ana)
    assert (reopened["stage"], reopened["lostReason"]) == ("negotiation", None)


@pytest.fixture
def console_allows():
    return ["409"]  # the conflict page is answered 409 Conflict, as the API's would be


def test_new_account_opens_its_form_and_warns_of_a_likely_duplicate(browser, base):
    ana = token_for(base, "ana.torres@demo.test")
    tag = uuid.uuid4().hex[:6]
    first = api(base, "POST", "/api/v1/accounts", {"name": f"Duplicate Check {tag} LLC", "domain": f"dup-{tag}.example"}, token=ana)
    sign_in(browser, base, "ana.torres@demo.test", next_path="/accounts")
    controls = [e for e in browser.find_elements("css selector", "a, button, summary") if e.text.strip() == "New account"]
    assert len(controls) == 1, "one New account control"
    submit(browser, controls[0])
    name = browser.find_element("id", "new-account-name")
    assert name.is_displayed(), "New account opens its form"
    name.send_keys(f"duplicate check {tag}")
    submit(browser, browser.find_element("css selector", "#new-account button[type=submit]"))
    warning = browser.find_element("id", "likely-duplicates")
    link = warning.find_element("link text", f"Duplicate Check {tag} LLC")
    assert link.get_attribute("href").endswith(f"/accounts/{first['id']}")
    browser.find_element("id", "create-anyway").click()
    submit(browser, browser.find_element("css selector", "#new-account button[type=submit]"))
    assert browser.find_element("css selector", "header.page h1").text == f"duplicate check {tag}"

    # The account page's New opportunity opens its folded form, ready to type in.
    browser.find_element("link text", "New opportunity").click()
    assert browser.find_element("id", "new-opportunity").get_attribute("open") is not None
    assert browser.switch_to.active_element.get_attribute("id") == "opportunity-name"


def new_contact(base, token, tag, phone="+1 555 0100"):
    account = api(base, "POST", "/api/v1/accounts", {"name": f"Contact page {tag}"}, token=token)
    return api(base, "POST", "/api/v1/contacts", {
        "accountId": account["id"], "name": f"Noor {tag}", "phone": phone, "title": "CFO"}, token=token)


def test_a_contacts_phone_is_edited_on_its_page_and_the_search_finds_it_by_that_phone(browser, base):
    ana = token_for(base, "ana.torres@demo.test")
    tag = uuid.uuid4().hex[:6]
    contact = new_contact(base, ana, tag)
    sign_in(browser, base, "ana.torres@demo.test", next_path=f"/accounts/{contact['accountId']}")
    submit(browser, browser.find_element("link text", contact["name"]))
    assert browser.current_url.endswith(f"/contacts/{contact['id']}"), "the account page links the contact's own page"
    assert browser.find_element("id", "contact-tel").get_attribute("href") == "tel:+15550100"

    number = str(random.randint(2000000, 9999999))
    phone = browser.find_element("id", "contact-phone")
    phone.clear()
    phone.send_keys(f"+44 20 {number[:3]} {number[3:]}")
    submit(browser, browser.find_element("css selector", "form#details button[type=submit]"))
    assert api(base, "GET", f"/api/v1/contacts/{contact['id']}", token=ana)["phone"] == f"+44 20 {number[:3]} {number[3:]}"

    # Found by the new number as it is read out, through the header's search, and opened.
    box = browser.find_element("id", "global-search")
    page = browser.find_element("tag name", "html")
    box.send_keys(f"{number[:3]} {number[3:]}" + Keys.ENTER)
    wait_for_next_page(browser, page)
    link = browser.find_element("css selector", "#search-contacts").find_element("link text", contact["name"])
    submit(browser, link)
    assert browser.current_url.endswith(f"/contacts/{contact['id']}")


def test_a_stale_contact_save_shows_only_the_fields_each_side_changed(browser, base):
    ana = token_for(base, "ana.torres@demo.test")
    contact = new_contact(base, ana, uuid.uuid4().hex[:6])
    sign_in(browser, base, "ana.torres@demo.test", next_path=f"/contacts/{contact['id']}")
    # Someone else retitles the contact while this page is open; my phone change conflicts.
    api(base, "PATCH", f"/api/v1/contacts/{contact['id']}", {"title": "CEO"}, token=ana, headers={"If-Match": '"1"'})
    phone = browser.find_element("id", "contact-phone")
    phone.clear()
    phone.send_keys("+1 555 0177")
    submit(browser, browser.find_element("css selector", "form#details button[type=submit]"))
    panel = browser.find_element("css selector", "section.conflict")
    rows = panel.find_elements("css selector", "tbody tr")
    assert [r.find_element("css selector", "th").text for r in rows] == ["Job title", "Phone"]
    assert "changed by them" in rows[0].text and "changed by you" in rows[1].text
    assert browser.find_element("id", "contact-title").get_attribute("value") == "CEO", "theirs where I changed nothing"
    submit(browser, browser.find_element("css selector", "form#details button[type=submit]"))
    saved = api(base, "GET", f"/api/v1/contacts/{contact['id']}", token=ana)
    assert (saved["phone"], saved["title"]) == ("+1 555 0177", "CEO")


def test_the_proposal_header_is_edited_in_place_while_a_draft(browser, base):
    ana = token_for(base, "ana.torres@demo.test")
    deal_id = new_deal(base, ana, uuid.uuid4().hex[:6])
    proposal = api(base, "POST", f"/api/v1/opportunities/{deal_id}/proposals", {
        "validUntil": "2031-05-31", "terms": "Net 30",
        "lines": [{"description": "Advice", "quantity": "2", "unit": "hour", "unitPrice": "150.00"}]}, token=ana)
    sign_in(browser, base, "ana.torres@demo.test", next_path=f"/proposals/{proposal['id']}")
    terms = browser.find_element("id", "proposal-terms")
    terms.clear()
    terms.send_keys("Net 45")
    discount = browser.find_element("id", "proposal-discountPercent")
    discount.clear()
    discount.send_keys("5")
    submit(browser, browser.find_element("css selector", "form#details button[type=submit]"))
    saved = api(base, "GET", f"/api/v1/proposals/{proposal['id']}", token=ana)
    assert (saved["terms"], saved["total"]) == ("Net 45", "285.00"), "the discount applies to the whole proposal"
    assert browser.find_element("id", "proposal-terms").get_attribute("value") == "Net 45"
