"""What a URL to fetch must look like: absolute http(s) with a host; anything else is refused
before a browser or a download starts."""

from __future__ import annotations

from urllib.parse import urlsplit

from osint_kit.errors import InvalidURL


def validate_url(url: str) -> str:
    """Only absolute http(s) URLs with a host; anything else is refused before a browser starts."""
    if not isinstance(url, str) or not url.strip():
        raise InvalidURL(str(url), "it is empty")
    text = url.strip()
    try:
        parts = urlsplit(text)
    except ValueError as exc:
        raise InvalidURL(text, f"it is not a URL ({exc})") from None
    if parts.scheme.lower() not in ("http", "https"):
        shown = (
            f"the scheme {parts.scheme + ':'!r} is not captured"
            if parts.scheme
            else ("it has no scheme")
        )
        raise InvalidURL(text, f"{shown}; only http: and https: are")
    if not parts.hostname:
        raise InvalidURL(text, "it has no host")
    if any(c.isspace() for c in text):
        raise InvalidURL(text, "it contains white space")
    return text
