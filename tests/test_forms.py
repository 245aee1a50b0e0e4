"""The notebook forms, driven through their real widgets (no browser): each run must leave
its effect in the case, an osint-kit error must show as one message and record nothing it
should not, and the form's examiner is the one on the record."""

from __future__ import annotations

import html
import socket
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from conftest import AUTHORITY, EXAMINER, assert_ends_with_checkpoint, events_without_checkpoints
from osint_kit import Case, verify_bundle
from osint_kit.errors import (
    CollectionFailed,
    ExportRefused,
    ImportSourceError,
    InvalidExaminer,
    InvalidKey,
    InvalidOption,
    InvalidTarget,
    InvalidTime,
    InvalidURL,
)
from osint_kit.workbench.forms import Form, capture_form, collect_form, export_form, import_form
from osint_kit_sandbox.platforms import FakePlatforms
from osint_kit_sandbox.site import Site
from social_helpers import exhibits_of, posts_of, settings_for

OTHER = {"examiner_name": "Sam Roe", "examiner_id": "B-9876", "examiner_agency": "Example PD"}


def fill(form: Form, **values: Any) -> Form:
    for name, value in values.items():
        form.fields[name].value = value
    return form


def shown(form: Form) -> str:
    """Everything the output area holds, as HTML/text."""
    return "\n".join(
        o.get("text") or o["data"].get("text/html") or o["data"].get("text/plain", "")
        for o in form.output.outputs
    )


def assert_one_message(form: Form, kind: type[Exception], *words: str) -> None:
    assert isinstance(form.error, kind), form.error
    assert form.result is None
    text = shown(form)
    assert f"osint-kit: {kind.__name__}" in text and "Traceback" not in text
    for word in words:
        assert word in text, text
    assert not form.button.disabled


def imported(case: Case, files: dict[str, Path]) -> Case:
    case.import_files(
        [files["tip.txt"], files["photo.jpg"], files["clip.mp4"]],
        handed_over_by="Witness A",
        examiner=EXAMINER,
        progress=False,
    )
    return case


# -- every form ------------------------------------------------------------------


def test_the_examiner_is_prefilled_and_the_authority_shown(case: Case, examiner_env: Any) -> None:
    form = import_form(case)
    assert form.examiner() == EXAMINER
    header = form.widget.children[0].value
    assert AUTHORITY.reference in header and AUTHORITY.approved_by in header
    assert AUTHORITY.approved_at in header and case.id in header
    assert form.output.outputs == ()
    bundle = form._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == form.widget.model_id


def test_without_a_configured_examiner_the_form_says_so_and_refuses_to_run(
    case: Case, files: dict[str, Path]
) -> None:
    form = import_form(case, paths=str(files["tip.txt"]), handed_over_by="Witness A")
    assert form.fields["examiner_name"].value == ""
    assert "ExaminerNotConfigured" in shown(form)
    before = case.events()
    form.run()
    assert_one_message(form, InvalidExaminer, "name is empty")
    assert case.events() == before


def test_a_field_the_form_does_not_have_is_refused(case: Case) -> None:
    with pytest.raises(InvalidOption, match="no such field"):
        capture_form(case, examiner=EXAMINER, url="https://example.org/")


def test_import_osint_kit_does_not_load_ipywidgets() -> None:
    code = "import sys, osint_kit; assert 'ipywidgets' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_bug_propagates_and_the_button_comes_back(
    case: Case, files: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug, not a user's mistake")

    monkeypatch.setattr(case, "import_files", broken)
    form = import_form(case, examiner=EXAMINER, paths=str(files["tip.txt"]), handed_over_by="W")
    with pytest.raises(RuntimeError, match="a bug"):
        form.run()
    assert form.error is None and not form.button.disabled
    assert form.button.description == "Import"


# -- import ------------------------------------------------------------------------


def test_import_records_the_files_with_who_handed_them_over(
    case: Case, files: dict[str, Path], examiner_env: Any
) -> None:
    form = import_form(case, progress=False)
    fill(
        form,
        **OTHER,
        paths=f"{files['tip.txt']}\n\n  {files['photo.jpg']}  \n",
        handed_over_by="Witness W1 (mother)",
        note="AirDrop at the front desk",
    )
    form.button.click()  # what a detective does; calls form.run()

    assert form.error is None and form.result.exhibits == ("E0001", "E0002")
    [cap] = [c for c in case.captures() if c.method == "file.import"]
    assert [f["original_name"] for f in cap.record["files"]] == ["tip.txt", "photo.jpg"]
    assert cap.record["handed_over_by"] == "Witness W1 (mother)"
    assert cap.record["note"] == "AirDrop at the front desk"
    acquired = [e for e in case.events() if e.action == "evidence.acquired"]
    assert {e.actor["id"] for e in acquired} == {"B-9876"}  # the form's, not the config's
    assert case.exhibit("E0002").read_bytes() == files["photo.jpg"].read_bytes()
    assert "C0001" in shown(form) and not form.button.disabled
    assert_ends_with_checkpoint(case)


def test_import_of_a_folder_takes_every_file_in_it(case: Case, files: dict[str, Path]) -> None:
    folder = files["tip.txt"].parent
    (folder / "sub").mkdir()
    (folder / "sub" / "deeper.txt").write_text("in a subfolder: taken too")
    form = import_form(case, examiner=EXAMINER, progress=False, folder=folder, handed_over_by="W2")
    form.run()
    assert form.error is None
    [cap] = case.captures()
    names = [f["relative_path"] for f in cap.record["files"]]
    assert names == ["clip.mp4", "photo.jpg", "tip.txt", "sub/deeper.txt"]
    both = import_form(
        case, examiner=EXAMINER, folder=folder, paths=str(files["tip.txt"]), handed_over_by="W2"
    )
    both.run()
    assert_one_message(both, InvalidOption, "not both")
    assert case.captures() == [cap]


@pytest.mark.parametrize(
    ("values", "kind", "word"),
    [
        ({"paths": "", "handed_over_by": "W"}, InvalidOption, "give at least one file"),
        ({"paths": "{tip}", "handed_over_by": "  "}, InvalidOption, "handed over by"),
        ({"paths": "{tip}\n/no/such/file.jpg", "handed_over_by": "W"}, ImportSourceError, ""),
        ({"folder": "/no/such/folder", "handed_over_by": "W"}, InvalidOption, "not a folder"),
    ],
)
def test_import_refusals_store_nothing(
    case: Case, files: dict[str, Path], values: dict[str, str], kind: type[Exception], word: str
) -> None:
    values = {k: v.format(tip=files["tip.txt"]) for k, v in values.items()}
    form = import_form(case, examiner=EXAMINER, **values)
    before = case.events()
    form.run()
    assert_one_message(form, kind, word)
    assert case.events() == before
    assert not [p for p in (case.path / "blobs").rglob("*") if p.is_file()]


# -- export ------------------------------------------------------------------------


def test_export_writes_the_bundle_the_form_describes(
    case: Case, files: dict[str, Path], tmp_path: Path
) -> None:
    imported(case, files)
    form = export_form(case, examiner=EXAMINER)
    assert form.fields["exhibits"].value == ("E0001", "E0002", "E0003")  # all by default
    assert form.fields["dest"].value.startswith(str(case.path / "exports"))
    dest = tmp_path / "to-da.zip"
    fill(
        form,
        **OTHER,
        recipient="County Prosecutor",
        authorization="DA-2026-0042",
        purpose="charging decision",
        exhibits=("E0002",),
        dest=str(dest),
    )
    form.run()

    assert form.error is None and form.result.path == dest and dest.is_file()
    event = assert_ends_with_checkpoint(case)
    assert event.action == "export.created" and event.actor["id"] == "B-9876"
    assert event.details["recipient"] == "County Prosecutor"
    assert event.details["authorization"] == "DA-2026-0042"
    assert event.details["purpose"] == "charging decision"
    assert event.details["bundle"]["sha256"] == form.result.sha256
    assert [s.exhibit for s in event.subjects] == ["E0002"]
    report = verify_bundle(dest)
    assert report.ok, report.text()
    assert form.result.sha256 in shown(form)


def test_export_to_the_default_path_in_the_case(case: Case, files: dict[str, Path]) -> None:
    imported(case, files)
    form = export_form(case, examiner=EXAMINER, recipient="DA", authorization="DA-1")
    form.run()
    assert form.error is None
    assert form.result.path.parent == case.path / "exports"
    assert form.result.exhibits == ("E0001", "E0002", "E0003")
    assert case.verify().ok  # the bundle in exports/ is on the record


@pytest.mark.parametrize(
    ("values", "kind", "word"),
    [
        ({"authorization": "  "}, InvalidOption, "authorisation"),
        ({"recipient": ""}, InvalidOption, "recipient"),
        ({"exhibits": ()}, InvalidOption, "choose at least one exhibit"),
        ({"dest": "{tmp}/bundle.tar"}, InvalidOption, "should end in .zip"),
        ({"dest": "{tmp}/no/such/folder/b.zip"}, ExportRefused, "does not exist"),
        ({"encrypt_to": "not-an-age-key", "dest": "{tmp}/b.zip.age"}, InvalidKey, "age"),
    ],
)
def test_export_refusals_write_nothing(
    case: Case,
    files: dict[str, Path],
    tmp_path: Path,
    values: dict[str, Any],
    kind: type[Exception],
    word: str,
) -> None:
    imported(case, files)
    values = {k: v.format(tmp=tmp_path) if isinstance(v, str) else v for k, v in values.items()}
    form = export_form(case, examiner=EXAMINER, recipient="DA", authorization="DA-1")
    fill(form, **{"dest": str(tmp_path / "b.zip"), **values})
    before = case.events()
    form.run()
    assert_one_message(form, kind, word)
    assert case.events() == before
    assert not list(tmp_path.glob("*.zip*")) and not list((case.path / "exports").iterdir())


# -- capture (Chromium against the local fixture site) ---------------------------------


@pytest.mark.slow  # Chromium
def test_capture_records_the_page_with_the_forms_examiner(
    case: Case, site: Site, examiner_env: Any
) -> None:
    form = capture_form(case, progress=False)
    assert form.examiner() == EXAMINER
    fill(form, **OTHER, urls=site.url("/") + "\n", idle_s=1, scroll=False, max_mb=20)
    form.run()

    assert form.error is None, form.error
    [cap] = form.result
    assert cap.status == "complete" and cap.target == site.url("/")
    event = next(e for e in case.events() if e.seq == cap.seq)
    assert event.actor["id"] == "B-9876" and event.actor["name"] == "Sam Roe"
    assert cap.record["options"]["idle_s"] == 1 and cap.record["options"]["scroll"] is False
    assert cap.record["options"]["max_bytes"] == 20 * 2**20
    roles = {case.exhibit(x).role: case.exhibit(x) for x in cap.exhibits}
    assert b"Have you seen J. Smith?" in roles["dom"].read_bytes()
    assert cap.id in shown(form)


@pytest.mark.parametrize(
    ("values", "kind", "word"),
    [
        ({"urls": " \n "}, InvalidOption, "write at least one URL"),
        ({"urls": "{ok}\nftp://files.example.org/a"}, InvalidURL, "ftp"),
        ({"urls": "{ok}", "timeout_s": 0}, InvalidOption, "timeout_s"),
        ({"urls": "{ok}", "max_mb": -1}, InvalidOption, "max_bytes"),
    ],
)
def test_capture_refusals_record_nothing(
    case: Case, site: Site, values: dict[str, Any], kind: type[Exception], word: str
) -> None:
    values = {k: v.format(ok=site.url("/")) if isinstance(v, str) else v for k, v in values.items()}
    form = capture_form(case, examiner=EXAMINER, progress=False, **values)
    before = case.events()
    form.run()
    assert_one_message(form, kind, word)
    assert case.events() == before


@pytest.mark.slow  # Chromium
def test_an_unreachable_page_is_recorded_as_failed_and_shown(case: Case) -> None:
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/"
    form = capture_form(case, examiner=EXAMINER, progress=False, urls=url, timeout_s=10)
    form.run()
    [cap] = form.result
    assert cap.status == "failed" and form.error is None
    failed = events_without_checkpoints(case)[-1]
    assert failed.action == "collection.failed" and failed.capture["target"] == url
    assert "failed" in shown(form)


# -- collect (the sandbox's fake platforms) -----------------------------------------


def channel(fake: FakePlatforms, n: int = 6) -> None:
    start = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
    ch = fake.telegram.add_channel("lost_dog_watch", title="Lost Dog Watch", subscribers=12)
    for i in range(n):
        ch.add_post(
            date=start + timedelta(hours=i),
            text=f"Sighting {i} near the park",
            photos=[f"sighting-{i}.jpg"] if i % 2 == 0 else [],
        )


def test_collect_records_the_posts(case: Case, fake: FakePlatforms) -> None:
    channel(fake)
    form = collect_form(case, examiner=EXAMINER, settings=settings_for(fake), progress=False)
    fill(form, **OTHER, target="telegram:lost_dog_watch", limit=4, media=False)
    form.run()

    cap = form.result
    assert form.error is None and cap.method == "social.telegram"
    posts = posts_of(case, cap)
    assert [p["text"] for p in posts] == [f"Sighting {i} near the park" for i in (5, 4, 3, 2)]
    assert exhibits_of(case, cap, "media") == []  # media switched off in the form
    event = next(e for e in case.events() if e.seq == cap.seq)
    assert event.actor["id"] == "B-9876"
    assert cap.record["limit"] == 4 and cap.record["settings"]["media"] is False


def test_collect_with_media_and_since(case: Case, fake: FakePlatforms) -> None:
    channel(fake)
    form = collect_form(
        case,
        examiner=EXAMINER,
        settings=settings_for(fake),
        progress=False,
        target="telegram:lost_dog_watch",
        since="2026-10-01T10:30Z",
    )
    form.run()
    assert form.error is None, form.error
    posts = posts_of(case, form.result)
    assert sorted(p["text"] for p in posts) == [f"Sighting {i} near the park" for i in (3, 4, 5)]
    assert len(exhibits_of(case, form.result, "media")) == 1  # post 4's photo


def test_a_collection_that_fails_is_on_the_record_and_says_why(
    case: Case, fake: FakePlatforms
) -> None:
    form = collect_form(
        case, examiner=EXAMINER, settings=settings_for(fake), target="telegram:no_such_channel"
    )
    form.run()
    assert form.result.status == "failed" and isinstance(form.error, CollectionFailed)
    failed = events_without_checkpoints(case)[-1]
    assert failed.action == "collection.failed" and failed.seq == form.result.seq
    text = shown(form)
    assert "osint-kit: " in text and html.escape(str(form.error)) in text
    assert "Traceback" not in text and not form.button.disabled


@pytest.mark.parametrize(
    ("values", "kind", "word"),
    [
        ({"target": ""}, InvalidOption, "telegram:CHANNEL"),
        ({"target": "myspace:someone"}, InvalidTarget, "myspace"),
        ({"target": "telegram:lost_dog_watch", "limit": -3}, InvalidOption, "at least 1"),
        ({"target": "telegram:lost_dog_watch", "since": "last week"}, InvalidTime, "since"),
    ],
)
def test_collect_refusals_record_nothing(
    case: Case, fake: FakePlatforms, values: dict[str, Any], kind: type[Exception], word: str
) -> None:
    channel(fake)
    form = collect_form(case, examiner=EXAMINER, settings=settings_for(fake), **values)
    before = case.events()
    form.run()
    assert_one_message(form, kind, word)
    assert case.events() == before
