"""The flows of PRODUCT.md end to end through the pages alone, in a real headless
Chromium: every record is made through the forms, with new names, so the demo data
the other tests rely on stays as it was."""
import calendar
import datetime
import time

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import api, sign_in, submit, token_for

RUN = str(int(time.time() * 1000))[-7:]
TODAY = datetime.date.today()
# The last day of this calendar quarter: a close date the board shows by default.
QUARTER_END = datetime.date(TODAY.year, (TODAY.month - 1) // 3 * 3 + 3,
                            calendar.monthrange(TODAY.year, (TODAY.month - 1) // 3 * 3 + 3)[1])






def switch_to(browser, base, email, path):
    browser.delete_all_cookies()
    sign_in(browser, base, email, next_path=path)


def fill(browser, field_id, text):
    field = browser.find_element(By.ID, field_id)
    field.clear()
    field.send_keys(text)


def set_date(browser, field_id, day):
    """A date input takes its value in the browser's own format when typed; setting
    it is what a date picker does."""
    browser.execute_script("arguments[0].value = arguments[1]", browser.find_element(By.ID, field_id), day.isoformat())


def choose(browser, field_id, text):
    Select(browser.find_element(By.ID, field_id)).select_by_visible_text(text)


def open_details(browser, details_id):
    details = browser.find_element(By.ID, details_id)
    if details.get_attribute("open") is None:
        details.find_element(By.TAG_NAME, "summary").click()
    return details


def path_of(browser, base):
    return browser.current_url.replace(base, "").split("#")[0]


def field_error(browser, field_id):
    """The message shown beside a field, tied to it by aria-describedby."""
    field = browser.find_element(By.ID, field_id)
    assert field.get_attribute("aria-invalid") == "true", f"{field_id} is marked invalid"
    return browser.find_element(By.ID, field.get_attribute("aria-describedby")).text


def drag(browser, card_id, stage):
    """Drags a board card onto a column: the events a mouse drag fires, dispatched
    in the page, so board.js moves the card by its own form."""
    page = browser.find_element(By.TAG_NAME, "html")
    browser.execute_script("""
        const card = document.querySelector(`.card-deal[data-id="${arguments[0]}"]`);
        const column = document.querySelector(`.column[data-stage="${arguments[1]}"]`);
        const data = new DataTransfer();
        card.dispatchEvent(new DragEvent("dragstart", {bubbles: true, dataTransfer: data}));
        column.dispatchEvent(new DragEvent("dragover", {bubbles: true, cancelable: true, dataTransfer: data}));
        column.dispatchEvent(new DragEvent("drop", {bubbles: true, cancelable: true, dataTransfer: data}));
    """, card_id, stage)
    WebDriverWait(browser, 10).until(lambda d: _gone(page))
    WebDriverWait(browser, 10).until(lambda d: d.execute_script("return document.readyState") == "complete")


def _gone(element):
    try:
        element.tag_name
        return False
    except Exception:
        return True


def new_account(browser, base, name, industry="Logistics"):
    """Logs a new account through the form on /accounts and lands on its page."""
    browser.get(base + "/accounts?new=account")  # "New account" opens the form (issue 19, item 5)
    fill(browser, "new-account-name", name)
    fill(browser, "new-account-industry", industry)
    fill(browser, "new-account-address-city", "Portland")
    fill(browser, "new-account-address-region", "OR")
    submit(browser, browser.find_element(By.XPATH, "//button[text()='Create account']"))
    assert browser.find_element(By.CSS_SELECTOR, "header.page h1").text == name
    return int(browser.current_url.rstrip("/").split("/")[-1])


def new_opportunity(browser, name, amount):
    open_details(browser, "new-opportunity")
    fill(browser, "opportunity-name", name)
    choose(browser, "opportunity-stage", "Prospecting")
    fill(browser, "opportunity-amount", amount)
    set_date(browser, "opportunity-closeDate", QUARTER_END)
    submit(browser, browser.find_element(By.XPATH, "//button[text()='Create opportunity']"))


def test_an_account_manager_logs_an_account_a_contact_and_an_opportunity_and_works_it_on_the_board(browser, base, console_allows):
    console_allows.append("the server responded with a status of 422")
    sign_in(browser, base, "ana.torres@demo.test", next_path="/accounts")
    name = f"Flowtest Freight {RUN}"
    account_id = new_account(browser, base, name)
    assert "Logistics" in browser.find_element(By.ID, "account-industry").get_attribute("value")

    # A contact, through the account page's form.
    open_details(browser, "new-contact")
    fill(browser, "contact-name", "Rosa Lindqvist")
    fill(browser, "contact-title", "Head of IT")
    fill(browser, "contact-email", f"rosa.{RUN}@flowtest.example")
    choose(browser, "contact-buyingRole", "Decision Maker")
    submit(browser, browser.find_element(By.XPATH, "//button[text()='Add contact']"))
    contacts = browser.find_element(By.CSS_SELECTOR, "ul.contacts").text
    assert "Rosa Lindqvist" in contacts and "Head of IT" in contacts

    # A bad value: the field's own message beside it, what was typed kept, nothing stored.
    deal = f"Network assessment {RUN}"
    new_opportunity(browser, deal, "-5")
    assert path_of(browser, base) == f"/accounts/{account_id}/opportunities"
    assert field_error(browser, "opportunity-amount") == "Amount must be zero or more"
    assert browser.find_element(By.ID, "opportunity-name").get_attribute("value") == deal
    assert browser.find_element(By.ID, "opportunity-amount").get_attribute("value") == "-5"
    assert browser.find_element(By.ID, "new-opportunity").get_attribute("open") is not None
    assert "No opportunities yet." in browser.find_element(By.CSS_SELECTOR, "section.linked").text
    fill(browser, "opportunity-amount", "24000")
    submit(browser, browser.find_element(By.XPATH, "//button[text()='Create opportunity']"))
    assert browser.find_element(By.CSS_SELECTOR, "header.page h1").text == deal
    opportunity_id = int(path_of(browser, base).split("/")[-1])
    assert browser.find_element(By.CSS_SELECTOR, "ol.path li.current").text.startswith("Prospecting")

    # Across the board by dragging: each drop is a move, kept in the history.
    browser.get(base + "/pipeline")
    for stage in ("qualification", "needs_analysis"):
        drag(browser, opportunity_id, stage)
        column = browser.find_element(By.CSS_SELECTOR, f".column[data-stage='{stage}']")
        assert column.find_elements(By.CSS_SELECTOR, f".card-deal[data-id='{opportunity_id}']"), f"the card is in {stage}"
    browser.get(base + f"/opportunities/{opportunity_id}")
    assert browser.find_element(By.CSS_SELECTOR, "ol.path li.current").text.startswith("Needs analysis")
    history = browser.find_element(By.CSS_SELECTOR, "section.timeline tbody").text
    assert "Qualification" in history and "Needs analysis" in history and "needs_analysis" not in history, "the stages by name"
    # The account page links it, and shows what the client has never bought.
    submit(browser, browser.find_element(By.LINK_TEXT, name))
    assert deal in browser.find_element(By.CSS_SELECTOR, "section.linked").text
    assert browser.find_elements(By.CSS_SELECTOR, "ul.white-space li"), "the white space lists the catalog it never bought"


def test_sales_and_a_project_manager_take_a_proposal_to_the_order_and_the_work_is_staffed_and_done(browser, base, console_allows):
    console_allows.append("the server responded with a status of 422")
    # A completion the checklist refuses is answered, like the API, with 409 and the page.
    console_allows.append("the server responded with a status of 409")
    # Sales logs the deal it will propose on.
    sign_in(browser, base, "dev.patel@demo.test", next_path="/accounts")
    client = f"Flowtest Works {RUN}"
    new_account(browser, base, client, industry="Manufacturing")
    deal = f"Network review {RUN}"
    new_opportunity(browser, deal, "30000")
    opportunity = path_of(browser, base)

    # The draft: a project manager to review it, a first line from the catalog.
    open_details(browser, "new-proposal")
    choose(browser, "proposal-reviewerId", "Felix Braun")
    choose(browser, "proposal-lines-0--typicalProjectId", "Network assessment (fixed fee)")
    set_date(browser, "proposal-proposedStart", TODAY)
    submit(browser, browser.find_element(By.XPATH, "//button[text()='Draft proposal']"))
    assert "draft" in browser.find_element(By.CSS_SELECTOR, "h1 .status").text.lower()
    proposal = path_of(browser, base)
    assert len(browser.find_elements(By.CSS_SELECTOR, "tr.line")) == 1
    first = float(browser.find_element(By.ID, "total").text.replace(",", ""))

    # Adding a line from the catalog; the totals follow as the quantity is typed.
    choose(browser, "add-line-typicalProjectId", "Security audit (fixed fee)")
    submit(browser, browser.find_element(By.XPATH, "//button[text()='Add line']"))
    rows = browser.find_elements(By.CSS_SELECTOR, "tr.line")
    assert [r.find_element(By.TAG_NAME, "td").text for r in rows] == ["Network assessment", "Security audit"]
    total = float(browser.find_element(By.ID, "total").text.replace(",", ""))
    price = float(browser.find_element(By.ID, "unitPrice1").get_attribute("value"))
    fill(browser, "quantity1", "2")
    assert float(rows[1].find_element(By.CSS_SELECTOR, ".line-total").text.replace(",", "")) == round(2 * price, 2)
    assert float(browser.find_element(By.ID, "total").text.replace(",", "")) == round(total + price, 2), "the total follows as you type"
    # A quantity that is not a number: its message beside it, the typed text kept.
    fill(browser, "quantity1", "two")
    submit(browser, browser.find_element(By.XPATH, "//button[text()='Save lines']"))
    assert field_error(browser, "quantity1") == "Quantity must be a number, like 12.5"
    assert browser.find_element(By.ID, "quantity1").get_attribute("value") == "two"
    fill(browser, "quantity1", "2")
    submit(browser, browser.find_element(By.XPATH, "//button[text()='Save lines']"))
    assert float(browser.find_element(By.ID, "total").text.replace(",", "")) == round(total + price, 2), "saved exactly"
    # Removing it again.
    submit(browser, browser.find_element(By.CSS_SELECTOR, "tr.line[data-index='1'] button.remove"))
    assert [r.find_element(By.TAG_NAME, "td").text for r in browser.find_elements(By.CSS_SELECTOR, "tr.line")] == ["Network assessment"]
    assert float(browser.find_element(By.ID, "total").text.replace(",", "")) == first
    submit(browser, browser.find_element(By.XPATH, "//button[text()='Submit for review']"))
    assert "in review" in browser.find_element(By.CSS_SELECTOR, "h1 .status").text.lower()

    # The reviewer checks the capacity beside it and approves.
    switch_to(browser, base, "felix.braun@demo.test", proposal)
    assert browser.find_elements(By.CSS_SELECTOR, ".linked table tbody tr"), "the capacity check is beside it"
    submit(browser, browser.find_element(By.XPATH, "//button[text()='Approve']"))
    assert "approved" in browser.find_element(By.CSS_SELECTOR, "h1 .status").text.lower()

    # Sales sends it and records the order.
    switch_to(browser, base, "dev.patel@demo.test", proposal)
    submit(browser, browser.find_element(By.XPATH, "//button[text()='Mark as sent']"))
    assert "sent" in browser.find_element(By.CSS_SELECTOR, "h1 .status").text.lower()
    assert browser.find_element(By.ID, "acceptedOn").get_attribute("value") == TODAY.isoformat()
    submit(browser, browser.find_element(By.XPATH, "//button[text()='Record acceptance']"))
    assert "accepted" in browser.find_element(By.CSS_SELECTOR, "h1 .status").text.lower()
    browser.get(base + opportunity)
    assert browser.find_element(By.CSS_SELECTOR, "ol.path li.current").text.startswith("Closed won")
    submit(browser, browser.find_element(By.CSS_SELECTOR, "ul.projects a"))
    project = path_of(browser, base)
    assert project.startswith("/projects/")
    assert "Felix Braun" in browser.find_element(By.CSS_SELECTOR, "header.page").text

    # The project manager staffs it from the suggestions.
    switch_to(browser, base, "felix.braun@demo.test", opportunity)
    submit(browser, browser.find_element(By.CSS_SELECTOR, "ul.projects a"))
    assert path_of(browser, base) == project
    ivy = [li for li in browser.find_elements(By.CSS_SELECTOR, ".suggestion li") if li.text.startswith("Ivy Chen")]
    assert ivy, "Ivy, the strongest network engineer, is suggested"
    assert ivy[0].find_elements(By.CSS_SELECTOR, "input[name=allowOverbook]"), "the API's choice to allow an overbooking"
    hours = ivy[0].find_element(By.CSS_SELECTOR, "input[name=hoursPerWeek]")
    hours.clear()
    hours.send_keys("4")
    # Her week already has client work and its travel (issue 24): the PM books her anyway.
    overbook = ivy[0].find_element(By.CSS_SELECTOR, "input[name=allowOverbook]")
    if not overbook.is_selected():
        overbook.click()
    submit(browser, ivy[0].find_element(By.XPATH, ".//button[text()='Assign']"))
    team = browser.find_element(By.CSS_SELECTOR, "ul.team").text
    assert "Ivy Chen" in team, browser.find_element(By.TAG_NAME, "main").text[:600]

    # The client's link: made with an end date, its address shown once, then revoked.
    set_date(browser, "link-expiresOn", TODAY + datetime.timedelta(days=60))
    submit(browser, browser.find_element(By.XPATH, "//button[text()='Create a link']"))
    url = browser.find_element(By.ID, "new-link-url").get_attribute("value")
    assert "/status/" in url
    assert "One link is live, until" in browser.find_element(By.CSS_SELECTOR, "section.linked").text
    browser.get(base + project)
    assert "/status/" not in browser.page_source, "the address is shown only once"
    browser.get(url)
    assert client in browser.page_source, "the client's page opens"
    browser.get(base + project)
    submit(browser, browser.find_element(By.XPATH, "//button[text()='Revoke every live link']"))
    assert "No live link" in browser.find_element(By.CSS_SELECTOR, "section.linked").text

    # The phases through the checklist: the last one waits for the required items.
    submit(browser, browser.find_elements(By.XPATH, "//section[@class='timeline']//button[text()='Complete']")[0])
    submit(browser, browser.find_elements(By.XPATH, "//section[@class='timeline']//button[text()='Complete']")[0])
    assert "Client signed the acceptance form" in browser.find_element(By.CSS_SELECTOR, "p.error").text
    for _ in range(5):
        required = [li for li in browser.find_elements(By.CSS_SELECTOR, "ul.checklist li")
                    if "(optional)" not in li.text and li.find_elements(By.XPATH, ".//button[text()='Check']")]
        if not required:
            break
        submit(browser, required[0].find_element(By.XPATH, ".//button[text()='Check']"))
    submit(browser, browser.find_elements(By.XPATH, "//section[@class='timeline']//button[text()='Complete']")[0])
    assert "completed" in browser.find_element(By.CSS_SELECTOR, "header.page p").text.lower()
    assert not browser.find_elements(By.XPATH, "//section[@class='timeline']//button[text()='Complete']")

    # The consultant sees where to show up this week.
    switch_to(browser, base, "ivy.chen@demo.test", "/my-week")
    assert client in browser.find_element(By.TAG_NAME, "main").text


def test_a_stale_save_shows_theirs_beside_mine_and_saving_mine_is_deliberate(browser, base, console_allows):
    console_allows.append("the server responded with a status of 409")
    token = token_for(base, "ana.torres@demo.test")
    account = api(base, "POST", "/api/v1/accounts", {"name": f"Flowtest Energy {RUN}", "industry": "Energy"}, token=token)
    sign_in(browser, base, "ana.torres@demo.test", next_path=f"/accounts/{account['id']}")
    assert browser.find_element(By.CSS_SELECTOR, "#details input[name=version]").get_attribute("value") == "1"

    # Someone else saves first.
    api(base, "PATCH", f"/api/v1/accounts/{account['id']}", {"industry": "Utilities"}, token=token, headers={"If-Match": '"1"'})
    fill(browser, "account-industry", "Solar")
    fill(browser, "account-address-city", "Eugene")
    submit(browser, browser.find_element(By.XPATH, "//button[text()='Save details']"))
    panel = browser.find_element(By.CSS_SELECTOR, "section.conflict")
    industry = panel.find_element(By.XPATH, ".//tr[th='Industry']")
    # Each side's value, marked when that side changed it (issue 19: only the fields each side changed).
    assert industry.find_element(By.CSS_SELECTOR, "td.theirs").text == "Utilities changed by them"
    assert industry.find_element(By.CSS_SELECTOR, "td.mine").text == "Solar changed by you"
    assert "differs" in industry.get_attribute("class")
    assert browser.find_element(By.ID, "account-industry").get_attribute("value") == "Solar", "mine is kept in the form"
    saved = api(base, "GET", f"/api/v1/accounts/{account['id']}", token=token)
    assert (saved["industry"], saved["version"]) == ("Utilities", 2), "nothing of mine was saved"

    # Saving mine over theirs is a choice, made with the version now current.
    assert browser.find_element(By.CSS_SELECTOR, "#details input[name=version]").get_attribute("value") == "2"
    submit(browser, browser.find_element(By.XPATH, "//button[text()='Save mine over theirs']"))
    assert not browser.find_elements(By.CSS_SELECTOR, "section.conflict")
    saved = api(base, "GET", f"/api/v1/accounts/{account['id']}", token=token)
    assert (saved["industry"], saved["address"]["city"], saved["version"]) == ("Solar", "Eugene", 3)


def test_error_pages_keep_the_real_status(browser, base, console_allows):
    console_allows.append("the server responded with a status of 404")
    sign_in(browser, base, "ana.torres@demo.test", next_path="/accounts/999999999")
    assert "Not found" in browser.find_element(By.TAG_NAME, "h1").text
    status = browser.execute_script("""
        return fetch("/proposals/999999999", {credentials: "same-origin"}).then(async r => [r.status, r.headers.get("content-type")]);
    """)
    assert status[0] == 404 and status[1].startswith("text/html"), "a page's error is a page, with its status"



def test_approving_a_locked_run_on_the_page_shows_the_apis_conflict(browser, base, console_allows):
    # One approve action, one answer: the page's 409 says what the API's says. A run
    # the demo already locked, so that nothing changes for the other tests.
    console_allows.append("the server responded with a status of 409")
    admin = token_for(base, "admin@demo.test")
    locked = [r for r in api(base, "GET", "/api/v1/bonus-runs", token=admin)["items"] if r["status"] == "approved"][0]
    sign_in(browser, base, "admin@demo.test", next_path=f"/bonus/{locked['id']}/{locked['statements'][0]['userId']}")
    assert not browser.find_elements("css selector", "form[action$='/approve']"), "a locked run offers no approval"
    # As a second tab would post it, from before the lock.
    browser.execute_script("""
        const form = document.createElement('form');
        form.method = 'post';
        form.action = arguments[0];
        const csrf = document.querySelector('input[name=csrf]').cloneNode();
        form.appendChild(csrf);
        document.body.appendChild(form);
        form.submit();
    """, f"/bonus/{locked['id']}/approve")
    WebDriverWait(browser, 5).until(lambda b: "Error 409" in b.page_source)
    assert f"Run {locked['id']} is already approved and locked." in browser.page_source
