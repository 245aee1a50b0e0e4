"""Our WACZ files import into pywb and replay the bytes the server sent (issue 19).

Real tools, no mocks: ``wb-manager add --unpack-wacz`` puts a capture's ``wacz``
exhibit into a pywb collection and pywb's ``wayback`` serves it on 127.0.0.1
(no proxy, no live collection: it answers from the archive or not at all). The
identity mode (``id_``) answers with the archived response unrewritten, so what
it returns can be compared byte for byte with what the fixture site served.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from conftest import EXAMINER, new_case
from osint_kit.acquire.web.options import CaptureOptions
from osint_kit_sandbox.site import Site
from osint_kit_sandbox.site_pages import PAGES, PHOTO

pytestmark = pytest.mark.slow

BIN = Path(sys.executable).parent
DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # whatever the env says


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]  # names lowercased
    body: bytes


def fetch(url: str, accept_encoding: str = "identity") -> Reply:
    req = urllib.request.Request(url, headers={"Accept-Encoding": accept_encoding})
    try:
        with DIRECT.open(req, timeout=10) as resp:
            return Reply(resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read())
    except urllib.error.HTTPError as e:
        return Reply(e.code, {k.lower(): v for k, v in e.headers.items()}, e.read())


def offline_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env["no_proxy"] = env["NO_PROXY"] = "*"
    return env


def wb_manager(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "wb-manager"), *args],
        cwd=root,
        env=offline_env(),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Replay:
    root: Path  # pywb's working directory: collections/<name>/{archive,indexes}
    base: str  # http://127.0.0.1:PORT
    added: dict[str, subprocess.CompletedProcess[str]]  # collection -> its `wb-manager add`
    ts: dict[str, str]  # path on the site -> 14-digit capture time, from the WACZ's pages

    def get(self, coll: str, path: str, site: Site, accept_encoding: str = "identity") -> Reply:
        url = f"{self.base}/{coll}/{self.ts.get(path, '2')}id_/{site.url(path)}"
        return fetch(url, accept_encoding)


def without(wacz: bytes, name: str) -> bytes:
    """``wacz`` with one entry left out (the rest copied as they are)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(wacz)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if info.filename != name:
                dst.writestr(info, src.read(info))
    return out.getvalue()


@pytest.fixture(scope="module")
def replay(site: Site, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replay]:
    """Capture "/" and "/gzip", add both WACZs to collection ``coll`` and serve it.

    Collection ``nocdx`` gets the first WACZ without ``indexes/index.cdx``: the
    layout before issue 19, which `wb-manager add` took with a warning and exit 0
    and pywb could not replay.
    """
    tmp = tmp_path_factory.mktemp("replay")
    case = new_case(tmp / "cases", "WEB-19", "Replay", "online-crime")
    caps = case.capture_urls(
        [site.url("/"), site.url("/gzip")], examiner=EXAMINER, options=CaptureOptions(idle_s=3)
    )
    root = tmp / "pywb"
    root.mkdir()
    for coll in ("coll", "nocdx"):
        init = wb_manager(root, "init", coll)
        assert init.returncode == 0, init.stderr
    ts: dict[str, str] = {}
    waczs: list[str] = []
    for path, cap in zip(("/", "/gzip"), caps, strict=True):
        wacz = next(
            case.exhibit(x).read_bytes() for x in cap.exhibits if case.exhibit(x).role == "wacz"
        )
        with zipfile.ZipFile(io.BytesIO(wacz)) as z:
            page = json.loads(z.read("pages/pages.jsonl").splitlines()[1])
        ts[path] = datetime.fromisoformat(page["ts"]).strftime("%Y%m%d%H%M%S")
        waczs.append(str(tmp / f"capture-{len(waczs) + 1}.wacz"))
        Path(waczs[-1]).write_bytes(wacz)
        if path == "/":
            (tmp / "nocdx.wacz").write_bytes(without(wacz, "indexes/index.cdx"))
    added = {
        "coll": wb_manager(root, "add", "--unpack-wacz", "coll", *waczs),
        "nocdx": wb_manager(root, "add", "--unpack-wacz", "nocdx", str(tmp / "nocdx.wacz")),
    }

    port = free_port()
    log = tmp / "wayback.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(BIN / "wayback"), "-b", "127.0.0.1", "-p", str(port)],
            cwd=root,
            env=offline_env(),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 180  # a hang ceiling, generous on a busy machine
        while True:
            if proc.poll() is not None:
                pytest.fail(f"wayback exited with {proc.returncode}: {log.read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"wayback not listening after 180 s: {log.read_text()}")
                time.sleep(0.1)
        yield Replay(root, f"http://127.0.0.1:{port}", added, ts)
    finally:
        proc.kill()
        proc.wait(timeout=10)


def test_wb_manager_adds_the_wacz_with_its_index(replay: Replay, site: Site) -> None:
    added = replay.added["coll"]
    assert added.returncode == 0 and "does not contain" not in added.stderr, added.stderr
    index = (replay.root / "collections/coll/indexes/index.cdxj").read_text()
    for path in ("/", "/photo.png", "/gzip"):
        assert f'"url": "{site.url(path)}"' in index


def test_the_page_and_its_image_replay_byte_identical(replay: Replay, site: Site) -> None:
    page = replay.get("coll", "/", site)
    assert page.status == 200 and page.body == PAGES["/"].encode()
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert "content-encoding" not in page.headers
    image = replay.get("coll", "/photo.png", site)
    assert image.status == 200 and image.body == PHOTO
    assert image.headers["content-type"] == "image/png"


def test_a_gzipped_page_replays_decoded_to_a_client_that_takes_no_gzip(
    replay: Replay, site: Site
) -> None:
    """pywb decodes for a client that asks for ``identity``: the page's own bytes, no encoding."""
    served = fetch(site.url("/gzip"))
    assert served.headers["content-encoding"] == "gzip"  # the site gzips whatever was asked
    got = replay.get("coll", "/gzip", site, accept_encoding="identity")
    assert got.status == 200 and "content-encoding" not in got.headers
    assert got.body == gzip.decompress(served.body)


def test_a_gzipped_page_replays_as_sent_to_a_client_that_takes_gzip(
    replay: Replay, site: Site
) -> None:
    """What a browser gets: ``Content-Encoding: gzip`` and the very bytes the site sent."""
    got = replay.get("coll", "/gzip", site, accept_encoding="gzip")
    assert got.status == 200 and got.headers.get("content-encoding") == "gzip"
    # The site gzips each answer anew, stamping the time into the gzip header
    # (bytes 4-8); the rest must be what the same gzip.compress gives.
    mtime = int.from_bytes(got.body[4:8], "little")
    page = gzip.decompress(fetch(site.url("/gzip")).body)
    assert got.body == gzip.compress(page, mtime=mtime)


def test_a_wacz_with_no_cdx_index_replays_nothing_in_pywb(replay: Replay, site: Site) -> None:
    """The layout before issue 19 (``index.cdxj`` only): ``wb-manager`` says so, still exits 0."""
    added = replay.added["nocdx"]
    assert added.returncode == 0 and "does not contain any indices" in added.stderr
    index = replay.root / "collections/nocdx/indexes/index.cdxj"
    assert not index.exists() or index.read_bytes() == b""
    assert replay.get("nocdx", "/", site).status == 404
