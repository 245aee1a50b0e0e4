"""The page's own navigations: the document asked for is the one kept.

A page can leave its document by itself: ``location`` set on load or while it is
parsed, a form it submits with GET, a link it clicks, a meta or header refresh. Left
alone, the browser would replace the document, and the capture would keep another
page under the first one's HTTP status. So the capture's CDP session intercepts the
main frame's document requests (``Fetch``, paused in the browser until answered,
hence no race with the page):

- the capture's own navigation and the server's redirects of it go on;
- a navigation the page starts is fetched (a read, through the proxy: its answer is
  in the WARC), and when its answer would replace the document it is answered
  ``204 No Content`` instead, so the browser stays where it is; the hop is listed
  with its URL, its own status, how the page started it and its redirects;
- a download, a redirect of the hop, and the proxy's own answers (a refused write, a
  site that failed) go on: none of them replaces the document.

Documents that never touch the network (``blob:``, ``data:``, ``about:blank``) cannot
be intercepted this way; one committed in the main frame is noted (``written``), and
the capture renders the document asked for again from the record (page_capture.py).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from osint_kit.acquire.web.guard import OWN_ANSWER
from osint_kit.base.dates import utc_now

#: Refused navigations listed one by one; past that, only counted.
MAX_LISTED = 200
#: URLs longer than this (a data: URL can hold a whole page) are cut in the record.
URL_CHARS = 2000
_DOCUMENT = {"urlPattern": "*", "resourceType": "Document"}
#: Documents that come from the network (or the browser's error page, handled apart).
_NETWORK = ("http:", "https:", "chrome-error:")


class NavigationGuard:
    """Keeps the main frame on the document the capture asked for (module docstring)."""

    def __init__(self, cdp: Any) -> None:
        self._cdp = cdp
        self._main: str | None = None
        self._own = False
        self._chain: set[str] = set()
        self._hops: dict[str, dict[str, Any]] = {}
        self._how: dict[str, str] = {}
        self._parsed = False
        self._tasks: set[asyncio.Task[Any]] = set()
        #: Navigations the page started whose answer would have replaced the document.
        self.refused: list[dict[str, Any]] = []
        #: A document the page wrote itself (blob:, data:, about:) that replaced it.
        self.written: dict[str, Any] | None = None
        #: Refused past MAX_LISTED.
        self.not_listed = 0

    async def start(self) -> None:
        tree = await self._cdp.send("Page.getFrameTree")
        self._main = tree["frameTree"]["frame"]["id"]
        self._cdp.on("Fetch.requestPaused", self._on_paused)
        self._cdp.on("Page.frameRequestedNavigation", self._on_requested)
        self._cdp.on("Page.frameNavigated", self._on_navigated)
        self._cdp.on("Page.domContentEventFired", self._on_parsed)
        await self._cdp.send("Page.enable")
        await self._cdp.send(
            "Fetch.enable",
            # Only the request: the page's own hops alone are held again at their answer
            # (interceptResponse), never the document asked for, which streams untouched.
            {"patterns": [{**_DOCUMENT, "requestStage": "Request"}]},
        )

    def expect_own(self) -> None:
        """The next navigation of the main frame is the capture's own (and its redirects)."""
        self._own = True
        self._chain.clear()
        self._parsed = False

    def record(self) -> dict[str, Any]:
        facts: dict[str, Any] = {"refused_navigations": list(self.refused)}
        if self.not_listed:
            facts["refused_navigations_not_listed"] = self.not_listed
        if self.written is not None:
            facts["written_document"] = self.written
        return facts

    # -- the browser's events ---------------------------------------------------------

    def _on_requested(self, event: dict[str, Any]) -> None:
        if event.get("frameId") == self._main:
            self._how[str(event.get("url"))] = str(event.get("reason") or "other")

    @property
    def left_while_parsing(self) -> dict[str, Any] | None:
        """The first refused hop the page started before its document was parsed: the
        browser stops parsing a document that starts to leave, so what it holds is cut."""
        return next((r for r in self.refused if r.get("while_parsing")), None)

    def _on_parsed(self, _event: dict[str, Any]) -> None:
        if self._chain and not self._own:
            self._parsed = True

    def _on_navigated(self, event: dict[str, Any]) -> None:
        frame = event.get("frame") or {}
        url = str(frame.get("url") or "")
        if frame.get("parentId") or frame.get("id") != self._main or self._own:
            return
        if self.written is None and self._chain and not url.startswith(_NETWORK):
            self.written = {
                "url": _short(url),
                "how": self._how.get(url, "not said by the browser"),
                "time": utc_now(),
            }

    def _on_paused(self, event: dict[str, Any]) -> None:
        task = asyncio.ensure_future(self._answer(event))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _answer(self, event: dict[str, Any]) -> None:
        rid = str(event["requestId"])
        refuse = False
        go_on: dict[str, Any] = {"requestId": rid}
        try:
            if "responseStatusCode" in event or "responseErrorReason" in event:
                refuse = self._at_response(rid, event)
            else:
                self._at_request(rid, event)
                if rid in self._hops:
                    go_on["interceptResponse"] = True  # its answer decides
        finally:  # a paused request is always answered, or the page would wait forever
            with contextlib.suppress(Exception):
                if refuse:
                    await self._cdp.send(
                        "Fetch.fulfillRequest",
                        {"requestId": rid, "responseCode": 204, "responseHeaders": []},
                    )
                else:
                    await self._cdp.send("Fetch.continueRequest", go_on)

    def _at_request(self, rid: str, event: dict[str, Any]) -> None:
        if event.get("frameId") != self._main:
            return  # a frame inside the page: part of the document
        came_from = str(event.get("redirectedRequestId") or "")
        if self._own:
            self._own = False
            self._chain = {rid}
        elif came_from in self._chain:
            self._chain.add(rid)
        elif came_from in self._hops:
            self._hops[rid] = self._hops[came_from]
        else:
            request = event.get("request") or {}
            url = str(request.get("url") or "")
            self._hops[rid] = {
                "url": _short(url),
                "method": str(request.get("method") or ""),
                "how": self._how.get(url, "not said by the browser"),
                "time": utc_now(),
            }
            if not self._parsed:
                self._hops[rid]["while_parsing"] = True

    def _at_response(self, rid: str, event: dict[str, Any]) -> bool:
        """True when the page's own hop would replace the document: refuse it."""
        hop = self._hops.get(rid)
        if hop is None or "responseErrorReason" in event:
            return False
        status = int(event.get("responseStatusCode") or 0)
        headers = {
            str(h.get("name", "")).lower(): str(h.get("value", ""))
            for h in event.get("responseHeaders") or []
        }
        url = _short(str((event.get("request") or {}).get("url") or ""))
        if OWN_ANSWER.lower() in headers or status in (204, 205):
            return False  # the proxy's answer (a refused write) or nothing: the page stays
        if 300 <= status < 400 and "location" in headers:
            hop.setdefault("redirects", []).append({"url": url, "status": status})
            return False
        if _download(headers):
            return False
        refused = {**hop, "status": status, "outcome": "refused"}
        if url != hop["url"]:
            refused["final_url"] = url
        if len(self.refused) < MAX_LISTED:
            self.refused.append(refused)
        else:  # a page that keeps leaving (a reload loop) cannot grow the record forever
            self.not_listed += 1
        return True


#: Media types a browser shows in place of the page (anything else is downloaded).
_SHOWN = ("text/", "image/", "audio/", "video/", "application/pdf", "multipart/")


def _download(headers: dict[str, str]) -> bool:
    """An answer the browser downloads rather than shows: it does not replace the page."""
    if headers.get("content-disposition", "").strip().lower().startswith("attachment"):
        return True
    ctype = headers.get("content-type", "").split(";")[0].strip().lower()
    shown = not ctype or ctype.startswith(_SHOWN) or "xml" in ctype or "json" in ctype
    return not shown


def _short(url: str) -> str:
    if len(url) <= URL_CHARS:
        return url
    return f"{url[:URL_CHARS]}... ({len(url)} characters)"
