"""Coroutines run from synchronous code, whether a script's or a notebook's (whose kernel
already runs an event loop), and stopped cleanly by Ctrl-C or SIGTERM."""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class Interrupt:
    """Set from the calling thread (Ctrl-C, SIGTERM); every page under way then ends."""

    def __init__(self) -> None:
        self.reason: str | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event: asyncio.Event | None = None

    def bind(self) -> asyncio.Event:
        self._loop = asyncio.get_running_loop()
        self._event = asyncio.Event()
        if self.reason is not None:
            self._event.set()
        return self._event

    def set(self, reason: str) -> None:
        self.reason = reason
        if self._loop is not None and self._event is not None:
            self._loop.call_soon_threadsafe(self._event.set)


def run_coroutine(
    coro: Coroutine[Any, Any, T], interrupt: Interrupt | None = None, *, wind_down_s: float = 50
) -> T:
    """Run ``coro`` on a private event loop in a worker thread.

    Works the same from a script and from a notebook, whose kernel already runs a
    loop in the main thread. A KeyboardInterrupt in the calling thread sets
    ``interrupt`` and waits for the coroutine to wind down before it goes on.
    """
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    try:
        future = pool.submit(asyncio.run, coro)
        try:
            return future.result()
        except KeyboardInterrupt:
            if interrupt is None:
                raise
            interrupt.set("interrupted by the examiner (Ctrl-C or SIGTERM)")
            _wait_out(future, wind_down_s)
            raise
    finally:
        pool.shutdown(wait=False)


def _wait_out(future: concurrent.futures.Future[Any], wind_down_s: float) -> None:
    """Wait for the captures to record themselves; a second Ctrl-C still waits (briefly)."""
    for _ in range(3):
        try:
            future.result(timeout=wind_down_s)
            return
        except KeyboardInterrupt:
            continue
        except Exception:
            return
