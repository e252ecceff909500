"""Israel NBCTF: the content API spider, its mapping, expiry, and the run end to end."""

from __future__ import annotations

import csv
import json
from urllib.parse import parse_qs, urlparse

import pytest
from click.testing import CliRunner

from sanctions_feed.commands import cli
from sanctions_feed.normalize.names import clean_name
from sanctions_feed.spiders import il_nbctf
from sanctions_feed.spiders.framework.base import SourceError
from sanctions_feed.spiders.il_nbctf import Catalogue, IlNbctfSpider, merge_languages, write_replay_dir

from .builders import nbctf_designation, nbctf_from_seizure_table, nbctf_id, nbctf_order, nbctf_sample, nbctf_wallet
from .conftest import real_fixture
from .spider_driver import drive


def api(pages: dict):
    """Answer API requests from {(content type, language): [items]} with real pagination."""
    def answer(request):
        query = parse_qs(urlparse(request.url).query)
        content_type = query["filter"][0].split(":", 1)[1]
        skip, take = int(query["skip"][0]), int(query["take"][0])
        language = request.headers.get("Accept-Language").decode()
        items = pages.get((content_type, language), [])
        body = {"total": len(items), "items": items[skip:skip + take]}
        return 200, json.dumps(body, ensure_ascii=False).encode()
    return answer


def listings(items):
    return [i["listing"] for i in items if "listing" in i]


def test_pagination_until_total(monkeypatch):
    monkeypatch.setattr(il_nbctf, "PAGE_SIZE", 2)
    wallets = [nbctf_wallet(nbctf_id("w", n), f"TB5UPBTtXYwwmSviWBkQcFM64o6R1CDXUY{n}") for n in range(5)]
    order = nbctf_order(nbctf_id("o"), "ASO", "06/26", "2026-02-16", "2028-02-16", wallets)
    items, requests = drive(IlNbctfSpider(), api({("seizureAndForfeitureOrder", "en"): [order],
                                                  ("cryptocurrencyWallet", "en"): wallets}))
    wallet_skips = [parse_qs(urlparse(r.url).query)["skip"][0] for r in requests
                    if "cryptocurrencyWallet" in r.url and r.headers.get("Accept-Language") == b"en"]
    assert wallet_skips == ["0", "2", "4"]
    assert {listing["raw_address"] for listing in listings(items)} == {w["name"] for w in wallets}
    assert all(listing["source_record_id"] == "ASO 06/26" for listing in listings(items))
    assert items[-1]["snapshot"]["records"] == 5


def test_hebrew_fills_what_english_lacks():
    en = nbctf_wallet(nbctf_id("w"), "962788680555", None, operatives=[(nbctf_id("p"), "")])
    he = nbctf_wallet(nbctf_id("w"), "962788680555", "חשבון Binance",
                      operatives=[(nbctf_id("p"), "תאופיק באיארי")])
    he_only = nbctf_wallet(nbctf_id("w2"), "TGtpnHgW8gcfzRj1NEkLXR9AbN8WWLdJ2p")
    (merged, extra) = merge_languages([en], [he, he_only])
    assert merged["properties"]["coinType"] == "חשבון Binance" and extra["id"] == he_only["id"]
    items, _ = drive(IlNbctfSpider(), api({("cryptocurrencyWallet", "en"): [en],
                                           ("cryptocurrencyWallet", "he"): [he, he_only]}))
    account = next(listing for listing in listings(items) if listing["raw_address"] == "962788680555")
    assert account["raw_label"] == "חשבון Binance"
    assert len(listings(items)) == 2


def test_hidden_and_cancelled_orders():
    wallet = nbctf_wallet(nbctf_id("w"), "TB5UPBTtXYwwmSviWBkQcFM64o6R1CDXUY")
    other = nbctf_wallet(nbctf_id("w2"), "TGtpnHgW8gcfzRj1NEkLXR9AbN8WWLdJ2p")
    hidden = nbctf_order(nbctf_id("o1"), "ASO", "01/26", "2026-01-01", "2028-01-01", [wallet], hidden=True)
    cancelled = nbctf_order(nbctf_id("o2"), "ASO", "02/26", "2026-01-01", "2028-01-01", [other], canceled=True)
    items = list(Catalogue({"seizureAndForfeitureOrder": [hidden, cancelled],
                            "cryptocurrencyWallet": [wallet, other]}).listings("il_nbctf"))
    rejected = [i["rejected"] for i in items if "rejected" in i]
    assert [(r["source_record_id"], r["reason"]) for r in rejected] == [("ASO 01/26", "order is hidden on the source site")]
    found = {listing["source_record_id"]: listing for listing in listings(items)}
    assert found["ASO 02/26"]["cancelled"] is True
    # A wallet covered only by a hidden order still appears (kept, never dropped), without an order.
    assert found["wallet TB5UPBTtXYwwmSviWBkQcFM64o6R1CDXUY"]["raw_address"] == wallet["name"]


def test_an_empty_page_before_total_is_an_error(monkeypatch):
    monkeypatch.setattr(il_nbctf, "PAGE_SIZE", 2)
    wallets = [nbctf_wallet(nbctf_id("w", n), f"T{n}") for n in range(3)]

    def answer(request):
        skip = int(parse_qs(urlparse(request.url).query)["skip"][0])
        body = {"total": 3 if "cryptocurrencyWallet" in request.url else 0,
                "items": wallets[:2] if "cryptocurrencyWallet" in request.url and skip == 0 else []}
        return 200, json.dumps(body).encode()

    with pytest.raises(SourceError, match="2 of 3 items, then nothing more"):
        drive(IlNbctfSpider(), answer)


def test_empty_lists_are_read_but_the_run_is_refused(tmp_path):
    items, _ = drive(IlNbctfSpider(), api({}))
    assert items == [items[-1]] and items[-1]["snapshot"]["records"] == 0
    replay = tmp_path / "empty"
    write_replay_dir(replay, {})
    result = run(tmp_path / "feeds", "--only", "il_nbctf", "--source", f"il_nbctf={replay}")
    assert result.exit_code == 1 and "0 listings, fewer than the 1 expected of a replay: refused" in result.output
    assert not (tmp_path / "feeds" / "latest").exists()


def test_the_api_error_shape_is_a_clear_error():
    def answer(request):
        return 400, json.dumps({"type": "Error", "title": "Bad Request", "status": 400,
                                "detail": "Invalid filter value"}).encode()

    with pytest.raises(SourceError, match=r"il_nbctf: .*API error: Bad Request Invalid filter value"):
        drive(IlNbctfSpider(), answer)


def test_forfeiture_continues_a_seizure_and_designation_status():
    operative = nbctf_designation("operative", nbctf_id("p"), "AHMED M H ALNAJJAR", status="Cancelled")
    wallet = nbctf_wallet(nbctf_id("w"), "905360647607", "חשבון Binance",
                          operatives=[(operative["id"], operative["name"])])
    seizure = nbctf_order(nbctf_id("o1"), "ASO", "10/22", "2022-01-01", "2024-01-01", [wallet])
    forfeiture = nbctf_order(nbctf_id("o2"), "FO", "05/23", "2023-06-01", "2025-06-01", [wallet], previous=[seizure])
    items = list(Catalogue({"seizureAndForfeitureOrder": [seizure, forfeiture], "cryptocurrencyWallet": [wallet],
                            "operative": [operative]}).listings("il_nbctf"))
    found = {listing["source_record_id"]: listing for listing in listings(items)}
    # The seizure no longer ends at its own date: it ends when the forfeiture order continuing it ends.
    assert found["ASO 10/22"]["valid_until"] == "2025-06-01" and found["FO 05/23"]["valid_until"] == "2025-06-01"
    assert found["FO 05/23"]["holder"] == {"name": "AHMED M H ALNAJJAR", "type": "individual", "status": "cancelled",
                                           "issues": []}
    # A forfeiture order without a date (the 9999-09-09 placeholder) does not expire.
    open_ended = nbctf_order(nbctf_id("o2"), "FO", "05/23", "2023-06-01", None, [wallet], previous=[seizure])
    items = list(Catalogue({"seizureAndForfeitureOrder": [seizure, open_ended], "cryptocurrencyWallet": [wallet]}).listings("il_nbctf"))
    assert {x["source_record_id"]: x["valid_until"] for x in listings(items)} == {"ASO 10/22": None, "FO 05/23": None}
    # Two forfeiture orders continue one seizure: it ends with the later one; never before its own date.
    later = nbctf_order(nbctf_id("o3"), "FO", "06/23", "2023-07-01", "2026-01-31", [wallet], previous=[seizure])
    items = list(Catalogue({"seizureAndForfeitureOrder": [seizure, forfeiture, later],
                            "cryptocurrencyWallet": [wallet]}).listings("il_nbctf"))
    assert {x["source_record_id"]: x["valid_until"] for x in listings(items)}["ASO 10/22"] == "2026-01-31"
    items = list(Catalogue({"seizureAndForfeitureOrder": [seizure, forfeiture, open_ended],
                            "cryptocurrencyWallet": [wallet]}).listings("il_nbctf"))
    assert {x["source_record_id"]: x["valid_until"] for x in listings(items)}["ASO 10/22"] is None


@pytest.mark.parametrize("flag", ["hidden", "canceled"])
def test_a_hidden_or_cancelled_forfeiture_continues_no_seizure(flag):
    wallet = nbctf_wallet(nbctf_id("w"), "TB5UPBTtXYwwmSviWBkQcFM64o6R1CDXUY")
    seizure = nbctf_order(nbctf_id("o1"), "ASO", "10/22", "2022-01-01", "2024-01-01", [wallet])
    forfeiture = nbctf_order(nbctf_id("o2"), "FO", "05/23", "2023-06-01", "2025-06-01", [wallet], previous=[seizure],
                             **{flag: True})
    items = list(Catalogue({"seizureAndForfeitureOrder": [seizure, forfeiture], "cryptocurrencyWallet": [wallet]}).listings("il_nbctf"))
    assert next(x for x in listings(items) if x["source_record_id"] == "ASO 10/22")["valid_until"] == "2024-01-01"


def test_real_wallet_sample_maps():
    data = json.loads(real_fixture("nbctf/api-cryptocurrencyWallet-sample.json").read_text(encoding="utf-8"))
    items = list(Catalogue({"cryptocurrencyWallet": data["items"]}).listings("il_nbctf"))
    found = {listing["raw_address"]: listing for listing in listings(items)}
    assert len(found) == 4
    assert found["962788680555"]["holder"]["name"] == "TAWFIQ MOHAMMAD TAWFIQ BAYARI"
    assert found["962788680555"]["raw_label"] == "חשבון Binance"
    assert found["15soXrE3NJBMkkQhrccXonTT9bpjpPvE67"]["raw_label"] == "BTC"


def run(feeds, *args, now="2026-11-24T12:00:00Z"):
    return CliRunner().invoke(cli, ["update", "--feeds", str(feeds), "--now", now, *args])


def test_seizure_table_end_to_end(tmp_path):
    path = real_fixture("nbctf/opensanctions-seizures-2026.csv")
    with path.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    replay = tmp_path / "nbctf"
    write_replay_dir(replay, nbctf_from_seizure_table(rows))
    feeds = tmp_path / "feeds"
    result = run(feeds, "--only", "il_nbctf", "--source", f"il_nbctf={replay}")
    assert result.exit_code == 0, result.output
    records = json.loads((feeds / "latest" / "addresses.json").read_text())["addresses"]
    by_raw: dict = {}
    cleaned_names = 0
    for record in records:
        for listing in record["listings"]:
            by_raw.setdefault((listing["source_record_id"], listing["raw_address"]), []).append((record, listing))
    for row in rows:
        raw = row["wallet_address"] or row["account_id"]
        found = by_raw.get((row["order_id"], raw))
        assert found, f"{row['order_id']} {raw} missing"
        record, listing = found[0]
        assert listing["listed_on"] == (row["start_date"] or None)
        assert listing["valid_until"] == (row["end_date"] or None)
        if row["schema"] in ("Person", "LegalEntity") and row["name"]:
            name, issues = clean_name(row["name"])
            assert (listing["holder"], listing["holder_issues"]) == (name, list(issues))
            cleaned_names += name != row["name"]
        if row["account_id"]:
            assert record["kind"] == "exchange_account" and record["address"] == row["account_id"]
        elif not raw.isascii():
            assert record["address"].isascii() and record["validity"] == "valid"
            assert "homoglyphs_replaced" in listing["issues"]  # the listing that had them says so
    # Names published with look-alike letters or wrapping quotes (ΑМIRA BERRI, "Saleh M S Abutaha").
    assert cleaned_names > 0


def test_expired_seizure_order_is_in_changes(tmp_path):
    replay = tmp_path / "nbctf"
    write_replay_dir(replay, nbctf_sample())
    feeds = tmp_path / "feeds"
    assert run(feeds, "--only", "il_nbctf", "--source", f"il_nbctf={replay}").exit_code == 0
    later = run(feeds, "--only", "il_nbctf", "--source", f"il_nbctf={replay}", now="2026-12-01T00:00:00Z")
    assert later.exit_code == 0 and later.output.startswith("published"), later.output
    changes = json.loads((feeds / "latest" / "changes.json").read_text())
    assert [(r["address"], r["status"]) for r in changes["removed"]] == [("TWB9xgNG9nmJuwW4etsQEb9RRnrnVnoNnJ", "expired")]
    record = next(r for r in changes["removed"])
    assert record["listings"][0]["valid_until"] == "2026-11-30"


def test_demo_has_one_address_listed_by_both_sources(tmp_path):
    feeds = tmp_path / "feeds"
    assert run(feeds, "--samples").exit_code == 0
    records = json.loads((feeds / "latest" / "addresses.json").read_text())["addresses"]
    shared = [r for r in records if {listing["source"] for listing in r["listings"]} == {"ofac_sdn", "il_nbctf"}]
    assert [r["id"] for r in shared] == ["ethereum:0x175d44451403edf28469df03a9280c1197adb92c"]


@pytest.mark.e2e
def test_rate_limited_mirror_is_retried_after_retry_after(tmp_path):
    import http.server
    import threading
    import time

    replay = tmp_path / "mirror"
    write_replay_dir(replay, nbctf_sample())
    hits: list[tuple[str, int, float]] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(replay), **kwargs)

        def do_GET(self):
            throttled = self.path.endswith("/cryptocurrencyWallet.json") and \
                sum(1 for p, s, _ in hits if p == self.path and s == 429) < 2
            hits.append((self.path, 429 if throttled else 200, time.monotonic()))
            if throttled:
                self.send_response(429)
                self.send_header("Retry-After", "1")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            super().do_GET()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        result = run(tmp_path / "feeds", "--only", "il_nbctf", "--source", f"il_nbctf={url}")
    finally:
        server.shutdown()
        server.server_close()
    assert result.exit_code == 0, result.output
    wallet_hits = [(s, t) for p, s, t in hits if p == "/cryptocurrencyWallet.json"]
    assert [s for s, _ in wallet_hits] == [429, 429, 200]
    assert all(b - a >= 0.9 for (_, a), (_, b) in zip(wallet_hits, wallet_hits[1:], strict=False))


def test_a_change_to_the_rejected_records_alone_is_a_new_release(tmp_path):
    """A new hidden order changes no listing, but the published rejected set: a new release."""
    items = nbctf_sample()
    replay, feeds = tmp_path / "nbctf", tmp_path / "feeds"
    write_replay_dir(replay, items)
    assert run(feeds, "--only", "il_nbctf", "--source", f"il_nbctf={replay}").exit_code == 0
    first = json.loads((feeds / "index.json").read_text())["latest"]
    covered = items["seizureAndForfeitureOrder"][0]["properties"]["assets"]
    wallet = next(w for w in items["cryptocurrencyWallet"] if w["id"] == covered[0]["id"])
    items["seizureAndForfeitureOrder"].append(
        nbctf_order(nbctf_id("o", "hidden"), "ASO", "99/26", "2026-03-01", "2028-03-01", [wallet], hidden=True))
    write_replay_dir(replay, items)
    again = run(feeds, "--only", "il_nbctf", "--source", f"il_nbctf={replay}", now="2026-11-24T13:00:00Z")
    assert again.exit_code == 0 and again.output.startswith("published"), again.output
    latest = json.loads((feeds / "index.json").read_text())["latest"]
    assert latest != first
    rejected = list(csv.DictReader((feeds / "latest" / "rejected.csv").open(encoding="utf-8")))
    assert [(r["source_record_id"], r["reason"]) for r in rejected] == [("ASO 99/26", "order is hidden on the source site")]
    # The same inputs once more: nothing new.
    third = run(feeds, "--only", "il_nbctf", "--source", f"il_nbctf={replay}", now="2026-11-24T14:00:00Z")
    assert third.output.startswith("no change")


def test_one_malformed_record_is_rejected_and_the_others_flow():
    items = nbctf_sample()
    orders = items["seizureAndForfeitureOrder"]
    orders[0]["properties"]["orderDate"] = "2026-02-30T00:00:00Z"  # no such day
    orders[1]["properties"]["assets"].append(None)
    items["cryptocurrencyWallet"][5]["properties"]["walletAddress"] = ["0xa", "0xb"]
    orders[2]["properties"]["orderDocuments"] = [{"url": "javascript:alert(1)"}]
    found = list(Catalogue(items).listings("il_nbctf"))
    rejected = {(r["rejected"]["source_record_id"], r["rejected"]["reason"].split(" (")[0]) for r in found if "rejected" in r}
    assert rejected == {("ASO 06/26", "unreadable order date"), ("FO 50/25", "an asset of the order is not an item"),
                        ("FO 02/24", "walletAddress is not text")}
    published = [i["listing"] for i in found if "listing" in i]
    assert {x["source_record_id"] for x in published} >= {"FO 50/25", "FO 02/24", "FO 19/23", "ASO 18/24"}
    assert all(not x["source_url"] or x["source_url"].startswith("https://") for x in published)
    assert not any("javascript" in json.dumps(x) for x in published)


def test_an_empty_english_holder_name_is_filled_from_hebrew_per_name():
    first, second = nbctf_id("p1"), nbctf_id("p2")
    en = nbctf_wallet(nbctf_id("w"), "962788680555", "חשבון Binance", operatives=[(first, ""), (second, "KNOWN NAME")])
    he = nbctf_wallet(nbctf_id("w"), "962788680555", "חשבון Binance", operatives=[(first, "תאופיק באיארי"), (second, "שם")])
    items = list(Catalogue({"cryptocurrencyWallet": merge_languages([en], [he])}).listings("il_nbctf"))
    (listing,) = listings(items)
    assert [listing["holder"]["name"]] + [h["name"] for h in listing["holders"]] == ["תאופיק באיארי", "KNOWN NAME"]


def test_what_the_spider_warns_about_reaches_the_operator(tmp_path):
    items = nbctf_sample()
    items["cryptocurrencyWallet"][0]["properties"]["newRiskScore"] = 7  # a field the parser does not read
    replay, feeds = tmp_path / "nbctf", tmp_path / "feeds"
    write_replay_dir(replay, items)
    result = run(feeds, "--only", "il_nbctf", "--source", f"il_nbctf={replay}")
    assert result.exit_code == 0, result.output
    summary = result.stdout.strip().splitlines()[-1]
    assert summary.startswith("published ") and "il_nbctf: 12 listings, 0 rejected, 1 warnings" in summary
    assert f"warning: il_nbctf: unconsumed fields in wallet {items['cryptocurrencyWallet'][0]['id']}: newRiskScore" in result.output
    (source,) = json.loads((feeds / "index.json").read_text())["sources"]
    assert source["warnings"] == [f"unconsumed fields in wallet {items['cryptocurrencyWallet'][0]['id']}: newRiskScore"]
    strict = run(feeds, "--only", "il_nbctf", "--source", f"il_nbctf={replay}", "--strict", now="2026-11-24T13:00:00Z")
    assert strict.exit_code == 1 and "il_nbctf: --strict: the source sent fields the parser does not read" in strict.output
    (source,) = json.loads((feeds / "index.json").read_text())["sources"]
    assert source["status"] == "refused" and source["last_success"] == "2026-11-24T12:00:00Z"


def test_tagged_exchange_deposits_are_their_own_kind_and_never_in_plain_lists(tmp_path):
    """ASO 44/21 names exchange deposit addresses with the customer's tag (XRP, BNB, IOST)."""
    path = real_fixture("nbctf/opensanctions-seizures-2026.csv")
    with path.open(encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if row["order_id"] == "ASO 44/21"]
    replay, feeds = tmp_path / "nbctf", tmp_path / "feeds"
    write_replay_dir(replay, nbctf_from_seizure_table(rows))
    assert run(feeds, "--only", "il_nbctf", "--source", f"il_nbctf={replay}").exit_code == 0
    records = {r["id"]: r for r in json.loads((feeds / "latest" / "addresses.json").read_text())["addresses"]}
    xrp = records["tagged:xrp:rEb8TK3gBgk5auZkwc6sHnwrGVJH8DuaLh:102334770"]
    assert (xrp["kind"], xrp["tag"], xrp["validity"]) == ("tagged_deposit", "102334770", "valid")
    assert xrp["display"].startswith("X") and "xrp:rEb8TK3gBgk5auZkwc6sHnwrGVJH8DuaLh" not in records
    assert {r["tag"] for r in records.values() if r["kind"] == "tagged_deposit"} == {"102334770", "100343788", "104728783"}
    chains = feeds / "latest" / "chains"
    plain = "".join(p.read_text() for p in chains.glob("*.txt"))
    assert "rEb8TK3gBgk5auZkwc6sHnwrGVJH8DuaLh" not in plain
    assert (chains / "tagged" / "xrp.txt").read_text() == "rEb8TK3gBgk5auZkwc6sHnwrGVJH8DuaLh 102334770\n"
