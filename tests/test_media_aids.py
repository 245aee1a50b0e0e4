"""Review aids recorded in a case: thumbnail, keyframes and contact sheet of a collected
video as derived exhibits naming it; keyframes join the repeated-image analysis; a clip
records the offsets cut; a video that cannot be decoded gets nothing, with the reason."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from conftest import EXAMINER
from osint_kit import Case
from osint_kit.errors import InvalidOption, MediaUnreadable
from osint_kit_sandbox.video import VideoHost, video_host

pytestmark = pytest.mark.skipif(
    not all(map(shutil.which, ("ffmpeg", "ffprobe", "exiftool"))),
    reason="ffmpeg and exiftool are not installed (make setup installs them)",
)


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VideoHost]:
    with video_host(tmp_path_factory.mktemp("video")) as h:
        yield h


def _media(case: Case, cap_id: str) -> str:
    (cap,) = [c for c in case.captures() if c.id == cap_id]
    return next(label for label, role in cap.roles if role == "media")


def test_review_aids_are_derived_exhibits_naming_the_video(case: Case, host: VideoHost) -> None:
    cap = case.media.collect(host.url("/clip.mp4"), examiner=EXAMINER, progress=False)
    video = _media(case, cap.id)
    before = case.exhibit(video).read_bytes()
    made = case.media.review(video, examiner=EXAMINER)
    roles = [e.role for e in made]
    assert roles[:2] == ["thumbnail", "contact-sheet"] and roles.count("keyframe") >= 1
    event = case.events()[-1]
    derived = event.details["derived"]
    assert event.action == "analysis.derived" and derived["inputs"] == [video]
    frames = [i for i in derived["items"] if i["kind"] == "keyframe"]
    assert float(frames[0]["time_s"]) == pytest.approx(0, abs=0.1) and frames[0]["phash"]
    assert all(e.media_type == "image/jpeg" and e.read_bytes()[:2] == b"\xff\xd8" for e in made)
    assert case.exhibit(video).read_bytes() == before  # the original is only read
    page = case.exhibits()._repr_html_()
    assert page.count(">derived<") >= len(made)
    # The keyframes are pictures of the case: the repeated-image analysis hashes them,
    # not the thumbnail or the contact sheet.
    hashed = {h["exhibit"] for h in case.analysis.image_hashes()}
    assert {e.label for e in made if e.role == "keyframe"} <= hashed
    assert not {e.label for e in made if e.role in ("thumbnail", "contact-sheet")} & hashed
    assert case.verify().ok


def test_a_clip_records_the_offsets_cut(case: Case, host: VideoHost) -> None:
    cap = case.media.collect(host.url("/clip.mp4"), examiner=EXAMINER, progress=False)
    video = _media(case, cap.id)
    made = case.media.clip(video, 1.0, 3.0, examiner=EXAMINER)
    assert made.role == "clip" and made.media_type == "video/mp4"
    item = case.events()[-1].details["derived"]["items"][0]
    assert float(item["start_s"]) == pytest.approx(1.0, abs=0.05)
    assert float(item["duration_s"]) == pytest.approx(2.0, abs=0.1)
    with pytest.raises(InvalidOption):
        case.media.clip(video, 3.0, 1.0, examiner=EXAMINER)


def test_an_undecodable_video_gets_no_aids_and_says_why(case: Case, host: VideoHost) -> None:
    cap = case.media.collect(host.url("/truncated.mp4"), examiner=EXAMINER, progress=False)
    video = _media(case, cap.id)
    events = len(case.events())
    with pytest.raises(MediaUnreadable, match="cannot be read as media"):
        case.media.review(video, examiner=EXAMINER)
    assert len(case.events()) == events  # nothing recorded
    with pytest.raises(InvalidOption, match="not a video"):
        case.media.review(cap.exhibits[-1], examiner=EXAMINER)  # the info JSON
    cli = str(Path(sys.executable).parent / "osint-kit")
    who = ["--examiner-name", EXAMINER.name, "--examiner-id", EXAMINER.id]
    who += ["--examiner-agency", EXAMINER.agency, "--root", str(case.path.parent)]
    done = subprocess.run(
        [cli, "review", case.id, video, *who], capture_output=True, text=True, check=False
    )
    assert done.returncode == 5 and "cannot be read as media" in done.stderr
    assert "Traceback" not in done.stderr
