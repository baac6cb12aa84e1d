"""The report pages and the home page's quota and bonus, in a real headless Chromium:
each page's table says the same numbers as the API for the same parameters, a chart
is drawn above it, the pickers are plain GET forms, and a refused role gets the 403 page."""
import re
import urllib.parse
import urllib.request
from decimal import ROUND_HALF_UP, Decimal

from conftest import api, sign_in, submit, token_for

FORBIDDEN = "the server responded with a status of 403"






def number(text):
    """A shown figure as a Decimal: "USD 1,234.50" → 1234.50, "81.3%" → 81.3; "–" → None."""
    digits = re.sub(r"[^0-9.\-]", "", text.replace("–", ""))
    return Decimal(digits) if digits not in ("", "-", ".") else None


def money(value):
    return None if value is None else Decimal(value)


def percent(ratio):
    """The API's ratio ("0.8125") as the page writes it, in percent to one decimal."""
    return None if ratio is None else (Decimal(ratio) * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def to_places(value, places):
    """Rounded as Baton rounds: half away from zero (Python's HALF_UP)."""
    return None if value is None else Decimal(value).quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def table(browser, table_id):
    """The body rows of a table: the row header's text, then each cell's."""
    rows = []
    for tr in browser.find_elements("css selector", f"#{table_id} tbody tr"):
        header = tr.find_element("css selector", "th[scope=row]").text
        rows.append([header] + [td.text for td in tr.find_elements("css selector", "td")])
    return rows


def drawn(browser, canvas_id):
    return browser.execute_script(
        "return typeof Chart !== 'undefined' && Chart.getChart(arguments[0]) !== undefined", canvas_id)


def query(browser):
    return urllib.parse.parse_qs(urllib.parse.urlparse(browser.current_url).query)


def report_links(browser):
    return [a.text for a in browser.find_elements("css selector", "nav.report-nav a")]


def assert_refused(browser, base, email, path):
    browser.delete_all_cookies()
    sign_in(browser, base, email, next_path=path)
    assert browser.find_element("css selector", "h1").text == "Not allowed", f"{email} may not open {path}"


def test_the_pipeline_report_shows_the_apis_stages_for_the_period_picked(browser, base, console_allows):
    console_allows.append(FORBIDDEN)
    sign_in(browser, base, "morgan.reyes@demo.test", next_path="/reports")
    assert report_links(browser) == ["Forecast and attainment", "Pipeline", "Sales performance", "Recurring revenue", "Delivery", "Growth", "Profitability"]
    submit(browser, browser.find_element("css selector", "nav.report-nav a[href='/reports/pipeline']"))
    token = token_for(base, "morgan.reyes@demo.test")
    shown = browser.find_element("css selector", "#period option:checked").get_attribute("value")
    default = api_get(base, "/api/v1/reports/pipeline", token)
    assert shown == default["period"], "this quarter unless asked, as the API"

    # Pick the quarter before through the plain GET form.
    options = [o.get_attribute("value") for o in browser.find_elements("css selector", "#period option")]
    earlier = [o for o in options if re.fullmatch(r"\d{4}-Q\d", o) and o < shown][-1]
    browser.find_element("css selector", f"#period option[value='{earlier}']").click()
    submit(browser, browser.find_element("css selector", "form.picker button"))
    assert query(browser)["period"] == [earlier]
    for period in (earlier, shown):
        if period != earlier:
            browser.get(base + "/reports/pipeline?period=" + period)
        stages = api_get(base, "/api/v1/reports/pipeline?period=" + period, token)["stages"]
        rows = table(browser, "pipeline-table")
        assert [r[0] for r in rows] == [s["name"] for s in stages], "a row per open stage, in order"
        for row, stage in zip(rows, stages):
            assert int(row[1]) == stage["count"]
            assert number(row[2]) == money(stage["amount"]), stage["name"]
            assert number(row[3]) == money(stage["weighted"]), stage["name"]
            if stage.get("averageDaysInStage") is None:
                assert row[4] == "–"
            else:  # measured from now(): the page and the API ask a moment apart
                assert abs(number(row[4]) - Decimal(stage["averageDaysInStage"])) <= Decimal("0.1")
        total = browser.find_element("css selector", "#pipeline-table tfoot").text
        assert str(sum(s["count"] for s in stages)) in total
        assert drawn(browser, "pipeline-chart"), "the stages are drawn as bars"
    assert sum(s["count"] for s in stages) > 0, "the demo has open deals this quarter"

    # A consultant does not see the pipeline.
    assert_refused(browser, base, "ivy.chen@demo.test", "/reports/pipeline")


def test_sales_performance_by_person_and_typical_project_matches_the_api(browser, base, console_allows):
    console_allows.append(FORBIDDEN)
    sign_in(browser, base, "ana.torres@demo.test", next_path="/reports/sales-performance")
    assert report_links(browser) == ["Forecast and attainment", "Pipeline", "Sales performance", "Recurring revenue"], \
        "an account manager is not offered delivery or growth"
    token = token_for(base, "ana.torres@demo.test")
    # A year back to today, through the form's date fields.
    year_start = api_get(base, "/api/v1/reports/sales-performance", token)["to"][:4] + "-01-01"
    frm, to = str(int(year_start[:4]) - 1) + "-01-01", browser.find_element("id", "to").get_attribute("value")
    browser.execute_script("document.getElementById('from').value = arguments[0]", frm)
    submit(browser, browser.find_element("css selector", "form.picker button"))
    assert query(browser)["from"] == [frm] and query(browser)["to"] == [to]
    report = api_get(base, f"/api/v1/reports/sales-performance?from={frm}&to={to}", token)
    for table_id, key in (("performance-person-table", "byPerson"), ("performance-project-table", "byTypicalProject")):
        rows = table(browser, table_id)
        assert [r[0] for r in rows] == [p["key"] for p in report[key]], key
        for row, p in zip(rows, report[key]):
            assert (int(row[1]), int(row[2])) == (p["won"], p["lost"]), p["key"]
            assert number(row[3]) == percent(p["winRate"]), p["key"]
            assert number(row[4]) == money(p["averageDealSize"]), p["key"]
            assert number(row[5]) == to_places(p["averageCycleDays"], 1), p["key"]
    assert report["byPerson"] and report["byTypicalProject"], "the demo closed deals in the last year"
    assert drawn(browser, "performance-person-chart") and drawn(browser, "performance-project-chart")

    # Dates the wrong way round are said plainly, with the form to correct them.
    console_allows.append("the server responded with a status of 422")
    browser.get(base + f"/reports/sales-performance?from={to}&to={frm}")
    assert "cannot be before" in browser.find_element("css selector", "p.error").text
    assert browser.find_element("id", "from").get_attribute("value") == to

    assert_refused(browser, base, "ivy.chen@demo.test", "/reports/sales-performance")


def test_the_delivery_report_is_for_project_managers_and_matches_the_api(browser, base, console_allows):
    console_allows.append(FORBIDDEN)
    sign_in(browser, base, "felix.braun@demo.test", next_path="/reports")
    submit(browser, browser.find_element("css selector", "nav.report-nav a[href='/reports/delivery']"))
    token = token_for(base, "felix.braun@demo.test")
    frm = browser.find_element("id", "from").get_attribute("value")
    to = browser.find_element("id", "to").get_attribute("value")
    report = api_get(base, f"/api/v1/reports/delivery?from={frm}&to={to}", token)
    assert (report["from"], report["to"]) == (frm, to), "this quarter unless asked, as the API"
    if report["phasesCompleted"]:
        assert int(browser.find_element("id", "phases-completed").text) == report["phasesCompleted"]
        assert int(browser.find_element("id", "on-time").text) == report["onTime"]
        assert number(browser.find_element("id", "on-time-rate").text) == percent(report["onTimeRate"])
    for table_id, key, name in (("utilization-person-table", "byPerson", "name"), ("utilization-skill-table", "bySkill", "skill")):
        rows = table(browser, table_id)
        assert [r[0] for r in rows] == [p[name] for p in report[key]], key
        for row, p in zip(rows, report[key]):
            assert number(row[1]) == to_places(p["assignedHours"], 1), p[name]
            assert number(row[2]) == to_places(p["capacityHours"], 1), p[name]
            assert number(row[3]) == percent(p["utilization"]), p[name]
    assert report["byPerson"] and report["bySkill"]
    assert drawn(browser, "utilization-person-chart") and drawn(browser, "utilization-skill-chart")
    horizontal = browser.execute_script("return Chart.getChart('utilization-skill-chart').options.indexAxis")
    assert horizontal == "y", "utilization lies down as horizontal bars"

    assert_refused(browser, base, "ana.torres@demo.test", "/reports/delivery")


def test_the_growth_report_says_the_advice_with_its_figures_like_the_api(browser, base, console_allows):
    console_allows.append(FORBIDDEN)
    sign_in(browser, base, "priya.shah@demo.test", next_path="/reports/growth")
    weeks = browser.find_element("id", "weeks")
    weeks.clear()
    weeks.send_keys("8")
    submit(browser, browser.find_element("css selector", "form.picker button"))
    assert query(browser)["weeks"] == ["8"]
    advice = api_get(base, "/api/v1/reports/growth?weeks=8", token_for(base, "priya.shah@demo.test"))
    assert browser.find_element("id", "growth-sentence").text == advice["sentence"]
    assert browser.find_element("id", "recommendation").text, "the recommendation in plain words"
    figures = {tr.get_attribute("data-figure"): tr.find_element("css selector", "td").text
               for tr in browser.find_elements("css selector", "#growth-figures tbody tr")}
    assert number(figures["deliveryLoad"]) == to_places(advice["deliveryLoad"], 2)
    assert number(figures["salesCoverage"]) == to_places(advice["salesCoverage"], 2)
    for key in ("demandHours", "capacityHours", "capacityNeededHours"):
        assert number(figures[key]) == to_places(advice[key], 1), key
    for key in ("openPipeline", "remainingQuota", "pipelineNeeded"):
        assert number(figures[key]) == money(advice[key]), key
    thresholds = browser.find_element("css selector", "#growth-figures").text
    assert "high at 0.85 or more" in thresholds and "healthy at 3.0 or more" in thresholds
    rows = table(browser, "growth-skills")
    assert [r[0] for r in rows] == [s["skill"] for s in advice["skills"]]
    for row, s in zip(rows, advice["skills"]):
        assert number(row[1]) == to_places(s["demandHours"], 1), s["skill"]
        assert number(row[2]) == to_places(s["capacityHours"], 1), s["skill"]
        assert number(row[3]) == to_places(s["load"], 2), s["skill"]
        assert number(row[4]) == to_places(s["shortHours"], 1), s["skill"]
    short = [li.text for li in browser.find_elements("css selector", "ul.short-skills li")]
    assert [t.split(":")[0] for t in short] == advice["shortSkills"]
    assert drawn(browser, "growth-chart")
    grouped = browser.execute_script("return Chart.getChart('growth-chart').data.datasets.map(d => d.label)")
    assert grouped == ["Demand", "Capacity"], "demand and capacity side by side per skill"

    assert_refused(browser, base, "dev.patel@demo.test", "/reports/growth")


def test_home_shows_my_quota_and_a_project_managers_bonus_progress(browser, base):
    # Sales: this quarter's total bookings against quota.
    sign_in(browser, base, "dev.patel@demo.test")
    token = token_for(base, "dev.patel@demo.test")
    rows = api_get(base, "/api/v1/reports/attainment?metric=total_bookings", token)["rows"]
    mine = [r for r in rows if r["name"] == "Dev Patel" and not r["rollup"]][0]
    section = browser.find_element("id", "my-quota")
    assert "Total bookings" in section.text
    assert number(section.find_element("css selector", ".quota-target").text) == money(mine["quota"])
    assert number(section.find_element("css selector", ".quota-credited").text) == money(mine["credited"])
    assert number(section.find_element("css selector", ".quota-percent").text) == percent(mine["attainment"])
    bar = section.find_element("css selector", "progress")
    assert Decimal(bar.get_attribute("value")) == min(Decimal(100), percent(mine["attainment"]))
    assert not browser.find_elements("id", "my-bonus"), "sales has no bonus plan"

    # A project manager: completed work against quota, and the latest statement.
    browser.delete_all_cookies()
    sign_in(browser, base, "hiro.tanaka@demo.test")
    token = token_for(base, "hiro.tanaka@demo.test")
    rows = api_get(base, "/api/v1/reports/attainment?metric=completed_work", token)["rows"]
    mine = [r for r in rows if r["name"] == "Hiro Tanaka" and not r["rollup"]][0]
    section = browser.find_element("id", "my-quota")
    assert "Completed work" in section.text
    assert number(section.find_element("css selector", ".quota-credited").text) == money(mine["credited"])
    assert number(section.find_element("css selector", ".quota-percent").text) == percent(mine["attainment"])
    bonus = browser.find_element("id", "my-bonus")
    link = bonus.find_element("css selector", "a").get_attribute("href")
    run_id, user_id = re.search(r"/bonus/(\d+)/(\d+)$", link).groups()
    runs = api_get(base, "/api/v1/bonus-runs", token)["items"]
    mine_runs = [r for r in runs if any(s["userId"] == int(user_id) for s in r["statements"])]
    assert int(run_id) == max(mine_runs, key=lambda r: (r["period"], r["id"]))["id"], "the latest statement"
    statement = api_get(base, f"/api/v1/bonus-runs/{run_id}/statements/{user_id}", token)
    assert number(bonus.find_element("css selector", ".bonus-credited").text) == money(statement["credited"])
    assert number(bonus.find_element("css selector", ".bonus-payout").text) == money(statement["payout"])
    submit(browser, bonus.find_element("css selector", "a"))
    assert "How the payout is worked out" in browser.page_source

    # A consultant carries no quota: neither section shows.
    browser.delete_all_cookies()
    sign_in(browser, base, "ivy.chen@demo.test")
    assert browser.find_element("css selector", "h1").text == "Today"
    assert not browser.find_elements("id", "my-quota") and not browser.find_elements("id", "my-bonus")


def api_get(base, path, token):
    return api(base, "GET", path, token=token)
