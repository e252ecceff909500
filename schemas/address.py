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
# CAIP-2 chain ids (ChainAgnostic namespaces: bip122 = the first 32 hex digits of the genesis
# block's hash, or of the first block after a fork; eip155 = the EIP-155 chain id). A chain with
# no registered id has none: a made-up one would mislead.
CAIP2: dict[str, str] = {
    "bitcoin": "bip122:000000000019d6689c085ae165831e93",
    "litecoin": "bip122:12a765e31ffd4059bada1e25190f6e98",
    "bitcoin-cash": "bip122:000000000000000000b15ad892af8f6a",
    "bitcoin-sv": "bsv:mainnet",
    "dogecoin": "bip122:1a91e3dace36e2be3bf030a65679fe82",
    "dash": "bip122:00000ffd590b1485b3caadc19b22e637",
    "zcash": "bip122:00040fe8ec8471911baa1db1266ea15d",
    "monero": "monero:418015bb9ae982a1975da7d79277c270",
    "ethereum": "eip155:1",
    "ethereum-classic": "eip155:61",
    "arbitrum": "eip155:42161",
    "bsc": "eip155:56",
    "polygon": "eip155:137",
    "tron": "tron:0x2b6653dc",
    "xrp": "xrpl:0",
    "solana": "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp",
}
CAIP2_TESTNET: dict[str, str] = {
    "bitcoin": "bip122:000000000933ea01ad0ee984209779ba",
    "litecoin": "bip122:4966625a4b2851d9fdee139e56211a0d",
    "xrp": "xrpl:1",
}


def caip2(chain: str, issues) -> str | None:
    """The CAIP-2 id of the chain an address was listed under (its test network's when the address
    is a testnet one); None for an unknown chain or one with no registered id (bitcoin-gold, verge)."""
    if "testnet" in issues:
        return CAIP2_TESTNET.get(chain)
    return CAIP2.get(chain)


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
