"""Review aids for footage, stored as derived exhibits that name their input.

``review_video`` makes, from one video exhibit, a thumbnail, the keyframes at scene
changes (each with its time and perceptual hashes, so the repeated-image analysis
finds a frame posted elsewhere) and a contact sheet of them: one ``analysis.derived``
event, every picture an exhibit (roles ``thumbnail``, ``keyframe``,
``contact-sheet``). ``clip`` cuts a segment (role ``clip``) and records the offsets
actually cut. The original is only read. A video that cannot be decoded gets no aids:
``MediaUnreadable`` says why, and nothing is recorded.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from osint_kit.errors import InvalidOption, MediaUnreadable
from osint_kit.folder.acquisition import Artifact
from osint_kit.folder.write import CaseWriter
from osint_kit.formats.footage import clip as cut_clip
from osint_kit.formats.footage import contact_sheet, keyframes, run_ffmpeg, thumbnail
from osint_kit.record.builtin_actions import DERIVED
from osint_kit.record.chain import as_event_value
from osint_kit.record.events import EventDraft, NewExhibit
from osint_kit.record.exhibits import Exhibit

METHOD = "media.review"
CLIP_METHOD = "media.clip"


def review_video(
    case: CaseWriter,
    exhibit: Exhibit,
    *,
    actor: dict[str, Any],
    threshold: float = 0.3,
    max_frames: int = 100,
    width: int = 640,
) -> list[Exhibit]:
    """Thumbnail, keyframes and contact sheet of ``exhibit`` (a video), recorded at once."""
    _video(exhibit)
    with tempfile.TemporaryDirectory(prefix="osint-kit-review-") as tmp:
        work = Path(tmp)
        thumb = thumbnail(exhibit.path, work / "thumbnail.jpg")
        frames = keyframes(
            exhibit.path,
            work / "keyframes",
            threshold=threshold,
            max_frames=max_frames,
            width=width,
        )
        if not frames:
            raise MediaUnreadable(exhibit.label, "no frame could be taken from it")
        sheet = contact_sheet(
            frames, work / "contact-sheet.jpg", title=f"{exhibit.label}: {exhibit.name or ''}"
        )
        items: list[tuple[Path, str, dict[str, Any]]] = [
            (thumb, "thumbnail", {"kind": "thumbnail"}),
            (sheet, "contact-sheet", {"kind": "contact-sheet", "frames": len(frames)}),
        ]
        items += [
            (
                f.path,
                "keyframe",
                {"kind": "keyframe", "time_s": f.time_s, "phash": f.phash, "dhash": f.dhash},
            )
            for f in frames
        ]
        return _record(
            case,
            items,
            method=METHOD,
            inputs=[exhibit.label],
            parameters={"threshold": threshold, "max_frames": max_frames, "width": width},
            actor=actor,
        )


def clip(
    case: CaseWriter, exhibit: Exhibit, start_s: float, end_s: float, *, actor: dict[str, Any]
) -> Exhibit:
    """The segment ``start_s``..``end_s`` of ``exhibit`` as a new MP4, with the offsets cut."""
    _video(exhibit)
    with tempfile.TemporaryDirectory(prefix="osint-kit-clip-") as tmp:
        made = cut_clip(exhibit.path, Path(tmp) / "clip.mp4", start_s, end_s)
        (found,) = _record(
            case,
            [
                (
                    made.path,
                    "clip",
                    {
                        "kind": "clip",
                        "start_s": made.start_s,
                        "end_s": made.end_s,
                        "duration_s": made.duration_s,
                    },
                )
            ],
            method=CLIP_METHOD,
            inputs=[exhibit.label],
            parameters={"start_s": start_s, "end_s": end_s, "encoding": "libx264 + aac"},
            actor=actor,
        )
        return found


def review_copy(
    case: CaseWriter, video: Exhibit, audio: Exhibit, *, actor: dict[str, Any]
) -> Exhibit:
    """A copy to watch with sound, of a video and an audio stream a site served apart:
    both put in one MP4 as they are (ffmpeg ``-c copy``: no re-encoding), recorded as
    a derived exhibit (role ``review-copy``) naming both; the originals stay apart."""
    with tempfile.TemporaryDirectory(prefix="osint-kit-merge-") as tmp:
        out = Path(tmp) / "review-copy.mp4"
        args = ["-i", str(video.path), "-i", str(audio.path)]
        args += ["-map", "0:v:0", "-map", "1:a:0", "-c", "copy", "-movflags", "+faststart"]
        run_ffmpeg([*args, str(out)], video.path, timeout_s=120)
        (found,) = _record(
            case,
            [(out, "review-copy", {"video": video.label, "audio": audio.label})],
            method="media.merge",
            inputs=[video.label, audio.label],
            parameters={"codec": "copy", "container": "mp4"},
            actor=actor,
        )
        return found


def _video(exhibit: Exhibit) -> None:
    kind = exhibit.media_type or ""
    if not kind.startswith("video/") and kind not in ("application/octet-stream",):
        raise InvalidOption(
            "exhibit", f"{exhibit.label} is {kind or 'of no known type'}, not a video"
        )


def _record(
    case: CaseWriter,
    items: Sequence[tuple[Path, str, Mapping[str, Any]]],
    *,
    method: str,
    inputs: Sequence[str],
    parameters: Mapping[str, Any],
    actor: dict[str, Any],
) -> list[Exhibit]:
    """One ``analysis.derived`` event for every file of ``items`` (path, role, what it is)."""
    seq, head = case.log.head()
    staged = case.stage_files([path for path, _, _ in items])  # one sync for all
    artifacts = [
        Artifact(blob, role, "video/mp4" if path.suffix == ".mp4" else "image/jpeg")
        for blob, (path, role, _) in zip(staged, items, strict=True)
    ]
    details = {
        "derived": as_event_value(
            {
                "method": method,
                "name": f"{method} of {', '.join(inputs)}",
                "parameters": dict(parameters),
                "inputs": sorted(set(inputs)),
                "head": {"seq": seq, "hash": head},
                "items": [dict(what) for _, _, what in items],
            }
        )
    }
    event = case.append(
        EventDraft(
            DERIVED,
            details=details,
            subjects=[
                NewExhibit(a.staged.sha256, a.staged.size, a.role, a.media_type, None)
                for a in artifacts
            ],
        ),
        actor,
        publish=[a.staged for a in artifacts],
    )
    return [case.exhibit(label) for label in event.exhibits]
