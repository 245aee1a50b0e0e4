"""The notebook API: the detective's workbench in JupyterLab.

``run_lab`` starts JupyterLab on the loopback (``osint-kit lab``); the forms
(``capture_form``, ``collect_form``, ``import_form``, ``export_form``) put a case's
commonest steps behind fields and a Run button (docs/forms.md); an osint-kit error in a
notebook shows as one readable message (installed by ``import osint_kit``).

The forms need ipywidgets (the ``lab`` extra), so they are imported on first use, never
by ``import osint_kit``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from osint_kit.workbench.lab import main as run_lab
from osint_kit.workbench.notebook import install as install_error_display

if TYPE_CHECKING:
    from osint_kit.workbench.forms import capture_form, collect_form, export_form, import_form

FORMS = ("capture_form", "collect_form", "export_form", "import_form")

__all__ = [
    "capture_form",
    "collect_form",
    "export_form",
    "import_form",
    "install_error_display",
    "run_lab",
]


def __getattr__(name: str) -> Any:
    if name in FORMS:
        from osint_kit.workbench import forms  # ipywidgets, on first use only

        return getattr(forms, name)
    raise AttributeError(f"module 'osint_kit.workbench' has no attribute {name!r}")
