"""Global search (issue 19, item 3) in a real browser: the box is in the header of
every page, "/" puts the cursor in it, and the account manager finds a contact by the
phone number as people read it out."""
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from conftest import api, sign_in, submit, token_for, wait_for_next_page


def test_an_account_manager_finds_a_contact_by_phone_number(browser, base):
    token = token_for(base, "ana.torres@demo.test")
    contacts = api(base, "GET", "/api/v1/contacts?limit=50", token=token)["items"]
    contact = next(c for c in contacts if c.get("phone"))
    digits = "".join(ch for ch in contact["phone"] if ch.isdigit())
    typed = digits[-7:-4] + " " + digits[-4:]  # "555 0012", without the country code

    sign_in(browser, base, "ana.torres@demo.test", next_path="/accounts")
    ActionChains(browser).send_keys("/").perform()
    box = browser.switch_to.active_element
    assert box.get_attribute("id") == "global-search", "'/' puts the cursor in the header's search"
    page = browser.find_element("tag name", "html")
    box.send_keys(typed + Keys.ENTER)  # Enter submits the header's form
    wait_for_next_page(browser, page)
    group = browser.find_element("id", "search-contacts")
    assert group.find_element("tag name", "h2").text == "Contacts", "results are grouped by kind"
    names = [a.text for a in group.find_elements("css selector", "li a")]
    assert contact["name"] in names, f"{typed!r} finds {contact['name']} ({contact['phone']})"
    link = next(a for a in group.find_elements("css selector", "li a") if a.text == contact["name"])
    submit(browser, link)
    assert browser.current_url.endswith(f"/contacts/{contact['id']}"), "the contact opens its own page"
