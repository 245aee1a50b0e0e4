"""Forms for JupyterLab: capture web pages, collect posts, import files, export a bundle.

Each form is a thin face on one public ``Case`` method: the detective fills in fields,
clicks Run, and the form calls the method with the examiner it shows, then shows the
result (or one readable message) under the button. The case's authority sits at the
top so the detective sees under which written approval they act.

ipywidgets comes with the ``lab`` extra; it is imported here only, never by
``import osint_kit``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import ipywidgets as w
from IPython.display import HTML, clear_output, display

from osint_kit.acquire.social.settings import CollectSettings
from osint_kit.acquire.web.options import CaptureOptions
from osint_kit.base.text import shown_in_html
from osint_kit.case import Case
from osint_kit.disclosure.bundle.build import ExportResult
from osint_kit.errors import InvalidOption, OsintKitError, exit_status
from osint_kit.record.examiner import Examiner, resolve_examiner
from osint_kit.record.exhibits import Capture

__all__ = ["Form", "capture_form", "collect_form", "export_form", "import_form"]

_STYLE = {"description_width": "11em"}
_ERROR_BOX = (
    "<div class='osint-kit-error' style='border-left:4px solid #a00;padding:.4em .8em;"
    "background:#fff5f5'>"
)

#: What a form does when Run is clicked: field values and the examiner in, result out.
Action = Callable[[dict[str, Any], Examiner], Any]


class Form:
    """A form over one ``Case`` method: ``fields`` by name, a Run button, an output area.

    ``run()`` is what the button calls. The last run's result is ``result`` and its
    osint-kit error ``error``: a refusal leaves ``result`` None; a collection that failed
    on the record sets both (its capture, and why it failed). An error that is not
    osint-kit's own (a bug) propagates; clicked in a notebook, its traceback shows in the
    output area.
    """

    def __init__(
        self,
        title: str,
        case: Case,
        fields: dict[str, Any],
        action: Action,
        *,
        examiner: Examiner | None,
        run_label: str,
        help_text: str = "",
    ) -> None:
        self.case = case
        self.fields: dict[str, Any] = {**_examiner_fields(), **fields}
        self._action = action
        self.result: Any = None
        self.error: OsintKitError | None = None
        self._running = False
        self.button = w.Button(description=run_label, button_style="primary", icon="play")
        self.button.on_click(self._clicked)
        self.output = w.Output()
        header = w.HTML(f"<h4 style='margin:.2em 0'>{shown_in_html(title)}</h4>" + _authority(case))
        parts = [header]
        if help_text:
            parts.append(w.HTML(f"<div style='color:#555'>{help_text}</div>"))
        parts.append(
            w.HBox([self.fields["examiner_name"], self.fields["examiner_id"]]),
        )
        parts.append(self.fields["examiner_agency"])
        parts += [f for name, f in self.fields.items() if not name.startswith("examiner_")]
        parts += [self.button, self.output]
        self.widget = w.VBox(parts)
        if examiner is not None:
            self.set_examiner(examiner)
        else:
            self._prefill_examiner()

    def _prefill_examiner(self) -> None:
        try:
            who = resolve_examiner()
        except OsintKitError as exc:  # not configured yet: the detective types it in
            self._show_error(exc, prefix="Fill in the examiner fields, or: ")
            return
        self.set_examiner(who)

    def set_examiner(self, examiner: Examiner) -> None:
        self.fields["examiner_name"].value = examiner.name
        self.fields["examiner_id"].value = examiner.id
        self.fields["examiner_agency"].value = examiner.agency

    def examiner(self) -> Examiner:
        """The examiner as the fields say (InvalidExaminer when one is empty)."""
        return Examiner(
            name=self.fields["examiner_name"].value.strip(),
            id=self.fields["examiner_id"].value.strip(),
            agency=self.fields["examiner_agency"].value.strip(),
        )

    def values(self) -> dict[str, Any]:
        return {
            name: f.value for name, f in self.fields.items() if not name.startswith("examiner_")
        }

    def run(self) -> Any:
        """Call the case method with the fields' values; show and return the result.

        Returns None when an osint-kit error stopped it (then in ``error``, and shown).
        """
        if self._running:  # a second click while the first run is under way
            return None
        self._running = True
        self.button.disabled = True
        label = self.button.description
        self.button.description = "Running…"
        self.result, self.error = None, None
        # In a notebook, progress bars land in the output area. Entered by hand: as a
        # ``with`` block it would swallow a bug's exception inside a kernel.
        self.output.__enter__()
        try:
            self._clear()
            try:
                self.result = self._action(self.values(), self.examiner())
            except OsintKitError as exc:
                self.error = exc
                self._show_error(exc)
            else:
                failure = getattr(self.result, "error", None)
                if isinstance(failure, OsintKitError):
                    # A run that failed on the record (a collection): what to do, then
                    # the capture that says so.
                    self.error = failure
                    self._show_error(failure)
                self._show(_result_html(self.result))
        finally:
            self.output.__exit__(None, None, None)
            self.button.description = label
            self.button.disabled = False
            self._running = False
        return self.result

    def _clicked(self, _button: Any) -> None:
        # Inside the output context a bug's traceback shows under the form, not in
        # JupyterLab's log console where nobody looks.
        with self.output:
            self.run()

    def _clear(self) -> None:
        self.output.outputs = ()
        if self.output.msg_id:  # what the frontend captured, the kernel's copy never had
            clear_output()  # type: ignore[no-untyped-call]

    def _show(self, text: str) -> None:
        shown = HTML(text)  # type: ignore[no-untyped-call]
        if self.output.msg_id:
            # In a kernel, inside the output's capture: displayed after the progress bars
            # the frontend already holds (setting ``outputs`` here would drop them).
            display(shown)  # type: ignore[no-untyped-call]
        else:
            self.output.append_display_data(shown)

    def _show_error(self, exc: OsintKitError, prefix: str = "") -> None:
        self._show(
            _ERROR_BOX + f"<b style='color:#a00'>osint-kit: {shown_in_html(type(exc).__name__)}</b>"
            f" (exit status {exit_status(exc)})"
            f"<div>{shown_in_html(prefix + str(exc))}</div></div>"
        )

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        return f"<Form {self.button.description!r} on case {self.case.id}>"


# -- the four forms ------------------------------------------------------------


def capture_form(
    case: Case,
    *,
    examiner: Examiner | None = None,
    progress: bool = True,
    **values: Any,
) -> Form:
    """Capture web pages in headless Chromium (``Case.capture_urls``), one URL a line.

    ``values`` prefill fields by name (``urls``, ``timeout_s``, ``max_mb``, …).
    """
    d = CaptureOptions()
    fields = {
        "urls": _area("URLs", "one http(s) URL per line"),
        "timeout_s": _int("timeout (s)", d.timeout_s),
        "max_mb": _int("max traffic (MB)", d.max_bytes // 2**20),
        "idle_s": _int("wait for quiet (s)", d.idle_s),
        "scroll": w.Checkbox(value=d.scroll, description="scroll to load lazy content"),
        "scroll_s": _int("scroll for at most (s)", d.scroll_s),
        "max_height_px": _int("max height (px)", d.max_height_px),
        "width": _int("viewport width", d.viewport[0]),
        "height": _int("viewport height", d.viewport[1]),
        "user_agent": _text("user agent", "browser default"),
        "ignore_tls_errors": w.Checkbox(value=False, description="ignore TLS errors"),
        "parallel": _int("pages at once", 2),
    }

    def action(v: dict[str, Any], who: Examiner) -> list[Capture]:
        urls = _lines(v["urls"], "URLs", "write at least one URL, one per line")
        options = CaptureOptions(
            viewport=(v["width"], v["height"]),
            timeout_s=v["timeout_s"],
            idle_s=v["idle_s"],
            ignore_tls_errors=v["ignore_tls_errors"],
            user_agent=v["user_agent"].strip() or None,
            scroll=v["scroll"],
            scroll_s=v["scroll_s"],
            max_height_px=v["max_height_px"],
            max_bytes=v["max_mb"] * 2**20,
        )
        return case.capture_urls(
            urls, examiner=who, options=options, parallel=v["parallel"], progress=progress
        )

    return _prefilled(
        Form(
            "Capture web pages",
            case,
            fields,
            action,
            examiner=examiner,
            run_label="Capture",
            help_text="Each URL is rendered in a read-only browser and kept as screenshot, "
            "DOM, text, MHTML and WARC; a page that fails is recorded as failed.",
        ),
        values,
    )


def collect_form(
    case: Case,
    *,
    examiner: Examiner | None = None,
    settings: CollectSettings | None = None,
    options: Mapping[str, Any] | None = None,
    progress: bool = True,
    **values: Any,
) -> Form:
    """Collect public posts from a platform target (``Case.collect``).

    ``settings`` (how platforms are reached; default from the environment) and
    ``options`` (the collector's own) go to ``Case.collect`` unchanged, except that the
    form's media switch sets ``settings.media``.
    """
    fields = {
        "target": _text("target", "telegram:CHANNEL, mastodon:@user@host, bluesky:HANDLE"),
        "since": _text("since (optional)", "2026-10-01 or 2026-10-01T08:00Z (UTC)"),
        "limit": _int("at most (0 = all)", 0),
        "media": w.Checkbox(value=True, description="download the posts' media"),
    }

    def action(v: dict[str, Any], who: Examiner) -> Capture:
        target = _required(v["target"], "target", "name what to collect, e.g. telegram:CHANNEL")
        base = settings or CollectSettings.from_env()
        return case.collect(
            target,
            since=v["since"].strip() or None,
            limit=v["limit"] or None,
            settings=dataclasses.replace(base, media=v["media"]),
            options=options,
            examiner=who,
            progress=progress,
        )

    return _prefilled(
        Form(
            "Collect public posts",
            case,
            fields,
            action,
            examiner=examiner,
            run_label="Collect",
            help_text="One run against one target: every post, the profile and the "
            "media (if on) become exhibits; what changed since the last run is recorded.",
        ),
        values,
    )


def import_form(
    case: Case,
    *,
    examiner: Examiner | None = None,
    progress: bool = True,
    **values: Any,
) -> Form:
    """Import files handed over (witness footage, tips) as one hand-over
    (``Case.import_files``, or ``Case.import_folder`` for a folder)."""
    fields = {
        "paths": _area("files", "one path per line"),
        "folder": _text("or a folder", "every file in it, subfolders too (links are not followed)"),
        "handed_over_by": _text("handed over by", "who gave you the files"),
        "note": _text("note (optional)", "how and where they were handed over"),
    }

    def action(v: dict[str, Any], who: Examiner) -> Capture:
        handed = _required(v["handed_over_by"], "handed over by", "say who handed them over")
        paths: list[Path] = [Path(p).expanduser() for p in _lines(v["paths"])]
        shared = {
            "handed_over_by": handed,
            "note": v["note"].strip(),
            "examiner": who,
            "progress": progress,
        }
        if folder := v["folder"].strip():
            where = Path(folder).expanduser()
            if not where.is_dir():
                raise InvalidOption("folder", f"{where} is not a folder")
            if paths:
                raise InvalidOption("folder", "give files or a folder, not both")
            return case.import_folder(where, **shared)
        if not paths:
            raise InvalidOption("files", "give at least one file path, or a folder with files")
        return case.import_files(paths, **shared)

    return _prefilled(
        Form(
            "Import handed-over files",
            case,
            fields,
            action,
            examiner=examiner,
            run_label="Import",
            help_text="The files are copied into the case (the originals are not touched), "
            "with their name, size, times and who handed them over.",
        ),
        values,
    )


def export_form(
    case: Case,
    *,
    examiner: Examiner | None = None,
    **values: Any,
) -> Form:
    """Export chosen exhibits as an evidence bundle (``Case.export_bundle``).

    The exhibit list is the case's at the time the form is made; make the form again
    to see exhibits added since.
    """
    choices = [
        (f"{ex.label}  {ex.role}  {ex.name or ''}".rstrip(), ex.label) for ex in case.exhibits()
    ]
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    fields = {
        "recipient": _text("recipient", "who receives the bundle"),
        "authorization": _text("authorisation", "reference of the written authorisation"),
        "purpose": _text("purpose (optional)", "why it is sent"),
        "exhibits": w.SelectMultiple(
            options=choices,
            value=[label for _, label in choices],
            description="exhibits",
            rows=min(max(len(choices), 3), 12),
            style=_STYLE,
            layout=w.Layout(width="42em"),
        ),
        "dest": _text("save as", "a path ending in .zip (.zip.age when encrypted)"),
        "encrypt_to": _area("encrypt to (optional)", "age public keys (age1…), one per line"),
    }
    fields["dest"].value = str(case.path / "exports" / f"{case.id}-{stamp}.zip")

    def action(v: dict[str, Any], who: Examiner) -> ExportResult:
        recipient = _required(v["recipient"], "recipient", "say who receives the bundle")
        authorization = _required(
            v["authorization"], "authorisation", "evidence leaves only under a written one"
        )
        if not v["exhibits"]:
            raise InvalidOption("exhibits", "choose at least one exhibit to export")
        dest = _required(v["dest"], "save as", "give the bundle's path")
        return case.disclosure.export(
            Path(dest).expanduser(),
            authorization=authorization,
            recipient=recipient,
            purpose=v["purpose"].strip(),
            exhibits=list(v["exhibits"]),
            examiner=who,
            encrypt_to=_lines(v["encrypt_to"]),
        )

    return _prefilled(
        Form(
            "Export an evidence bundle",
            case,
            fields,
            action,
            examiner=examiner,
            run_label="Export",
            help_text="Only the chosen exhibits, and the events about them, leave the case; "
            "the export is recorded with its recipient and authorisation.",
        ),
        values,
    )


# -- pieces ----------------------------------------------------------------------


def _examiner_fields() -> dict[str, Any]:
    return {
        "examiner_name": _text("examiner", "name", width="24em"),
        "examiner_id": _text("id / badge", "", width="18em"),
        "examiner_agency": _text("agency", ""),
    }


def _prefilled(form: Form, values: Mapping[str, Any]) -> Form:
    for name, value in values.items():
        if name not in form.fields or name.startswith("examiner_"):
            known = ", ".join(n for n in form.fields if not n.startswith("examiner_"))
            raise InvalidOption(name, f"the form has no such field (it has {known})")
        field = form.fields[name]
        if isinstance(field, w.Textarea) and not isinstance(value, str):
            value = "\n".join(str(v) for v in value)
        elif isinstance(field, w.Text) and isinstance(value, Path):
            value = str(value)
        elif isinstance(field, w.SelectMultiple):
            value = tuple(value)
        field.value = value
    return form


def _authority(case: Case) -> str:
    a = case.authority
    return (
        "<div style='background:#f4f6fa;border-left:4px solid #36c;padding:.3em .8em'>"
        f"<b>Case {shown_in_html(case.id)}</b>: {shown_in_html(case.title)} "
        f"({shown_in_html(case.category)})<br>"
        f"<b>Authority</b> {shown_in_html(a.reference)}, approved by "
        f"{shown_in_html(a.approved_by)} on {shown_in_html(a.approved_at)}</div>"
    )


def _text(label: str, placeholder: str, *, width: str = "42em") -> Any:
    return w.Text(
        description=label, placeholder=placeholder, style=_STYLE, layout=w.Layout(width=width)
    )


def _area(label: str, placeholder: str) -> Any:
    return w.Textarea(
        description=label,
        placeholder=placeholder,
        rows=4,
        style=_STYLE,
        layout=w.Layout(width="42em"),
    )


def _int(label: str, value: int) -> Any:
    return w.IntText(value=value, description=label, style=_STYLE, layout=w.Layout(width="20em"))


def _required(value: str, label: str, what: str) -> str:
    if not value.strip():
        raise InvalidOption(label, f"is empty: {what}")
    return value.strip()


def _lines(text: str, label: str = "", what: str = "") -> list[str]:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines and label:
        raise InvalidOption(label, f"is empty: {what}")
    return lines


def _result_html(result: Any) -> str:
    if hasattr(result, "_repr_html_"):  # a Capture, a CaptureList
        return str(result._repr_html_())
    if isinstance(result, list):
        return "".join(_result_html(item) for item in result)
    if isinstance(result, ExportResult):
        return (
            f"<div>Bundle <code>{shown_in_html(str(result.path))}</code> written: "
            f"{result.size:,} bytes, {len(result.exhibits)} exhibit(s) "
            f"({shown_in_html(', '.join(result.exhibits))}), SHA-256 <code>{result.sha256}</code>, "
            f"cut at event {result.head_seq}. Recorded as event {result.event.seq}.</div>"
        )
    return f"<pre>{shown_in_html(str(result))}</pre>"
