"""The site answers an analyst's questions, in headless Chromium, on a feed of three releases:
the samples; an OFAC-only run that delists three parties (one address stays listed by Israel);
an OFAC-only run that relists two of them. Screenshots of the pages go to test-artifacts/."""

from __future__ import annotations

import base64
import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from sanctions_feed.commands import cli
from sanctions_feed.publish.site_data import page_key

from .builders import SAMPLE_PARTIES, sdn_advanced_xml
from .test_site_browser import ARTIFACTS, browser  # noqa: F401 (the fixture)

RELISTED = "bc1qvhnfknw852ephxyc5hm4q520zmvf9maphetc9z"  # KHOROSHEV: delisted, then relisted
DELISTED = "TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq"  # stays delisted
SHARED = "0x175d44451403Edf28469dF03A9280c1197ADb92c"  # OFAC and Israel; OFAC delists, then relists it
PARTIES = {"25": [0, 1, 4], "26": [0, 1, 2, 4, 5]}


@pytest.fixture(scope="module")
def feed(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("analyst")
    feeds = root / "feeds"
    result = CliRunner().invoke(cli, ["update", "--feeds", str(feeds), "--now", "2026-11-24T12:00:00Z", "--samples"])
    assert result.exit_code == 0, result.output
    for day, kept in PARTIES.items():
        source = root / f"sdn-{day}.xml"
        source.write_bytes(sdn_advanced_xml([SAMPLE_PARTIES[i] for i in kept]))
        result = CliRunner().invoke(cli, ["update", "--feeds", str(feeds), "--now", f"2026-11-{day}T12:00:00Z",
                                          "--only", "ofac_sdn", "--source", f"ofac_sdn={source}", "--force"])
        assert result.exit_code == 0, result.output
    return feeds


def versions(feed: Path) -> list[dict]:
    return json.loads((feed / "index.json").read_text())["versions"]


def open_page(driver, path: Path, query: str = ""):
    driver.get(path.as_uri() + query)


def shot(driver, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    driver.execute_script("window.scrollTo(0, 0)")
    assert driver.save_screenshot(str(ARTIFACTS / f"site-{name}.png"))


def search(driver, feed: Path, query: str) -> list[list[str]]:
    from selenium.webdriver.common.by import By

    open_page(driver, feed / "site" / "search.html")
    box = driver.find_element(By.ID, "search")
    box.clear()
    driver.execute_script("arguments[0].value = arguments[1]; arguments[0].dispatchEvent(new Event('input'))",
                          box, query)
    return [[cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
            for row in driver.find_elements(By.CSS_SELECTOR, "#results tbody tr")]


@pytest.mark.parametrize(("query", "address", "status"), [
    (SHARED.upper().replace("0X", "0x"), SHARED, "active"),
    (RELISTED.upper(), RELISTED, "active"),
    ("1L4ncif9hh9\u200bTnUveqWq77HfWWt6CJWtrnb", "1L4ncif9hh9TnUveqWq77HfWWt6CJWtrnb", "active"),
    ("bitcoin:12HQDsicffSBaYdJ6BhnE22sfjTESmmzKx?amount=0.5&label=payment", "12HQDsicffSBaYdJ6BhnE22sfjTESmmzKx", "active"),
    (f"ethereum:{SHARED}@1?value=1e18", SHARED, "active"),
    (DELISTED, DELISTED, "delisted"),
], ids=["evm in upper case", "bech32 in upper case", "a zero-width space inside", "a BIP-21 payment URI",
        "an EIP-681 payment URI", "a delisted address"])
def test_the_search_finds_an_address_in_any_written_form(browser, feed, query, address, status):  # noqa: F811
    (row,) = search(browser, feed, query)
    assert row[0] == address and row[2] == status and row[5] == "exact address"
    assert "q=" in browser.current_url  # the search state is in the URL


def test_the_search_says_when_nothing_is_listed_and_reads_its_state_from_the_url(browser, feed):  # noqa: F811
    from selenium.webdriver.common.by import By

    assert search(browser, feed, "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq") == []
    assert "not listed" in browser.find_element(By.ID, "search-summary").text
    open_page(browser, feed / "site" / "search.html", "?q=" + RELISTED)
    rows = browser.find_elements(By.CSS_SELECTOR, "#results tbody tr")
    assert len(rows) == 1 and RELISTED in rows[0].text
    shot(browser, "search")


def test_an_address_page_shows_every_listing_and_its_history_in_order(browser, feed):  # noqa: F811
    from selenium.webdriver.common.by import By

    addresses = json.loads((feed / "latest" / "addresses.json").read_text())["addresses"]
    shared = next(a for a in addresses if a["display"] == SHARED)
    open_page(browser, feed / "site" / "addresses" / f"{page_key(shared['id'])}.html")
    listings = browser.find_elements(By.CSS_SELECTOR, "section.listing h3")
    assert len(listings) == len(shared["listings"]) == 2
    assert {h.text.split(",")[0] for h in listings} == {"US Treasury OFAC", "Israel NBCTF (Ministry of Defense)"}
    history = [[c.text for c in row.find_elements(By.TAG_NAME, "td")]
               for row in browser.find_elements(By.CSS_SELECTOR, "#history tbody tr")]
    ofac = [row[1] for row in history if row[2].startswith("US Treasury OFAC")]
    assert ofac == ["listed", "delisted", "relisted"]
    assert [row[0] for row in history] == sorted(row[0] for row in history)
    shot(browser, "address")


def test_a_release_that_ran_one_source_is_attributed_to_that_source_only(browser, feed):  # noqa: F811
    from selenium.webdriver.common.by import By

    delisting = versions(feed)[1]
    changed = {name for name, c in delisting["by_source"].items() if c["added"] or c["removed"] or c["changed"]}
    assert changed == {"ofac_sdn"}
    open_page(browser, feed / "site" / "releases" / f"{delisting['id']}.html")
    rows = browser.find_elements(By.CSS_SELECTOR, "#changes tbody tr")
    assert rows and all("US Treasury OFAC" in row.find_elements(By.TAG_NAME, "td")[5].text for row in rows)
    summary = browser.find_element(By.CSS_SELECTOR, "main > p:nth-of-type(3)").text
    assert "Sources that changed: US Treasury OFAC." in summary
    assert browser.find_element(By.CSS_SELECTOR, "a[rel=prev]") and browser.find_element(By.CSS_SELECTOR, "a[rel=next]")
    shot(browser, "release")


def test_the_first_screen_shows_the_latest_release_and_the_last_days(browser, feed):  # noqa: F811
    from selenium.webdriver.common.by import By

    open_page(browser, feed / "site" / "index.html")
    assert len(browser.find_elements(By.CSS_SELECTOR, "section.release")) == 1
    shot(browser, "index")
    open_page(browser, feed / "site" / "recent-7.html")
    assert len(browser.find_elements(By.CSS_SELECTOR, "section.release")) == len(versions(feed)) == 3


ROWS_PER_PAGE = 14
"""The fewest rows of the change table an A4 landscape page holds in the print layout (measured:
the first release's 129 rows print on 10 pages; with no print layout they took 22)."""


def test_the_print_layout_fits_the_change_table_on_few_pages_with_addresses_whole(browser, feed):  # noqa: F811
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.print_page_options import PrintOptions

    first = versions(feed)[0]
    open_page(browser, feed / "site" / "releases" / f"{first['id']}.html")
    rows = len(browser.find_elements(By.CSS_SELECTOR, "#changes tbody tr"))
    pdf = base64.b64decode(browser.print_page(PrintOptions()))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "release-print.pdf").write_bytes(pdf)
    pages = pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages")
    assert 1 <= pages <= math.ceil(rows / ROWS_PER_PAGE) + 1, (rows, pages)
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        broken = browser.execute_script(
            "return Array.from(document.querySelectorAll('#changes code:not(.long)')).filter(c => c.getClientRects().length > 1"
            " || c.getBoundingClientRect().height > 2 * parseFloat(getComputedStyle(c).fontSize)).length")
        hidden = browser.execute_script("return getComputedStyle(document.querySelector('nav')).display")
    finally:
        browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    assert broken == 0 and hidden == "none"


def test_a_source_whose_list_went_back_in_time_is_named_as_a_forced_replay():
    from datetime import date, datetime, timezone

    from sanctions_feed.publish.site_data import replays
    from sanctions_feed.schemas.release import Manifest
    from sanctions_feed.schemas.status import SourceStatus

    def manifest(**as_of):
        return Manifest(version="v", previous=None, created_at=datetime(2026, 11, 24, tzinfo=timezone.utc), files={},
                        sources=[SourceStatus(name=name, as_of=day) for name, day in as_of.items()])

    before = manifest(ofac_sdn=date(2026, 11, 24), eu_fsf=date(2026, 11, 20))
    now = manifest(ofac_sdn=date(2026, 11, 1), eu_fsf=date(2026, 11, 20))
    assert replays(now, before) == [("ofac_sdn", date(2026, 11, 1), date(2026, 11, 24))]
    assert replays(before, now) == [] and replays(now, None) == []
