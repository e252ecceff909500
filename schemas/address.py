"""What normalization says about one address found in a raw string."""

from __future__ import annotations

from typing import Literal, NamedTuple

from pydantic import TypeAdapter

Chain = Literal[
    "bitcoin", "litecoin", "bitcoin-cash", "bitcoin-sv", "bitcoin-gold", "dogecoin", "dash",
    "zcash", "monero", "verge", "ethereum", "ethereum-classic", "arbitrum", "bsc", "polygon",
    "tron", "xrp", "solana", "unknown",
]
CHAINS: tuple[str, ...] = Chain.__args__  # type: ignore[attr-defined]
EVM_CHAINS: tuple[Chain, ...] = ("ethereum", "ethereum-classic", "arbitrum", "bsc", "polygon")
Kind = Literal["address", "tagged_deposit", "exchange_account", "unknown"]
Validity = Literal["valid", "invalid", "unverifiable"]


class NormalizedAddress(NamedTuple):
    """One address (or exchange account, or unrecognised token) found in a raw string.

    An immutable NamedTuple because normalization builds a hundred thousand a second (a frozen
    dataclass costs four times as much to build); pydantic validates it via `NORMALIZED_ADDRESS`.
    """

    kind: Kind
    """`address`; `tagged_deposit` (an exchange's shared deposit address: only address + tag
    names the holder); `exchange_account`; or `unknown` (nothing address-like was found)."""
    chain: Chain
    """Chain slug; tokens such as USDT are assets, never chains."""
    address: str
    """Canonical form used for matching and IDs (EVM lowercase, bech32/CashAddr lowercase)."""
    display: str
    """The form people expect to read (EIP-55 for EVM)."""
    validity: Validity
    issues: tuple[str, ...] = ()
    """Machine-readable reasons, sorted: e.g. `homoglyphs_replaced`, `checksum_failed`."""
    asset: str | None = None
    """The source's asset/currency code as given (e.g. `USDT`), upper-cased."""
    platform: str | None = None
    """Exchange slug for `exchange_account` (binance, okx, nobitex...)."""
    tag: str | None = None
    """The destination tag or memo of a `tagged_deposit`."""

    @property
    def id(self) -> str:
        """Stable address id: `<chain>:<canonical>` or `account:<platform>:<number>`."""
        if self.kind == "exchange_account":
            return f"account:{self.platform or 'unknown'}:{self.address}"
        if self.kind == "tagged_deposit":
            return f"tagged:{self.chain}:{self.address}:{self.tag}"
        return f"{self.chain}:{self.address}"


NORMALIZED_ADDRESS = TypeAdapter(NormalizedAddress)
