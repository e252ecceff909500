"""The static site in a real browser: Debian's Chromium, headless, driven by ChromeDriver.

`make test` installs chromium and chromium-driver where apt is available (as root); elsewhere
these tests skip with the reason. The screenshot is kept as a test artefact (test-artifacts/).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from sanctions_feed.commands import cli

from .builders import SAMPLE_PARTIES, sdn_advanced_xml

ARTIFACTS = Path(os.environ.get("SANCTIONS_FEED_ARTIFACTS", Path(__file__).parent.parent / "test-artifacts"))


@pytest.fixture(scope="module")
def browser():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver_path = shutil.which("chromedriver")
    if not chromium or not driver_path:
        pytest.skip("Chromium or ChromeDriver is not installed (Debian: apt-get install chromium chromium-driver; "
                    "`make test` does it where it runs as root with apt)")
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (the test extra)")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})  # console messages, for get_log
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                     "--window-size=1300,1800", "--lang=en"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory) -> Path:
    """The site `make demo` writes (the bundled samples), then a release that removes two parties."""
    root = tmp_path_factory.mktemp("site")
    feeds, source = root / "feeds", root / "sdn.xml"
    runs = [["--samples"], ["--only", "ofac_sdn", "--source", f"ofac_sdn={source}", "--force"]]
    source.write_bytes(sdn_advanced_xml(SAMPLE_PARTIES[:2] + SAMPLE_PARTIES[4:]))
    for day, args in zip(("24", "25"), runs, strict=True):
        result = CliRunner().invoke(cli, ["update", "--feeds", str(feeds), "--now", f"2026-11-{day}T12:00:00Z", *args])
        assert result.exit_code == 0, result.output
    return feeds / "site"


def visible_rows(driver, table_id: str) -> list:
    from selenium.webdriver.common.by import By

    return [row for row in driver.find_elements(By.CSS_SELECTOR, f"#{table_id} tbody tr") if row.is_displayed()]


def test_filter_narrows_the_changes_table_and_the_page_shows_the_chart(browser, demo_site):
    from selenium.webdriver.common.by import By

    browser.get((demo_site / "index.html").as_uri())
    assert browser.title.startswith("Latest release")
    charts = browser.find_elements(By.CSS_SELECTOR, ".charts img")
    assert len(charts) == 2 and all(browser.execute_script("return arguments[0].naturalWidth", c) > 0 for c in charts)
    browser.get((demo_site / "releases").as_uri() + "/" + sorted(p.name for p in (demo_site / "releases").iterdir())[0])
    everything = visible_rows(browser, "changes")
    box = browser.find_element(By.CSS_SELECTOR, 'input[data-table="changes"]')
    box.send_keys("SUEX")
    narrowed = visible_rows(browser, "changes")
    assert 0 < len(narrowed) < len(everything)
    assert all("SUEX" in row.text for row in narrowed)
    assert browser.find_element(By.ID, "changes-count").text == f"{len(narrowed)} of {len(everything)} rows"
    box.clear()
    box.send_keys("no such holder anywhere")
    assert visible_rows(browser, "changes") == []

    browser.get((demo_site / "index.html").as_uri())
    header = browser.find_elements(By.CSS_SELECTOR, "#latest-changes thead th")[2]  # address
    header.click()
    first = [row.find_elements(By.TAG_NAME, "td")[2].get_attribute("data-sort") for row in visible_rows(browser, "latest-changes")]
    assert first == sorted(first, key=str.casefold) or first == sorted(first)
    header.click()
    again = [row.find_elements(By.TAG_NAME, "td")[2].get_attribute("data-sort") for row in visible_rows(browser, "latest-changes")]
    assert again == first[::-1]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser.execute_script("window.scrollTo(0, 0)")
    assert browser.save_screenshot(str(ARTIFACTS / "site-index.png"))
    assert (ARTIFACTS / "site-index.png").stat().st_size > 10_000


def test_internal_links_resolve_in_the_browser(browser, demo_site):
    from selenium.webdriver.common.by import By

    pages = ["index.html", "sources/index.html", "sources/jp_mof.html"]
    pages += [f"releases/{p.name}" for p in sorted((demo_site / "releases").iterdir())]
    checked = 0
    for page in pages:
        browser.get((demo_site / page).as_uri())
        links = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "a[href]")]
        for href in links:
            if href.startswith("file://") and "/spiders/samples/" not in href:  # samples name their files as sources
                target = Path(href.removeprefix("file://").split("#")[0])
                assert target.exists(), f"{page}: {href}"
                checked += 1
    assert checked > 20
    browser.get((demo_site / "sources" / "jp_mof.html").as_uri())
    assert "北朝鮮" in browser.find_element(By.ID, "addresses").text  # Japanese kept as written
    assert browser.execute_script("return document.styleSheets.length") == 1


def test_hebrew_names_read_right_to_left(browser, tmp_path):
    from datetime import date, datetime, timezone

    from selenium.webdriver.common.by import By

    from sanctions_feed.publish.release import publish
    from sanctions_feed.schemas.feed import FeedAddress, FeedListing

    address = "12HQDsicffSBaYdJ6BhnE22sfjTESmmzKx"
    record = FeedAddress(id=f"bitcoin:{address}", chain="bitcoin", address=address, display=address, kind="address",
                         validity="valid", issues=[], assets=[], status="active", first_seen=date(2026, 1, 1),
                         listings=[FeedListing(source="test", source_record_id="1", holder="חמאס", status="active",
                                               first_seen=date(2026, 1, 1), raw_address=address)])
    publish(tmp_path, [record], [], [], datetime(2026, 11, 24, tzinfo=timezone.utc))
    browser.get((tmp_path / "site" / "index.html").as_uri())
    cell = browser.find_elements(By.CSS_SELECTOR, "#latest-changes tbody td")[3]
    assert cell.text == "חמאס"
    name = cell.find_element(By.TAG_NAME, "bdi")  # each name isolated, its direction its own
    assert browser.execute_script("return arguments[0].matches(':dir(rtl)')", name)
    assert not browser.execute_script("return arguments[0].matches(':dir(rtl)')", cell.find_element(By.XPATH, ".."))
