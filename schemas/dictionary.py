"""What every column of the published tables means: `addresses.csv`/`.xlsx` and
`changes.csv`/`.xlsx`. Declared once here; the spreadsheets carry it on a sheet of their own and
README's field dictionary lists it (a test holds the three together)."""

from __future__ import annotations

ADDRESS_FIELDS: dict[str, str] = {
    "id": "The address's stable id: <chain>:<canonical address> (tagged:<chain>:<address>:<tag>, account:<platform>:<number>).",
    "chain": "The chain the authority listed it under (bitcoin, ethereum, tron, ...); unknown when no chain can be told.",
    "address": "The canonical form, the one matched on (EVM, bech32 and CashAddr in lower case).",
    "display": "The form people expect to read (EIP-55 mixed case for EVM; an XRP tagged deposit as its X-address).",
    "kind": "address, tagged_deposit (an exchange's shared address: only address + tag names the holder), exchange_account, or unknown.",
    "platform": "The exchange of an exchange account or tagged deposit, when the source names it.",
    "validity": "valid (checksum or strict form verified), unverifiable (no checksum to check), or invalid (kept as published, never fixed).",
    "issues": "What reading the address found: checksum_failed, truncated, homoglyphs_replaced, chain_assumed, prefix_added, ...",
    "assets": "Every asset or currency code the sources give the address (XBT, ETH, USDT, ...).",
    "address_status": "The address's status: active when any listing is in force, else expired, else delisted.",
    "first_seen": "The day this feed first saw the address (not an official date).",
    "source": "The list that names it: ofac_sdn, ofac_sdn_legacy, eu_fsf, gb_fcdo, fr_tresor, jp_mof, il_nbctf, us_fbi.",
    "source_record_id": "The official record in that list (OFAC's entity number, the EU's logical id, the UK's unique id, ...).",
    "holder": "Who the record names as holding the address, as the source spells it (look-alike letters replaced).",
    "holder_type": "individual, entity, vessel, aircraft, or the source's own word.",
    "holder_status": "The holder's status where the source gives one (NBCTF designations: active, cancelled).",
    "programs": "The sanctions programmes, regimes, regulations or orders the record cites, as the source writes them.",
    "listing_assets": "The asset codes this record gives the address.",
    "listed_on": "The official listing (designation, order or notice) date, as the authority gives it.",
    "valid_until": "The official end of the listing (an Israeli order's validity), when there is one.",
    "listing_status": "This record's status: active, delisted (the source withdrew it) or expired (past valid_until).",
    "delisted_on": "The day the listing was withdrawn: the source's own date when it gives one, else the day this feed saw it go.",
    "source_url": "The official record's public page (http or https).",
    "raw_address": "The text the source published for this address, as read (pieces a line break cut, joined; its tag).",
    "holder_issues": "What cleaning the holder's name took: homoglyphs_replaced, quotes_stripped, invisible_characters_stripped.",
    "tag": "The destination tag or memo of a tagged deposit.",
    "caip2": "The CAIP-2 id of the chain it was listed under (eip155:1, bip122:000000000019d6689c085ae165831e93, ...).",
}

CHANGE_FIELDS: dict[str, str] = {
    "change": "added (newly active), removed (no longer active: delisted or expired) or changed (the record differs).",
    "id": ADDRESS_FIELDS["id"],
    "chain": ADDRESS_FIELDS["chain"],
    "address": ADDRESS_FIELDS["address"],
    "status": "The address's status in this release.",
    "fields": "For a changed address: which of its fields changed (listings, validity, issues, display, ...).",
    "sources": "The lists that name the address.",
    "holders": "Every holder its listings name.",
    "programs": "Every programme its listings cite.",
    "source_urls": "The official records' public pages.",
    "caip2": ADDRESS_FIELDS["caip2"],
}
