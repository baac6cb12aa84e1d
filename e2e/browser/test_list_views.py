"""Saved list views (issue 19, item 4) in a real browser: an account manager picks the
columns and the sort of the deals list, saves the view under a name, opens it from
beside the list and exports it; the CSV's rows are the page's rows. Screenshots at
1440 and 390 px, where the page is never wider than the screen."""
import csv
import io
import os
import uuid

from selenium.webdriver.support.ui import Select

import client
from conftest import ARTIFACTS, api, sign_in, submit, token_for


def shot(browser, name):
    os.makedirs(ARTIFACTS, exist_ok=True)
    browser.save_screenshot(os.path.join(ARTIFACTS, name + ".png"))


def csv_rows(base, path, cookie=None, token=None):
    reply = client.request(base, "GET", path, token=token, cookie=cookie)
    assert reply.status == 200, f"{path}: {reply.status}"
    return list(csv.reader(io.StringIO(reply.data.decode("utf-8"))))


def test_an_account_manager_saves_a_list_view_and_exports_it(browser, base):
    browser.set_window_size(1440, 900)
    sign_in(browser, base, "chloe.martin@demo.test", next_path="/opportunities")
    assert browser.find_element("css selector", "h1").text == "Deals"
    Select(browser.find_element("id", "status")).select_by_value("all")
    browser.find_element("css selector", "details.column-picker summary").click()
    browser.find_element("css selector", "input[name=col][value=kind]").click()  # hide Kind
    browser.find_element("css selector", "input[name=col][value=nextStep]").click()  # show Next step
    submit(browser, browser.find_element("css selector", "form.filters button[type=submit]"))
    headers = [th.text for th in browser.find_elements("css selector", "table.list thead th")]
    assert "Kind" not in headers and "Next step" in headers
    submit(browser, browser.find_element("link text", "Amount"))
    submit(browser, browser.find_element("link text", "Amount"))  # twice: largest first
    assert browser.find_element("css selector", "th[aria-sort=descending]").text.startswith("Amount")

    name = f"My deals by size {uuid.uuid4().hex[:6]}"
    browser.find_element("id", "view-name").send_keys(name)
    submit(browser, browser.find_element("css selector", "#save-view button[type=submit]"))
    current = browser.find_element("css selector", "#saved-views a[aria-current=page]")
    assert current.text == name, "the saved view is listed beside the list and is the one shown"
    assert "Next step" in [th.text for th in browser.find_elements("css selector", "table.list thead th")]

    # Open it again from another view: the same columns, sort and count.
    submit(browser, browser.find_element("link text", "All open deals"))
    submit(browser, browser.find_element("link text", name))
    count = browser.find_element("id", "list-count").text
    names = [td.text for td in browser.find_elements("css selector", "td[data-label=Deal]")]
    assert names, "the view has deals"
    shot(browser, "list-views-1440")

    # The CSV link: the shown columns, the view's rows in the page's order.
    cookie = browser.get_cookie("baton_session")["value"]
    href = browser.find_element("id", "list-csv").get_attribute("href")
    rows = csv_rows(base, href[len(base):] if href.startswith(base) else href, cookie=cookie)
    assert rows[0] == ["name", "account", "stage", "amount", "closeDate", "owner", "nextStep"]
    assert [r[0] for r in rows[1:len(names) + 1]] == names
    total = len(rows) - 1
    assert count == (f"{total} deals" if total != 1 else "1 deal")
    amounts = [float(r[3]) for r in rows[1:]]
    assert amounts == sorted(amounts, reverse=True)

    # The API exports the saved view as the same file.
    token = token_for(base, "chloe.martin@demo.test")
    views = api(base, "GET", "/api/v1/list-views?kind=opportunities", token=token)["items"]
    view = next(v for v in views if v["name"] == name)
    assert csv_rows(base, f"/api/v1/list-views/{view['id']}/export", token=token) == rows

    # On a phone: rows stack, nothing is wider than the screen.
    browser.set_window_size(390, 844)
    browser.refresh()
    inner = browser.execute_script("return window.innerWidth")
    width = browser.execute_script("return document.documentElement.scrollWidth")
    assert width <= inner, f"the list is {width}px wide on a {inner}px screen"
    shot(browser, "list-views-390")

    # Delete it from beside the list.
    browser.set_window_size(1440, 900)
    submit(browser, browser.find_element("css selector", f"button[aria-label='Delete the view {name}']"))
    assert name not in [a.text for a in browser.find_elements("css selector", ".list-views a")]


def test_the_accounts_and_projects_lists_filter_by_owner_and_manager(browser, base):
    sign_in(browser, base, "admin@demo.test", next_path="/accounts")
    owners = Select(browser.find_element("id", "owner"))
    owners.select_by_index(1)
    chosen = owners.first_selected_option.text
    submit(browser, browser.find_element("css selector", "form.filters button[type=submit]"))
    cells = {td.text for td in browser.find_elements("css selector", "td[data-label=Owner]")}
    assert cells == {chosen}
    assert browser.find_element("id", "list-count").text.endswith(("account", "accounts"))

    browser.get(base + "/projects?late=yes")
    assert browser.find_element("id", "late").is_selected()
    lates = {td.text for td in browser.find_elements("css selector", "td[data-label=Late]")}
    assert lates <= {"Yes"}
