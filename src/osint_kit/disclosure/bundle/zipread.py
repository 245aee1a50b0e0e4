"""Read a bundle's zip in place: every entry streamed once, hashed, never unpacked.

The names and declared sizes are checked first, by ``check_zip``
(``bag.check_zip``: unsafe names, links, duplicates, a file and a folder of one
name, sizes against the bag's Payload-Oxum, the compression ratio); then each
entry is read once from the zip in large chunks (a stored exhibit is not
inflated), its SHA-256 (and any other digest a manifest asks for) computed on a
worker thread while the next chunk is read, and cut off as soon as it yields
more than it declared. Small files the checks need are kept in memory; nothing
is written anywhere.
"""

from __future__ import annotations

import codecs
import hashlib
import posixpath
import unicodedata
import zipfile
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlparse

from tqdm.auto import tqdm

from osint_kit.disclosure.bundle.bag import _DAMAGED, check_zip
from osint_kit.errors import UnsafeBundle

CHUNK = 4 << 20
#: At most this many bytes of the bag are held in memory (its tag files and the small
#: JSON files of the payload; a manifest of 100,000 files is about 15 MiB).
KEEP_BYTES = 256 << 20
#: Below this, a chunk is hashed on the reading thread (a hand-off costs more).
INLINE = 1 << 20


@dataclass
class Entry:
    """One file of the bag: its path inside the bag (``data/…`` for the payload)."""

    name: str
    size: int
    digests: dict[str, str]
    data: bytes | None = None


@dataclass
class BagContents:
    """The bag as read from the zip: every file (not folder) by its path in the bag."""

    top: str
    files: dict[str, Entry] = field(default_factory=dict)
    folders: set[str] = field(default_factory=set)

    def read(self, name: str) -> bytes | None:
        entry = self.files.get(name)
        return None if entry is None else entry.data


def manifest_algorithms(names: Iterable[str]) -> list[str]:
    """The digests the bag's (tag) manifests name, as bagit-python picks them up
    (``manifest-<alg>.txt`` for an algorithm hashlib guarantees); SHA-256 always."""
    algs = ["sha256"]
    for name in names:
        for prefix in ("manifest-", "tagmanifest-"):
            if name.startswith(prefix) and name.endswith(".txt") and "/" not in name:
                alg = name[len(prefix) : -len(".txt")]
                usable = alg in hashlib.algorithms_guaranteed and not alg.startswith("shake")
                if usable and alg not in algs:
                    algs.append(alg)
    return algs


def read_bag(
    bundle: Path,
    *,
    max_bytes: int,
    keep: Callable[[str, int], bool],
    keep_bytes: int = KEEP_BYTES,
    max_files: int = 100_000,
    progress: bool = False,
) -> BagContents:
    """Check the zip's names and sizes, then stream each file of the bag once.

    ``keep(name, size)`` says which files to hold in memory besides hashing them, up
    to ``keep_bytes`` in all (a file past that is hashed, not kept: ``read`` gives None).
    Raises UnsafeBundle for what is refused and zipfile.BadZipFile (naming the entry)
    for a damaged one, as ``check_zip`` would. ``progress``: a bar on stderr of the
    bytes read and hashed (of what the entries declare).
    """
    try:
        zf = zipfile.ZipFile(bundle)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise UnsafeBundle(bundle, f"not a readable zip ({exc})") from None
    with zf, ThreadPoolExecutor(1, thread_name_prefix="osint-kit-verify-hash") as pool:
        infos, top = check_zip(bundle, zf, max_bytes=max_bytes, max_files=max_files)
        bar = tqdm(
            desc="verify bundle",
            total=sum(info.file_size for info in infos if not info.is_dir()),
            unit="B",
            unit_scale=True,
            unit_divisor=1024,
            disable=not progress,
        )
        with bar:
            return _read_entries(bundle, zf, infos, top, keep, keep_bytes, pool, bar.update)


def _read_entries(
    bundle: Path,
    zf: zipfile.ZipFile,
    infos: list[zipfile.ZipInfo],
    top: str,
    keep: Callable[[str, int], bool],
    keep_bytes: int,
    pool: ThreadPoolExecutor,
    count: Callable[[int], object],
) -> BagContents:
    """Every entry of the checked zip streamed once (``read_bag``); ``count`` is told the
    bytes read as they are."""
    contents = BagContents(top)
    rels = [(info, _relative(info.filename)) for info in infos]
    algs = manifest_algorithms(rel for info, rel in rels if not info.is_dir())
    for info, rel in rels:
        if not rel:
            continue
        parents = PurePosixPath(rel).parents
        contents.folders.update(p.as_posix() for p in parents if p.parts)
        if info.is_dir():
            contents.folders.add(rel)
            continue
        hashers = {alg: hashlib.new(alg) for alg in algs}
        kept = keep(rel, info.file_size) and info.file_size <= keep_bytes
        keep_bytes -= info.file_size if kept else 0
        data = _stream(bundle, zf, info, hashers, kept, pool, count)
        contents.files[rel] = Entry(
            rel, info.file_size, {a: h.hexdigest() for a, h in hashers.items()}, data
        )
    return contents


def _relative(name: str) -> str:
    """The entry's path inside the bag (below the top folder), normalised; "" for the top."""
    parts = PurePosixPath(name).parts[1:]
    return posixpath.normpath("/".join(parts)) if parts else ""


def _update(hashers: Iterable[Any], chunk: bytes) -> None:
    for h in hashers:
        h.update(chunk)


def _stream(
    bundle: Path,
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    hashers: dict[str, Any],
    keep: bool,
    pool: ThreadPoolExecutor,
    count: Callable[[int], object],
) -> bytes | None:
    """Hash one entry (on ``pool`` while the next chunk is read), cut off as soon as it
    yields more than it declared; its bytes if ``keep``."""
    left = info.file_size
    parts: list[bytes] | None = [] if keep else None
    pending: Future[None] | None = None
    hs = list(hashers.values())
    try:
        with zf.open(info) as src:
            while chunk := src.read(CHUNK):
                left -= len(chunk)
                count(len(chunk))
                if left < 0:
                    raise UnsafeBundle(
                        bundle,
                        f"entry {info.filename!r} holds more than the {info.file_size} bytes "
                        "it declares",
                    )
                if pending is not None:
                    pending.result()
                    pending = None
                if len(chunk) < INLINE:
                    _update(hs, chunk)
                else:
                    pending = pool.submit(_update, hs, chunk)
                if parts is not None:
                    parts.append(chunk)
        if pending is not None:
            pending.result()
    except _DAMAGED as exc:
        raise zipfile.BadZipFile(f"entry {info.filename!r} is damaged ({exc})") from None
    return None if parts is None else b"".join(parts)


def nfc(name: str) -> str:
    return unicodedata.normalize("NFC", name)


# -- BagIt 1.0, checked from what was read ---------------------------------------------

#: The manifests bagit-python looks for (manifest-<alg>.txt, tagmanifest-<alg>.txt).
ALGORITHMS = tuple(sorted(hashlib.algorithms_guaranteed))
_BOM = "\ufeff"


class _NotABag(Exception):
    """What bagit-python's ``Bag()`` refuses before it validates anything."""


def bagit_problems(bag: BagContents) -> list[tuple[str, str | None]]:
    """What bagit-python's ``Bag(path).validate()`` finds in this bag (its rules, in its
    order: it stops at the first step that fails), from the digests computed as the zip
    was read. Each problem is a message and, where one file is at fault, its path."""
    try:
        version, encoding, info, entries = _open_bag(bag)
    except _NotABag as exc:
        return [(f"not a BagIt bag: {exc}", None)]
    except (ValueError, LookupError) as exc:  # undecodable tag files and the like
        return [(f"not a readable BagIt bag ({type(exc).__name__}: {exc})", None)]
    problems: list[tuple[str, str | None]] = []
    if version != (1, 0):
        problems.append((f"BagIt version {'.'.join(map(str, version))}, not 1.0 (RFC 8493)", None))
    try:
        problems += _validate(bag, encoding, info, entries)
    except (ValueError, LookupError) as exc:
        problems.append((f"BagIt could not check it ({type(exc).__name__}: {exc})", None))
    return problems


def _text(bag: BagContents, name: str, encoding: str) -> str | None:
    if name not in bag.files:
        return None
    data = bag.read(name)
    if data is None:
        raise _NotABag(f"{name} is too large to read")
    return data.decode(encoding)


def _tags(text: str, name: str) -> dict[str, str | list[str]]:
    """RFC 2822-style tags with folded lines, as bagit-python parses them (a name that
    repeats collects its values in a list)."""
    tags: dict[str, str | list[str]] = {}
    pairs: list[tuple[str, str]] = []
    key: str | None = None
    value = ""
    for line in text.splitlines(keepends=True):
        if not line or line.isspace():
            continue
        if line[0].isspace() and key is not None:
            value += line
            continue
        if key:
            pairs.append((key, value.strip()))
        if ":" not in line:
            raise _NotABag(f"{name} contains invalid tag: {line.strip()}")
        k, _, v = line.strip().partition(":")
        key, value = k.strip(), v
    if key:
        pairs.append((key, value.strip()))
    for k, v in pairs:
        old = tags.get(k)
        if old is None:
            tags[k] = v
        elif isinstance(old, list):
            old.append(v)
        else:
            tags[k] = [old, v]
    return tags


def _dangerous(path: str) -> bool:
    return (
        path.startswith(("/", "~"))
        or path == ".."
        or path.startswith("../")
        or posixpath.normpath(path).startswith("../")
    )


def _open_bag(
    bag: BagContents,
) -> tuple[tuple[int, ...], str, dict[str, str | list[str]], dict[str, dict[str, str]]]:
    bagit_txt = _text(bag, "bagit.txt", "utf-8-sig")
    if bagit_txt is None:
        raise _NotABag("Expected bagit.txt does not exist")
    tags = _tags(bagit_txt, "bagit.txt")
    missing = [t for t in ("BagIt-Version", "Tag-File-Character-Encoding") if t not in tags]
    if missing:
        raise _NotABag(f"Missing required tag in bagit.txt: {', '.join(missing)}")
    raw_version, encoding = tags["BagIt-Version"], tags["Tag-File-Character-Encoding"]
    if not isinstance(raw_version, str) or not isinstance(encoding, str):
        raise _NotABag("bagit.txt repeats a required tag")
    try:
        version = tuple(int(i) for i in raw_version.split(".", 1))
    except ValueError:
        raise _NotABag(
            f"Bag version numbers must be MAJOR.MINOR numbers, not {raw_version}"
        ) from None
    if not (0, 96) <= version < (2,):
        raise _NotABag(f"Unsupported bag version: {raw_version}")
    try:
        codecs.lookup(encoding)
    except LookupError:
        raise _NotABag(f"Unsupported encoding: {encoding}") from None
    info_text = _text(bag, "bag-info.txt", encoding)
    info = _tags(info_text, "bag-info.txt") if info_text is not None else {}
    entries: dict[str, dict[str, str]] = {}
    names = [f"manifest-{a}.txt" for a in ALGORITHMS]
    if version >= (0, 97):
        names += [f"tagmanifest-{a}.txt" for a in ALGORITHMS]
    for name in names:
        text = _text(bag, name, encoding)
        if text is None:
            continue
        alg = name.partition("-")[2].removesuffix(".txt")
        if text.startswith(_BOM) and encoding.upper().startswith("UTF"):
            text = text[1:]
        for line in text.splitlines():
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            entry = line.split(None, 1)
            if len(entry) != 2:
                continue  # bagit-python logs it and goes on
            digest, path = entry[0], posixpath.normpath(entry[1].lstrip("*"))
            path = path.replace("%0D", "\r").replace("%0A", "\n")
            if _dangerous(path):
                raise _NotABag(f'Path "{path}" in manifest "{name}" is unsafe')
            hashes = entries.setdefault(path, {})
            if alg in hashes:
                how = "the same value" if hashes[alg] == digest else "conflicting values"
                raise _NotABag(f"{alg} manifest lists {path} multiple times with {how}")
            hashes[alg] = digest
    return version, encoding, info, entries


def _validate(
    bag: BagContents,
    encoding: str,
    info: dict[str, str | list[str]],
    entries: dict[str, dict[str, str]],
) -> list[tuple[str, str | None]]:
    # structure
    if "data" not in bag.folders:
        return [("Expected data directory data/ does not exist", None)]
    if not any(f"manifest-{a}.txt" in bag.files for a in ALGORITHMS):
        return [("No manifest files found", None)]
    if (bag.read("bagit.txt") or b"").startswith(codecs.BOM_UTF8):
        return [("bagit.txt must not contain a byte-order mark", "bagit.txt")]
    # fetch.txt: well-formed lines, safe names, URLs with a scheme and a host
    fetch = _text(bag, "fetch.txt", encoding)
    for line in (fetch or "").splitlines():
        parts = line.strip().split(None, 2)
        if len(parts) != 3:
            return [(f"fetch.txt holds a line that is not 'URL LENGTH FILENAME': {line!r}", None)]
        url, _, name = parts
        if _dangerous(name):
            return [(f'Path "{name}" in "fetch.txt" is unsafe', "fetch.txt")]
        parsed = urlparse(url)
        if not (all((parsed.scheme, parsed.netloc)) or parsed.scheme == "file"):
            return [(f"Malformed URL in fetch.txt: {url}", "fetch.txt")]
    payload = {nfc(n): e for n, e in bag.files.items() if n.startswith("data/")}
    # Payload-Oxum: the payload's files and bytes
    oxum = info.get("Payload-Oxum")
    if isinstance(oxum, list):
        oxum = oxum[0]
    if oxum is not None:
        size, dot, count = oxum.partition(".")
        if not dot or not size.isdigit() or not count.isdigit():
            return [(f"Malformed Payload-Oxum value: {oxum}", "bag-info.txt")]
        found_bytes = sum(e.size for e in payload.values())
        if (int(count), int(size)) != (len(payload), found_bytes):
            return [
                (
                    f"Payload-Oxum validation failed. Expected {int(count)} files and "
                    f"{int(size)} bytes but found {len(payload)} files and {found_bytes} bytes",
                    "bag-info.txt",
                )
            ]
    # completeness: every payload file listed, nothing listed missing
    listed = {nfc(p): p for p in entries if p.startswith("data/")}
    listed.update((nfc(p), p) for p in entries if not p.startswith("data/") and p not in bag.files)
    problems: list[tuple[str, str | None]] = []
    for name in sorted(set(listed) - set(payload)):
        problems.append(
            (f"{listed[name]} exists in manifest but was not found on filesystem", listed[name])
        )
    for name in sorted(set(payload) - set(listed)):
        n = payload[name].name
        problems.append((f"{n} exists on filesystem but is not in the manifest", n))
    if problems:
        return problems
    # every entry's digests
    for path, hashes in entries.items():
        entry = payload.get(nfc(path)) if path.startswith("data/") else bag.files.get(path)
        for alg, stored in hashes.items():
            found = entry.digests.get(alg) if entry is not None else None
            if found is None:
                found = f"Could not read {path}"
            if stored.lower() != found:
                problems.append(
                    (
                        f'{path} {alg} validation failed: expected="{stored.lower()}" '
                        f'found="{found}"',
                        path,
                    )
                )
    return problems
