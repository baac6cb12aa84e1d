"""The proposal page's capacity verdict (issue 18, item 6): one sentence, the numbers
below it, and the same verdict and numbers as the API's capacity check."""
import re
from decimal import Decimal

from conftest import api, sign_in, submit, token_for


def test_the_proposal_page_gives_the_capacity_verdict_in_one_sentence_with_the_numbers_below(browser, base):
    sign_in(browser, base, "grace.kim@demo.test")
    reviews = browser.find_elements("css selector", "a[href^='/proposals/']")
    assert reviews, "Grace has a proposal to review in the demo"
    submit(browser, reviews[0])
    proposal = int(re.search(r"/proposals/(\d+)", browser.current_url).group(1))

    verdict = browser.find_element("id", "capacity-verdict")
    sentence = verdict.text.strip()
    # One sentence: it ends with its only full stop (decimals such as 2.5 h aside).
    assert re.fullmatch(r"(Can be staffed|Short by)[^.]*(\.\d[^.]*)*\.", sentence), sentence
    # The numbers are below it: the next element is the table of skills.
    table = verdict.find_element("xpath", "following-sibling::*[1]")
    assert table.tag_name == "table"
    rows = [[td.text for td in tr.find_elements("css selector", "td")] for tr in table.find_elements("css selector", "tbody tr")]
    assert rows, "a skill line per skill the proposal needs"
    needed = sum(Decimal(r[1].replace(",", "")) for r in rows)
    short = sum(Decimal(r[3].replace(",", "")) for r in rows)
    hours = Decimal(re.search(r"(\d+(?:\.\d+)?) h", sentence).group(1))
    if sentence.startswith("Short by"):
        assert hours == short, (sentence, rows)
    else:
        assert short == 0 and hours == needed, (sentence, rows)

    # The same as the API's capacity check.
    check = api(base, "GET", f"/api/v1/proposals/{proposal}/capacity-check", token=token_for(base, "grace.kim@demo.test"))
    assert check["verdict"] == sentence
