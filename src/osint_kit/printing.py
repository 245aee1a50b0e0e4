"""Print a provenance report to PDF with Chromium's own print, offline.

The report is one self-contained HTML file (pictures embedded), so the page that
prints it fetches nothing: JavaScript is off, the context is offline and every
request is refused. Each page carries the sensitivity marking at its top and
"page N of M" with the case at its foot.
"""

from __future__ import annotations

import html
from pathlib import Path

from .errors import StorageError
from .fsio import atomic_write
from .web.browser import chromium_executable, launch_args
from .web.capture import run_coroutine

#: How long Chromium may take to lay out and print the report.
PRINT_TIMEOUT_S = 120


def print_pdf(report_html: str, out: Path, *, case_id: str, marking: str) -> Path:
    """Write ``report_html`` as an A4 PDF to ``out`` (atomically)."""
    pdf = run_coroutine(_print(report_html, case_id, marking))
    try:
        atomic_write(out, pdf, mode=0o644)
    except OSError as exc:
        raise StorageError(out, exc.strerror or str(exc)) from exc
    return out


async def _print(report_html: str, case_id: str, marking: str) -> bytes:
    from playwright.async_api import async_playwright

    small = "font-size:8px;width:100%;text-align:center;font-family:sans-serif"
    header = f"<div style='{small};color:#a00;font-weight:bold'>{html.escape(marking)}</div>"
    footer = (
        f"<div style='{small}'>Provenance report, case {html.escape(case_id)}: page "
        "<span class='pageNumber'></span> of <span class='totalPages'></span></div>"
    )
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=chromium_executable(), args=launch_args(), headless=True
        )
        try:
            context = await browser.new_context(java_script_enabled=False, offline=True)
            await context.route("**/*", lambda route: route.abort())
            page = await context.new_page()
            await page.set_content(report_html, wait_until="load", timeout=PRINT_TIMEOUT_S * 1000)
            return await page.pdf(
                format="A4",
                print_background=True,
                display_header_footer=True,
                header_template=header,
                footer_template=footer,
                margin={"top": "16mm", "bottom": "16mm", "left": "12mm", "right": "12mm"},
            )
        finally:
            await browser.close()
