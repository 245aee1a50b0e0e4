"""What the examiner can set for a web capture, checked before anything starts.

Its own module because its readers are not the capture's: the public package,
the case facade and the workbench's form build and show options without
needing the browser side or the recording.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from osint_kit.errors import InvalidOption


@dataclass(frozen=True)
class CaptureOptions:
    """What the examiner can set for a capture; recorded with it."""

    viewport: tuple[int, int] = (1280, 800)
    #: Seconds for the whole page: loading, waiting for quiet, scrolling. Stopping the
    #: page, taking its snapshot and closing it get at most ``GRACE_S``
    #: (page_capture.py) more.
    timeout_s: int = 30
    #: Seconds to wait, after load, for the network to go quiet.
    idle_s: int = 10
    ignore_tls_errors: bool = False
    user_agent: str | None = None
    #: Scroll to the bottom to load lazy content, for at most ``scroll_s`` seconds.
    scroll: bool = True
    scroll_s: int = 15
    #: Stop scrolling past this height; the screenshot is clipped there too.
    max_height_px: int = 30_000
    #: Stop loading once the page's traffic passes this many bytes.
    max_bytes: int = 200 * 2**20

    def __post_init__(self) -> None:
        """A limit of zero or less would record an empty or instant capture as evidence:
        refused before anything starts."""
        positive = {
            "timeout_s": self.timeout_s,
            "max_height_px": self.max_height_px,
            "max_bytes": self.max_bytes,
            "viewport width": self.viewport[0],
            "viewport height": self.viewport[1],
        }
        for name, value in positive.items():
            if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
                raise InvalidOption(name, f"{value!r}: must be a whole number above 0")
        for name, value in {"idle_s": self.idle_s, "scroll_s": self.scroll_s}.items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise InvalidOption(name, f"{value!r}: must be a whole number, 0 or more")

    def to_json(self) -> dict[str, Any]:
        return {
            "viewport": {"width": self.viewport[0], "height": self.viewport[1]},
            "timeout_s": self.timeout_s,
            "idle_s": self.idle_s,
            "ignore_tls_errors": self.ignore_tls_errors,
            "user_agent": self.user_agent,
            "scroll": self.scroll,
            "scroll_s": self.scroll_s,
            "max_height_px": self.max_height_px,
            "max_bytes": self.max_bytes,
        }
