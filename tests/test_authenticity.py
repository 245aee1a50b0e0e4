"""Authenticity against an insider (issue 17): the trust store, signatures required, the
head ledger, refusals to write without a key, rotations, and every forgery caught."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from conftest import AUTHORITY
from forgeries import FORGERIES, Forgery, append_forged, events_of, reseal, write_events
from osint_kit import Case, Examiner
from osint_kit.errors import SigningKeyRequired
from osint_kit.record import TrustStore, create_signing_key
from osint_kit.record.builtin_actions import KEY_REGISTERED
from osint_kit.record.examiner import config_dir
from osint_kit.record.signing import generate_key, key_path
from osint_kit_sandbox.tsa import LocalTSA

ALICE = Examiner(name="Alice Ray", id="A-1", agency="Example PD")
BOB = Examiner(name="Bob Lee", id="B-2", agency="Example PD")


def _signed_case(root: Path, trust: Path, tsa: LocalTSA, files: dict[str, Path]) -> Case:
    key = create_signing_key(ALICE)
    TrustStore(trust).add(key.public_key, ALICE.id, name=ALICE.name)
    case = Case.create(
        "AUTH-1", title="t", category="other", authority=AUTHORITY, root=root, examiner=ALICE
    )
    assert case.identity["signatures"] == "required"  # she has a key
    case.import_files(
        [files["tip.txt"], files["photo.jpg"]], handed_over_by="W", examiner=ALICE, progress=False
    )
    from osint_kit import TsaConfig

    case.stamp(tsa=TsaConfig(tsa.url, tsa.ca_pem), examiner=ALICE)
    case.disclosure.export(
        root.parent / "to-da.zip",
        authorization="DA-1",
        recipient="DA",
        exhibits=["E0001"],
        examiner=ALICE,
    )
    case.add_note("Spoke to the school.", examiner=ALICE)
    return case


@pytest.fixture
def signed_case(
    root: Path,
    tmp_path: Path,
    tsa: LocalTSA,
    files: dict[str, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> Case:
    monkeypatch.setenv("OSINT_KIT_TRUST", str(tmp_path / "trust"))
    monkeypatch.setenv("OSINT_KIT_TSA_CA", str(tsa.ca_pem))
    return _signed_case(root, tmp_path / "trust", tsa, files)


def test_a_signed_case_verifies_and_says_who_signed_with_what(signed_case: Case) -> None:
    report = signed_case.verify()
    assert report.ok, report.text()
    [key] = report.keys
    assert (key.examiner, key.trusted) == ("A-1", True)
    assert key.events == len(signed_case.events())  # every event, the registration too
    assert "A-1 (Alice Ray)" in report.text() and "TRUSTED" in report.text()
    assert report.to_json()["signatures"]["required"] is True
    assert any("reaches the last head this machine wrote" in n for n in report.notes)


@pytest.mark.parametrize("forgery", FORGERIES, ids=[f.name for f in FORGERIES])
def test_each_forgery_is_caught(
    signed_case: Case, forgery: Forgery, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    forgery.apply(signed_case)
    here = signed_case.verify()
    assert not here.ok and here.kinds() >= forgery.here, here.text()
    monkeypatch.setenv("OSINT_KIT_DATA_DIR", str(tmp_path / "reviewer"))  # no ledger there
    elsewhere = signed_case.verify()
    if forgery.elsewhere is None:  # the documented limit of a case seen on its own
        assert elsewhere.ok, elsewhere.text()
    else:
        assert elsewhere.kinds() >= forgery.elsewhere, elsewhere.text()


def test_the_head_a_reviewer_holds_catches_a_cut_the_trust_store_cannot(
    signed_case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    head = signed_case.events()[-1]
    FORGERIES[4].apply(signed_case)  # cut after the last checkpoint
    monkeypatch.setenv("OSINT_KIT_DATA_DIR", str(tmp_path / "reviewer"))
    assert signed_case.verify().ok
    report = signed_case.verify(expect_head=[f"{head.seq}:{head.hash}"])
    assert report.kinds() == {"log-truncated"}
    wrong = signed_case.verify(expect_head=[f"2:{'ab' * 8}"])
    assert wrong.kinds() == {"head-mismatch"}


def test_without_a_trust_store_a_key_of_ones_own_is_not_caught_elsewhere(
    signed_case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The documented limit: without the department's trust store, a forger's key
    registered for the examiner from the start is indistinguishable from theirs."""
    FORGERIES[3].apply(signed_case)
    monkeypatch.setenv("OSINT_KIT_DATA_DIR", str(tmp_path / "reviewer"))
    monkeypatch.delenv("OSINT_KIT_TRUST")
    report = signed_case.verify()
    assert report.ok, report.text()


def test_writing_as_a_keyed_examiner_without_the_key_is_refused(
    signed_case: Case, tmp_path: Path
) -> None:
    size = signed_case.log.path.stat().st_size
    (key_path(config_dir(), ALICE.id)).unlink()
    with pytest.raises(SigningKeyRequired, match="does not hold"):
        signed_case.add_note("E0002 was recovered from the suspect's phone.", examiner=ALICE)
    cmd = [
        str(Path(sys.executable).parent / "osint-kit"),
        "note",
        signed_case.id,
        "E0002 was recovered from the suspect's phone.",
        "--root",
        str(signed_case.path.parent),
        "--examiner-name",
        "Alice Ray",
        "--examiner-id",
        "A-1",
        "--examiner-agency",
        "X",
    ]
    r = subprocess.run(cmd, capture_output=True, text=True)
    assert r.returncode == 6 and "cannot write as examiner A-1" in r.stderr, r.stderr
    assert signed_case.log.path.stat().st_size == size  # nothing written


def test_a_case_that_requires_signatures_refuses_an_examiner_without_a_key(
    signed_case: Case,
) -> None:
    with pytest.raises(SigningKeyRequired, match="requires signed events"):
        signed_case.add_note("Bob has no key.", examiner=BOB)


def test_a_rotated_key_is_endorsed_by_the_old_one(signed_case: Case) -> None:
    old = signed_case.verify().keys[0].key_id
    new = create_signing_key(ALICE, force=True)  # the old key goes to keys/retired/
    TrustStore(Path(str(signed_case.path.parents[1] / "trust"))).add(new.public_key, ALICE.id)
    signed_case.add_note("After the rotation.", examiner=ALICE)
    reg = [e for e in signed_case.events() if e.action == KEY_REGISTERED][-1]
    assert reg.details["endorsement"]["key_id"] == old
    report = signed_case.verify()
    assert report.ok, report.text()
    assert [(k.key_id, k.endorsed_by) for k in report.keys] == [(old, None), (new.key_id, old)]


def test_a_second_key_without_endorsement_or_trust_is_refused_and_caught(
    signed_case: Case, tmp_path: Path
) -> None:
    shutil.rmtree(config_dir() / "keys")
    generate_key(config_dir(), ALICE.id, None, force=False)  # a lost key replaced
    with pytest.raises(SigningKeyRequired, match="neither endorsed"):
        signed_case.add_note("With a new key.", examiner=ALICE)
    # Written anyway by a tool that does not refuse: verification says so.
    other = generate_key(tmp_path / "other", ALICE.id, None, force=False)
    registered = next(e for e in signed_case.events() if e.action == KEY_REGISTERED).details
    details = {**registered, "key_id": other.key_id, "public_key": other.public_pem}
    append_forged(signed_case, KEY_REGISTERED, details, sign=other)
    append_forged(signed_case, "note.added", {"text": "with the new key"}, sign=other)
    report = signed_case.verify()
    assert report.kinds() == {"key-rotation-unsigned", "key-untrusted"}, report.text()


def test_a_trust_store_that_vouches_for_another_examiner_is_a_problem(
    signed_case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = signed_case.verify().keys[0].key_id
    store = TrustStore(tmp_path / "other-trust")
    pem = next(e for e in signed_case.events() if e.action == KEY_REGISTERED).details["public_key"]
    store.add(pem, "Z-9")
    monkeypatch.setenv("OSINT_KIT_TRUST", str(store.path))
    report = signed_case.verify()
    assert report.kinds() == {"key-untrusted"} and "as examiner 'Z-9'" in report.text()
    assert report.keys[0].key_id == key and report.keys[0].trusted is False


def test_cli_trust_add_list_remove_and_verify_with_trust(signed_case: Case, tmp_path: Path) -> None:
    exe = str(Path(sys.executable).parent / "osint-kit")
    store = tmp_path / "cli-trust"
    pub = key_path(config_dir(), ALICE.id).with_suffix(".pub")
    run = lambda *a: subprocess.run([exe, *a], capture_output=True, text=True)  # noqa: E731
    r = run(
        "trust", "add", str(pub), "--examiner", "A-1", "--name", "Alice Ray", "--trust", str(store)
    )
    assert r.returncode == 0 and "trusted ed25519:" in r.stdout, r.stderr
    r = run("trust", "list", "--trust", str(store))
    assert "A-1" in r.stdout and "Alice Ray" in r.stdout
    root = str(signed_case.path.parent)
    r = run("verify", signed_case.id, "--root", root, "--trust", str(store))
    assert r.returncode == 0 and "TRUSTED" in r.stdout, r.stdout + r.stderr
    r = run("trust", "remove", "A-1", "--trust", str(store))
    assert r.returncode == 0 and "no longer trusted" in r.stdout
    r = run("verify", signed_case.id, "--root", root, "--trust", str(store))
    assert r.returncode == 1 and "key-untrusted" in r.stdout
    head = signed_case.events()[-1]
    r = run(
        "verify", signed_case.id, "--root", root, "--expect-head", f"{head.seq + 5}:{head.hash}"
    )
    assert r.returncode == 1 and "log-truncated" in r.stdout
    r = run("verify", signed_case.id, "--root", root, "--expect-head", "nonsense")
    assert r.returncode == 2 and "SEQ:HASH" in r.stderr


# -- the property: any single change, deletion or key substitution is a problem -------

_BUILT: dict[str, Path] = {}


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One signed case, built once; each example changes it in place and puts it back
    (the machine's head ledger knows the heads that folder wrote)."""
    return tmp_path_factory.mktemp("pristine")


def _build(base: Path) -> Path:
    if "case" not in _BUILT:
        mp = pytest.MonkeyPatch()
        mp.setenv("OSINT_KIT_CONFIG_DIR", str(base / "config"))
        mp.setenv("OSINT_KIT_DATA_DIR", str(base / "data"))
        key = create_signing_key(ALICE)
        TrustStore(base / "trust").add(key.public_key, ALICE.id)
        case = Case.create(
            "PROP-1",
            title="t",
            category="other",
            authority=AUTHORITY,
            root=base / "cases",
            examiner=ALICE,
        )
        (base / "tip.txt").write_text("a tip\n")
        case.import_files([base / "tip.txt"], handed_over_by="W", examiner=ALICE, progress=False)
        for n in range(3):
            case.add_note(f"note {n}", examiner=ALICE)
        mp.undo()
        _BUILT["case"] = case.path
    return _BUILT["case"]


changes = st.one_of(
    st.tuples(st.just("field"), st.integers(0, 50), st.sampled_from(
        ["time", "actor", "action", "details", "subjects", "tool", "case", "id", "seq",
         "signature", "digest", "prev", "hash"]), st.booleans()),
    st.tuples(st.just("delete"), st.lists(st.integers(0, 50), min_size=1, max_size=3),
              st.just(""), st.booleans()),
    st.tuples(st.just("key"), st.integers(0, 0), st.just(""), st.booleans()),
)  # fmt: skip


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(change=changes)
@example(change=("field", 38, "seq", True))
@example(change=("delete", [50], "", False))  # the last event: the ledger's to catch
def test_any_change_deletion_or_key_substitution_is_a_problem(
    pristine: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, change: tuple
) -> None:
    source = _build(pristine)
    monkeypatch.setenv("OSINT_KIT_DATA_DIR", str(pristine / "data"))
    monkeypatch.setenv("OSINT_KIT_TRUST", str(pristine / "trust"))
    # Changed in the folder that wrote it (whose heads the ledger holds: a copy is held
    # only to its own), then put back from a copy kept aside.
    work = Path(tempfile.mkdtemp(dir=tmp_path))
    shutil.copytree(source, work / "PROP-1")
    try:
        _change_and_verify(source, change, tmp_path)
    finally:
        shutil.rmtree(source)
        os.rename(work / "PROP-1", source)
        shutil.rmtree(work, ignore_errors=True)


def _change_and_verify(source: Path, change: tuple, tmp_path: Path) -> None:
    case = Case.open("PROP-1", root=source.parent)
    events = events_of(case)
    what, index, field, resealed = change
    if what == "field":
        e = events[index % len(events)]
        e[field] = {"forged": e.get(field)}  # never equal to what was there
        if resealed:
            events = reseal(events, renumber=False)
    elif what == "delete":
        drop = {i % len(events) for i in index}
        events = [e for i, e in enumerate(events) if i not in drop]
        if resealed:
            events = reseal(events)
    else:
        forger = generate_key(tmp_path / "forger", ALICE.id, None, force=True)
        for e in events:
            if e["action"] == KEY_REGISTERED:
                e["details"].update(key_id=forger.key_id, public_key=forger.public_pem)
        events = reseal(events, sign=forger if resealed else None)
    write_events(case, events)
    report = case.verify()
    assert not report.ok, (change, report.text())


@pytest.mark.parametrize("with_a_thread", [False, True], ids=["fork", "forkserver"])
def test_thousands_of_signatures_are_checked_by_helper_processes(
    root: Path, with_a_thread: bool
) -> None:
    """Past a few hundred signatures, helper processes check them while the log is read
    (forked, or from a fork server when other threads run, as in a notebook's kernel);
    one bad signature among 1,500 is still found, at its line."""
    import threading

    from osint_kit.record.events import EventDraft

    create_signing_key(ALICE)
    case = Case.create(
        "MANY-1", title="t", category="other", authority=AUTHORITY, root=root, examiner=ALICE
    )
    actor = ALICE.actor()
    for start in range(0, 1500, 500):
        drafts = [
            EventDraft("note.added", details={"text": f"n{i}"}) for i in range(start, start + 500)
        ]
        case.writer.append_batch(drafts, actor)
    events = events_of(case)
    victim = events[777]
    victim["signature"]["value"] = victim["signature"]["value"][::-1]
    write_events(case, events)
    stop = threading.Event()
    runner = threading.Thread(target=stop.wait, daemon=True)
    if with_a_thread:
        runner.start()
    try:
        report = case.verify()
    finally:
        stop.set()
    assert report.kinds() == {"signature-bad"}, report.text()
    [bad] = report.problems
    assert (bad.line, bad.seq) == (778, victim["seq"])
    assert report.keys[0].events == len(events) - 1


def test_the_report_says_per_event_who_signed_it_and_whether_the_key_is_trusted(
    signed_case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    [key] = signed_case.verify().keys
    html = signed_case.disclosure.report().html
    timeline = html.split("<h2>Custody timeline</h2>", 1)[1].split("</table>", 1)[0]
    assert "<th>Signed with</th>" in timeline
    rows = timeline.count("<tr>") - 1
    assert rows == len(signed_case.events())
    assert timeline.count(f"{key.key_id}: A-1, TRUSTED") == rows  # every event signed
    # A trust store that does not vouch for her key: the same log, NOT TRUSTED on each row.
    other = tmp_path / "other-trust"
    other.mkdir()
    monkeypatch.setenv("OSINT_KIT_TRUST", str(other))
    html = signed_case.disclosure.report().html
    assert html.count(f"<td class='bad'>{key.key_id}: A-1, NOT TRUSTED</td>") == rows
