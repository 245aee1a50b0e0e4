"""Bundles in the tests: an export with the usual authorisation, and what a forger does
to one (unpack, change, re-bag, re-zip the way the export zips)."""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import bagit  # type: ignore[import-untyped]

from conftest import EXAMINER
from osint_kit import Case, ExportResult
from osint_kit.disclosure.bundle.bag import zip_folder


def export(case: Case, dest: Path, **kwargs: Any) -> ExportResult:
    """``case.export_bundle`` of every exhibit (unless ``exhibits`` says), authorised."""
    values: dict[str, Any] = {
        "authorization": "DA-2026-0042",
        "recipient": "County Prosecutor",
        "purpose": "charging decision",
        "examiner": EXAMINER,
    }
    values.update(kwargs)
    return case.disclosure.export(dest, **values)


def unpack(zipped: Path, where: Path) -> Path:
    """The bag's top folder, unpacked and writable (a forger's copy)."""
    with zipfile.ZipFile(zipped) as zf:
        zf.extractall(where)
    (top,) = where.iterdir()
    for p in top.rglob("*"):
        p.chmod(0o755 if p.is_dir() else 0o644)
    return top


def rebag(top: Path) -> None:
    """Recompute the bag's manifests and Payload-Oxum, as a forger who knows BagIt would
    (bagit-python changes the working directory while it saves: it is put back)."""
    cwd = os.getcwd()
    try:
        bagit.Bag(str(top)).save(manifests=True)
    finally:
        os.chdir(cwd)


def rezip(top: Path, out: Path) -> Path:
    zip_folder(top, out, top.name)
    return out


def edited(zipped: Path, work: Path, change: Callable[[Path], None], redo: bool = True) -> Path:
    """The bundle with ``change`` applied to its unpacked bag, re-bagged (``redo``) and
    re-zipped the way the export zips."""
    top = unpack(zipped, work / "x")
    change(top)
    if redo:
        rebag(top)
    return rezip(top, work / "edited.zip")
