"""Print a provenance report to PDF with Chromium's own print, offline.

The report is one self-contained HTML file (pictures embedded), so the page that
prints it fetches nothing: JavaScript is off, the context is offline and every
request is refused. Each page carries the sensitivity marking at its top and
"page N of M" with the case at its foot.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tqdm.auto import tqdm

from osint_kit.base.background import run_coroutine
from osint_kit.base.files import atomic_write
from osint_kit.base.text import shown_in_html
from osint_kit.errors import StorageError
from osint_kit.formats.chromium import chromium_executable, launch_args

#: How long Chromium may take to lay out and print the report.
PRINT_TIMEOUT_S = 120


#: What printing goes through, one step of the progress bar each.
STAGES = ("start Chromium", "lay out", "print", "write")


def print_pdf(
    report_html: str, out: Path, *, case_id: str, marking: str, progress: bool = False
) -> Path:
    """Write ``report_html`` as an A4 PDF to ``out`` (atomically). ``progress``: a bar on
    stderr of the stages (``STAGES``)."""
    with tqdm(total=len(STAGES), desc="print PDF", unit="stage", disable=not progress) as bar:
        pdf = run_coroutine(_print(report_html, case_id, marking, _Stages(bar)))
        try:
            atomic_write(out, pdf, mode=0o644)
        except OSError as exc:
            raise StorageError(out, exc.strerror or str(exc)) from exc
        bar.update()
    return out


class _Stages:
    """Names the stage under way on the bar, and counts the one before it done."""

    def __init__(self, bar: Any) -> None:
        self.bar = bar
        self.started = False

    def __call__(self, stage: str) -> None:
        if self.started:
            self.bar.update()
        self.started = True
        self.bar.set_postfix_str(stage)


async def _print(report_html: str, case_id: str, marking: str, stage: _Stages) -> bytes:
    from playwright.async_api import async_playwright

    small = "font-size:8px;width:100%;text-align:center;font-family:sans-serif"
    header = f"<div style='{small};color:#a00;font-weight:bold'>{shown_in_html(marking)}</div>"
    footer = (
        f"<div style='{small}'>Provenance report, case {shown_in_html(case_id)}: page "
        "<span class='pageNumber'></span> of <span class='totalPages'></span></div>"
    )
    stage(STAGES[0])
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=chromium_executable(), args=launch_args(), headless=True
        )
        try:
            context = await browser.new_context(java_script_enabled=False, offline=True)
            await context.route("**/*", lambda route: route.abort())
            page = await context.new_page()
            stage(STAGES[1])
            await page.set_content(report_html, wait_until="load", timeout=PRINT_TIMEOUT_S * 1000)
            stage(STAGES[2])
            pdf = await page.pdf(
                format="A4",
                print_background=True,
                display_header_footer=True,
                header_template=header,
                footer_template=footer,
                margin={"top": "16mm", "bottom": "16mm", "left": "12mm", "right": "12mm"},
            )
            stage(STAGES[3])
            return pdf
        finally:
            await browser.close()
