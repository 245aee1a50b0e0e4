"""``make demo``: a whole first case, end to end, on material generated here.

A missing-person case: a tip typed up at the front desk, a photo and a voicemail
handed over by the mother, the same photo again from a second witness, two web
pages captured from the demo's own local site, and public posts collected from
local fake platforms (a Telegram channel, a Mastodon account, a Bluesky feed; the
channel is collected twice, with an edit, a deletion and a new post between).
The demo examiner signs every event (a key made for the demo, in a throw-away
config folder) and a trust store beside the cases (``cases/.demo-trust``) vouches
for that key. Every acquisition run ends with a checkpoint. The demo then rebuilds
the index, exports two exhibits as an authorised evidence bundle into the case's
``exports/``, with checkpoints before and after stamped by a local time-stamping
authority, verifies the case (signatures against the trust store, the head
ledger) and the bundle, and says where everything is. Nothing leaves the machine.
"""

from __future__ import annotations

import argparse
import contextlib
import http.server
import math
import os
import shutil
import struct
import sys
import tempfile
import threading
import wave
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

from osint_kit import (
    Authority,
    CaptureOptions,
    Case,
    CollectSettings,
    Examiner,
    TsaConfig,
    verify_bundle,
)
from osint_kit.record import TrustStore, create_signing_key

from .camera_roll import make_witness_folder
from .pictures import make_png
from .platforms import (
    FakePlatforms,
    synthetic_bluesky_actor,
    synthetic_mastodon_account,
    synthetic_telegram_channel,
)
from .tsa import make_tsa_files, serve_tsa
from .video import video_host

DEMO_TSA_CA = "demo-tsa-ca.pem"
DEMO_TRUST = ".demo-trust"  # under the cases folder; a dot folder is never taken for a case
DEMO_EXAMINER = Examiner(name="Demo Examiner", id="DEMO-0001", agency="osint-kit demo unit")


def make_wav(path: Path, seconds: float = 2.0, rate: int = 8000) -> None:
    """A short mono tone, standing in for a voicemail."""
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        frames = bytearray()
        for i in range(int(seconds * rate)):
            sample = int(8000 * math.sin(2 * math.pi * 440 * i / rate) * math.exp(-i / rate))
            frames += struct.pack("<h", sample)
        w.writeframes(bytes(frames))


def make_material(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    tip = folder / "front-desk-tip.txt"
    tip.write_text(
        "2026-11-24 21:55 caller (anonymous) says a girl matching the poster was seen\n"
        "at the bus stop on Station Road around 21:40, talking to a man in a grey jacket.\n",
        encoding="utf-8",
    )
    photo = folder / "IMG_2041.png"
    make_png(photo)
    voicemail = folder / "voicemail-2026-11-24.wav"
    make_wav(voicemail)
    second = folder / "second-witness" / "bus-stop.png"
    second.parent.mkdir(exist_ok=True)
    second.write_bytes(photo.read_bytes())
    return {"tip": tip, "photo": photo, "voicemail": voicemail, "second": second}


DEMO_PAGES = {
    "/poster.html": """<!doctype html><html><head><title>MISSING: demo person, 15</title>
<style>body{font-family:sans-serif;max-width:640px;margin:2em auto}
h1{color:#b00}</style></head><body><h1>MISSING</h1><h2>Demo person, 15</h2>
<img src="/photo.png" width="320" height="200" alt="last photo">
<p>Last seen on 24 November around 21:40 at the bus stop on Station Road,
wearing a grey hoodie. Call 000-0000 with any information.</p></body></html>""",
    "/forum/thread-42.html": """<!doctype html><html><head><title>Forum: thread 42</title>
<style>body{font-family:sans-serif;max-width:640px;margin:2em auto}
.post{border:1px solid #ccc;padding:.5em;margin:.5em 0}</style></head><body>
<h1>Thread 42: "saw her at the station?"</h1>
<div class="post"><b>user_a</b>: I think I saw her get on the 21:45 bus.</div>
<div class="post"><b>user_b</b>: she was with a guy in a grey jacket</div>
<script>navigator.sendBeacon('/track', 'page=thread-42');</script></body></html>""",
}


@contextlib.contextmanager
def demo_site(photo: bytes) -> Iterator[str]:
    """The demo's own web site on 127.0.0.1 (nothing is fetched from the internet)."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            if self.path == "/photo.png":
                body, ctype = photo, "image/png"
            elif self.path in DEMO_PAGES:
                body, ctype = DEMO_PAGES[self.path].encode(), "text/html; charset=utf-8"
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def run(root: Path, out: Sequence[str] | None = None) -> Case:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    case = Case.create(
        f"DEMO-{stamp}",
        title="Missing: demo person, 15 (generated material)",
        category="missing-person",
        authority=Authority.of("DEMO-AUTH-001", "Demo Supervisor", datetime.now(UTC).date()),
        description="Made by `make demo`; every file in it was generated on this machine.",
        root=root,
        examiner=DEMO_EXAMINER,
    )
    with tempfile.TemporaryDirectory(prefix="osint-kit-demo-") as tmp:
        m = make_material(Path(tmp))
        case.import_files(
            [m["tip"]],
            handed_over_by="Front desk, Officer K. Lee",
            note="typed up from an anonymous phone call",
            examiner=DEMO_EXAMINER,
            progress=False,
        )
        case.import_files(
            [m["photo"], m["voicemail"]],
            handed_over_by="Mother of the missing person",
            note="sent from her phone by e-mail to the case inbox",
            examiner=DEMO_EXAMINER,
            progress=False,
        )
        case.import_files(
            [m["second"]],
            handed_over_by="Second witness (bus driver)",
            note="USB stick handed over at the station",
            examiner=DEMO_EXAMINER,
            progress=False,
        )
        with demo_site(m["photo"].read_bytes()) as base:
            pages = case.capture_urls(
                [base + path for path in DEMO_PAGES],
                examiner=DEMO_EXAMINER,
                options=CaptureOptions(idle_s=3, scroll_s=5),
                progress=False,
            )
    poster = next(c.id for c in pages if (c.target or "").endswith("poster.html"))
    case.add_note(
        "E0002 and E0004 are the same picture from two witnesses; E0002 shows the bus stop. "
        f"The poster ({poster}) uses the same photo.",
        exhibits=["E0002", "E0004"],
        examiner=DEMO_EXAMINER,
    )
    collect_social(case)
    collect_footage(case)
    case.reindex()
    exports = case.path / "exports"
    exports.mkdir(exist_ok=True)
    # A local time-stamping authority stands in for the department's: its CA is kept
    # beside the bundle so that the stamps can be checked later.
    with tempfile.TemporaryDirectory(prefix="osint-kit-demo-tsa-") as tmp:
        files = make_tsa_files(Path(tmp), "osint-kit demo")
        shutil.copyfile(files.ca_pem, exports / DEMO_TSA_CA)
        with serve_tsa(files) as tsa:
            config = TsaConfig(tsa.url, exports / DEMO_TSA_CA)
            case.disclosure.export(  # stamped before (the bundle carries it) and after
                exports / f"{case.id}-to-prosecutor.zip",
                authorization="DEMO-DA-2026-001",
                recipient="Demo County Prosecutor",
                purpose="decision on charges (demo)",
                exhibits=["E0002", "E0005"],
                examiner=DEMO_EXAMINER,
                tsa=config,
            )
    return case


def collect_footage(case: Case) -> None:
    """Footage: a video collected from a video page on the local video host (the page
    captured in the browser too), its review aids, and a witness's camera roll handed
    over on a USB stick (one photo's file time 5 h 31 min after the photo's own)."""
    with tempfile.TemporaryDirectory(prefix="osint-kit-demo-video-") as tmp:
        with video_host(Path(tmp) / "host") as host:
            cap = case.media.collect(
                host.url("/watch.html"), examiner=DEMO_EXAMINER, progress=False
            )
        video = next(label for label, role in cap.roles if role == "media")
        case.media.review(video, examiner=DEMO_EXAMINER)
        usb = make_witness_folder(Path(tmp) / "usb")
        case.import_folder(
            usb.root,
            handed_over_by="Third witness (filmed from the bus stop)",
            note="camera roll copied to a USB stick by the witness",
            examiner=DEMO_EXAMINER,
            progress=False,
        )


def collect_social(case: Case) -> None:
    """Public posts from the local fake platforms: a Telegram channel, a Mastodon account
    and a Bluesky feed; then the channel changes and is collected again."""
    with FakePlatforms() as fake:
        channel = synthetic_telegram_channel(fake, "elm_street_board", 30, seed=1, media_every=6)
        synthetic_mastodon_account(fake, "social.example", "elmstreet", 15, seed=2, media_every=5)
        synthetic_bluesky_actor(fake, "elmstreet.bsky.fake", 15, seed=3, media_every=5)
        # Every host, known or not, is answered by the fake: nothing reaches the internet.
        settings = CollectSettings(
            connect_to={**fake.connect_to, "*": fake.url},
            retries=0,
            options={"bluesky": {"appview": "https://bsky.fake"}},
        )
        for target in (
            "telegram:elm_street_board",
            "mastodon:@elmstreet@social.example",
            "bluesky:elmstreet.bsky.fake",
        ):
            case.collect(target, settings=settings, examiner=DEMO_EXAMINER, progress=False)
        # A day later: one post edited, one deleted, one new.
        posts = channel.posts
        channel.edit(posts[-3].id, text="Correction: the search walk starts at 7 pm, not 6 pm.")
        channel.delete(posts[-5].id)
        channel.add_post(date=datetime.now(UTC), text="Biscuit is home! Thank you, everyone.")
        case.collect(
            "telegram:elm_street_board", settings=settings, examiner=DEMO_EXAMINER, progress=False
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--root", type=Path, default=Path("cases"), help="where cases live")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="osint-kit-demo-config-") as config:
        # The demo examiner gets a signing key of their own, in a throw-away config
        # folder (this script's process only; your own config is not touched).
        os.environ["OSINT_KIT_CONFIG_DIR"] = config
        key = create_signing_key(DEMO_EXAMINER)
        # The department's trust store stands beside the cases (not in one): it vouches
        # for the demo examiner's key, so verify can say the signatures are trusted.
        trust = args.root / DEMO_TRUST
        TrustStore(trust).add(
            key.public_key, DEMO_EXAMINER.id, name=DEMO_EXAMINER.name, agency=DEMO_EXAMINER.agency
        )
        os.environ["OSINT_KIT_TRUST"] = str(trust)
        case = run(args.root)
    os.environ["OSINT_KIT_TSA_CA"] = str(case.path / "exports" / DEMO_TSA_CA)
    report = case.verify()
    w = sys.stdout.write
    w(f"\nDemo case {case.id}: {case.title}\n")
    for ex in case.exhibits():
        if ex.method and ex.method.startswith("social.") and ex.role in ("post", "media"):
            continue  # summed up per capture below
        name = ex.name if ex.method == "file.import" else f"{ex.role} of {ex.capture}"
        w(
            f"  {ex.label}  {name or '':<28} {ex.media_type or '':<18} {ex.size:>9,} bytes  "
            f"sha256 {ex.sha256[:16]}…\n"
        )
    for cap in case.captures():
        if cap.method.startswith("social.") and cap.status != "failed":
            ch = cap.record.get("changes", {})
            w(
                f"  {cap.id} {cap.target}: {cap.record.get('collected', 0)} posts seen, "
                f"{ch.get('new', 0)} new, {ch.get('changed', 0)} changed, "
                f"{len(ch.get('deleted', []))} deleted; {len(cap.exhibits)} exhibits "
                f"({cap.exhibits[0]}..{cap.exhibits[-1]})\n"
            )
    w("\ncustody log:\n")
    for e in case.events():
        w(f"  {e.seq:>3}  {e.time}  {e.action:<18} {e.summary()}\n")
    w(f"\n{report.text()}\n\n")
    export = next(e for e in reversed(case.events()) if e.action == "export.created")
    # Paths as the user gave the root (--root), the bundle's as the event records it:
    # relative to the case folder.
    bundle = case.path / export.details["bundle"]["path"]
    w(f"{verify_bundle(bundle, trust=TrustStore(trust)).text()}\n\n")
    w(f"bundle:        {bundle}\n")
    w(f"case folder:   {case.path}\n")
    w(f"custody log:   {case.log.path}\n")
    w(f"index:         {case.path / 'derived' / 'index.sqlite'}\n")
    w(f"trust store:   {trust}\n")
    tsa_ca = case.path / "exports" / DEMO_TSA_CA
    w(f"TSA CA:        {tsa_ca}\n")
    w(
        f"next:          .venv/bin/osint-kit log {case.id}   |   "
        f".venv/bin/osint-kit verify {case.id} --trust {trust} --tsa-ca {tsa_ca}\n"
        f"report:        .venv/bin/osint-kit report {case.id} --trust {trust} --tsa-ca {tsa_ca} "
        "--pdf\n"
    )
    return 0 if report.ok and verify_bundle(bundle, trust=TrustStore(trust)).ok else 1


if __name__ == "__main__":
    sys.exit(main())
