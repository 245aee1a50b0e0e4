"""The example collector of docs/collectors.md, as written there, installed through an
entry point the way an outside package would be, collecting from a feed on 127.0.0.1."""

from __future__ import annotations

import http.server
import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import plugins
from osint_kit import Case
from osint_kit.errors import CollectionFailed, InvalidOption, PluginError
from osint_kit.plugin import broken_collectors, collectors

DOC = Path(__file__).resolve().parent.parent / "docs" / "collectors.md"
BIN = Path(sys.executable).parent
def _png() -> bytes:
    """A whole 1x1 picture (a hand-written one had a broken IDAT, which collection now
    records as a mismatch, as it should)."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGBA", (1, 1)).save(out, "PNG")
    return out.getvalue()


PNG = _png()


def example_source() -> str:
    text = DOC.read_text(encoding="utf-8").split("## A whole collector", 1)[1]
    match = re.search(r"```python\n(.*?)```", text, re.S)
    assert match, "docs/collectors.md has no example collector"
    return match.group(1)


@pytest.fixture
def plugin_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The doc's module plus a dist-info declaring its entry point, on sys.path."""
    site = plugins.install(
        tmp_path / "site",
        "osint_jsonfeed",
        example_source(),
        {"osint_kit.collectors": {"jsonfeed": "osint_jsonfeed:COLLECTOR"}},
    )
    monkeypatch.syspath_prepend(str(site))
    yield site
    sys.modules.pop("osint_jsonfeed", None)


class Feed:
    """Two pages of a JSON Feed, an image, and a page whose item lacks its id."""

    def __init__(self) -> None:
        self.pages: dict[str, Any] = {}
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def _handler(self) -> type[http.server.BaseHTTPRequestHandler]:
        feed = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/pic.png":
                    body, kind = PNG, "image/png"
                elif self.path in feed.pages:
                    body, kind = json.dumps(feed.pages[self.path]).encode(), "application/json"
                else:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        return Handler

    def item(self, n: int, **extra: Any) -> dict[str, Any]:
        return {
            "id": f"{self.url}/p/{n}",
            "url": f"{self.url}/p/{n}",
            "content_text": f"Post {n}: seen near the harbour",
            "date_published": f"2026-11-{n:02d}T10:00:00+01:00",
            "tags": ["missing"],
            **extra,
        }


@pytest.fixture
def feed() -> Iterator[Feed]:
    served = Feed()
    served.pages["/feed.json"] = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "Harbour watch",
        "authors": [{"name": "harbourwatch", "url": f"{served.url}/about"}],
        "items": [
            served.item(
                9, attachments=[{"url": f"{served.url}/pic.png", "mime_type": "image/png"}]
            ),
            served.item(8),
        ],
        "next_url": f"{served.url}/page2.json",
    }
    served.pages["/page2.json"] = {
        "version": "https://jsonfeed.org/version/1.1",
        "authors": [{"name": "harbourwatch"}],
        "items": [served.item(7), served.item(6)],
    }
    yield served
    served.server.shutdown()


def test_the_doc_example_is_a_collector_found_through_its_entry_point(plugin_path: Path) -> None:
    found = collectors()
    assert "jsonfeed" in found and "telegram" in found
    jsonfeed = found["jsonfeed"]
    assert [o.name for o in jsonfeed.options] == ["max_pages"]


def test_the_example_collects_pages_posts_and_media(
    plugin_path: Path, feed: Feed, case: Case, examiner_env: object
) -> None:
    cap = case.collect(f"jsonfeed:{feed.url}/feed.json", progress=False)
    assert cap.status == "complete", cap.reason
    assert cap.record["collected"] == 4 and cap.record["options"] == {"max_pages": 10}
    roles = [case.exhibit(label).role for label in cap.exhibits]
    assert roles.count("post") == 4 and roles.count("media") == 1 and "profile" in roles
    posts = case.analysis.posts(f"jsonfeed:{feed.url}/feed.json").to_frame()
    assert len(posts) == 4 and set(posts["author_handle"]) == {"harbourwatch"}
    report = case.verify()
    assert report.ok
    # Fetched from where the URL says: nothing was rerouted, and nothing says so.
    assert "rerouted" not in cap.record and "REROUTED" not in case.events()[-1].summary()
    assert not any("rerouted" in n for n in report.notes)
    assert "Rerouted captures" not in case.disclosure.report().html

    again = case.collect(f"jsonfeed:{feed.url}/feed.json", options={"max_pages": 1}, progress=False)
    assert again.record["collected"] == 2 and again.record["changes"]["unchanged"] == 2


def test_the_example_fails_on_the_record_not_with_a_traceback(
    plugin_path: Path, feed: Feed, case: Case, examiner_env: object
) -> None:
    feed.pages["/page2.json"]["items"][0].pop("id")  # a KeyError inside the plugin
    cap = case.collect(f"jsonfeed:{feed.url}/feed.json", progress=False)
    assert cap.status == "partial" and cap.record["error"] == "parse-error"
    assert cap.record["collected"] == 2
    feed.pages["/feed.json"] = {"not": "a feed"}
    with pytest.raises(CollectionFailed, match="is not a JSON Feed") as failed:
        case.collect(f"jsonfeed:{feed.url}/feed.json", progress=False).raise_for_status()
    assert failed.value.capture is not None
    with pytest.raises(InvalidOption, match="max_pages"):
        case.collect(f"jsonfeed:{feed.url}/feed.json", options={"max_pages": "many"})
    with pytest.raises(InvalidOption, match="takes max_pages"):
        case.collect(f"jsonfeed:{feed.url}/feed.json", options={"appview": "x"})


def test_the_cli_lists_and_runs_the_plugin(
    plugin_path: Path, feed: Feed, case: Case, examiner_env: object
) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(plugin_path),
        "OSINT_KIT_CASES": str(case.path.parent),
    }

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(BIN / "osint-kit"), *args], capture_output=True, text=True, env=env
        )

    listed = cli("collectors")
    assert listed.returncode == 0
    assert "jsonfeed" in listed.stdout and "-o max_pages=VALUE" in listed.stdout
    assert "OSINT_KIT_JSONFEED_MAX_PAGES" in listed.stdout
    assert "-o via=VALUE [auto|api|html]" in listed.stdout  # the built-ins declare theirs too

    target = f"jsonfeed:{feed.url}/feed.json"
    r = cli("collect", case.id, target, "-o", "max_pages=1", "--quiet")
    assert r.returncode == 0, r.stderr
    assert "2 post(s) seen: 2 new" in r.stdout
    r = cli("collect", case.id, target, "-o", "max_pages=lots")
    assert r.returncode == 2 and "not a whole number" in r.stderr and "Traceback" not in r.stderr
    r = cli("collect", case.id, target, "-o", "via=api")
    assert r.returncode == 2 and "jsonfeed takes max_pages" in r.stderr
    r = cli("collect", case.id, target, "-o", "max_pages")
    assert r.returncode == 2 and "NAME=VALUE" in r.stderr


def test_a_broken_plugin_is_named_and_does_not_take_the_others_down(
    plugin_path: Path, case: Case, examiner_env: object
) -> None:
    (plugin_path / "osint_broken.py").write_text("raise RuntimeError('bad release')\n")
    (plugin_path / "osint_notone.py").write_text("COLLECTOR = object()\n")
    info = plugin_path / "osint_broken-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: osint-broken\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        "[osint_kit.collectors]\nbroken = osint_broken:COLLECTOR\nnotone = osint_notone:COLLECTOR\n"
    )
    assert {"jsonfeed", "telegram"} <= set(collectors())
    broken = broken_collectors()
    assert "bad release" in broken["broken"] and "not a collector" in broken["notone"]
    with pytest.raises(PluginError, match="bad release"):
        case.collect("broken:anything")
    env = {**os.environ, "PYTHONPATH": str(plugin_path)}
    listed = subprocess.run(
        [str(BIN / "osint-kit"), "collectors"], capture_output=True, text=True, env=env
    )
    assert listed.returncode == 0 and "broken     UNUSABLE:" in listed.stdout
    r = subprocess.run(
        [str(BIN / "osint-kit"), "collect", case.id, "notone:x", "--root", str(case.path.parent)],
        capture_output=True,
        text=True,
        env=env,
    )
    assert r.returncode == 10 and "not a collector" in r.stderr and "Traceback" not in r.stderr
    sys.modules.pop("osint_notone", None)
