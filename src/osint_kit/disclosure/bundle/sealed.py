"""Bundles encrypted to their recipients' keys, in the age format (age-encryption.org/v1).

Interoperable with the ``age`` command: ``age -d -i key.txt bundle.zip.age >
bundle.zip``. Recipients are X25519 public keys (``age1…``, as ``age-keygen``
prints them); identities are age key files (lines ``AGE-SECRET-KEY-1…``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from osint_kit.base.files import open_regular, read_regular
from osint_kit.errors import CannotOpen, InvalidKey

MAGIC = b"age-encryption.org/v1"


def recipients(keys: Sequence[str]) -> list[Any]:
    from pyrage import x25519

    out = []
    for key in keys:
        try:
            out.append(x25519.Recipient.from_str(key.strip()))
        except Exception:
            raise InvalidKey(
                "recipient key", key, "not an age public key (age1…, from age-keygen)"
            ) from None
    return out


def encrypt(plain: Path, out: Path, keys: Sequence[str]) -> None:
    import pyrage

    pyrage.encrypt_file(str(plain), str(out), recipients(keys))


def is_sealed(path: Path) -> bool:
    with open_regular(path) as f:
        return f.read(len(MAGIC)) == MAGIC


def decrypt(sealed: Path, out: Path, identity_files: Sequence[Path]) -> None:
    import pyrage
    from pyrage import x25519

    identities = []
    for path in identity_files:
        try:
            lines = read_regular(path).decode("utf-8").splitlines()
        except OSError as exc:
            raise CannotOpen(f"cannot read the identity file {path}: {exc.strerror}") from None
        except ValueError:
            raise CannotOpen(f"the identity file {path} is not UTF-8 text") from None
        for line in lines:
            if line.strip().startswith("AGE-SECRET-KEY-"):
                identities.append(x25519.Identity.from_str(line.strip()))
    if not identities:
        raise CannotOpen(
            "the bundle is encrypted (age); give the recipient's key file with --identity"
        )
    try:
        pyrage.decrypt_file(str(sealed), str(out), identities)
    except Exception as exc:
        raise CannotOpen(f"it could not be decrypted with the given key(s): {exc}") from None
