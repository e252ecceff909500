"""Ed25519 signatures in the minisign format (https://jedisct1.github.io/minisign/), so that a
puller can check a release with the stock `minisign -V` tool as well as with `sanctions-feed verify`.

Formats, each a comment line and a base64 line:
- public key: "Ed" | key id (8 bytes) | public key (32);
- secret key, unencrypted: "Ed" | kdf "\\0\\0" | "B2" | salt (32) | opslimit (8) | memlimit (8) |
  key id | seed + public key (64) | BLAKE2b-256 of ("Ed" | key id | seed + public key), which
  `minisign -G -W` leaves zero;
- signature: "ED" | key id | Ed25519 over BLAKE2b-512 of the file (minisign's prehashed mode),
  then a trusted comment and a global signature over (signature | trusted comment).
Ed25519 is deterministic: the same key and file give the same signature, byte for byte."""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from .errors import FeedError

PUBLIC_KEY_FILE = "minisign.pub"
SIGNATURE_SUFFIX = ".minisig"
_ALG, _PREHASHED, _KDF_NONE, _CHECKSUM = b"Ed", b"ED", b"\0\0", b"B2"


class SignatureError(FeedError):
    """A signature, key or signed file that does not check out."""


def key_id_text(key_id: bytes) -> str:
    return key_id[::-1].hex().upper()  # minisign prints the id as a little-endian number


@dataclass(frozen=True)
class PublicKey:
    key_id: bytes
    key: bytes

    @property
    def key_id_hex(self) -> str:
        return key_id_text(self.key_id)

    def text(self) -> str:
        line = base64.b64encode(_ALG + self.key_id + self.key).decode()
        return f"untrusted comment: minisign public key {self.key_id_hex}\n{line}\n"

    def verify(self, data: bytes, signature_text: str) -> str:
        """The trusted comment of a valid signature of `data`; SignatureError otherwise."""
        lines = signature_text.splitlines()
        if len(lines) < 4 or not lines[2].startswith("trusted comment: "):
            raise SignatureError("not a minisign signature (four lines expected)")
        blob = _b64(lines[1], "signature")
        if len(blob) != 74 or blob[:2] not in (_ALG, _PREHASHED):
            raise SignatureError("not an Ed25519 minisign signature")
        if blob[2:10] != self.key_id:
            raise SignatureError(f"signed by another key ({key_id_text(blob[2:10])}, expected {self.key_id_hex})")
        signature, comment = blob[10:], lines[2].removeprefix("trusted comment: ")
        message = hashlib.blake2b(data, digest_size=64).digest() if blob[:2] == _PREHASHED else data
        public = Ed25519PublicKey.from_public_bytes(self.key)
        try:
            public.verify(signature, message)
        except InvalidSignature:
            raise SignatureError("the signature does not match the file") from None
        try:
            public.verify(_b64(lines[3], "global signature"), signature + comment.encode())
        except InvalidSignature:
            raise SignatureError("the trusted comment was altered") from None
        return comment


@dataclass(frozen=True)
class SecretKey:
    key_id: bytes
    seed: bytes

    @property
    def public(self) -> PublicKey:
        raw = Ed25519PrivateKey.from_private_bytes(self.seed).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        return PublicKey(self.key_id, raw)

    def text(self) -> str:
        pair = self.seed + self.public.key
        checksum = hashlib.blake2b(_ALG + self.key_id + pair, digest_size=32).digest()
        blob = _ALG + _KDF_NONE + _CHECKSUM + bytes(48) + self.key_id + pair + checksum
        return f"untrusted comment: minisign secret key (unencrypted)\n{base64.b64encode(blob).decode()}\n"

    def sign(self, data: bytes, trusted_comment: str) -> str:
        """A minisign signature file's text for `data` (prehashed mode, as minisign 0.11 signs)."""
        if "\n" in trusted_comment or "\r" in trusted_comment:
            raise ValueError("a trusted comment is one line")
        private = Ed25519PrivateKey.from_private_bytes(self.seed)
        signature = private.sign(hashlib.blake2b(data, digest_size=64).digest())
        global_signature = private.sign(signature + trusted_comment.encode())
        return (f"untrusted comment: signature from sanctions-feed key {self.public.key_id_hex}\n"
                f"{base64.b64encode(_PREHASHED + self.key_id + signature).decode()}\n"
                f"trusted comment: {trusted_comment}\n{base64.b64encode(global_signature).decode()}\n")


def generate() -> SecretKey:
    return SecretKey(secrets.token_bytes(8), secrets.token_bytes(32))


def _b64(line: str, what: str) -> bytes:
    try:
        return base64.b64decode(line.strip(), validate=True)
    except ValueError:
        raise SignatureError(f"the {what} is not base64") from None


def parse_public_key(text: str) -> PublicKey:
    """A public key from a minisign .pub file's text or its base64 line alone (as `minisign -P` takes)."""
    lines = [line for line in text.strip().splitlines() if not line.startswith("untrusted comment:")]
    blob = _b64(lines[0] if lines else "", "public key")
    if len(blob) != 42 or blob[:2] != _ALG:
        raise SignatureError("not a minisign Ed25519 public key")
    return PublicKey(blob[2:10], blob[10:])


def read_secret_key(path: Path) -> SecretKey:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise SignatureError(f"{path}: cannot read the signing key ({exc.strerror or exc})") from None
    blob = _b64(lines[1] if len(lines) > 1 else "", "secret key")
    if len(blob) != 158 or blob[:2] != _ALG or blob[4:6] != _CHECKSUM:
        raise SignatureError(f"{path}: not a minisign Ed25519 secret key")
    if blob[2:4] != _KDF_NONE:
        raise SignatureError(f"{path}: the key is password-protected; an unattended signer needs an unencrypted "
                             "key (`minisign -C -W`, or `sanctions-feed keygen`), kept readable by its owner only")
    key_id, pair, checksum = blob[54:62], blob[62:126], blob[126:]
    # minisign -W leaves an unencrypted key's checksum zero (it checks it only when decrypting).
    if checksum != bytes(32) and hashlib.blake2b(_ALG + key_id + pair, digest_size=32).digest() != checksum:
        raise SignatureError(f"{path}: the secret key's checksum is wrong (a damaged file)")
    key = SecretKey(key_id, pair[:32])
    if key.public.key != pair[32:]:
        raise SignatureError(f"{path}: the secret key's two halves do not belong together")
    return key


def write_key_pair(secret_path: Path, force: bool = False) -> tuple[SecretKey, Path]:
    """A new key pair: the secret key at `secret_path` (mode 0600), the public key beside it."""
    if secret_path.exists() and not force:
        raise SignatureError(f"{secret_path}: a key is already there (--force replaces it; releases signed "
                             "with it will no longer verify against the new public key)")
    key = generate()
    secret_path.parent.mkdir(parents=True, exist_ok=True)
    tmp = secret_path.with_name(f".{secret_path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key.text())
    os.replace(tmp, secret_path)
    public_path = secret_path.with_name(secret_path.name.removesuffix(".key") + ".pub")
    public_path.write_text(key.public.text(), encoding="utf-8")
    return key, public_path
