"""Phones and keyboards (issue 19, item 10) in a real browser at 390 px wide: no main
page is wider than the screen, every amount of a list is on screen, the menu is
collapsed behind a button, and a skip link is the first thing the keyboard reaches."""
import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from conftest import sign_in

MAIN_PAGES = ["/", "/accounts", "/opportunities", "/contacts", "/contacts/1", "/proposals/1", "/pipeline", "/projects", "/my-week", "/time-off",
              "/reports", "/imports", "/notifications", "/admin", "/bonus"]


@pytest.fixture
def phone(browser):
    browser.set_window_size(390, 844)
    return browser


def widths(browser):
    return browser.execute_script(
        "return [document.documentElement.scrollWidth, window.innerWidth, document.body.scrollWidth]")


@pytest.mark.parametrize("path", MAIN_PAGES)
def test_no_main_page_is_wider_than_a_phone(phone, base, path):
    sign_in(phone, base, "admin@demo.test")
    phone.get(base + path)
    inner = phone.execute_script("return window.innerWidth")
    assert inner <= 420, "the window is phone-sized"
    document, _, body = widths(phone)
    assert document <= inner and body <= inner, f"{path} is {document}px wide on a {inner}px screen"


def test_every_amount_of_the_deals_list_is_on_screen(phone, base):
    sign_in(phone, base, "admin@demo.test")
    phone.get(base + "/opportunities?status=all")
    cells = phone.find_elements("css selector", "td[data-label=Amount]")
    assert cells, "the list has deals"
    inner = phone.execute_script("return window.innerWidth")
    for cell in cells[:20]:
        right = phone.execute_script("return arguments[0].getBoundingClientRect().right", cell)
        assert cell.is_displayed() and right <= inner, f"{cell.text} is cut off"
    assert phone.find_element("id", "list-total").is_displayed()


@pytest.mark.parametrize("path", ["/opportunities", "/accounts", "/contacts", "/projects"])
def test_a_lists_views_and_filters_fold_so_its_first_row_is_on_the_first_screen(phone, base, path):
    sign_in(phone, base, "admin@demo.test")
    phone.get(base + path + "?q=")  # a filter named but empty does not count as one on
    controls = phone.find_element("id", "list-controls")
    assert controls.get_attribute("open") is None, "the views and filters start folded on a phone"
    assert not phone.find_elements("id", "filters-on"), "no filter narrows the standard view"
    row = phone.find_element("css selector", "table.list tbody tr")
    top, bottom = phone.execute_script(
        "const r = arguments[0].getBoundingClientRect(); return [r.top, r.bottom]", row)
    assert bottom <= phone.execute_script("return window.innerHeight"), f"the first row ends at {bottom}px, below the first screen"
    assert row.find_element("css selector", "td").is_displayed()
    # Opened, the filters are there, and still no wider than the screen.
    controls.find_element("css selector", "summary").click()
    assert phone.find_element("css selector", "form.filters button[type=submit]").is_displayed()
    document, inner, body = widths(phone)
    assert document <= inner and body <= inner, f"{path} is {document}px wide with its filters open"


def test_a_filtered_list_says_how_many_filters_are_on_when_folded(phone, base):
    sign_in(phone, base, "admin@demo.test")
    phone.get(base + "/opportunities?status=all&kind=new_business")
    assert phone.find_element("id", "list-controls").get_attribute("open") is None
    assert phone.find_element("id", "filters-on").text == "· 2 filters on"
    # Widened past 800 px, the views and filters open beside the rows again.
    phone.set_window_size(1440, 900)
    assert phone.find_element("id", "list-controls").get_attribute("open") is not None
    assert phone.find_element("id", "view-name").is_displayed()


def test_the_menu_is_collapsed_behind_a_button_and_a_skip_link_comes_first(phone, base):
    sign_in(phone, base, "ana.torres@demo.test")
    phone.get(base + "/accounts")
    link = phone.find_element("css selector", "nav.side ul a[href='/pipeline']")
    assert not link.is_displayed(), "the menu starts closed on a phone"
    phone.find_element("css selector", "label.menu-button").click()
    assert link.is_displayed(), "the button opens it"

    phone.get(base + "/accounts")  # a fresh page: the keyboard starts at the top
    ActionChains(phone).send_keys(Keys.TAB).perform()
    focused = phone.switch_to.active_element
    assert focused.get_attribute("class") == "skip" and focused.is_displayed(), "the first tab shows the skip link"
    focused.send_keys(Keys.ENTER)
    assert phone.execute_script("return location.hash") == "#main"
