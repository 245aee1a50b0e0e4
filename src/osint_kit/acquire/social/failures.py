"""Turning what went wrong on the wire into the CollectionFailed kinds, naming the URL.

Public for plugins through ``osint_kit.plugin``.
"""

from __future__ import annotations

from typing import Any

import requests

from osint_kit.acquire.social.http import PlatformHTTP, retry_after_seconds
from osint_kit.errors import (
    AccountNotFound,
    CollectionFailed,
    PlatformError,
    PlatformUnreachable,
    RateLimited,
    TimedOut,
    UnexpectedResponse,
)


def for_status(target: str, response: requests.Response, what: str = "") -> CollectionFailed:
    """The error for a non-2xx answer: 404 not found, 429 rate limited, others an HTTP error."""
    url = response.url
    status = response.status_code
    if status == 404 or (status == 400 and "not found" in response.text.lower()):
        return AccountNotFound(
            target, f"{what or 'it'} does not exist (HTTP {status} from {url})", url=url
        )
    if status == 429:
        wait = retry_after_seconds(response.headers.get("Retry-After"))
        told = f", asked to wait {wait:.0f} s" if wait is not None else ", with no Retry-After"
        return RateLimited(
            target, f"rate limited by the platform (HTTP 429 from {url}{told})", url=url
        )
    return PlatformError(
        target, f"HTTP {status} {response.reason or ''} from {url}".replace("  ", " "), url=url
    )


def from_exception(target: str, exc: BaseException, http: PlatformHTTP) -> CollectionFailed:
    """Classify an exception raised inside a library (snscrape) by what the wire saw last."""
    if isinstance(exc, CollectionFailed):
        return exc
    if isinstance(exc, requests.RequestException) or (http.failures and not http.exchanges):
        last = http.failures[-1] if http.failures else {"url": target, "detail": str(exc)}
        if isinstance(exc, requests.Timeout) or last.get("timed_out"):
            return TimedOut(
                target,
                f"{last['url']} did not answer within {http.settings.timeout_s} s "
                f"({last.get('detail', exc)})",
                url=last["url"],
            )
        return PlatformUnreachable(
            target, f"could not reach {last['url']}: {last.get('detail', exc)}", url=last["url"]
        )
    last_exchange = http.exchanges[-1] if http.exchanges else None
    if (
        last_exchange is not None
        and last_exchange.status is not None
        and last_exchange.status >= 400
    ):
        status = last_exchange.status
        url = last_exchange.url
        if status == 429:
            return RateLimited(
                target, f"rate limited by the platform (HTTP 429 from {url})", url=url
            )
        if status == 404:
            return AccountNotFound(target, f"it does not exist (HTTP 404 from {url})", url=url)
        return PlatformError(target, f"HTTP {status} from {url}", url=url)
    if http.failures:
        last = http.failures[-1]
        if last.get("timed_out"):
            return TimedOut(
                target,
                f"{last['url']} did not answer within {http.settings.timeout_s} s",
                url=last["url"],
            )
        return PlatformUnreachable(
            target, f"could not reach {last['url']}: {last['detail']}", url=last["url"]
        )
    where = last_exchange.url if last_exchange else None
    return UnexpectedResponse(
        target,
        f"the page at {where} did not have the expected shape "
        f"({type(exc).__name__}: {str(exc)[:200]}); the platform may have changed its layout",
        url=where,
    )


def json_body(response: requests.Response, target: str) -> Any:
    """The response's JSON, or UnexpectedResponse naming the URL when it is not JSON."""
    try:
        return response.json()
    except ValueError:
        raise UnexpectedResponse(
            target,
            f"{response.url} did not answer JSON (the API may have changed)",
            url=response.url,
        ) from None
