"""The trust store: the examiners' public keys a department vouches for.

A case says which key signed each examiner's events, but anyone can make a key
and write any examiner id beside it. The trust store, kept outside every case,
says which keys really are whose. It is a folder of PEM files or one keyring
file; both hold the same blocks (docs/trust.md): a few ``Header: value`` lines
(RFC 7468 allows text outside the armour) and an Ed25519 ``PUBLIC KEY``, so a
department can keep it with a text editor, openssl and version control.

Reading is strict: anything that is not such a block is an ``InvalidTrustStore``
naming the file and block, because a store that is silently half read would
make a trusted examiner look untrusted, or worse.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from osint_kit.base.dates import parse_time, utc_now
from osint_kit.base.files import atomic_write, open_regular, read_regular_text
from osint_kit.base.text import shown_in_html
from osint_kit.errors import InvalidExaminer, InvalidKey, InvalidTrustStore
from osint_kit.record.examiner import config_path, save_config_table
from osint_kit.record.signing import key_id, public_pem

ENV_TRUST = "OSINT_KIT_TRUST"
MAX_FILE = 1 << 20  # a key block is ~250 bytes; a bigger file is not a trust store
FILE_SUFFIXES = (".pem", ".keyring", ".txt")
HEADERS = {
    "examiner": "Examiner",
    "name": "Name",
    "agency": "Agency",
    "added": "Added",
    "added-by": "Added-By",
}
_ARMOUR = re.compile(r"^-----(BEGIN|END) ([A-Z0-9 ]+)-----\s*$")
_HEADER = re.compile(r"^([A-Za-z][A-Za-z-]*)[ \t]*:(.*)$")


@dataclass(frozen=True)
class TrustedKey:
    """One key the department vouches for, and the examiner it belongs to."""

    examiner: str
    key_id: str
    public_pem: str
    name: str | None
    agency: str | None
    added: str | None
    source: Path
    added_by: str | None = None


@dataclass(frozen=True)
class _Block:
    key: TrustedKey
    text: str  # as written, headers and armour: a rewrite keeps the other blocks unchanged


class TrustStore:
    """A trust store at ``path`` (a folder of ``*.pem`` files, or one keyring file).

    Nothing is read until asked: ``keys()`` reads the store afresh on every call (it
    may change on a shared drive while a notebook runs), so look many keys up in
    one list rather than calling ``for_key`` in a loop over a large case.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path).expanduser()
        self._origin: str | None = None  # where the path was configured, for messages

    # -- reading -----------------------------------------------------------------

    def keys(self) -> list[TrustedKey]:
        """Every trusted key, sorted by examiner then key id (raises InvalidTrustStore)."""
        seen: dict[tuple[str, str], TrustedKey] = {}
        for block in self._blocks():
            seen.setdefault((block.key.examiner, block.key.key_id), block.key)
        return sorted(seen.values(), key=lambda k: (k.examiner, k.key_id))

    def for_key(self, key_id: str) -> TrustedKey | None:
        """Whose key ``key_id`` is, if the store vouches for it."""
        return next((k for k in self.keys() if k.key_id == key_id), None)

    def keys_of(self, examiner_id: str) -> list[TrustedKey]:
        return [k for k in self.keys() if k.examiner == examiner_id]

    def _is_folder(self) -> bool:
        if self.path.is_dir():
            return True
        if self.path.exists():
            return False
        return self.path.suffix.lower() not in FILE_SUFFIXES

    def _files(self) -> list[Path]:
        if not os.path.lexists(self.path):
            where = f"configured in {self._origin} but " if self._origin else ""
            raise InvalidTrustStore(self.path, f"{where}missing")
        if not self.path.is_dir():
            return [self.path]
        try:
            names = sorted(os.listdir(self.path))
        except OSError as exc:
            raise InvalidTrustStore(self.path, f"cannot list: {exc.strerror or exc}") from None
        # Only top-level *.pem: a README, a .git folder or an editor's .swp file beside
        # the keys is not read; hidden files are skipped too.
        return [
            self.path / n
            for n in names
            if n.lower().endswith(".pem") and not n.startswith(".") and not (self.path / n).is_dir()
        ]

    def _blocks(self) -> list[_Block]:
        folder = self.path.is_dir()
        blocks: list[_Block] = []
        owner: dict[str, TrustedKey] = {}
        for file in self._files():
            for block in _parse(file, _read(file), stem=file.stem if folder else None):
                other = owner.setdefault(block.key.key_id, block.key)
                if other.examiner != block.key.examiner:
                    raise InvalidTrustStore(
                        file,
                        f"key {block.key.key_id} is listed for examiner {block.key.examiner!r} "
                        f"here and for {other.examiner!r} in {other.source}: which is it?",
                    )
                blocks.append(block)
        return blocks

    # -- changing ----------------------------------------------------------------

    def add(
        self,
        public_key: str | Path,
        examiner_id: str,
        *,
        name: str | None = None,
        agency: str | None = None,
        added_by: str | None = None,
    ) -> TrustedKey:
        """Vouch for ``public_key`` (PEM text, or a PEM file such as someone's
        ``keys/<id>.pub`` or a case's ``examiners/<key id>.pem``) as ``examiner_id``'s.

        A folder store gets a new file, ``<examiner>--<16 hex of the key id>.pem``; a
        keyring file is rewritten with the block appended; both atomically. A key
        already trusted for this examiner is returned as it is; one trusted for
        another examiner is refused (InvalidKey).
        """
        public = _public_key(public_key)
        kid = key_id(public)
        headers = {"Examiner": examiner_id, "Name": name, "Agency": agency}
        headers |= {"Added": utc_now(), "Added-By": added_by}
        for header, value in headers.items():
            if value is not None and (not value.strip() or any(ord(c) < 32 for c in value)):
                what = "empty" if not value.strip() else "contains control characters"
                raise InvalidExaminer(f"{header} {value!r} is {what}", "the trust store entry")
        examiner_id = examiner_id.strip()
        exists = os.path.lexists(self.path)
        current = self._blocks() if exists else []
        for block in current:
            if block.key.key_id == kid:
                if block.key.examiner == examiner_id:
                    return block.key
                raise InvalidKey(
                    "public key",
                    kid,
                    f"already trusted for examiner {block.key.examiner!r} "
                    f"({block.key.source}); remove it there first",
                )
        text = "".join(f"{h}: {v.strip()}\n" for h, v in headers.items() if v is not None)
        text += public_pem(public)
        if self._is_folder():
            self.path.mkdir(parents=True, exist_ok=True)
            safe = re.sub(r"[^A-Za-z0-9._-]", "_", examiner_id)
            safe = "_" + safe[1:] if safe.startswith(".") else safe  # never a hidden file
            target = self.path / f"{safe}--{kid.removeprefix('ed25519:')[:16]}.pem"
            if os.path.lexists(target):
                raise InvalidTrustStore(target, "already exists, holding another key")
            _write(target, text)
        else:
            target = self.path
            target.parent.mkdir(parents=True, exist_ok=True)
            _write(target, _join([b.text for b in current] + [text]))
        return _parse(target, text, stem=None)[0].key

    def remove(self, ident: str) -> list[TrustedKey]:
        """Stop vouching for a key (``ed25519:…``) or for every key of an examiner id.

        Returns what was removed; nothing matched is an InvalidKey. A folder's file is
        deleted, or rewritten without the block when it holds others too.
        """
        by_key = ident.startswith("ed25519:")
        blocks = self._blocks()
        gone = [b for b in blocks if (b.key.key_id if by_key else b.key.examiner) == ident]
        if not gone:
            what = "key" if by_key else "examiner"
            raise InvalidKey(what, ident, f"not in the trust store {self.path}")
        for source in sorted({b.key.source for b in gone}):
            keep = [b.text for b in blocks if b.key.source == source and b not in gone]
            if keep or source == self.path:  # an empty keyring file is an empty store
                _write(source, _join(keep))
            else:
                try:
                    source.unlink()
                except OSError as exc:
                    raise InvalidTrustStore(source, f"cannot delete: {exc.strerror}") from None
        return sorted({b.key for b in gone}, key=lambda k: (k.examiner, k.key_id))

    # -- showing -----------------------------------------------------------------

    def _rows(self) -> tuple[list[TrustedKey], str | None]:
        try:
            return self.keys(), None
        except InvalidTrustStore as exc:
            return [], str(exc)

    def __repr__(self) -> str:
        keys, problem = self._rows()
        lines = [f"<TrustStore {self.path}: {problem or f'{len(keys)} keys'}>"]
        lines += [f"  {k.examiner}  {k.name or '-'}  {_short(k.key_id)}" for k in keys]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        keys, problem = self._rows()
        e = shown_in_html
        head = f"<p><b>Trust store</b> <code>{e(str(self.path))}</code>: "
        if problem:
            return head + f"<b>unreadable</b>: {e(problem)}</p>"
        rows = "".join(
            f"<tr><td>{e(k.examiner)}</td><td>{e(k.name or '')}</td>"
            f"<td>{e(k.agency or '')}</td><td><code>{e(_short(k.key_id))}</code></td>"
            f"<td>{e(k.added or '')}</td></tr>"
            for k in keys
        )
        return (
            head + f"{len(keys)} keys</p><table><tr><th>examiner</th><th>name</th>"
            f"<th>agency</th><th>key</th><th>added</th></tr>{rows}</table>"
        )


def _short(kid: str) -> str:
    return kid[: len("ed25519:") + 16] + "…"


def _join(blocks: list[str]) -> str:
    return "\n".join(b if b.endswith("\n") else b + "\n" for b in blocks)


def _write(path: Path, text: str) -> None:
    try:
        atomic_write(path, text.encode("utf-8"), mode=0o644)
    except OSError as exc:
        raise InvalidTrustStore(path, f"cannot write: {exc.strerror or exc}") from None


def _read(path: Path) -> str:
    """The file's text; never more than MAX_FILE bytes, never a FIFO or device."""
    try:
        with open_regular(path) as f:  # a FIFO or a device would hang a plain open or read
            data = f.read(MAX_FILE + 1)
    except OSError as exc:
        raise InvalidTrustStore(path, f"cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE:
        raise InvalidTrustStore(path, f"larger than {MAX_FILE} bytes: not a trust store file")
    try:
        return data.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError:
        raise InvalidTrustStore(path, "not text (UTF-8): not a PEM file") from None


def _parse(path: Path, text: str, *, stem: str | None) -> list[_Block]:
    """The blocks of one file. ``stem``: the examiner of a block with no ``Examiner:``
    (a folder's file); None for a keyring file, where each block must name one."""
    blocks: list[_Block] = []
    headers: dict[str, str] = {}
    raw: list[str] = []  # the block as written: headers, then armour
    body: list[str] | None = None  # the armour, once inside it

    def fail(reason: str) -> InvalidTrustStore:
        return InvalidTrustStore(path, f"block {len(blocks) + 1}: {reason}")

    for number, line in enumerate(text.splitlines(), 1):
        line = line.rstrip()
        armour = _ARMOUR.match(line)
        if body is not None:
            raw.append(line)
            body.append(line)
            if armour and armour.group(1) == "END" and armour.group(2) == "PUBLIC KEY":
                blocks.append(_block(path, headers, raw, body, stem, fail))
                headers, raw, body = {}, [], None
            elif armour:
                raise fail(f"line {number}: {line!r} inside a PUBLIC KEY block (truncated?)")
        elif armour:
            if armour.group(1) == "END":
                raise fail(f"line {number}: {line!r} without its BEGIN")
            label = armour.group(2)
            if "PRIVATE" in label:
                raise fail(f"a {label}: only public keys belong here (keys/<id>.pub)")
            if label != "PUBLIC KEY":
                raise fail(f"a {label}, not a PUBLIC KEY (an Ed25519 SubjectPublicKeyInfo)")
            raw.append(line)
            body = [line]
        elif not line.strip():
            continue
        elif header := _HEADER.match(line):
            name = HEADERS.get(header.group(1).lower())
            value = header.group(2).strip()
            if name is None:
                raise fail(f"line {number}: unknown header {header.group(1)!r}")
            if not value:
                raise fail(f"line {number}: header {name} has no value")
            if any(ord(c) < 32 or ord(c) == 127 for c in value):
                raise fail(f"line {number}: header {name} holds control characters")
            if name in headers:
                raise fail(f"line {number}: header {name} given twice")
            headers[name] = value
            raw.append(f"{name}: {value}")
        else:
            shown = line if len(line) <= 40 else line[:40] + "…"
            raise fail(f"line {number}: {shown!r} is neither a header nor a PEM block")
    if body is not None:
        raise fail("BEGIN PUBLIC KEY without END PUBLIC KEY (truncated?)")
    if headers:
        raise fail("headers with no PUBLIC KEY after them")
    if not blocks and stem is not None:
        raise InvalidTrustStore(path, "holds no PUBLIC KEY block")
    return blocks


def _block(
    path: Path,
    headers: dict[str, str],
    raw: list[str],
    armour: list[str],
    stem: str | None,
    fail: Callable[[str], InvalidTrustStore],
) -> _Block:
    try:
        public = serialization.load_pem_public_key("\n".join(armour).encode())
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise fail("not a readable PEM public key") from None
    if not isinstance(public, Ed25519PublicKey):
        raise fail(f"{_kind(public)}, not Ed25519")
    examiner = headers.get("Examiner", stem)
    if examiner is None:
        raise fail("no Examiner: header (a keyring's blocks must each name their examiner)")
    if "Added" in headers:
        try:
            parse_time(headers["Added"], what="Added")
        except ValueError:
            raise fail(f"Added: {headers['Added']!r} is not an ISO 8601 time") from None
    key = TrustedKey(
        examiner=examiner,
        key_id=key_id(public),
        public_pem=public_pem(public),
        name=headers.get("Name"),
        agency=headers.get("Agency"),
        added=headers.get("Added"),
        source=path,
        added_by=headers.get("Added-By"),
    )
    return _Block(key, "\n".join(raw) + "\n")


def _public_key(public_key: str | Path) -> Ed25519PublicKey:
    """The one Ed25519 public key in PEM text or a PEM file (InvalidKey otherwise)."""
    given = str(public_key)
    if isinstance(public_key, str) and "-----BEGIN" in public_key:
        text, what = public_key, "public key"
    else:
        path = Path(public_key).expanduser()
        try:
            text = _read(path)
        except InvalidTrustStore as exc:
            raise InvalidKey("public key file", given, exc.reason) from None
        what = "public key file"
        given = str(path)
    labels = re.findall(r"^-----BEGIN ([A-Z0-9 ]+)-----", text, re.MULTILINE)
    if any("PRIVATE" in label for label in labels):
        raise InvalidKey(what, given, "a private key: give its public half (keys/<id>.pub)")
    if labels.count("PUBLIC KEY") != 1:
        n = labels.count("PUBLIC KEY")
        raise InvalidKey(what, given, f"holds {n} PUBLIC KEY blocks; give exactly one")
    found = re.search(r"^-----BEGIN PUBLIC KEY-----.*?^-----END PUBLIC KEY-----", text, re.M | re.S)
    try:
        public = serialization.load_pem_public_key(found.group(0).encode()) if found else None
    except (ValueError, TypeError, UnsupportedAlgorithm):
        public = None
    if public is None:
        raise InvalidKey(what, given, "not a readable PEM public key")
    if not isinstance(public, Ed25519PublicKey):
        raise InvalidKey(what, given, f"{_kind(public)}, not Ed25519")
    return public


def _kind(public: object) -> str:
    """``an RSA key``, from the class name (the key types are not imported one by one)."""
    kind = type(public).__name__.lstrip("_").removesuffix("PublicKey") or "unknown"
    return f"{'an' if kind[0] in 'AEIOUR' else 'a'} {kind} key"


# -- where the store is --------------------------------------------------------------


def trust_store_path(path: Path | str | None = None) -> Path | None:
    """The trust store to use: ``path``, else ``$OSINT_KIT_TRUST``, else ``[trust] path``
    in the examiner config file (relative to that file's folder); None when none is set."""
    found = _locate(path)
    return found[0] if found else None


def resolve_trust(path: Path | str | None = None) -> TrustStore | None:
    """The configured TrustStore, or None. A configured path that does not exist is
    not an error here (``add`` makes it); reading it is."""
    found = _locate(path)
    if found is None:
        return None
    store = TrustStore(found[0])
    store._origin = found[1]
    return store


def save_trust_path(path: Path | str) -> Path:
    """Make ``path`` (stored absolute) the trust store in the examiner config file,
    keeping its other tables; returns the config file's path."""
    absolute = Path(path).expanduser().absolute()
    try:
        return save_config_table("trust", {"path": str(absolute)})
    except OSError as exc:
        raise InvalidTrustStore(config_path(), f"cannot write: {exc.strerror or exc}") from None


def _locate(path: Path | str | None) -> tuple[Path, str] | None:
    if path is not None and str(path).strip():
        return Path(path).expanduser(), "the argument"
    env = os.environ.get(ENV_TRUST, "").strip()
    if env:
        return Path(env).expanduser(), f"${ENV_TRUST}"
    config = config_path()
    try:
        data: dict[str, Any] = tomllib.loads(read_regular_text(config))
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InvalidTrustStore(config, f"the config file cannot be read: {exc}") from None
    table = data.get("trust")
    if table is None:
        return None
    value = table.get("path") if isinstance(table, dict) else None
    if not isinstance(value, str) or not value.strip():
        raise InvalidTrustStore(config, '[trust] needs path = "<folder or keyring file>"')
    return config.parent / Path(value).expanduser(), str(config)
