"""Field encryption at rest (DESIGN.md: T3 free text and all T4 are encrypted; key ring with key ids).

AES-256-GCM (``cryptography``'s ``AESGCM``) under a key ring — or SM4-GCM (GB/T 32907, 128-bit keys) for 国密
deployments: the cipher belongs to the key, so a ring may hold both while ``rotate_keys`` moves the rows from an
AES key to a new SM4 primary (or back). A ciphertext is one ASCII string::

    x1:<kid>:<base64url(nonce || ciphertext || tag)>

``x1`` is the format version, ``kid`` the id of the key that sealed it (so old rows stay readable after a new
primary key is added, and ``manage.py rotate_keys`` can find the rows still under an old key). The associated
data binds the ciphertext to its place — the format version, the key id and a *context* string, for fields
``"<app_label>.<model_name>.<field_name>"`` — so a value copied into another column or row of another model
fails to decrypt instead of being shown out of context.

Keys come from ``settings.XINYU_DATA_KEYS`` (``"kid:base64key,kid2:sm4:base64key"``; the first is the primary,
used for new writes; ``sm4:`` marks an SM4 key) or from the JSON file ``settings.XINYU_DATA_KEY_FILE``
(``{"primary": "kid", "keys": {"kid": "base64key", "kid2": "sm4:base64key"}}``). ``generate_data_key`` makes
keys of the cipher ``settings.XINYU_DATA_CIPHER`` ("aes-256-gcm", the default, or "sm4-gcm"). In development (DEBUG) with neither, a key file is
generated once (mode 0600) and a warning says so; without DEBUG the process refuses to start.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
import logging
import os
import re
import secrets
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

logger = logging.getLogger(__name__)

VERSION = "x1"
NONCE_BYTES = 12
KEY_BYTES = 32  # AES-256
SM4_KEY_BYTES = 16  # SM4 has one key size, 128 bits
TAG_BYTES = 16
AES, SM4 = "aes-256-gcm", "sm4-gcm"
CIPHERS = (AES, SM4)
KID_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_TOKEN_RE = re.compile(r"^x1:([A-Za-z0-9_-]{1,32}):([A-Za-z0-9_=-]+)$")

GENERATE_HINT = "python manage.py generate_data_key"


class DecryptionError(Exception):
    """A stored value could not be decrypted: malformed, under an unknown key, tampered or out of place."""


class SM4GCM:
    """SM4 in GCM mode with the same calls as ``AESGCM`` (ciphertext || 16-byte tag; ``InvalidTag`` on a bad
    one), through ``cryptography``'s OpenSSL SM4."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def encrypt(self, nonce: bytes, data: bytes, aad: bytes) -> bytes:
        enc = Cipher(algorithms.SM4(self._key), modes.GCM(nonce)).encryptor()
        enc.authenticate_additional_data(aad)
        return enc.update(data) + enc.finalize() + enc.tag

    def decrypt(self, nonce: bytes, data: bytes, aad: bytes) -> bytes:
        body, tag = data[:-TAG_BYTES], data[-TAG_BYTES:]
        dec = Cipher(algorithms.SM4(self._key), modes.GCM(nonce, tag)).decryptor()
        dec.authenticate_additional_data(aad)
        return dec.update(body) + dec.finalize()


def _split_cipher(text: str) -> tuple[str, str]:
    """``"sm4:base64"`` → (SM4, "base64"); anything else is an AES-256 key."""
    text = text.strip()
    if text.lower().startswith("sm4:"):
        return SM4, text[4:]
    return AES, text


@dataclass(frozen=True)
class KeyRing:
    """Named keys (AES-256 unless listed in ``ciphers`` as SM4); ``primary`` seals new values, every key opens
    the values it sealed."""

    keys: dict[str, bytes]
    primary: str
    source: str = ""
    ciphers: dict[str, str] = field(default_factory=dict)  # kid → AES | SM4; absent means AES
    _aead: dict[str, AESGCM | SM4GCM] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.keys:
            raise ImproperlyConfigured("The data key ring is empty.")
        for kid, key in self.keys.items():
            if not KID_RE.match(kid):
                raise ImproperlyConfigured(f"Data key id {kid!r}: use 1–32 characters of A–Z a–z 0–9 _ -.")
            cipher = self.cipher_of(kid)
            want = SM4_KEY_BYTES if cipher == SM4 else KEY_BYTES
            if len(key) != want:
                raise ImproperlyConfigured(
                    f"Data key {kid!r} is {len(key)} bytes; {cipher} needs {want} ({GENERATE_HINT})."
                )
            self._aead[kid] = SM4GCM(key) if cipher == SM4 else AESGCM(key)
        if self.primary not in self.keys:
            raise ImproperlyConfigured(f"The primary data key {self.primary!r} is not in the key ring.")

    def cipher_of(self, kid: str) -> str:
        return self.ciphers.get(kid, AES)

    @staticmethod
    def _aad(kid: str, context: str) -> bytes:
        return f"xinyu|{VERSION}|{kid}|{context}".encode()

    def encrypt(self, plaintext: str, context: str) -> str:
        kid = self.primary
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead[kid].encrypt(nonce, plaintext.encode("utf-8"), self._aad(kid, context))
        return f"{VERSION}:{kid}:{base64.urlsafe_b64encode(nonce + sealed).decode('ascii')}"

    def decrypt(self, token: str, context: str) -> str:
        kid, blob = parse(token)
        aead = self._aead.get(kid)
        if aead is None:
            raise DecryptionError(
                f"{context}: sealed with data key {kid!r}, which is not in the key ring (retired too early?)"
            )
        try:
            plain = aead.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], self._aad(kid, context))
        except InvalidTag:
            raise DecryptionError(
                f"{context}: the value does not authenticate (changed, or copied from another field)"
            ) from None
        return plain.decode("utf-8")

    def is_current(self, token: str) -> bool:
        """Is ``token`` sealed under the primary key (nothing for ``rotate_keys`` to do)?"""
        return key_id(token) == self.primary


def parse(token: str) -> tuple[str, bytes]:
    """Split a ciphertext into (key id, nonce||ciphertext||tag); raise DecryptionError if it is not one."""
    m = _TOKEN_RE.match(token) if isinstance(token, str) else None
    if m is None:
        raise DecryptionError(f"not an {VERSION} ciphertext (plaintext in an encrypted column?)")
    try:
        blob = base64.urlsafe_b64decode(m.group(2))
    except (binascii.Error, ValueError):
        raise DecryptionError("ciphertext is not valid base64") from None
    if len(blob) < NONCE_BYTES + 16:
        raise DecryptionError("ciphertext is too short")
    return m.group(1), blob


def key_id(token: str) -> str:
    return parse(token)[0]


def looks_encrypted(value: object) -> bool:
    return isinstance(value, str) and _TOKEN_RE.match(value) is not None


def new_key(cipher: str = AES) -> tuple[str, str]:
    """A fresh (key id, key text). The id carries the date so operators can see a key's age; an SM4 key's text
    is ``sm4:<base64>``, an AES-256 key's plain base64."""
    if cipher not in CIPHERS:
        raise ImproperlyConfigured(f"Unknown data cipher {cipher!r}: use one of {', '.join(CIPHERS)}.")
    kid = f"k{dt.date.today():%Y%m%d}{secrets.token_hex(3)}"
    if cipher == SM4:
        return kid, "sm4:" + base64.b64encode(os.urandom(SM4_KEY_BYTES)).decode("ascii")
    return kid, base64.b64encode(AESGCM.generate_key(bit_length=256)).decode("ascii")


def _b64key(kid: str, text: str) -> bytes:
    try:
        return base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise ImproperlyConfigured(f"Data key {kid!r} is not valid base64 ({GENERATE_HINT}).") from None


def parse_key_list(text: str) -> KeyRing:
    """``"kid:base64key,kid2:sm4:base64key"`` → KeyRing (first is primary)."""
    keys: dict[str, bytes] = {}
    ciphers: dict[str, str] = {}
    primary = ""
    for item in (part.strip() for part in text.split(",")):
        if not item:
            continue
        kid, sep, rest = item.partition(":")
        kid = kid.strip()
        if not sep:
            raise ImproperlyConfigured(
                "XINYU_DATA_KEYS must look like 'kid:base64key[,kid2:sm4:base64key…]'."
            )
        if kid in keys:
            raise ImproperlyConfigured(f"XINYU_DATA_KEYS names key {kid!r} twice.")
        ciphers[kid], b64 = _split_cipher(rest)
        keys[kid] = _b64key(kid, b64)
        primary = primary or kid
    return KeyRing(keys=keys, primary=primary, source="XINYU_DATA_KEYS", ciphers=ciphers)


def load_key_file(path: Path) -> KeyRing:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        primary, raw = data["primary"], data["keys"]
        if not isinstance(raw, dict):
            raise TypeError
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ImproperlyConfigured(
            f'Data key file {path} is unreadable: expected {{"primary": "kid", "keys": {{"kid": "base64"}}}} '
            f"({exc.__class__.__name__})."
        ) from None
    split = {kid: _split_cipher(text) for kid, text in raw.items()}
    return KeyRing(
        keys={kid: _b64key(kid, b64) for kid, (_c, b64) in split.items()},
        primary=primary,
        source=str(path),
        ciphers={kid: c for kid, (c, _b) in split.items()},
    )


def _create_dev_key_file(path: Path) -> None:
    """Write a new one-key file atomically, readable by the owner only; if another process won, keep theirs."""
    kid, b64 = new_key(getattr(settings, "XINYU_DATA_CIPHER", AES))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".keys-")  # mkstemp creates the file 0600
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump({"primary": kid, "keys": {kid: b64}}, f, indent=2)
            f.write("\n")
        try:
            os.link(tmp, path)  # atomic create-if-absent: parallel test workers agree on one key
        except FileExistsError:
            return
    finally:
        os.unlink(tmp)
    logger.warning(
        "Generated a development data key in %s (mode 0600). Keep this file: without it, encrypted "
        "fields cannot be read. Production must set XINYU_DATA_KEYS or XINYU_DATA_KEY_FILE.",
        path,
    )


# DEBUG as configured when the process started: the test runner turns settings.DEBUG off, but a test run on a
# developer's machine is still "dev" for the purpose of creating a local key file (set by AccessConfig.ready).
startup_debug: bool | None = None


def _dev_mode() -> bool:
    return settings.DEBUG if startup_debug is None else startup_debug


def load_keyring() -> KeyRing:
    listed = (getattr(settings, "XINYU_DATA_KEYS", "") or "").strip()
    if listed:
        return parse_key_list(listed)
    file_setting = getattr(settings, "XINYU_DATA_KEY_FILE", "") or ""
    path = Path(file_setting) if file_setting else None
    if path is not None and path.exists():
        return load_key_file(path)
    if _dev_mode() and path is not None:
        _create_dev_key_file(path)
        return load_key_file(path)
    raise ImproperlyConfigured(
        "No data-encryption key: set XINYU_DATA_KEYS='kid:base64key' or XINYU_DATA_KEY_FILE to a JSON key "
        f"file{f' (not found: {path})' if path else ''}. Create a key with `{GENERATE_HINT}`. Encrypted "
        "fields (T3 free text, T4 notes) cannot be written or read without it."
    )


_ring: KeyRing | None = None
_lock = threading.Lock()


def keyring() -> KeyRing:
    """The process's key ring, loaded once."""
    global _ring
    ring = _ring
    if ring is None:
        with _lock:
            if _ring is None:
                _ring = load_keyring()
            ring = _ring
    return ring


def reset_keyring() -> None:
    global _ring
    with _lock:
        _ring = None


@receiver(setting_changed)
def _settings_changed(*, setting: str, **kwargs) -> None:
    if setting in {"XINYU_DATA_KEYS", "XINYU_DATA_KEY_FILE", "DEBUG"}:
        reset_keyring()


def encrypt(plaintext: str, context: str) -> str:
    return keyring().encrypt(plaintext, context)


def decrypt(token: str, context: str) -> str:
    return keyring().decrypt(token, context)
