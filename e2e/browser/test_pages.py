"""The browser pages, driven in a real headless Chromium."""
import re

import pytest
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.support.ui import Select, WebDriverWait

from conftest import api, sign_in, submit




def test_signing_in_goes_back_to_the_page_asked_for(browser, base):
    browser.get(base + "/accounts")
    assert "/sign-in" in browser.current_url, "a signed-out visit is sent to sign in"
    browser.find_element("id", "email").send_keys("ana.torres@demo.test")
    browser.find_element("id", "password").send_keys("baton-demo")
    submit(browser, browser.find_element("css selector", "button[type=submit]"))
    assert browser.current_url.endswith("/accounts")
    assert browser.find_element("css selector", "h1").text == "Accounts"


def test_a_wrong_password_says_so_without_saying_which(browser, base, console_allows):
    console_allows.append("/sign-in - Failed to load resource: the server responded with a status of 401")
    sign_in(browser, base, "ana.torres@demo.test", password="not-the-password")
    assert "The email or the password is wrong." in browser.find_element("css selector", ".error").text


def test_an_account_manager_finds_an_account_and_logs_a_call(browser, base):
    sign_in(browser, base, "ana.torres@demo.test", next_path="/accounts")
    browser.find_element("id", "q").send_keys("wind")
    submit(browser, browser.find_element("css selector", "form.search button"))
    links = browser.find_elements("css selector", "table tbody a")
    assert links, "the search finds Ana's accounts"
    submit(browser, links[0])
    browser.find_element("id", "subject").send_keys("Called about the renewal")
    submit(browser, browser.find_element("css selector", "form.log button"))
    entries = browser.find_element("css selector", "ol.entries").text
    assert "Called about the renewal" in entries


def test_user_text_is_shown_not_run(browser, base):
    token = api(base, "POST", "/api/v1/sessions", {"email": "ana.torres@demo.test", "password": "baton-demo"})["token"]
    account = api(base, "POST", "/api/v1/accounts", {"name": "<script>document.title='pwned'</script><img src=x onerror=alert(1)>"},
                  token=token)
    sign_in(browser, base, "ana.torres@demo.test", next_path=f"/accounts/{account['id']}")
    heading = browser.find_element("css selector", "header.page h1").text
    assert "<script>" in heading, "the name is shown as text"
    assert browser.title != "pwned", "the script in the name did not run"
    assert browser.title.startswith("<script>"), "the title shows the name as text"
    try:
        browser.switch_to.alert
        raise AssertionError("the image's onerror ran")
    except NoAlertPresentException:
        pass


def test_a_form_post_without_its_csrf_token_is_refused(browser, base, console_allows):
    console_allows.append("/sign-out - Failed to load resource: the server responded with a status of 403")
    sign_in(browser, base, "ana.torres@demo.test")
    # Remove the hidden token from the sign-out form, then submit it.
    browser.execute_script("document.querySelector('form[action=\"/sign-out\"] input[name=csrf]').remove()")
    submit(browser, browser.find_element("css selector", "form[action='/sign-out'] button"))
    assert "Not allowed" in browser.find_element("css selector", "h1").text


def test_my_week_offers_the_calendar_link(browser, base):
    sign_in(browser, base, "ivy.chen@demo.test", next_path="/my-week")
    link = browser.find_element("link text", "Subscribe to my calendar").get_attribute("href")
    assert "/calendar/" in link and link.endswith(".ics")
    assert browser.find_elements("css selector", "table tbody tr"), "Ivy has work this week in the demo"


def test_the_pipeline_board_moves_a_card_and_asks_for_a_lost_reason(browser, base):
    sign_in(browser, base, "ana.torres@demo.test", next_path="/pipeline")
    columns = browser.find_elements("css selector", ".board .column")
    assert [c.find_element("css selector", "h2").text for c in columns][:2] == ["Prospecting", "Qualification"]
    card = browser.find_element("css selector", ".card-deal")
    card_id = card.get_attribute("data-id")
    # The moves sit in the card's one menu (issue 19); lost asks why in the board's dialog,
    # which takes no answer without a reason.
    card.find_element("css selector", "details.card-menu summary").click()
    card.find_element("css selector", ".move a.lost").click()
    dialog = browser.find_element("id", "lost-dialog")
    WebDriverWait(browser, 5).until(lambda _: dialog.get_attribute("open") is not None)
    dialog.find_element("css selector", "button[type=submit]").click()
    assert browser.execute_script("return document.getElementById('lost-dialog-reason').validity.valueMissing")
    assert browser.find_elements("css selector", f".card-deal[data-id='{card_id}']"), "nothing was sent"
    Select(browser.find_element("id", "lost-dialog-reason")).select_by_value("Chose a competitor")
    submit(browser, dialog.find_element("css selector", "button[type=submit]"))
    assert not browser.find_elements("css selector", f".card-deal[data-id='{card_id}']"), "a lost deal leaves the board"


def test_an_opportunity_page_shows_its_stage_path_team_and_history(browser, base):
    sign_in(browser, base, "ana.torres@demo.test", next_path="/pipeline")
    link = browser.find_element("css selector", ".card-deal strong a")
    name = link.text
    submit(browser, link)
    assert browser.find_element("css selector", "header.page h1").text == name
    current = browser.find_element("css selector", "ol.path li.current")
    assert current.get_attribute("aria-current") == "step"
    assert browser.find_elements("css selector", "section.timeline tbody tr"), "the history has the stage moves"
    assert "Ana Torres" in browser.find_element("css selector", "section.linked").text


def test_a_project_manager_checks_the_checklist_on_the_project_page(browser, base):
    sign_in(browser, base, "felix.braun@demo.test", next_path="/projects/2")
    assert browser.find_elements("css selector", "section.timeline tbody tr"), "the phases are listed"
    buttons = [b for b in browser.find_elements("css selector", "ul.checklist button") if b.text == "Check"]
    if buttons:
        submit(browser, buttons[0])
    assert "by Felix Braun" in browser.find_element("css selector", "ul.checklist").text


def test_the_reports_draw_charts_above_the_same_numbers(browser, base):
    sign_in(browser, base, "morgan.reyes@demo.test", next_path="/reports")
    assert browser.find_element("css selector", ".advice").text, "the growth advice in plain words"
    drawn = browser.execute_script("return typeof Chart !== 'undefined' && Chart.getChart('forecast-chart') !== undefined")
    assert drawn, "Chart.js from Debian draws the forecast"
    rows = browser.find_elements("css selector", "section table tbody tr")
    assert any("Ana Torres" in r.text for r in rows), "the table holds the same people as the chart"


def test_a_manager_reads_a_statement_with_every_step(browser, base):
    # Locking the period, behind its confirmation, is in test_bonus_pages.py.
    sign_in(browser, base, "priya.shah@demo.test", next_path="/bonus")
    runs = browser.find_elements("css selector", "section")
    assert runs, "the demo has bonus runs"
    submit(browser, runs[0].find_element("css selector", "table a"))
    assert "How the payout is worked out" in browser.page_source
    assert browser.find_elements("css selector", "ol li"), "every step of the arithmetic is spelled out"


def test_a_reviewer_sends_a_proposal_back_and_sales_edits_it_with_live_totals(browser, base):
    sign_in(browser, base, "grace.kim@demo.test")
    reviews = browser.find_elements("css selector", "a[href^='/proposals/']")
    assert reviews, "Grace has a proposal to review in the demo"
    submit(browser, reviews[0])
    url = browser.current_url
    assert browser.find_elements("css selector", ".linked table tbody tr"), "the capacity check is beside it"
    browser.find_element("id", "comment").send_keys("Start a week later")
    submit(browser, browser.find_element("xpath", "//button[text()='Send back']"))
    assert "draft" in browser.find_element("css selector", "h1 .status").text.lower()
    assert "return: Start a week later" in browser.page_source

    browser.delete_all_cookies()
    sign_in(browser, base, "erin.walsh@demo.test", next_path=url.replace(base, ""))
    quantity = browser.find_element("css selector", "input[name=quantity0]")
    price = float(browser.find_element("css selector", "input[name=unitPrice0]").get_attribute("value"))
    quantity.clear()
    quantity.send_keys("2")
    line_total = browser.find_element("css selector", "tr.line .line-total").text
    assert float(line_total.replace(",", "")) == round(2 * price, 2), "the line total follows as you type"
    submit(browser, browser.find_element("xpath", "//button[text()='Save lines']"))
    assert float(browser.find_element("css selector", "tr.line .line-total").text.replace(",", "")) == round(2 * price, 2), "and is saved exactly"


# Issue 19, item 7, as a reader sees it: every page each role opens in a day, drawn by
# the browser, says a day as "5 Dec 2026" and a stored key as words. The text nodes a
# person can read (not scripts, styles, an identifier shown in <code>, nor an input's
# value, where a date box holds ISO by HTML's rule) and the charts' labels are scanned.
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
SNAKE_KEY = re.compile(r"\b[a-z]+_[a-z_]+\b")
# Stored keys that are one plain word: a text that is exactly one of these is a leak.
ONE_WORD_KEYS = {"pipeline", "commit", "closed", "omitted", "expansion", "renewal", "prospect", "active", "former",
                 "influencer", "technical", "billing", "vacation", "sick", "pending", "approved", "declined", "cancelled",
                 "draft", "submitted", "returned", "sent", "accepted", "expired", "superseded", "planned", "completed",
                 "computed", "qualification", "prospecting", "negotiation"}
READER_PAGES = {
    "admin@demo.test": ["/", "/accounts", "/accounts/1", "/opportunities", "/opportunities?status=all", "/contacts", "/pipeline",
                        "/pipeline?period=all", "/opportunities/1", "/proposals/1", "/projects", "/projects/1",
                        "/projects/1/staffing", "/projects/1/budget", "/resources", "/tasks", "/notifications", "/reports",
                        "/reports/pipeline", "/reports/sales-performance", "/reports/delivery", "/reports/growth",
                        "/reports/profitability", "/reports/recurring-revenue", "/agreements", "/bonus", "/time-off",
                        "/time-off/approvals", "/timesheet", "/my-week", "/search?q=ana", "/admin", "/admin/people",
                        "/admin/people/2/calendar", "/admin/holidays", "/admin/holidays/1", "/admin/stages",
                        "/admin/quotas", "/admin/bonus-plans", "/admin/bonus-plans/1", "/admin/settings", "/imports", "/rotation"],
    "morgan.reyes@demo.test": ["/", "/opportunities", "/pipeline", "/reports", "/reports/sales-performance", "/time-off/approvals",
                               "/timesheet", "/bonus", "/tasks"],
    "ana.torres@demo.test": ["/", "/accounts", "/accounts/1", "/opportunities", "/contacts", "/pipeline", "/opportunities/1",
                             "/tasks", "/my-week", "/time-off", "/timesheet", "/agreements", "/reports"],
}

READABLE_TEXT = """
const texts = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
for (let node = walker.nextNode(); node; node = walker.nextNode()) {
  if (node.parentElement.closest("script, style, code, noscript, template")) continue;
  const text = node.textContent.trim();
  if (text) texts.push(text);
}
for (const element of document.querySelectorAll("[title], [aria-label], [placeholder]")) {
  for (const name of ["title", "aria-label", "placeholder"]) {
    const value = element.getAttribute(name);
    if (value) texts.push(value.trim());
  }
}
for (const canvas of document.querySelectorAll("canvas[data-spec]")) {
  try {
    const spec = JSON.parse(canvas.dataset.spec);
    for (const label of spec.labels || []) texts.push(String(label));
    for (const series of spec.series || []) texts.push(String(series.label || ""));
  } catch (e) { texts.push("unreadable chart spec on " + canvas.id); }
}
return texts;
"""


def raw_values(texts):
    found = []
    for text in texts:
        if ISO_DATE.search(text):
            found.append(("a plain ISO date", text))
        elif SNAKE_KEY.search(text) and not re.search(r"[@/.]", text):
            found.append(("a stored key", text))
        elif text in ONE_WORD_KEYS:
            found.append(("a stored key", text))
    return found


@pytest.mark.parametrize("email", sorted(READER_PAGES))
def test_no_page_shows_a_plain_iso_date_or_a_stored_key(browser, base, email, console_allows):
    console_allows.append("status of 404")  # a demo record a role cannot see is a 404 page, read too
    sign_in(browser, base, email)

    def readable(path):
        browser.get(base + path)
        return browser.execute_script(READABLE_TEXT)

    problems = sorted({f"{path}: {what}: {text[:120]}" for path in READER_PAGES[email] for what, text in raw_values(readable(path))})
    assert not problems, f"{len(problems)} raw values as {email}:\n" + "\n".join(problems)


def test_the_reader_check_finds_what_the_issue_saw():
    assert raw_values(["Closes 2026-12-05", "closed_lost", "expansion"]) == [
        ("a plain ISO date", "Closes 2026-12-05"), ("a stored key", "closed_lost"), ("a stored key", "expansion")]
    assert raw_values(["5 Dec 2026", "Closed lost", "Expansion", "ana.torres@demo.test"]) == []
