"""Japan, Ministry of Finance: the asset-freeze list under the Foreign Exchange Act (XLSX).

The list page links a dated workbook, `shisantouketsu<YYYYMMDD>.xlsx`, with one sheet per regime;
the newest link is followed. Crypto addresses sit in the `その他の情報` ("other information")
column after `暗号資産アドレス：`, separated by `；` and newlines, with no ticker; that column (and
any other cell that speaks of crypto-asset addresses) goes to the normalize step as prose. The
cells' phonetic guides (`<rPh>` runs) are not part of their text and are never read.

A row whose notice date reads `YYYY.M.D削除` is a notice withdrawn on that date: the listings of
that record are delisted on that date (the snapshot carries it). Local replay: the workbook, or a
saved copy of the list page (its newest link is then followed, relative to the page).

Record id: the sheet's regime and the notice number (`告示番号`). Programs: the regime. Listed on:
the first notice date. Link: the list page (the ministry publishes no page per record).
"""

from __future__ import annotations

import io
import re
import warnings
import zipfile
from datetime import date, datetime
from urllib.parse import urljoin

from sanctions_feed.schemas.authorities import AUTHORITIES
from sanctions_feed.schemas.source import Holder, RawListing, SourceMeta

from .framework.documents import page_title
from .framework.download import Document, in_memory
from .framework.spider import SanctionsSpider

LIST_PAGE = ("https://www.mof.go.jp/policy/international_policy/gaitame_kawase/gaitame/"
             "economic_sanctions/list.html")
WORKBOOK_LINK = re.compile(rb"""href=["']([^"']*shisantouketsu(\d{8})\.xlsx)["']""", re.I)
NOTICE_DATE = re.compile(r"(\d{4})\.(\d{1,2})\.(\d{1,2})")
DATE_COLUMN, NUMBER_COLUMN, NAME_JA, NAME_EN, OTHER = "告示日付", "告示番号", "日本語表記", "英語表記", "その他の情報"
CRYPTO_WORDS = ("暗号資産", "仮想通貨", "アドレス", "wallet", "crypto")
WITHDRAWN = "削除"
MAX_UNPACKED = 256 * 1024**2  # the 2026 workbook unpacks to 9.6 MB
MAX_RATIO = 100


def notice_date(text: str) -> date | None:
    """`2022.12.2` (the first of several lines: later ones are revisions), or None."""
    match = NOTICE_DATE.search(text)
    return date(*map(int, match.groups())) if match else None


def regime(sheet_title: str) -> str:
    """A sheet's regime without its position in the workbook: `16.北朝鮮(協調；団体)` -> `北朝鮮(協調；団体)`."""
    return re.sub(r"^\s*\d+\s*[.．]\s*", "", sheet_title).strip()


def holder_type(sheet_title: str) -> str | None:
    if "個人" in sheet_title:
        return "individual"
    if "団体" in sheet_title or "銀行" in sheet_title:
        return "entity"
    return None


def open_workbook(body: bytes):
    """The workbook, read only, after its ZIP has been checked against decompression bombs."""
    import openpyxl  # only this source needs it

    try:
        archive = zipfile.ZipFile(io.BytesIO(body))
        members = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise ValueError(f"not a readable XLSX, or cut short ({exc})") from None
    unpacked = sum(m.file_size for m in members)
    if unpacked > MAX_UNPACKED or any(m.file_size > MAX_RATIO * max(m.compress_size, 1) for m in members):
        raise ValueError(f"the workbook would unpack to {unpacked} bytes: refused")
    try:
        with warnings.catch_warnings():  # the ministry's print areas name #N/A: nothing to do with the data
            warnings.filterwarnings("ignore", message="Print area cannot be set", category=UserWarning)
            return openpyxl.load_workbook(io.BytesIO(body), read_only=True, data_only=True)
    except (KeyError, OSError, zipfile.BadZipFile, EOFError) as exc:
        raise ValueError(f"not a readable XLSX ({type(exc).__name__}: {exc})") from None


class JpMofSpider(SanctionsSpider):
    name = "jp_mof"
    sample = "jp_mof.xlsx"
    meta = SourceMeta(authority=AUTHORITIES["jp_mof"].name, title="Asset-freeze list (Foreign Exchange Act)",
                      url=LIST_PAGE, schedule="17-59/30 * * * *",
                      # 26 addresses in the 2026-03-05 workbook (Lazarus Group, Sim Hyon Sop, Wu Huihui).
                      expected_min=10, expected_max=2_000, sample_min=5, sample_max=100)
    custom_settings = {"DOWNLOAD_MAXSIZE": 256 * 1024**2}

    async def start(self):
        yield self.document_request(self.source_url, callback=self.parse)

    def parse(self, response):
        if response.body[:4] == b"PK\x03\x04" or response.url.lower().endswith(".xlsx"):
            yield from self.parse_workbook(response)
            return
        page = self.document(response, "HTML")
        links = sorted((stamp, link) for link, stamp in WORKBOOK_LINK.findall(page))
        if not links:
            title = page_title(page)
            raise self.fail(response.url, "an HTML page that links no shisantouketsu<YYYYMMDD>.xlsx"
                            + (f" (title: {title})" if title else ""))
        newest = urljoin(response.url, links[-1][1].decode("ascii", "replace"))
        self.logger.info("newest workbook: %s", newest)
        # The list page is the change signal: each new list is a new dated workbook.
        unchanged = self.check_signal(self.source_url, newest)
        if unchanged:
            yield unchanged
            return
        yield self.document_request(newest, callback=self.parse_workbook)

    def parse_workbook(self, response):
        document = in_memory(response.url, self.document(response, "XLSX"))
        if not self.signals:  # a replayed workbook: no list page came first
            self.check_signal(self.source_url, None)
        unchanged = self.check_bytes(document.sha256)
        if unchanged:
            yield unchanged
            return
        yield from self.batched(self.parse_file(document, response.url))

    def parse_file(self, document: Document, url: str):
        body = document.read()
        try:
            workbook = open_workbook(body)
            listings: list[dict] = []
            withdrawn: dict[str, date] = {}
            for sheet in workbook.worksheets:
                listings += self.parse_sheet(sheet.title, sheet.iter_rows(values_only=True), withdrawn)
            modified = workbook.properties.modified
        except ValueError as exc:
            raise self.fail(url, str(exc)) from None
        if not listings and not withdrawn:
            raise self.fail(url, "no sheet with a 告示日付 (notice date) header: not the MOF asset-freeze list")
        stamp = re.search(r"shisantouketsu(\d{8})", url)
        as_of = datetime.strptime(stamp.group(1), "%Y%m%d").date() if stamp else (modified.date() if modified else None)
        self.record_raw(document, url)
        yield from listings
        yield self.snapshot(url, as_of, len(listings), delistings=withdrawn)

    def parse_sheet(self, title: str, rows, withdrawn: dict[str, date]) -> list[dict]:
        """The listings of one regime's sheet; its withdrawn notices go into `withdrawn`."""
        header: dict[str, int] | None = None
        listings = []
        for row in rows:
            cells = ["" if v is None else (v.date().isoformat() if isinstance(v, datetime) else str(v)) for v in row]
            if cells and cells[0].strip() == DATE_COLUMN:
                header = {name.strip(): i for i, name in enumerate(cells) if name}
                continue
            if header is None or NUMBER_COLUMN not in header or not any(c.strip() for c in cells):
                continue
            cell = dict(zip(header, (cells[i] if i < len(cells) else "" for i in header.values()), strict=True))
            number = cell[NUMBER_COLUMN].strip()
            if not number:  # a note or a spacer; one that names addresses is never skipped unsaid
                if any(w in v.lower() for v in cells for w in CRYPTO_WORDS):
                    self.logger.warning("%s: a row without a notice number speaks of crypto addresses: %.200r",
                                        title, " | ".join(c for c in cells if c))
                continue
            record_id = f"{regime(title)} {number}"
            dated = cell.get(DATE_COLUMN, "")
            if WITHDRAWN in dated:
                day = notice_date(dated)
                if day is None:  # withdrawn all the same: delisted by absence, on the day we read it
                    self.logger.warning("%s: notice %s is withdrawn (%r) with no readable date", title, number, dated)
                else:
                    withdrawn[record_id] = day
                continue
            texts = [cell.get(OTHER, "")] + [v for k, v in cell.items()
                                             if k != OTHER and any(w in v.lower() for w in CRYPTO_WORDS)]
            texts = [t.strip() for t in dict.fromkeys(texts) if t.strip()]
            if not texts:
                continue
            name = (cell.get(NAME_EN) or cell.get(NAME_JA) or "").strip()
            holder = Holder(name=" ".join(name.split()) or None, type=holder_type(title))
            listings += [{"listing": RawListing(
                source=self.name, source_record_id=record_id, raw_address=text, prose=True, holder=holder,
                programs=[regime(title)], listed_on=notice_date(dated), source_url=LIST_PAGE,
            ).model_dump(mode="json")} for text in texts]
        return listings
