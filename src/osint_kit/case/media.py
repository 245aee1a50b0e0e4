"""``case.media``: footage: collecting videos with yt-dlp, and review aids for a video
exhibit (a thumbnail, keyframes, a contact sheet, a clip), each a derived exhibit.

The table of every picture, video and sound exhibit is ``case.analysis.media()``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from osint_kit.acquire.media.collect import collect_media
from osint_kit.acquire.media.ytdlp import FORMAT as MEDIA_FORMAT
from osint_kit.acquire.media.ytdlp import MediaOptions
from osint_kit.acquire.web.capture import capture_urls
from osint_kit.analysis.review_aids import clip as cut_clip
from osint_kit.analysis.review_aids import review_copy, review_video
from osint_kit.analysis.tables import MediaList
from osint_kit.base.deprecation import moved
from osint_kit.case.runs import checkpointed
from osint_kit.errors import OsintKitError
from osint_kit.record.examiner import Examiner, resolve_examiner
from osint_kit.record.exhibits import Capture, Exhibit, ExhibitList

if TYPE_CHECKING:
    from osint_kit.case.analysis import CaseAnalysis
    from osint_kit.folder.write import CaseWriter

log = logging.getLogger("osint_kit")


class CaseMedia:
    """Footage of one case (``case.media``)."""

    def __init__(self, writer: CaseWriter, analysis: CaseAnalysis) -> None:
        self._writer = writer
        self._analysis = analysis

    def collect(
        self,
        url: str,
        *,
        examiner: Examiner | None = None,
        max_mb: float | None = 4096,
        limit: int = 100,
        timeout_s: float = 30,
        cookies: Path | str | None = None,
        format: str = MEDIA_FORMAT,
        capture_page: bool = True,
        progress: bool = True,
    ) -> Capture:
        """Collect the video(s) at ``url`` (a video page, a playlist, a direct media URL,
        HLS or DASH) with yt-dlp: the files as they came (video and audio apart when the
        site serves them apart), the manifest, yt-dlp's info JSON, the format choice and
        each file's technical metadata; a page is captured in the browser first. One
        capture, ``complete``, ``partial`` (a file cut at ``max_mb``, a download broken
        off; kept, with the reason) or ``failed`` (recorded; ``raise_for_status()``).
        ``limit`` bounds a playlist; ``cookies`` (a Netscape cookie file) only when the
        examiner must, and then recorded. See docs/media.md.
        """
        who = resolve_examiner(examiner)
        opts = MediaOptions(
            max_bytes=int(max_mb * 2**20) if max_mb is not None else None,
            limit=limit,
            timeout_s=timeout_s,
            cookies=Path(cookies) if cookies is not None else None,
            format=format,
            capture_page=capture_page,
        )

        def page(url: str) -> Capture:
            found: Capture = capture_urls(
                self._writer, [url], examiner=who, parallel=1, progress=False
            )[0]
            return found

        with checkpointed(self._writer, who):
            cap = collect_media(
                self._writer, url, examiner=who, options=opts, capture_page=page, progress=progress
            )
            self._review_copies(cap, who)
            return cap

    def review(
        self,
        exhibit: str,
        *,
        threshold: float = 0.3,
        max_frames: int = 100,
        examiner: Examiner | None = None,
    ) -> ExhibitList:
        """Review aids for a video exhibit, as derived exhibits naming it: a thumbnail,
        the keyframes at scene changes (with times and perceptual hashes; they join the
        repeated-image analysis) and a contact sheet. ``threshold`` is ffmpeg's scene
        score (0..1, lower finds more changes). A video that cannot be decoded raises
        ``MediaUnreadable`` with the reason, and nothing is recorded."""
        who = resolve_examiner(examiner)
        made = review_video(
            self._writer,
            self._writer.exhibit(exhibit),
            actor=who.actor(),
            threshold=threshold,
            max_frames=max_frames,
        )
        return ExhibitList(made)

    def clip(
        self, exhibit: str, start_s: float, end_s: float, *, examiner: Examiner | None = None
    ) -> Exhibit:
        """The segment ``start_s``..``end_s`` (seconds) of a video exhibit as a derived
        exhibit (MP4, re-encoded to start exactly there), with the offsets cut."""
        who = resolve_examiner(examiner)
        return cut_clip(
            self._writer, self._writer.exhibit(exhibit), start_s, end_s, actor=who.actor()
        )

    def __call__(self, *, facts: bool = True) -> MediaList:
        """The media table: ``case.analysis.media()`` (``case.media()`` was its old name)."""
        moved("case.media()", "case.analysis.media()")
        return self._analysis.media(facts=facts)

    def _review_copies(self, cap: Capture, who: Examiner) -> None:
        """For each item a site served as separate video and audio, a copy to watch with
        sound (derived; the originals stay apart). One that cannot be made is logged."""
        by_label = {label: role for label, role in cap.roles}
        items: dict[object, dict[str, str]] = {}
        labels = iter(label for label, role in cap.roles if role in ("video", "audio", "media"))
        for entry in cap.record.get("files") or []:
            if (
                isinstance(entry, Mapping)
                and entry.get("sha256")
                and entry.get("role") in ("video", "audio", "media")
            ):
                label = next(labels, None)
                if label is not None and by_label.get(label) == entry.get("role"):
                    items.setdefault(entry.get("item"), {})[str(entry["role"])] = label
        for parts in items.values():
            if "video" in parts and "audio" in parts:
                try:
                    review_copy(
                        self._writer,
                        self._writer.exhibit(parts["video"]),
                        self._writer.exhibit(parts["audio"]),
                        actor=who.actor(),
                    )
                except OsintKitError as exc:
                    log.warning("no review copy of %s: %s", cap.id, exc)

    def __repr__(self) -> str:
        return f"<footage of case {self._writer.id}: collect, review, clip>"

