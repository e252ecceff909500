"""What a source's asset/currency label says: a chain, a token, an exchange, or nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from sanctions_feed.schemas.address import Chain

# Label word -> chain. Tickers, chain names and token-standard names all appear in sources.
CHAIN_WORDS: dict[str, Chain] = {
    "XBT": "bitcoin", "BTC": "bitcoin", "BITCOIN": "bitcoin", "OMNI": "bitcoin",
    "LTC": "litecoin", "LITECOIN": "litecoin",
    "BCH": "bitcoin-cash", "BCHA": "bitcoin-cash",
    "BSV": "bitcoin-sv",
    "BTG": "bitcoin-gold",
    "DOGE": "dogecoin", "DOGECOIN": "dogecoin",
    "DASH": "dash",
    "ZEC": "zcash", "ZCASH": "zcash",
    "XMR": "monero", "MONERO": "monero",
    "XVG": "verge", "VERGE": "verge",
    "ETH": "ethereum", "ETHEREUM": "ethereum", "ERC20": "ethereum", "ERC-20": "ethereum",
    "ETC": "ethereum-classic",
    "ARB": "arbitrum", "ARBITRUM": "arbitrum",
    "BSC": "bsc", "BEP20": "bsc", "BEP-20": "bsc", "BNB": "bsc",
    "MATIC": "polygon", "POL": "polygon", "POLYGON": "polygon",
    "TRX": "tron", "TRON": "tron", "TRC20": "tron", "TRC-20": "tron",
    "XRP": "xrp", "RIPPLE": "xrp",
    "SOL": "solana", "SOLANA": "solana",
}
# Tokens live on several chains: they are assets, and the address shape decides the chain.
TOKENS = {"USDT", "USDC", "TETHER", "BUSD", "DAI"}
_PLATFORMS = {"BINANCE": "binance", "OKX": "okx", "OKEX": "okx", "NOBITEX": "nobitex",
              "HUOBI": "huobi", "HTX": "huobi", "BYBIT": "bybit", "KUCOIN": "kucoin",
              "GARANTEX": "garantex", "WHITEBIT": "whitebit", "EXMO": "exmo"}
_ACCOUNT_WORDS = {"ACCOUNT", "חשבון", "حساب"}
_WORD = re.compile(r"[^\W_]+(?:-\d+)?")


@dataclass(frozen=True, slots=True)
class Label:
    chain: Chain | None = None
    """The chain the label names, if any."""
    asset: str | None = None
    """The label's asset code as given (upper-cased), e.g. XBT, USDT; None for an empty label."""
    platform: str | None = None
    """An exchange named by the label (for account numbers)."""
    account: bool = False
    """The label says this is an exchange account, not an on-chain address."""
    unsupported: bool = False
    """A ticker we know of no chain for in our list (XLM, DGB...): the chain is unknown."""


@lru_cache(maxsize=1024)
def parse_label(text: str | None) -> Label:
    text = (text or "").strip()
    if not text:
        return Label()
    words = [w.upper() for w in _WORD.findall(text)]
    chain = next((CHAIN_WORDS[w] for w in words if w in CHAIN_WORDS), None)
    platform = next((_PLATFORMS[w] for w in words if w in _PLATFORMS), None)
    account = any(w in _ACCOUNT_WORDS for w in words) or (platform is not None and chain is None)
    is_token = any(w in TOKENS for w in words)
    asset = None
    if not account:
        asset = next((w for w in words if w in TOKENS), None) or (
            words[0] if len(words) == 1 else next((w for w in words if w in CHAIN_WORDS), None)
        )
    unsupported = chain is None and not is_token and not account
    return Label(chain, asset, platform, account, unsupported)
