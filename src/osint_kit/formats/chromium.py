"""Which Chromium to drive, and how it is launched."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from osint_kit.errors import BrowserUnavailable

ENV_CHROMIUM = "OSINT_KIT_CHROMIUM"

#: No background traffic of the browser's own (updates, sync, safe-browsing lists):
#: the WARC then holds what the page asked for, and nothing leaves for Google.
FLAGS = (
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-extensions",
    "--mute-audio",
    # Every byte goes through the capture's proxy: no QUIC (HTTP/3, WebTransport) that
    # would go round it, and WebRTC only where a proxy can carry it (so, nowhere).
    "--disable-quic",
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--webrtc-ip-handling-policy=disable_non_proxied_udp",
)


def chromium_executable() -> str:
    """``$OSINT_KIT_CHROMIUM``, else Debian's ``chromium`` on the PATH."""
    for candidate in (os.environ.get(ENV_CHROMIUM), shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise BrowserUnavailable(
        "no Chromium found: `make setup` installs Debian's chromium package, or set "
        f"{ENV_CHROMIUM} to a Chromium executable"
    )


def launch_args() -> list[str]:
    args = list(FLAGS)
    # Chromium's sandbox cannot start as root; as any other user it stays on.
    if os.geteuid() == 0:
        args.append("--no-sandbox")
    return args
