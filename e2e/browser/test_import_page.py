"""The import page (issue 16, item 3) in a real browser: an account manager uploads
a Salesforce report export, reads the dry run, maps an unknown value and imports."""
import os
import tempfile
import uuid

from selenium.webdriver.support.ui import Select

from conftest import axe_problems, sign_in, submit


def upload(browser, base, kind, text):
    """Opens the import page, chooses the kind and the file, and checks it."""
    browser.get(base + "/imports")
    Select(browser.find_element("id", "import-kind")).select_by_value(kind)
    with tempfile.NamedTemporaryFile("w", suffix=".csv", delete=False) as f:
        f.write(text)
    try:
        browser.find_element("id", "import-file").send_keys(f.name)
        submit(browser, browser.find_element("css selector", "button[value=check]"))
    finally:
        os.unlink(f.name)


def test_an_account_manager_checks_maps_and_imports_a_salesforce_report(browser, base, console_allows):
    console_allows.append("Failed to load resource: the server responded with a status of 422")
    tag = uuid.uuid4().hex[:8]
    sign_in(browser, base, "ana.torres@demo.test")
    link = browser.find_element("css selector", "nav a[href='/imports']")
    submit(browser, link)
    assert browser.find_element("css selector", "h1").text == "Import"

    upload(browser, base, "accounts",
           "Account ID,Account Name,Website,Billing City,Employees\n"
           f"001Ui{tag}A,Import Test {tag},imp{tag}.example,Portland,40\n")
    counts = browser.find_element("id", "import-counts").text
    assert "1 rows, 1 without errors; 0 errors" in counts
    assert "Employees" in browser.find_element("css selector", "table.import-warnings").text, "the unused column is named"
    submit(browser, browser.find_element("css selector", "button[value=import]"))
    assert "Imported: 1 created" in browser.find_element("css selector", ".notice").text

    upload(browser, base, "opportunities",
           "Opportunity Name,Account ID,Stage,Close Date,Type\n"
           f"Deal {tag},001Ui{tag}A,Prospecting,12/1/2030,Partner Deal\n")
    errors = browser.find_element("css selector", "table.import-errors").text
    assert 'Kind "Partner Deal" is not one of new_business, expansion, renewal' in errors
    assert not browser.find_elements("css selector", "button[value=import]"), "no import while a row has an error"
    Select(browser.find_element("name", "mapTo0")).select_by_value("new_business")
    submit(browser, browser.find_element("css selector", "button[value=check]"))
    assert "0 errors" in browser.find_element("id", "import-counts").text
    submit(browser, browser.find_element("css selector", "button[value=import]"))
    assert "Imported: 1 created" in browser.find_element("css selector", ".notice").text


def test_the_import_page_and_its_report_pass_axe(browser, base):
    sign_in(browser, base, "morgan.reyes@demo.test", next_path="/imports")
    assert axe_problems(browser, "/imports") == []
    upload(browser, base, "contacts", "First Name,Last Name,Contact Role,Shoe Size\nAna,Axe,Chief Wizard,42\n")
    assert browser.find_elements("name", "mapTo0"), "the unknown role can be mapped"
    assert axe_problems(browser, "/imports") == []


def test_an_admin_imports_agreements_and_sites_from_the_page(browser, base, console_allows):
    """Issues 23 (item 6) and 24 (item 1) on the import page: agreements and client sites
    are checked, refused row by row, fixed and imported like the other kinds; a site
    file imported twice changes nothing the second time."""
    console_allows.append("Failed to load resource: the server responded with a status of 422")
    tag = uuid.uuid4().hex[:8]
    sign_in(browser, base, "admin@demo.test", next_path="/imports")
    kinds = [o.get_attribute("value") for o in Select(browser.find_element("id", "import-kind")).options]
    assert "agreements" in kinds and "sites" in kinds
    upload(browser, base, "accounts", f"externalId,name,domain\nAG{tag},Agreement Test {tag},ag{tag}.example\n")
    submit(browser, browser.find_element("css selector", "button[value=import]"))
    assert "Imported: 1 created" in browser.find_element("css selector", ".notice").text

    agreements = "account external id,start,end,mrr,auto-renew,owner\n" + f"AG{tag},2026-01-01,2099-12-31,1500.00,yes,Ana\n"
    upload(browser, base, "agreements", agreements)
    assert "The term must be at most 120 months" in browser.find_element("css selector", "table.import-errors").text
    assert not browser.find_elements("css selector", "button[value=import]"), "no import while a row has an error"
    upload(browser, base, "agreements", agreements.replace("2099-12-31", "2027-12-31"))
    assert "owner" in browser.find_element("css selector", "table.import-warnings").text, "the unused column is named"
    submit(browser, browser.find_element("css selector", "button[value=import]"))
    assert "Imported: 1 created" in browser.find_element("css selector", ".notice").text

    sites = ("account external id,site name,time zone,latitude,longitude,access notes,main\n"
             f"AG{tag},Head office,Europe/Brussels,91,4.352476,Badge at reception,yes\n"
             f"AG{tag},Warehouse,Europe/Brussels,51.2194,4.4025,,no\n")
    upload(browser, base, "sites", sites)
    assert "Latitude must be from -90 to 90" in browser.find_element("css selector", "table.import-errors").text
    fixed = sites.replace(",91,", ",50.846557,")
    for created, unchanged in (("2", "0"), ("0", "2")):
        upload(browser, base, "sites", fixed)
        assert "0 errors" in browser.find_element("id", "import-counts").text
        submit(browser, browser.find_element("css selector", "button[value=import]"))
        notice = browser.find_element("css selector", ".notice").text
        assert f"Imported: {created} created, 0 updated, {unchanged} unchanged" in notice, notice
