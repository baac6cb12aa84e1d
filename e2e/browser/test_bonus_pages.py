"""The bonus run page in a real headless Chromium (issue 17): recompute, an adjustment
with its reason, one statement approved, and the lock behind a confirmation that names
the period, the people and the total. The demo's current quarter is a draft that has not
ended, so each approval here closes it early on purpose."""

from selenium.webdriver.support.ui import Select

from conftest import api, axe_problems, sign_in, submit, token_for


def open_current_run(browser, base):
    """Priya's draft run (the current quarter) from /bonus, by its 'Open the run' link."""
    sign_in(browser, base, "priya.shah@demo.test", next_path="/bonus")
    drafts = [s for s in browser.find_elements("css selector", "section") if "Draft" in s.text]
    assert drafts, "the current quarter is a draft in the demo"
    submit(browser, drafts[0].find_element("link text", "Open the run"))
    assert "/bonus-runs/" in browser.current_url
    return int(browser.current_url.rstrip("/").split("/")[-1])


def notice(browser):
    return browser.find_element("css selector", "p.notice").text


def row_of(browser, name):
    return next(r for r in browser.find_elements("css selector", "table.bonus-run tbody tr") if name in r.text)


def test_the_run_statement_confirmation_and_plan_pages_pass_axe(browser, base):
    run = open_current_run(browser, base)
    problems = axe_problems(browser, "run page")
    submit(browser, row_of(browser, "Felix Braun").find_element("css selector", "a"))
    assert "What if" in browser.page_source, "the statement offers a what-if over Felix's open phases"
    problems += axe_problems(browser, "statement page")
    browser.get(f"{base}/bonus-runs/{run}")
    submit(browser, browser.find_element("css selector", "form.lock button"))
    problems += axe_problems(browser, "lock confirmation")
    browser.delete_all_cookies()
    admin = token_for(base, "admin@demo.test")
    plan = api(base, "GET", "/api/v1/bonus-plans", token=admin)["items"][0]
    sign_in(browser, base, "admin@demo.test", next_path=f"/admin/bonus-plans/{plan['id']}")
    assert "Everyone reporting to Priya Shah" in browser.find_element("css selector", "section.plan-members").text
    problems += axe_problems(browser, "plan page")
    assert not problems, "\n".join(problems)


def test_a_manager_recomputes_adjusts_and_approves_one_statement_on_the_run_page(browser, base):
    run = open_current_run(browser, base)
    assert browser.find_element("link text", "Export the statements (CSV)").get_attribute("href").endswith(
        f"/bonus-runs/{run}/statements.csv")

    submit(browser, browser.find_element("css selector", "form.recompute button"))
    assert "Recomputed" in notice(browser)

    token = token_for(base, "priya.shah@demo.test")
    felix = next(s for s in api(base, "GET", f"/api/v1/bonus-runs/{run}", token=token)["statements"] if s["name"] == "Felix Braun")
    Select(browser.find_element("id", "adjust-user")).select_by_visible_text("Felix Braun")
    browser.find_element("id", "adjust-amount").send_keys("125.50")
    browser.find_element("id", "adjust-reason").send_keys("Covered the Friday cutover")
    submit(browser, browser.find_element("css selector", "form.adjustment button"))
    assert "Covered the Friday cutover" in notice(browser)
    after = next(s for s in api(base, "GET", f"/api/v1/bonus-runs/{run}", token=token)["statements"] if s["name"] == "Felix Braun")
    assert float(after["payout"]) == float(felix["payout"]) + 125.50, "the adjustment is in this run's statement"

    # One statement approved, early on purpose: the run stays a draft while the others wait.
    row = row_of(browser, "Felix Braun")
    row.find_element("css selector", "input[name=closeEarly]").click()
    submit(browser, row.find_element("css selector", "form.approve-statement button"))
    assert "Felix Braun approved." in notice(browser)
    assert "approved" in row_of(browser, "Felix Braun").text.lower()
    assert "waiting" not in row_of(browser, "Felix Braun").text
    assert api(base, "GET", f"/api/v1/bonus-runs/{run}", token=token)["status"] == "draft"


def test_the_lock_asks_for_a_confirmation_naming_the_period_the_people_and_the_total(browser, base):
    run = open_current_run(browser, base)
    token = token_for(base, "priya.shah@demo.test")
    shown = api(base, "GET", f"/api/v1/bonus-runs/{run}", token=token)
    period = shown["period"]
    total_text = browser.find_element("css selector", "table.bonus-run tfoot").text

    submit(browser, browser.find_element("css selector", "form.lock button"))
    assert browser.find_element("css selector", "h1").text == f"Approve {period}?"
    confirmation = browser.find_element("css selector", "section.confirm-lock").text
    for statement in shown["statements"]:
        assert statement["name"] in confirmation, f"{statement['name']} is named"
    total = browser.find_element("css selector", "section.confirm-lock .total").text
    assert total and total in total_text, "the total asked about is the run's total"
    assert period in browser.find_element("css selector", "section.confirm-lock button").text
    assert api(base, "GET", f"/api/v1/bonus-runs/{run}", token=token)["status"] == "draft", "asking changes nothing"

    # Cancel goes back, still a draft.
    submit(browser, browser.find_element("link text", "Cancel"))
    assert "/bonus-runs/" in browser.current_url

    # The period has not ended: the confirmation will not go without the early-close box.
    submit(browser, browser.find_element("css selector", "form.lock button"))
    browser.find_element("css selector", "section.confirm-lock button").click()
    assert "/bonus/" in browser.current_url and api(base, "GET", f"/api/v1/bonus-runs/{run}", token=token)["status"] == "draft", \
        "the browser refuses the form until the box is ticked"
    browser.find_element("css selector", "input[name=closeEarly]").click()
    submit(browser, browser.find_element("css selector", "section.confirm-lock button"))
    assert f"{period} is approved and locked." in notice(browser)
    locked = api(base, "GET", f"/api/v1/bonus-runs/{run}", token=token)
    assert locked["status"] == "approved" and locked["closedEarly"] is True

    browser.get(base + "/bonus")
    sections = [s for s in browser.find_elements("css selector", "section") if "Approved and locked" in s.text]
    assert len(sections) == 3, "two past quarters and this one are locked"
