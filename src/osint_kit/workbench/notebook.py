"""In a notebook, an osint-kit error is one message saying what happened and what to do;
the traceback is a click away (a folded section under it), not a wall of red.

Installed when osint_kit is imported inside IPython (JupyterLab's kernel); anything
else than an ``OsintKitError`` is shown by IPython as usual.
"""

from __future__ import annotations

import traceback
from types import TracebackType
from typing import Any

from osint_kit.base.text import shown_in_html
from osint_kit.errors import OsintKitError, exit_status


def install() -> bool:
    """Register the handler with the running IPython shell; False outside IPython."""
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    if shell is None or not hasattr(shell, "set_custom_exc"):
        return False
    shell.set_custom_exc((OsintKitError,), _show)
    return True


def _show(
    shell: Any,
    etype: type[BaseException],
    value: BaseException,
    tb: TracebackType | None,
    tb_offset: int | None = None,
) -> list[str]:
    from IPython.display import HTML, display

    kind = etype.__name__
    trace = "".join(traceback.format_exception(etype, value, tb))
    display(
        HTML(  # type: ignore[no-untyped-call]
            "<div class='osint-kit-error' style='border-left:4px solid #a00;padding:.4em .8em;"
            "background:#fff5f5'>"
            f"<b style='color:#a00'>osint-kit: {shown_in_html(kind)}</b> "
            f"(exit status {_status(value)})"
            f"<div>{shown_in_html(str(value))}</div>"
            "<details><summary>traceback</summary>"
            f"<pre style='font-size:85%'>{shown_in_html(trace)}</pre></details></div>"
        )
    )
    return [f"osint-kit: {kind}: {value}"]


def _status(value: BaseException) -> str:
    return str(exit_status(value)) if isinstance(value, OsintKitError) else "?"
