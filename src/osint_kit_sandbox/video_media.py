"""The video host's media, made with ffmpeg's test sources when it starts: the phone-like
clip with Apple's QuickTime keys, its HLS and DASH forms, the playlist items, a
truncated and a corrupt file, and the block of padding the big downloads repeat."""

from __future__ import annotations

import random
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path


class MediaToolMissing(RuntimeError):
    """ffmpeg or exiftool is not installed (Debian: ffmpeg, libimage-exiftool-perl)."""


@dataclass(frozen=True)
class Generated:
    """A piece of media the host generated, with what it was made to contain."""

    url_path: str
    path: Path  # the file on disk (for HLS the playlist, for DASH the manifest)
    duration_s: float
    video_codec: str
    audio_codec: str | None
    width: int
    height: int
    fps: float
    creation_time: str | None  # ISO 8601 UTC, "2026-11-20T21:40:00Z"
    gps: tuple[float, float] | None  # (latitude, longitude)
    make: str | None
    model: str | None


def tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise MediaToolMissing(f"{name} is not installed (Debian: apt-get install ffmpeg)")
    return found


def ffmpeg(*args: str | Path) -> None:
    cmd = [tool("ffmpeg"), "-nostdin", "-v", "error", "-y", *map(str, args)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"ffmpeg failed: {done.stderr.strip()}")


def test_source(seconds: float) -> list[str]:
    width, height = SIZE
    return [
        *("-f", "lavfi", "-i", f"testsrc2=size={width}x{height}:rate={FPS}:duration={seconds}"),
        *("-f", "lavfi", "-i", f"sine=frequency=440:sample_rate=44100:duration={seconds}"),
        *("-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", str(FPS)),
        *("-c:a", "aac", "-b:a", "64k", "-shortest"),
    ]


def iso6709(lat: float, lon: float) -> str:
    return f"{lat:+08.4f}{lon:+09.4f}+000.000/"


def apple_keys(created: str, gps: tuple[float, float], make: str, model: str) -> list[str]:
    """Creation time, GPS, make and model the way an iPhone writes them (QuickTime keys)."""
    return [
        *("-metadata", f"creation_time={created}"),
        *("-metadata", f"com.apple.quicktime.creationdate={created}"),
        *("-metadata", f"com.apple.quicktime.location.ISO6709={iso6709(*gps)}"),
        *("-metadata", f"com.apple.quicktime.make={make}"),
        *("-metadata", f"com.apple.quicktime.model={model}"),
        *("-movflags", "+use_metadata_tags"),
    ]


def generate(workdir: Path) -> tuple[dict[str, Generated], dict[str, tuple[Path, str]]]:
    """Make every medium the host serves under ``workdir``; returns what was generated
    and the files by URL path."""
    width, height = SIZE
    clip, item = workdir / "clip.mp4", workdir / "item.mp4"
    hls, dash = workdir / "hls", workdir / "dash"
    hls.mkdir(exist_ok=True)
    dash.mkdir(exist_ok=True)
    # moov at the end (no +faststart), so a prefix of the file cannot be read
    ffmpeg(*test_source(CLIP_S), *apple_keys(CREATED, GPS, MAKE, MODEL), clip)
    ffmpeg(*test_source(ITEM_S), "-movflags", "+faststart", item)
    ffmpeg(
        *("-i", clip, "-c", "copy", "-f", "hls", "-hls_time", "2", "-hls_playlist_type", "vod"),
        *("-hls_segment_filename", hls / "seg_%03d.ts", hls / "index.m3u8"),
    )
    ffmpeg(
        *("-i", clip, "-map", "0:v", "-map", "0:a", "-c", "copy", "-f", "dash"),
        *("-seg_duration", "2", "-use_template", "1", "-use_timeline", "1"),
        *("-adaptation_sets", "id=0,streams=v id=1,streams=a", dash / "manifest.mpd"),
    )
    # a master playlist naming the one variant, as players and sites serve HLS
    (hls / "master.m3u8").write_text(
        "#EXTM3U\n#EXT-X-VERSION:3\n"
        f'#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION={width}x{height},CODECS="avc1.640015,mp4a.40.2"\n'
        "index.m3u8\n"
    )
    data = clip.read_bytes()
    (workdir / "truncated.mp4").write_bytes(data[: int(len(data) * TRUNCATED_SHARE)])
    (workdir / "corrupt.mp4").write_bytes(random.Random(21).randbytes(200_000))
    block_file(workdir)

    files: dict[str, tuple[Path, str]] = {}
    for file in sorted(workdir.rglob("*")):
        kind = TYPES.get(file.suffix)
        if kind and file.is_file():
            files["/" + file.relative_to(workdir).as_posix()] = (file, kind)

    def made(url_path: str, path: Path, seconds: float, tagged: bool) -> Generated:
        return Generated(
            url_path=url_path,
            path=path,
            duration_s=seconds,
            video_codec="h264",
            audio_codec="aac",
            width=width,
            height=height,
            fps=float(FPS),
            creation_time=CREATED if tagged else None,
            gps=GPS if tagged else None,
            make=MAKE if tagged else None,
            model=MODEL if tagged else None,
        )

    media = {
        "clip": made("/clip.mp4", clip, CLIP_S, True),
        "item": made("/v/0.mp4", item, ITEM_S, False),
        # segmenting copies the streams; container-level tags do not survive it
        "hls": made("/hls/index.m3u8", hls / "index.m3u8", CLIP_S, False),
        "dash": made("/dash/manifest.mpd", dash / "manifest.mpd", CLIP_S, False),
    }
    return media, files


def block_file(workdir: Path) -> Path:
    path = workdir / "block.bin"
    if not path.exists():
        path.write_bytes(random.Random(500).randbytes(MIB))
    return path


MIB = 1 << 20


SIZE = (320, 240)


FPS = 25


CLIP_S = 6.0


ITEM_S = 1.0


CREATED = "2026-11-20T21:40:00Z"


GPS = (51.5007, -0.1246)  # Westminster Bridge


MAKE = "Apple"


MODEL = "iPhone 14"


#: Share of /clip.mp4 that /truncated.mp4 keeps and /cut.mp4 sends before hanging up.
TRUNCATED_SHARE = 0.55


TYPES = {
    ".mp4": "video/mp4",
    ".m4s": "video/iso.segment",
    ".ts": "video/mp2t",
    ".m3u8": "application/vnd.apple.mpegurl",
    ".mpd": "application/dash+xml",
}
