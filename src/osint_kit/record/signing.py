"""Examiners' Ed25519 keys, and the signatures they put on custody events.

Each examiner may hold one key pair, made by ``osint-kit examiner init``: the
private key in the user's config directory (``keys/<examiner id>.pem``, mode
0600, encrypted when a passphrase is given), the public key beside it. When an
examiner with a key first writes to a case, an ``examiner.key.registered`` event
(signed with that key: proof of possession) puts the public key on the record,
and ``examiners/<key id>.pem`` holds a copy. From then on every event they write
carries ``signature``: Ed25519 over the 32 bytes of the event's ``hash``, with the
key id. Any Ed25519 tool can check one (docs/format.md shows openssl).
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from osint_kit.base.files import read_regular
from osint_kit.errors import KeyUnavailable, OutputExists

ALGORITHM = "Ed25519"
ENV_PASSPHRASE = "OSINT_KIT_KEY_PASSPHRASE"


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "ed25519:" + hashlib.sha256(raw).hexdigest()[:32]


def public_pem(public: Ed25519PublicKey) -> str:
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def key_path(config: Path, examiner_id: str) -> Path:
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", examiner_id)
    return config / "keys" / f"{safe}.pem"


@dataclass(frozen=True)
class Signer:
    key_id: str
    public_pem: str
    _key: Ed25519PrivateKey

    def sign(self, event_hash: str) -> dict[str, str]:
        value = self._key.sign(bytes.fromhex(event_hash))
        return {"alg": ALGORITHM, "key_id": self.key_id, "value": base64.b64encode(value).decode()}


def rotation_digest(examiner_id: str, new_key_id: str) -> str:
    """What an examiner's old key signs to hand over to their new one (hex SHA-256)."""
    text = f"osint-kit key rotation\n{examiner_id}\n{new_key_id}\n"
    return hashlib.sha256(text.encode()).hexdigest()


def retired_folder(config: Path) -> Path:
    return config / "keys" / "retired"


def generate_key(config: Path, examiner_id: str, passphrase: str | None, *, force: bool) -> Signer:
    """A new key pair for ``examiner_id``; refuses to replace one unless ``force``.

    A replaced key is kept in ``keys/retired/`` (not deleted): it endorses the new key
    in the cases it signed, so their verification can tell a rotation from a forgery.
    """
    path = key_path(config, examiner_id)
    if path.exists() and not force:
        raise OutputExists(path, "use --force to make a new key")
    if path.exists():
        _retire(path)
    key = Ed25519PrivateKey.generate()
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase.encode())
        if passphrase
        else serialization.NoEncryption()
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    # A fresh, unguessable temporary made here (O_EXCL, no link followed) and set to
    # 0600 whatever the umask: a file planted under a predictable name (mode 0666, or a
    # link) must not become the private key or decide its mode.
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(tmp, flags, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            os.fchmod(f.fileno(), 0o600)
            f.write(pem)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    public = key.public_key()
    path.with_suffix(".pub").write_text(public_pem(public), encoding="utf-8")
    return Signer(key_id(public), public_pem(public), key)


def _retire(path: Path) -> None:
    data = path.read_bytes()
    folder = retired_folder(path.parent.parent)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = hashlib.sha256(data).hexdigest()[:16]
    target = folder / f"{path.stem}--{stamp}.pem"
    os.replace(path, target)
    pub = path.with_suffix(".pub")
    if pub.exists():
        os.replace(pub, target.with_suffix(".pub"))


def retired_signers(config: Path, examiner_id: str) -> list[Signer]:
    """The examiner's earlier keys (unreadable ones are skipped: they cannot endorse)."""
    safe = key_path(config, examiner_id).stem
    found = []
    for path in sorted(retired_folder(config).glob(f"{safe}--*.pem")):
        try:
            found.append(_load(str(path), path.stat().st_mtime_ns, os.environ.get(ENV_PASSPHRASE)))
        except (KeyUnavailable, OSError):
            continue
    return found


def endorsement(
    config: Path, examiner_id: str, old_key_id: str, new_key_id: str
) -> dict[str, str] | None:
    """The old key's signature handing ``examiner_id`` over to the new key, if this machine
    still holds the old key."""
    for old in retired_signers(config, examiner_id):
        if old.key_id == old_key_id:
            return old.sign(rotation_digest(examiner_id, new_key_id))
    return None


def load_signer(config: Path, examiner_id: str) -> Signer | None:
    """The examiner's signer, or None when they have no key (their events go unsigned)."""
    path = key_path(config, examiner_id)
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return _load(str(path), stat.st_mtime_ns, os.environ.get(ENV_PASSPHRASE))


@lru_cache(maxsize=8)  # a passphrase-protected key costs a scrypt run to open
def _load(path: str, mtime_ns: int, passphrase: str | None) -> Signer:
    try:
        data = read_regular(path)
        key = serialization.load_pem_private_key(data, passphrase.encode() if passphrase else None)
    except (TypeError, ValueError) as exc:
        hint = f" (set {ENV_PASSPHRASE})" if b"ENCRYPTED" in data else ""
        raise KeyUnavailable(Path(path), f"{exc}{hint}") from None
    except OSError as exc:
        raise KeyUnavailable(Path(path), exc.strerror or str(exc)) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyUnavailable(Path(path), "not an Ed25519 key")
    public = key.public_key()
    return Signer(key_id(public), public_pem(public), key)


class Actor(dict[str, Any]):
    """An event's ``actor`` member, carrying (not recording) the examiner's signer, and
    where their retired keys are (to endorse a new key in a case an old one signed)."""

    signer: Signer | None = None
    config: Path | None = None

    def endorse(self, old_key_id: str, new_key_id: str) -> dict[str, str] | None:
        if self.config is None:
            return None
        return endorsement(self.config, str(self.get("id")), old_key_id, new_key_id)


@lru_cache(maxsize=256)
def public_key(public_key_pem: str) -> Ed25519PublicKey | None:
    """The Ed25519 key of a PEM (parsed once), or None when it is not one."""
    try:
        public = serialization.load_pem_public_key(public_key_pem.encode())
    except (ValueError, TypeError):
        return None
    return public if isinstance(public, Ed25519PublicKey) else None


def check_signature(public_key_pem: str, event_hash: str, signature: dict[str, Any]) -> bool:
    public = public_key(public_key_pem)
    if public is None:
        return False
    return verify_raw(public, event_hash, signature)


def verify_raw(public: Ed25519PublicKey, event_hash: str, signature: Any) -> bool:
    """Ed25519 over the 32 bytes of ``event_hash``; never raises (releases the GIL)."""
    try:
        value = signature.get("value", "") if isinstance(signature, dict) else ""
        public.verify(base64.b64decode(str(value), validate=True), bytes.fromhex(event_hash))
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def key_of(public_key_pem: str) -> str | None:
    public = public_key(public_key_pem)
    return key_id(public) if public is not None else None
