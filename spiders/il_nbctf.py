"""Israel NBCTF (Ministry of Defense): administrative seizure and forfeiture orders against crypto
wallets, read from the public content API of the site (Umbraco Delivery API v2).

Four content types are read, each paginated until `total`, in English and in Hebrew (Hebrew
fills what English lacks): orders, wallets, operatives and organizations. Each wallet an order
covers becomes a listing: record id = the order, listed on = order date, valid until = validity.
Local replay: a directory holding `<contentType>.json` (and optionally `<contentType>.he.json`)
in the API's response shape.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import date, datetime
from pathlib import Path
from urllib.parse import quote, urlparse

from sanctions_feed.schemas.authorities import AUTHORITIES
from sanctions_feed.schemas.source import Holder, RawListing, SourceMeta

from .framework.base import rejected_item
from .framework.spider import SanctionsSpider

API = "https://matal.mod.gov.il/umbraco/delivery/api/v2/content"
SITE = "https://matal.mod.gov.il"
PAGE_SIZE = 1000
ORDER, WALLET, OPERATIVE, ORGANIZATION = (
    "seizureAndForfeitureOrder", "cryptocurrencyWallet", "operative", "organization")
CONTENT_TYPES = (ORDER, WALLET, OPERATIVE, ORGANIZATION)
LANGUAGES = ("en", "he")
NO_DATE = ("9999-09-09", "0001-01-01")
ANONYMOUS = {"", "unknown", "anonymous", "לא ידוע", "אלמוני", "غير معروف"}
WALLET_HOLDER_FIELDS = {
    "designatedOperatives": ("individual", True), "designatedOrganizations": ("organization", True),
    "nonDesignatedOperatives": ("individual", False), "nonDesignatedOrganizations": ("organization", False),
}
# Wallet properties we read elsewhere or deliberately leave out (values, not identities).
WALLET_IGNORED = ["assetType", "description", "estimatedValue", "valueCurrency", "location",
                  "seizureDate", "balance"]
ORDER_IGNORED = ["isCorrectionVersion", "correctionVersionName", "descriptions", "articles",
                 "designatedOperatives", "designatedOrganizations", "nonDesignatedOperatives",
                 "nonDesignatedOrganizations"]


def parse_date(value) -> date | None:
    """ISO 8601 date-time or date; the placeholders 9999-09-09 and 0001-01-01 mean none."""
    if not value:
        return None
    text = str(value)[:10]
    if text in NO_DATE:
        return None
    return date.fromisoformat(text)


def clean_name(value) -> str | None:
    text = " ".join(str(value or "").split())
    return None if text.lower() in ANONYMOUS else text


def order_code(order_type: str | None) -> str:
    """`ASO (Seizure)` -> ASO; `FO (Forfeiture)` -> FO."""
    return (order_type or "").split("(")[0].strip()


def is_forfeiture(order_type: str | None) -> bool:
    text = (order_type or "").lower()
    return "forfeit" in text or order_code(order_type) == "FO"


def merge_languages(primary: list[dict], fallback: list[dict]) -> list[dict]:
    """English items, with empty properties filled from the Hebrew rendering of the same id."""
    other = {item.get("id"): item for item in fallback}
    merged = []
    for item in primary:
        twin = other.pop(item.get("id"), None)
        if twin:
            props = dict(item.get("properties") or {})
            for key, value in (twin.get("properties") or {}).items():
                if props.get(key) in (None, "", []):
                    props[key] = value
                elif isinstance(props[key], list) and isinstance(value, list):
                    props[key] = _fill_names(props[key], value)
            item = {**item, "properties": props, "name": item.get("name") or twin.get("name")}
        merged.append(item)
    return merged + list(other.values())  # items that exist only in Hebrew


def _fill_names(primary: list, fallback: list) -> list:
    """Picked items (holders, assets) whose English name is empty get the Hebrew one, per item."""
    names = {ref.get("id"): ref.get("name") for ref in fallback if isinstance(ref, dict)}
    return [{**ref, "name": names.get(ref.get("id"))}
            if isinstance(ref, dict) and not str(ref.get("name") or "").strip() and names.get(ref.get("id")) else ref
            for ref in primary]


class Catalogue:
    """The four content types of one run, joined: orders -> wallets -> designated holders."""

    def __init__(self, items: dict[str, list[dict]], audit=None):
        self.audit = audit or (lambda where, left: None)
        self.orders = items.get(ORDER, [])
        self.wallets, self.clashing = _wallets_by_id(items.get(WALLET, []))
        """`clashing`: wallet ids the API gives with different addresses: both rejected, neither guessed."""
        self.designations = {i["id"]: i for t in (OPERATIVE, ORGANIZATION) for i in items.get(t, [])}
        self.other_assets: Counter[str] = Counter()
        """Non-crypto assets the orders cover, by content type: counted, not published."""

    def listings(self, source: str):
        """Yield {"listing": ...} and {"rejected": ...} items for every order and wallet."""
        for wallet_id, twins in sorted(self.clashing.items()):
            for twin in twins:
                yield rejected_item(source, f"wallet {wallet_id}", "the wallet id appears more than once with "
                                "different addresses", twin)
        covered: set[str] = set()
        turned_into_forfeiture = self._forfeited_seizures()
        for order in sorted(self.orders, key=lambda o: (o.get("name") or "", o.get("id") or "")):
            yield from self._order(source, order, covered, turned_into_forfeiture)
        for wallet_id in sorted(set(self.wallets) - covered):
            wallet = self.wallets[wallet_id]
            yield from self._wallet_listings(source, wallet, record_id=f"wallet {wallet.get('name') or wallet_id}",
                                             programs=["wallet (no order)"], listed_on=None, valid_until=None,
                                             cancelled=False, url=_route_url(wallet), fallback_name=None)

    def _forfeited_seizures(self) -> dict[str, date | None]:
        """Seizure orders that a live, published forfeiture order continues, with the day they now
        end: the forfeiture order's own validity date (the latest, when several continue one
        seizure; None when one of them has none). They no longer run out at their own date, and
        never outlive the order that continues them. A hidden or cancelled forfeiture order
        continues nothing."""
        ends: dict[str, date | None] = {}
        for order in self.orders:
            props = order.get("properties") or {}
            if not is_forfeiture(props.get("orderType")) or props.get("isHidden") or props.get("isCanceled"):
                continue
            try:
                end = parse_date(props.get("validityDate"))
            except ValueError:
                end = None  # the forfeiture order itself is rejected for it; the seizure is not cut short
            for seizure in props.get("previousSeizureOrders") or []:
                if not seizure or not seizure.get("id"):
                    continue
                known = ends.get(seizure["id"], end) if seizure["id"] in ends else end
                ends[seizure["id"]] = None if known is None or end is None else max(known, end)
        return ends

    def _order(self, source, order, covered, forfeited):
        props = dict(order.get("properties") or {})
        order_type = props.pop("orderType", None)
        number = str(props.pop("orderNumber", None) or "").strip()
        code = order_code(order_type)
        record_id = f"{code} {number}".strip() if number else (order.get("name") or order["id"])
        if props.pop("isHidden", False):
            yield rejected_item(source, record_id, "order is hidden on the source site", order)
            return
        try:
            listed_on = parse_date(props.pop("orderDate", None))
            valid_until = parse_date(props.pop("validityDate", None))
        except ValueError as exc:  # one bad record is rejected; the others still flow
            yield rejected_item(source, record_id, f"unreadable order date ({exc})", order)
            return
        if not is_forfeiture(order_type) and order.get("id") in forfeited:
            valid_until = forfeited[order["id"]]  # continued by a forfeiture order: it ends when that order ends
        cancelled = bool(props.pop("isCanceled", False))
        documents = props.pop("orderDocuments", None) or []
        url = next((_absolute(d.get("url")) for d in documents if isinstance(d, dict) and d.get("url")), None)
        props.pop("previousSeizureOrders", None)
        assets = props.pop("assets", None) or []
        self.audit(f"order {record_id}", {k: v for k, v in props.items() if k not in ORDER_IGNORED})
        programs = [order_type] if order_type else []
        for picked in assets:
            if not isinstance(picked, dict):
                yield rejected_item(source, record_id, f"an asset of the order is not an item ({picked!r})", order)
                continue
            if picked.get("contentType") != WALLET:  # bank accounts, property...: not crypto
                self.other_assets[picked.get("contentType") or "unknown"] += 1
                continue
            wallet = self.wallets.get(picked.get("id"))
            if wallet is None:
                yield rejected_item(source, record_id, f"order names wallet {picked.get('id')} that the wallet list lacks;"
                                " published from the order's own text", picked)
                wallet = {"id": picked.get("id"), "name": picked.get("name"),
                          "properties": {"walletAddress": picked.get("name")}}
            covered.add(wallet["id"])
            yield from self._wallet_listings(source, wallet, record_id, programs, listed_on, valid_until,
                                             cancelled, url or _route_url(order), picked.get("name"))

    def _wallet_listings(self, source, wallet, record_id, programs, listed_on, valid_until,
                         cancelled, url, fallback_name):
        props = dict(wallet.get("properties") or {})
        raw = props.pop("walletAddress", None) or wallet.get("name") or fallback_name
        if raw and not isinstance(raw, str):  # never publish a list or number as its repr
            yield rejected_item(source, record_id, f"walletAddress is not text ({type(raw).__name__})", wallet)
            return
        label = " ".join(str(v) for v in (props.pop("coinType", None), props.pop("network", None)) if v)
        holders = self._holders(props)
        self.audit(f"wallet {wallet.get('id')}", {k: v for k, v in props.items() if k not in WALLET_IGNORED})
        if not raw:
            yield rejected_item(source, record_id, "wallet without an address", wallet)
            return
        yield {"listing": RawListing(
            source=source, source_record_id=record_id, raw_address=str(raw), raw_label=label or None,
            holder=holders[0] if holders else Holder(), holders=holders[1:], programs=programs,
            listed_on=listed_on, valid_until=valid_until, source_url=url, cancelled=cancelled,
        ).model_dump(mode="json")}

    def _holders(self, props) -> list[Holder]:
        holders = []
        for field, (kind, designated) in WALLET_HOLDER_FIELDS.items():
            for ref in props.pop(field, None) or []:
                name = clean_name(ref.get("name"))
                if name is None:
                    continue
                status = self._designation_status(ref.get("id")) if designated else "not designated"
                holders.append(Holder(name=name, type=kind, status=status))
        return holders

    def _designation_status(self, item_id) -> str | None:
        item = self.designations.get(item_id)
        if item is None:
            return "designated"
        props = item.get("properties") or {}
        status = str(props.get("status") or props.get("designationStatus") or "").strip().lower()
        return {"active": "designated", "cancelled": "cancelled", "canceled": "cancelled"}.get(status, status or "designated")


def _wallets_by_id(wallets: list[dict]) -> tuple[dict[str, dict], dict[str, list[dict]]]:
    """Wallets by id; an id given twice with different addresses is a clash, kept apart."""
    by_id: dict[str, dict] = {}
    clashing: dict[str, list[dict]] = {}
    for wallet in wallets:
        known = by_id.get(wallet["id"])
        address = (wallet.get("properties") or {}).get("walletAddress")
        if known is not None and (known.get("properties") or {}).get("walletAddress") != address:
            clashing.setdefault(wallet["id"], [known]).append(wallet)
        elif known is None and wallet["id"] not in clashing:
            by_id[wallet["id"]] = wallet
    for wallet_id in clashing:
        by_id.pop(wallet_id, None)
    return by_id, clashing


def _absolute(url: str | None) -> str | None:
    """A link from the source as an absolute URL; only http(s) links are ever published."""
    if not url or not isinstance(url, str):
        return None
    scheme = urlparse(url).scheme.lower()
    if not scheme:
        return SITE + quote(url)
    return url if scheme in ("http", "https") else None


def _route_url(item: dict) -> str | None:
    path = (item.get("route") or {}).get("path")
    return _absolute(path)


class IlNbctfSpider(SanctionsSpider):
    name = "il_nbctf"
    sample = "il_nbctf"
    meta = SourceMeta(authority=AUTHORITIES["il_nbctf"].name,
                      title="Administrative seizure and forfeiture orders against crypto wallets",
                      url=API, schedule="24 * * * *",
                      # The API reported 1,732 wallets in Aug 2026 (one listing per wallet and order).
                      expected_min=1_000, expected_max=20_000, sample_min=5, sample_max=100)

    def __init__(self, location: str | None = None, **kwargs):
        super().__init__(location=location, **kwargs)
        self.pages: dict[tuple[str, str], list[dict]] = defaultdict(list)
        local_dir = Path(urlparse(self.source_url).path) if self.source_url.startswith("file:") else None
        # A replay directory may lack the Hebrew files; a mirror over HTTP is asked for them.
        self.fetches = [(t, lang) for t in CONTENT_TYPES for lang in LANGUAGES
                        if lang == "en" or local_dir is None or (local_dir / self._file_name(t, lang)).exists()]

    @staticmethod
    def _file_name(content_type: str, language: str) -> str:
        return f"{content_type}.json" if language == "en" else f"{content_type}.{language}.json"

    async def start(self):
        yield self.page_request(0, 0)

    def page_url(self, content_type: str, language: str, skip: int) -> str:
        if self.location:  # replay: one file per content type (and language), local or mirrored
            return f"{self.source_url.rstrip('/')}/{self._file_name(content_type, language)}"
        return f"{API}?filter=contentType:{content_type}&skip={skip}&take={PAGE_SIZE}"

    def page_request(self, step: int, skip: int):
        content_type, language = self.fetches[step]
        # Live, Hebrew is a part of the list (items only it has would vanish without it); a replay
        # may lack it.
        optional = language != "en" and self.location is not None
        return self.request(
            self.page_url(content_type, language, skip), headers={"Accept-Language": language},
            callback=self.parse, errback=self.optional_missing if optional else self.download_failed,
            cb_kwargs={"step": step, "skip": skip},
            meta={"handle_httpstatus_list": [400, 401, 403, 404], "step": step},
        )

    def optional_missing(self, failure):
        """A Hebrew rendering that cannot be had: go on with English alone."""
        self.logger.warning("optional page unavailable: %s (%s)", failure.request.url, failure.value)
        yield from self.next_step(failure.request.meta["step"])

    def parse(self, response, step: int, skip: int):
        content_type, language = self.fetches[step]
        if response.status == 404 and language != "en" and self.location:  # a replay without Hebrew
            self.logger.warning("optional page not found: %s", response.url)
            yield from self.next_step(step)
            return
        try:
            data = json.loads(response.body)
        except (ValueError, RecursionError):
            raise self.fail(response.url, f"not JSON, or nested too deep (HTTP {response.status})") from None
        if isinstance(data, dict) and data.get("type") == "Error":
            raise self.fail(response.url, f"API error: {data.get('title') or ''} {data.get('detail') or ''}".strip())
        if response.status != 200 or not isinstance(data, dict) or not isinstance(data.get("items"), list) \
                or not isinstance(data.get("total"), int):
            raise self.fail(response.url, f"expected {{\"total\", \"items\"}} (HTTP {response.status})")
        self.record_raw(response.body, response.url)
        items, total = data["items"], data["total"]
        if total < 0 or skip + len(items) > total:
            raise self.fail(response.url, f"{content_type}: the API says total {total} but sent {skip + len(items)} items")
        unexpected = {i.get("contentType") for i in items} - {content_type}
        if unexpected:
            raise self.fail(response.url, f"items of type {sorted(unexpected)} in the {content_type} list")
        self.pages[(content_type, language)].extend(items)
        fetched = skip + len(items)
        if fetched < total:
            if not items or self.location:
                raise self.fail(response.url, f"{content_type}: {fetched} of {total} items, then nothing more")
            yield self.page_request(step, fetched)
            return
        yield from self.next_step(step)

    def next_step(self, step: int):
        if step + 1 < len(self.fetches):
            yield self.page_request(step + 1, 0)
        else:
            yield from self.batched(self.finish())

    def finish(self):
        items = {t: merge_languages(self.pages[(t, "en")], self.pages[(t, "he")]) for t in CONTENT_TYPES}
        catalogue = Catalogue(items, audit=self.audit)
        count = 0
        for item in catalogue.listings(self.name):
            count += 1
            yield item
        if catalogue.other_assets:
            self.logger.info("orders also cover non-crypto assets (not published): %s",
                             dict(sorted(catalogue.other_assets.items())))
        updated = [i.get("updateDate") for t in CONTENT_TYPES for i in items[t] if i.get("updateDate")]
        as_of = datetime.fromisoformat(max(updated).replace("Z", "+00:00")).date() if updated else None
        yield self.snapshot(self.source_url, as_of, count)


def write_replay_dir(directory: Path, items: dict[str, list[dict]]) -> None:
    """Write a local replay directory in the API's response shape (for samples and tests)."""
    directory.mkdir(parents=True, exist_ok=True)
    for content_type in CONTENT_TYPES:
        values = items.get(content_type, [])
        (directory / f"{content_type}.json").write_text(
            json.dumps({"total": len(values), "items": values}, ensure_ascii=False, indent=1), encoding="utf-8")
