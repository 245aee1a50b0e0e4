"""Repeated images: the same picture resized, re-compressed, cropped or brightened is one
cluster; different pictures are not; bad bytes are skipped with their reason."""

from __future__ import annotations

import io
import json
import struct
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from PIL import Image, ImageEnhance

from conftest import EXAMINER
from osint_kit import Case
from osint_kit.analysis import images
from osint_kit.analysis.images import CLUSTERS_SCHEMA, IMAGE_HASHES_SCHEMA, clusters_of
from osint_kit.errors import InvalidOption
from osint_kit.formats.picture_hash import hash_bytes
from osint_kit_sandbox.platforms import FakePlatforms
from osint_kit_sandbox.platforms.media import render
from social_helpers import settings_for

START = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def picture(seed: int, size: tuple[int, int] = (640, 480)) -> Image.Image:
    """A photo-like picture: a smooth random colour field, different for every seed."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 256, (6, 8, 3), dtype=np.uint8)
    return Image.fromarray(small).resize(size, Image.Resampling.BICUBIC)


def encode(img: Image.Image, fmt: str = "PNG", **options: object) -> bytes:
    out = io.BytesIO()
    img.save(out, fmt, **options)
    return out.getvalue()


def variants(img: Image.Image) -> dict[str, bytes]:
    """What a picture becomes when it is passed around."""
    w, h = img.size
    return {
        "resized.png": encode(img.resize((w // 3, h // 3))),
        "recompressed.jpg": encode(img, "JPEG", quality=10),
        "cropped.png": encode(img.crop((w * 3 // 100, h * 3 // 100, w * 97 // 100, h * 97 // 100))),
        "brightened.jpg": encode(ImageEnhance.Brightness(img).enhance(1.1), "JPEG", quality=60),
    }


def bomb_png(width: int, height: int) -> bytes:
    """A PNG whose header claims a huge picture, with almost no data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 1000))
        + chunk(b"IEND", b"")
    )


def distance(a: int | None, b: int | None) -> int:
    assert a is not None and b is not None
    return (a ^ b).bit_count()


# -- hashing bytes -------------------------------------------------------------


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_picture_passed_around_keeps_its_phash(seed: int) -> None:
    original = picture(seed)
    first = hash_bytes(encode(original))
    assert first.skipped is None and (first.width, first.height) == (640, 480)
    for name, data in variants(original).items():
        found = hash_bytes(data)
        assert distance(first.phash, found.phash) <= 10, name
        assert distance(first.dhash, found.dhash) <= 12, name
    others = [hash_bytes(encode(picture(s))) for s in range(10, 20)]
    assert min(distance(first.phash, o.phash) for o in others) > 10


def test_animated_alpha_and_rotated_pictures_hash_as_they_are_seen() -> None:
    img = picture(4)
    plain = hash_bytes(encode(img))
    frames = [img.convert("P"), Image.new("P", img.size, 0)]
    gif = io.BytesIO()
    frames[0].save(gif, "GIF", save_all=True, append_images=frames[1:])
    assert distance(hash_bytes(gif.getvalue()).phash, plain.phash) <= 4  # the first frame

    assert hash_bytes(encode(img.convert("RGBA"))).phash == plain.phash
    clear = img.convert("RGBA")
    clear.putalpha(0)  # fully transparent: what shows is the white behind it
    assert (
        hash_bytes(encode(clear)).phash == hash_bytes(encode(Image.new("L", img.size, 255))).phash
    )

    exif = Image.Exif()
    exif[0x0112] = 6  # stored on its side; shown turned a quarter clockwise
    turned = hash_bytes(encode(img.transpose(Image.Transpose.ROTATE_90), "JPEG", exif=exif))
    assert (turned.width, turned.height) == (640, 480)
    assert distance(turned.phash, plain.phash) <= 4
    unturned = hash_bytes(encode(img.transpose(Image.Transpose.ROTATE_90), "JPEG"))
    assert distance(unturned.phash, plain.phash) > 10


JPEG = encode(picture(5), "JPEG", quality=90)
PNG = encode(picture(5))
BAD = {
    "truncated.jpg": (JPEG[: len(JPEG) // 2], "truncated"),
    "truncated.png": (PNG[: len(PNG) // 2], "truncated"),
    "corrupt.jpg": (b"\xff\xd8\xff\xe0" + b"garbage" * 100, "unreadable"),
    "corrupt.png": (PNG[:200] + b"\0" * 60 + PNG[260:], "unreadable"),
    "not-a-picture.png": (b"<html>a web page, not a picture</html>", "not a picture"),
    "empty.png": (b"", "empty"),
    "bomb.png": (bomb_png(40_000, 40_000), "too large"),
    "big.png": (bomb_png(9_000, 9_000), "too large"),  # over ours, under Pillow's limits
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_bytes_are_skipped_with_the_reason(name: str) -> None:
    data, reason = BAD[name]
    found = hash_bytes(data)
    assert found.phash is None and found.dhash is None
    assert found.skipped is not None and reason in found.skipped


# -- clustering ------------------------------------------------------------------


def brute_force(values: list[int], threshold: int) -> list[list[int]]:
    """Components by comparing every pair in Python: slow, obviously right."""
    groups: list[set[int]] = []
    for v in dict.fromkeys(values):
        touching = [g for g in groups if any((v ^ w).bit_count() <= threshold for w in g)]
        merged = {v}.union(*touching)
        groups = [g for g in groups if g not in touching] + [merged]
    return sorted(sorted(g) for g in groups)


@pytest.mark.parametrize("threshold", [0, 3, 8, 12])
def test_clustering_finds_what_comparing_every_pair_finds(
    threshold: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = np.random.default_rng(threshold)
    centres = [int(x) for x in rng.integers(0, 2**64, 60, dtype=np.uint64)]
    values = list(centres)
    for c in centres[:25]:  # near copies: a few bits flipped, some twice over
        for _ in range(3):
            flips = rng.choice(64, size=int(rng.integers(0, 7)), replace=False)
            values.append(c ^ sum(1 << int(b) for b in flips))
    values.append(2**64 - 1)  # the top bit set: unsigned all the way
    monkeypatch.setattr(images, "_BLOCK_PAIRS", 50)  # many small blocks, their seams too
    groups = sorted(sorted(g) for g in clusters_of(values, threshold))
    assert groups == brute_force(values, threshold)
    assert sum(len(g) for g in groups) == len(set(values))


def test_clustering_without_numpy_2s_popcount(monkeypatch: pytest.MonkeyPatch) -> None:
    values = [0, 0b111, 0b111000000, 2**64 - 1, 2**64 - 2]
    monkeypatch.delattr(np, "bitwise_count", raising=False)
    assert sorted(sorted(g) for g in clusters_of(values, 3)) == brute_force(values, 3)


def test_clusters_join_transitively() -> None:
    a, b, c = 0, 0b1111, 0b11111111  # a~b and b~c within 4 bits, a and c 8 apart
    assert sorted(map(sorted, clusters_of([a, b, c], 4))) == [[a, b, c]]
    assert sorted(map(sorted, clusters_of([a, b, c], 3))) == [[a], [b], [c]]


# -- in a case -------------------------------------------------------------------


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.write_bytes(data)
    return path


@pytest.fixture
def imported(case: Case, tmp_path: Path) -> Case:
    """A witness's photo and its copies, three other pictures, two broken files."""
    files = tmp_path / "handed-over"
    files.mkdir()
    original = picture(1)
    paths = [write(files, "witness.png", encode(original))]
    paths += [write(files, name, data) for name, data in variants(original).items()]
    paths += [write(files, f"other-{s}.png", encode(picture(s))) for s in (21, 22, 23)]
    paths += [write(files, name, BAD[name][0]) for name in ("truncated.jpg", "corrupt.jpg")]
    case.import_files(paths, handed_over_by="Witness", examiner=EXAMINER, progress=False)
    return case


def labels_by_name(case: Case) -> dict[str, str]:
    return {str(ex.name): ex.label for ex in case.exhibits()}


def test_copies_of_one_picture_are_one_cluster(imported: Case) -> None:
    found = imported.analysis.repeated_images()
    names = labels_by_name(imported)
    assert found.to_arrow().schema.equals(CLUSTERS_SCHEMA, check_metadata=False)
    assert len(found) == 1
    cluster = found[0]
    copies = ["witness.png", *variants(picture(1))]
    assert sorted(cluster["exhibits"]) == sorted(names[n] for n in copies)
    assert cluster["size"] == cluster["distinct"] == 5
    assert cluster["first_exhibit"] in cluster["exhibits"] and cluster["first_seen"] is not None
    assert cluster["accounts"] == [] and cluster["platforms"] == []
    reasons = dict(found.skipped)
    assert "truncated" in reasons[names["truncated.jpg"]]
    assert "unreadable" in reasons[names["corrupt.jpg"]]
    assert len(reasons) == 2
    strict = imported.analysis.repeated_images(threshold=0)  # identical pHashes only
    assert all(c["size"] < 5 and c["max_distance"] == 0 for c in strict)
    assert 0 < cluster["max_distance"] <= 20


def test_image_hashes_table_and_its_cache(imported: Case, tmp_path: Path) -> None:
    hashes = imported.analysis.image_hashes()
    assert hashes.to_arrow().schema.equals(IMAGE_HASHES_SCHEMA, check_metadata=False)
    assert len(hashes) == 10
    frame = hashes.to_frame()
    good = frame[frame["skipped"].isna()]
    assert len(good) == 8 and good["phash"].str.len().eq(16).all()
    assert str(frame["phash"].dtype).startswith("string")
    cache = imported.path / "derived" / "tables" / "image_hashes.parquet"
    table = pq.read_table(cache)
    assert table.num_rows == 10  # keyed by sha256; the broken files' reasons are kept too
    stamp = cache.stat().st_mtime_ns

    imported.add_note("Looked at the pictures.", examiner=EXAMINER)
    assert imported.analysis.image_hashes() == hashes  # the log moved, the bytes did not
    assert cache.stat().st_mtime_ns == stamp  # nothing new to hash: not written

    extra = write(tmp_path, "another.png", encode(picture(30)))
    imported.import_files([extra], handed_over_by="Witness", examiner=EXAMINER, progress=False)
    assert len(imported.analysis.image_hashes()) == 11
    assert pq.read_table(cache).num_rows == 11

    cache.write_bytes(b"not parquet")  # a damaged cache is made again
    assert imported.analysis.image_hashes().to_frame()["phash"].tolist() == (
        [*hashes.to_frame()["phash"].tolist(), imported.analysis.image_hashes()[-1]["phash"]]
    )


def test_an_empty_case_has_no_repeated_images(case: Case) -> None:
    found = case.analysis.repeated_images()
    assert len(found) == 0 and found.skipped == []
    assert list(found.to_frame().columns) == CLUSTERS_SCHEMA.names
    assert list(case.analysis.image_hashes().to_frame().columns) == IMAGE_HASHES_SCHEMA.names
    with pytest.raises(InvalidOption):
        case.analysis.repeated_images(threshold=65)


def test_the_cluster_list_is_a_derived_exhibit(imported: Case) -> None:
    seq, head = imported.log.head()
    exported = imported.analysis.export_repeated_images(threshold=10, examiner=EXAMINER)
    event = imported.events()[-1]
    assert event.action == "analysis.derived"
    derived = event.details["derived"]
    assert derived["method"] == "images.repeated" and derived["head"] == {"seq": seq, "hash": head}
    pictures = {str(ex.label) for ex in imported.exhibits() if ex.media_type.startswith("image/")}
    assert set(derived["inputs"]) == pictures and len(pictures) == 10
    assert derived["parameters"]["threshold"] == 10 and derived["parameters"]["clusters"] == 1
    assert exported.role == "derived" and exported.media_type == "application/json"
    body = json.loads(exported.path.read_bytes())
    assert body["threshold"] == 10 and len(body["clusters"]) == 1
    assert body["clusters"][0]["exhibits"] == imported.analysis.repeated_images()[0]["exhibits"]
    assert {s["exhibit"] for s in body["skipped"]} == {
        labels_by_name(imported)[n] for n in ("truncated.jpg", "corrupt.jpg")
    }
    assert imported.verify().ok
    # A drawn export is not a picture of the case: not hashed, not clustered.
    imported.analysis.export_activity("D", examiner=EXAMINER)
    assert len(imported.analysis.image_hashes()) == 10


# -- from the platforms ----------------------------------------------------------


def test_a_photo_spreading_across_accounts_is_found_with_its_first_appearance(
    fake: FakePlatforms, case: Case, tmp_path: Path
) -> None:
    first = fake.telegram.add_channel("harbour_watch", title="Harbour Watch")
    first.add_post(date=START, text="Have you seen her?", photos=["missing-girl.jpg"])
    first.add_post(date=START + timedelta(hours=1), text="The pier", photos=["pier.png"])
    second = fake.telegram.add_channel("town_news", title="Town News")
    second.add_post(date=START + timedelta(days=1), text="Shared", photos=["missing-girl.jpg"])
    social = fake.mastodon.add_instance("social.example", version="4.4.0")
    carol = social.add_account("carol")
    social.add_status(  # the earliest: two hours before the first Telegram post
        carol,
        created_at=START - timedelta(hours=2),
        text="Missing since this morning",
        media=[("image", "missing-girl.jpg", "her photo")],
    )
    targets = ("telegram:harbour_watch", "telegram:town_news", "mastodon:@carol@social.example")
    for target in targets:
        case.collect(target, settings=settings_for(fake), examiner=EXAMINER, progress=False)
    # A witness hands over the same photo saved again as PNG: other bytes, same pixels.
    # (The fake's photos are smooth colour ramps with almost no texture, whose pHash bits
    # sit near the median and flip under re-compression: the resized and re-compressed
    # copies are tested above on photo-like pictures.)
    served = Image.open(io.BytesIO(render("missing-girl.jpg").body))
    case.import_file(
        write(tmp_path, "from-whatsapp.png", encode(served)),
        handed_over_by="Witness",
        examiner=EXAMINER,
        progress=False,
    )
    media = case.analysis.media().to_frame()
    photo_sha = media[media["source"].str.endswith("/missing-girl.jpg", na=False)]["sha256"].iloc[0]
    imported = media[media["name"] == "from-whatsapp.png"]["exhibit"].iloc[0]

    found = case.analysis.repeated_images()
    cluster = next(c for c in found if photo_sha in c["sha256"])
    assert imported in cluster["exhibits"] and cluster["distinct"] >= 2
    assert cluster["accounts"] == [
        "mastodon:@carol@social.example",
        "telegram:@harbour_watch",
        "telegram:@town_news",
    ]
    assert cluster["platforms"] == ["mastodon", "telegram"] and len(cluster["posts"]) == 3
    assert cluster["first_seen"] == START - timedelta(hours=2)
    on_mastodon = media[media["platforms"].map(lambda p: "mastodon" in list(p))]
    assert cluster["first_exhibit"] in on_mastodon["exhibit"].tolist()
    pictures = media[media["media_type"].str.startswith("image/")]
    assert len(case.analysis.image_hashes()) == len(pictures)
