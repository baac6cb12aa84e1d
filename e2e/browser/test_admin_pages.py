"""The projects list and the admin pages, driven in a real headless Chromium.

Every test makes its own records (new names) or changes nothing, so that the other
tests, run after these in the same server, find the demo firm as it was."""
import client
import uuid

from selenium.webdriver.support.ui import Select

from conftest import api_response as api, sign_in, submit, token_for






def fresh():
    return uuid.uuid4().hex[:8]


def new_person(base, admin, name, manager_email=None, roles=("consultant",)):
    """A person of this test's own, made through the API."""
    body = {"email": f"{name.lower().replace(' ', '.')}@admin-test.example", "name": name, "roles": list(roles)}
    if manager_email:
        people = api(base, "GET", "/api/v1/users?limit=500", token=admin)[0]["items"]
        body["managerId"] = next(p["id"] for p in people if p["email"] == manager_email)
    return api(base, "POST", "/api/v1/users", body, token=admin)[0]


def text(browser, css):
    return browser.find_element("css selector", css).text


def type_into(browser, element_id, value):
    field = browser.find_element("id", element_id)
    field.clear()
    field.send_keys(value)


def test_an_admin_adds_a_person_with_a_role_and_a_skill_who_then_signs_in(browser, base):
    suffix = fresh()
    name, email, password = f"Quinn Tester {suffix}", f"quinn.{suffix}@admin-test.example", f"pass-{suffix}-word"
    sign_in(browser, base, "admin@demo.test", next_path="/admin/people")
    type_into(browser, "f-name", name)
    type_into(browser, "f-email", email)
    browser.find_element("id", "f-roles_project_manager").click()
    Select(browser.find_element("id", "f-managerId")).select_by_visible_text("Priya Shah")
    type_into(browser, "f-weeklyCapacityHours", "32")
    type_into(browser, "f-password", password)
    submit(browser, browser.find_element("xpath", "//button[text()='Add person']"))
    assert text(browser, "header.page h1") == name
    assert text(browser, ".notice") == "Added."
    person_id = int(browser.current_url.split("/admin/people/")[1].split("?")[0])

    # A skill with its level, then one more role.
    type_into(browser, "s-skill_0", "security")
    Select(browser.find_element("id", "s-level_0")).select_by_value("4")
    submit(browser, browser.find_element("xpath", "//button[text()='Save skills']"))
    assert text(browser, ".notice") == "Saved."
    assert browser.find_element("id", "s-skill_0").get_attribute("value") == "security"
    browser.find_element("id", "f-roles_sales").click()
    submit(browser, browser.find_element("xpath", "//button[text()='Save']"))
    assert text(browser, ".notice") == "Saved."
    assert browser.find_element("id", "f-roles_sales").is_selected()

    person = api(base, "GET", f"/api/v1/users/{person_id}", token=token_for(base, "admin@demo.test"))[0]
    assert person["roles"] == ["sales", "project_manager", "consultant"]
    assert person["skills"] == [{"skill": "security", "level": 4}]
    assert person["weeklyCapacityHours"] == "32"

    # The new person signs in with the initial password.
    browser.delete_all_cookies()
    sign_in(browser, base, email, password=password)
    assert text(browser, ".me .who") == name
    assert "/sign-in" not in browser.current_url


def test_an_invalid_form_shows_each_fields_message_and_keeps_the_input(browser, base, console_allows):
    console_allows.append("the server responded with a status of 422")
    sign_in(browser, base, "admin@demo.test", next_path="/admin/people")
    type_into(browser, "f-name", "Keep What I Typed")
    type_into(browser, "f-email", "not-an-email")
    type_into(browser, "f-weeklyCapacityHours", "400")
    submit(browser, browser.find_element("xpath", "//button[text()='Add person']"))
    assert "Email must look like name@example.com" in text(browser, "#f-email-error")
    assert "between 0 and 168 hours" in text(browser, "#f-weeklyCapacityHours-error")
    assert browser.find_element("id", "f-email").get_attribute("aria-invalid") == "true"
    assert browser.find_element("id", "f-name").get_attribute("value") == "Keep What I Typed"
    assert browser.find_element("id", "f-email").get_attribute("value") == "not-an-email"
    assert browser.find_element("id", "f-weeklyCapacityHours").get_attribute("value") == "400"

    # A bonus plan's tiers are checked by the API's own rules, each message beside its box.
    admin = token_for(base, "admin@demo.test")
    plan = api(base, "GET", "/api/v1/bonus-plans", token=admin)[0]["items"][0]
    browser.get(f"{base}/admin/bonus-plans/{plan['id']}")
    type_into(browser, "f-threshold", "-1")
    type_into(browser, "f-tier_to_1", "9")
    submit(browser, browser.find_element("xpath", "//button[text()='Save plan']"))
    assert "Threshold must be 0 or more" in text(browser, "#f-threshold-error")
    assert "The last tier must have no upper bound" in text(browser, "#f-tier_to_1-error")
    assert browser.find_element("id", "f-tier_to_1").get_attribute("value") == "9"
    after = api(base, "GET", f"/api/v1/bonus-plans/{plan['id']}", token=admin)[0]
    assert after == plan, "nothing of the refused plan was saved"


def test_a_stage_edit_shows_on_the_pipeline_board(browser, base, console_allows):
    console_allows.append("the server responded with a status of 409")
    suffix = fresh()
    key, name, renamed = f"t_{suffix}", f"Trial {suffix}", f"Shortlisted {suffix}"
    sign_in(browser, base, "admin@demo.test", next_path="/admin/stages")
    type_into(browser, "f-key", key)
    type_into(browser, "f-name", name)
    type_into(browser, "f-order", "55")  # after negotiation, before the closed stages
    type_into(browser, "f-probability", "85")
    Select(browser.find_element("id", "f-forecastCategory")).select_by_value("commit")
    submit(browser, browser.find_element("xpath", "//button[text()='Add stage']"))
    assert text(browser, ".notice") == "Added."
    submit(browser, browser.find_element("link text", name))
    type_into(browser, "f-name", renamed)
    submit(browser, browser.find_element("xpath", "//button[text()='Save']"))
    assert text(browser, "header.page h1") == renamed

    browser.get(base + "/pipeline")
    columns = [h.text for h in browser.find_elements("css selector", ".board .column h2")]
    assert renamed in columns and name not in columns
    assert columns[:2] == ["Prospecting", "Qualification"]

    # A stage in use cannot be deleted: the API's message says why.
    browser.get(base + "/admin/stages/prospecting")
    submit(browser, browser.find_element("xpath", "//button[starts-with(text(), 'Delete')]"))
    assert "is in use by" in text(browser, ".admin-form .error")
    # This one is used by nothing, and goes.
    browser.get(f"{base}/admin/stages/{key}")
    submit(browser, browser.find_element("xpath", "//button[starts-with(text(), 'Delete')]"))
    assert text(browser, ".notice") == "Deleted."
    assert renamed not in browser.find_element("css selector", "table.stages").text


def test_a_manager_sets_a_quota_on_the_page_and_the_api_has_it(browser, base):
    admin = token_for(base, "admin@demo.test")
    person = new_person(base, admin, f"Quota Person {fresh()}", manager_email="morgan.reyes@demo.test", roles=("account_manager",))
    sign_in(browser, base, "morgan.reyes@demo.test", next_path="/admin/quotas?period=2031-Q2")
    people = browser.find_element("css selector", "table.quotas").text
    assert person["name"] in people and "Ivy Chen" not in people, "a manager sets quotas of their own line only"
    cell = f"t-q-{person['id']}-expansion"
    type_into(browser, cell, "45,000")
    submit(browser, browser.find_element("id", "save-quotas"))
    assert text(browser, ".notice") == "Saved."
    assert browser.find_element("id", cell).get_attribute("value") == "45,000.00"
    quotas = api(base, "GET", f"/api/v1/quotas?periodKey=2031-Q2&userId={person['id']}", token=admin)[0]["items"]
    assert [(q["metric"], q["target"]) for q in quotas] == [("expansion", "45000.00")]

    # Changed again on the page: the same quota, a new target.
    type_into(browser, cell, "47500.50")
    submit(browser, browser.find_element("id", "save-quotas"))
    quotas = api(base, "GET", f"/api/v1/quotas?periodKey=2031-Q2&userId={person['id']}", token=morgan_token(base))[0]["items"]
    assert [(q["metric"], q["target"], q["version"]) for q in quotas] == [("expansion", "47500.50", 2)]


def morgan_token(base):
    return token_for(base, "morgan.reyes@demo.test")


def test_a_stale_edit_shows_theirs_next_to_mine_and_saves_nothing(browser, base, console_allows):
    console_allows.append("the server responded with a status of 409")
    admin = token_for(base, "admin@demo.test")
    person = new_person(base, admin, f"Stale Person {fresh()}")
    sign_in(browser, base, "admin@demo.test", next_path=f"/admin/people/{person['id']}")
    # Someone else saves a change while the page is open.
    api(base, "PATCH", f"/api/v1/users/{person['id']}", {"name": "Their Name", "weeklyCapacityHours": "30"}, token=admin,
        headers={"If-Match": f'"{person["version"]}"'})
    type_into(browser, "f-name", "My Name")
    submit(browser, browser.find_element("xpath", "//button[text()='Save']"))
    conflict = browser.find_element("css selector", ".conflict")
    assert "nothing of yours was saved" in conflict.text
    name_row = conflict.find_element("xpath", ".//tr[th='Name']")
    assert name_row.find_element("css selector", ".theirs").text == "Their Name"
    assert name_row.find_element("css selector", ".mine").text == "My Name"
    capacity_row = conflict.find_element("xpath", ".//tr[th='Weekly capacity']")
    assert (capacity_row.find_element("css selector", ".theirs").text, capacity_row.find_element("css selector", ".mine").text) == ("30", "40")
    assert browser.find_element("id", "f-name").get_attribute("value") == "My Name", "what I typed is kept"
    saved = api(base, "GET", f"/api/v1/users/{person['id']}", token=admin)[0]
    assert (saved["name"], saved["weeklyCapacityHours"], saved["version"]) == ("Their Name", "30", person["version"] + 1)

    # Saving again, knowingly, replaces theirs.
    submit(browser, browser.find_element("xpath", "//button[text()='Save']"))
    assert text(browser, ".notice") == "Saved."
    assert api(base, "GET", f"/api/v1/users/{person['id']}", token=admin)[0]["name"] == "My Name"


def test_an_account_manager_is_not_allowed_in_admin(browser, base, console_allows):
    console_allows.append("the server responded with a status of 403")
    sign_in(browser, base, "ana.torres@demo.test", next_path="/admin")
    assert text(browser, "h1") == "Not allowed"
    browser.get(base + "/admin/stages")
    assert text(browser, "h1") == "Not allowed"
    try:
        api(base, "POST", "/api/v1/pipeline-stages", {"key": "x"}, token=token_for(base, "ana.torres@demo.test"))
        raise AssertionError("the API lets her in")
    except client.Refused as e:
        assert e.status == 403, "the page refuses as the API does"


def test_a_consultant_sees_only_their_projects(browser, base):
    ivy = token_for(base, "ivy.chen@demo.test")
    theirs = {p["id"] for p in api(base, "GET", "/api/v1/projects?limit=500", token=ivy)[0]["items"]}
    everyone = {p["id"] for p in api(base, "GET", "/api/v1/projects?limit=500", token=token_for(base, "admin@demo.test"))[0]["items"]}
    assert theirs and theirs < everyone, "the demo gives Ivy some projects, not all"
    sign_in(browser, base, "ivy.chen@demo.test", next_path="/projects")
    rows = browser.find_elements("css selector", "table.projects-list tbody tr")
    assert {int(r.get_attribute("data-id")) for r in rows} == theirs
    assert all(r.find_element("css selector", "progress") for r in rows)

    # The status filter is a plain GET form.
    browser.delete_all_cookies()
    sign_in(browser, base, "admin@demo.test", next_path="/projects")
    Select(browser.find_element("id", "status")).select_by_value("active")
    submit(browser, browser.find_element("css selector", "form.search button"))
    assert "status=active" in browser.current_url
    statuses = [e.text for e in browser.find_elements("css selector", "table.projects-list td .status")]
    assert statuses and set(statuses) == {"Active"}, "statuses in words (issue 19, item 7)"
    link = browser.find_element("css selector", "table.projects-list tbody a")
    name = link.text
    submit(browser, link)
    assert text(browser, "header.page h1") == name


def test_an_admin_makes_a_new_bonus_plan_from_an_existing_one(browser, base):
    admin = token_for(base, "admin@demo.test")
    plan = api(base, "GET", "/api/v1/bonus-plans", token=admin)[0]["items"][0]
    sign_in(browser, base, "admin@demo.test", next_path=f"/admin/bonus-plans/{plan['id']}")
    name = browser.find_element("id", "copy-name")
    name.clear()
    name.send_keys("Plan made on the page " + uuid.uuid4().hex[:6])
    wanted = name.get_attribute("value")
    submit(browser, browser.find_element("css selector", "form[action$='/copy'] button"))
    assert "/admin/bonus-plans/" in browser.current_url and browser.current_url.split("/")[-1].split("?")[0] != str(plan["id"])
    plans = api(base, "GET", "/api/v1/bonus-plans", token=admin)[0]["items"]
    made = [p for p in plans if p["name"] == wanted]
    assert len(made) == 1, "the API has the new plan once"
    assert made[0]["tiers"] == plan["tiers"] and made[0]["targetBonus"] == plan["targetBonus"]
