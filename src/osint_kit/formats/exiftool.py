"""Time, place and device of a file, from exiftool's tags and ffprobe's.

exiftool is run with its path after ``--`` and reports in groups (``-G1``) with
numbers as numbers (``-n``). Reading its tags (which time wins, which GPS form,
which group names the device) is a job of its own: many tag families, each with
its quirks, and nothing to do with decoding the media.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from osint_kit.formats.media_facts import Position, position
from osint_kit.formats.media_tools import MAX_PROBLEM, clean_error, find_tool, run_tool
from osint_kit.formats.untrusted_values import as_float, as_text

_EXIF_TIME = re.compile(
    r"^(\d{4})[:-](\d{2})[:-](\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d+)?\s*(Z|[+-]\d{2}:?\d{2})?$"
)
_OFFSET = re.compile(r"^([+-])(\d{2}):?(\d{2})$")


def _zone(text: str | None) -> timezone | None:
    if not text:
        return None
    if text == "Z":
        return UTC
    found = _OFFSET.match(text.strip())
    if not found:
        return None
    sign, hours, minutes = found.groups()
    if int(hours) > 18 or int(minutes) > 59:
        return None
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    return timezone(-delta if sign == "-" else delta)


def _when(value: Any, offset: Any = None, *, utc: bool = False) -> tuple[str, bool] | None:
    """An EXIF/QuickTime/ISO time as (ISO 8601 text, whether it had a zone), or None."""
    text = as_text(value)
    if not text:
        return None
    found = _EXIF_TIME.match(text)
    if not found:
        return None
    y, mo, d, h, mi, s, fraction, zone_text = found.groups()
    try:
        moment = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s))
    except ValueError:
        return None  # 0000:00:00 00:00:00, month 13...
    if fraction and int(fraction[1:7].ljust(6, "0")):
        moment = moment.replace(microsecond=int(fraction[1:7].ljust(6, "0")))
    zone = _zone(zone_text) or _zone(as_text(offset)) or (UTC if utc else None)
    spec = "milliseconds" if moment.microsecond else "seconds"
    if zone is None:
        return moment.isoformat(timespec=spec), False
    aware = moment.replace(tzinfo=zone).astimezone(UTC)
    return aware.replace(tzinfo=None).isoformat(timespec=spec) + "Z", True


def created_time(exif: Mapping[str, Any], tags: Mapping[str, str]) -> tuple[str | None, str | None]:
    """The first time given with a zone, in this order; else the first one as written."""
    candidates: list[tuple[str, Any, str | None, int]] = [
        ("EXIF:DateTimeOriginal", exif.get("ExifIFD:DateTimeOriginal"), "OffsetTimeOriginal", 0),
        ("EXIF:CreateDate", exif.get("ExifIFD:CreateDate"), "OffsetTimeDigitized", 0),
        ("Keys:CreationDate", exif.get("Keys:CreationDate"), None, 0),
        ("QuickTime:CreateDate", exif.get("QuickTime:CreateDate"), None, 1),  # UTC by definition
        ("XMP:DateTimeOriginal", exif.get("XMP-exif:DateTimeOriginal"), None, 0),
        ("XMP:CreateDate", exif.get("XMP-xmp:CreateDate"), None, 0),
        ("XMP:DateCreated", exif.get("XMP-photoshop:DateCreated"), None, 0),
        ("ffprobe:creation_time", tags.get("creation_time"), None, 0),
    ]
    unzoned: tuple[str, str] | None = None
    for label, value, offset_tag, utc in candidates:
        offset = exif.get(f"ExifIFD:{offset_tag}") if offset_tag else None
        found = _when(value, offset, utc=bool(utc))
        if found is None:
            continue
        text, zoned = found
        if offset_tag and _zone(as_text(offset)) and zoned:
            label += f"+{offset_tag}"
        if zoned:
            return text, label
        unzoned = unzoned or (text, label)
    return unzoned if unzoned else (None, None)


_ISO6709 = re.compile(r"^([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)([+-]\d+(?:\.\d+)?)?")


def _iso6709(text: str | None) -> Position | None:
    """``+51.5007-000.1246+010.000/`` (decimal degrees only, the form phones write)."""
    found = _ISO6709.match(text or "")
    if not found:
        return None
    lat, lon, alt = (as_float(g, negative=True) if g else None for g in found.groups())
    return position(lat, lon, alt)


def gps_position(exif: Mapping[str, Any], tags: Mapping[str, str]) -> Position | None:
    found = position(
        as_float(exif.get("Composite:GPSLatitude"), negative=True),
        as_float(exif.get("Composite:GPSLongitude"), negative=True),
        as_float(exif.get("Composite:GPSAltitude"), negative=True),
    )
    if found:
        return found
    for key in ("com.apple.quicktime.location.iso6709", "location", "location-eng"):
        if found := _iso6709(tags.get(key)):
            return found
    return None


_DEVICE_GROUPS = ("IFD0", "Keys", "UserData", "ItemList", "XMP-tiff", "XMP-xmp", "QuickTime")


def device_name(exif: Mapping[str, Any], tags: Mapping[str, str], name: str) -> str | None:
    for group in _DEVICE_GROUPS:
        if found := as_text(exif.get(f"{group}:{name}")):
            return found
    for key, value in exif.items():
        if key.endswith(f":{name}") and (found := as_text(value)):
            return found
    apple = as_text(tags.get(f"com.apple.quicktime.{name.lower()}"))
    if apple or name != "Software":
        return apple
    # Last resort: what wrote the file (ffmpeg's muxer writes "Lavf59.27.100").
    return as_text(exif.get("XMP-xmp:CreatorTool")) or as_text(tags.get("encoder"))


def read_exiftool(path: Path, timeout_s: float) -> tuple[dict[str, Any], list[str]]:
    run = run_tool(
        [
            find_tool("exiftool"),
            *("-json", "-n", "-G1", "-api", "largefilesupport=1", "--"),
            os.path.abspath(path),
        ],
        timeout_s,
    )
    try:
        data = json.loads(run.stdout) if run.stdout.strip() else None
    except ValueError:
        data = None
    found = data[0] if isinstance(data, list) and data and isinstance(data[0], dict) else None
    if found is None:
        return {}, [f"exiftool: {clean_error(run.stderr, path)}"]
    problems = []
    error = as_text(found.get("ExifTool:Error"), MAX_PROBLEM)
    warning = as_text(found.get("ExifTool:Warning"), MAX_PROBLEM)
    if error:
        problems.append(f"exiftool: {error}")
    if warning and not warning.startswith("[minor]"):
        problems.append(f"exiftool: {warning}")
    return found, problems
