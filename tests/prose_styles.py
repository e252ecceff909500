"""The written styles official and press texts put addresses in (an audit found 18), each as a
function of the addresses it writes: what every prose source must read, whatever its format."""

from __future__ import annotations

from sanctions_feed.normalize import normalize

# Real sanctioned addresses (public facts from the OFAC list and the sources' samples).
BTC = ["3My1ffQr5qQzmq4aBFgRqwRYqfB5zPAt8t", "12udabs2TkX7NXCSj6KpqXfakjE52ZPLhz", "1DT3tenf14cxz9WFNxmYrXFbB6TFiVWA9U",
       "bc1qvhnfknw852ephxyc5hm4q520zmvf9maphetc9z", "36j4NfKv6Akva9amjWrLG6MuSQym1GuEmm",
       "bc1qa5wkgaew2dkv56kfvj49j0av5nml45x9ek9hz6"]
ETH = ["0x002471b8A185f9980708d0eAEC5B289714F56f8d", "0x52908400098527886E0F7030069857D2E4169EE7",
       "0x01e2919679362dFBC9ee1644Ba9C6da6D6245BB1", "0x901bb9583b24d97e995513c6778dc6888ab6870e",
       "0x4f47bc496083c727c5fbe3ce9cdf2b0f6496270c"]
TRX = ["TA1hsikRfsgGiW9nEBpT4tEXEySTNYLr2d", "TUCsTq7TofTCJRRoHk6RvhMoS2mJLm5Yzq", "TBHTJqAy4DhHhmT3dNceJYNRz4SdLofLre",
       "TWB9xgNG9nmJuwW4etsQEb9RRnrnVnoNnJ"]
LTC = "LNf2JDiuunBz7GMDKFYHN4rq5meXWxiwfb"
XRP = ["rnXyVQzgxZe7TR1EPzTkGj2jxH4LMJYh66", "rPT1Sjq2YGrBMTttX4GZHjKu9dyfzbpAYe"]


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in text)


# name -> (text, the addresses it names as written). The first three are the audit's controls.
STYLES: dict[str, tuple[str, list[str]]] = {
    "label and space": (f"Known wallet: ETH {ETH[0]}.", [ETH[0]]),
    "sentence list": (f"It used the addresses {BTC[0]}, {BTC[1]} and {TRX[0]}.", [BTC[0], BTC[1], TRX[0]]),
    "label line": (f"TRX: {TRX[1]}", [TRX[1]]),
    "ascii colon glued": (f"ETH:{ETH[1]} BTC:{BTC[4]} TRX:{TRX[2]}", [ETH[1], BTC[4], TRX[2]]),
    "explorer links": (f"see https://tronscan.org/#/address/{TRX[3]} and etherscan.io/address/{ETH[2]}", [TRX[3], ETH[2]]),
    "full-width parentheses": (f"{BTC[2]}（ビットコイン）", [BTC[2]]),
    "corner brackets": (f"アドレス「{ETH[3]}」", [ETH[3]]),
    "ideographic full stop": (f"暗号資産アドレス：{BTC[3]}。", [BTC[3]]),
    "glued to a verb": (f"アドレスは{LTC}です", [LTC]),
    "glued conjunction": (f"{TRX[0]}及び{ETH[4]}", [TRX[0], ETH[4]]),
    "slashes": (f"{BTC[5]}/{BTC[1]}/{XRP[0]}", [BTC[5], BTC[1], XRP[0]]),
    "before a line break tag": (f"{BTC[0]}<br/>{ETH[0]}<br />", [BTC[0], ETH[0]]),
    "broken over three lines": (f"wallet:\n{BTC[3][:14]}\n{BTC[3][14:28]}\n{BTC[3][28:]}\n", [BTC[3]]),
    "full-width letters and digits": (f"アドレス：{full_width(TRX[2])}", [TRX[2]]),
    "html link": (f'<a href="https://etherscan.io/address/{ETH[1]}">{ETH[1]}</a>', [ETH[1]]),
    "payment link": (f"pay to bitcoin:{BTC[4]}?amount=0.5", [BTC[4]]),
    "quoted and bracketed": (f'"{TRX[1]}" [{BTC[2]}] <{LTC}>', [TRX[1], BTC[2], LTC]),
    "no-break and ideographic spaces": (f"USDT\u00a0{TRX[3]}\u3000ETH\u202f{ETH[2]}", [TRX[3], ETH[2]]),
}

# A tag or memo written after an address makes it a tagged deposit, in prose as in a cell.
TAGGED: dict[str, tuple[str, str, str]] = {
    "destination tag": (f"XRP {XRP[0]} (destination tag 102334770)", XRP[0], "102334770"),
    "dt=": (f"deposit {XRP[1]} dt=5", XRP[1], "5"),
    "memo": (f"{XRP[0]} memo 77", XRP[0], "77"),
    "address tag": (f"{XRP[1]} (Address tag 12345)*", XRP[1], "12345"),
    "tag:": (f"XRP: {XRP[0]}, tag: 31", XRP[0], "31"),
}


def canonical(address: str) -> str:
    (reading,) = normalize(address)
    return reading.address


def all_styles() -> tuple[str, set[str]]:
    """One text with every style, line by line, and the canonical addresses it names."""
    text = "\n".join(text for text, _ in STYLES.values())
    return text, {canonical(a) for _, named in STYLES.values() for a in named}
