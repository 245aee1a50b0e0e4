"""The trust store: examiners' public keys a department vouches for, as a folder or a keyring."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from osint_kit.errors import InvalidKey, InvalidTrustStore
from osint_kit.record.examiner import Examiner, config_path, create_signing_key, save_examiner
from osint_kit.record.signing import key_id, public_pem
from osint_kit.record.trust import (
    ENV_TRUST,
    TrustedKey,
    TrustStore,
    resolve_trust,
    save_trust_path,
    trust_store_path,
)


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Our own config folder, and no trust store from the developer's environment."""
    monkeypatch.setenv("OSINT_KIT_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.delenv(ENV_TRUST, raising=False)


def new_key() -> tuple[str, str]:
    """(PEM, key id) of a fresh Ed25519 key."""
    public = Ed25519PrivateKey.generate().public_key()
    return public_pem(public), key_id(public)


@pytest.fixture(params=["folder", "keyring"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> TrustStore:
    """A store that does not exist yet: ``add`` makes it."""
    name = "trusted" if request.param == "folder" else "trusted.keyring"
    return TrustStore(tmp_path / name)


# -- add, list, remove ------------------------------------------------------------------


def test_add_list_remove_round_trip(store: TrustStore) -> None:
    alice1, alice1_id = new_key()
    alice2, alice2_id = new_key()
    bob, bob_id = new_key()
    added = store.add(alice1, "A-1", name="Alice Ray", agency="Example PD", added_by="Lt. Ray")
    assert (added.examiner, added.key_id, added.name, added.agency) == (
        "A-1",
        alice1_id,
        "Alice Ray",
        "Example PD",
    )
    assert added.added_by == "Lt. Ray" and added.added and added.added.endswith("Z")
    store.add(alice2, "A-1")  # a second key for the same examiner (rotation) is fine
    store.add(bob, "B-2", name="Bob Lee")

    keys = store.keys()
    assert [(k.examiner, k.key_id) for k in keys] == sorted(
        [("A-1", alice1_id), ("A-1", alice2_id), ("B-2", bob_id)]
    )
    assert store.for_key(bob_id) is not None and store.for_key(bob_id).name == "Bob Lee"  # type: ignore[union-attr]
    assert store.for_key(new_key()[1]) is None
    assert {k.key_id for k in store.keys_of("A-1")} == {alice1_id, alice2_id}
    assert store.keys_of("nobody") == []
    # what was added is what a fresh reader finds, PEM included
    again = TrustStore(store.path)
    assert again.keys() == keys
    assert again.for_key(alice1_id).public_pem == alice1  # type: ignore[union-attr]

    if store.path.is_dir():
        assert sorted(p.name for p in store.path.iterdir()) == sorted(
            f"{who}--{kid.removeprefix('ed25519:')[:16]}.pem"
            for who, kid in [("A-1", alice1_id), ("A-1", alice2_id), ("B-2", bob_id)]
        )
        assert all(p.stat().st_mode & 0o777 == 0o644 for p in store.path.iterdir())
    else:
        assert store.path.read_text().count("-----BEGIN PUBLIC KEY-----") == 3

    removed = store.remove(alice1_id)
    assert [k.key_id for k in removed] == [alice1_id]
    assert {k.key_id for k in listed(store)} == {alice2_id, bob_id}
    removed = store.remove("B-2")
    assert [(k.examiner, k.key_id) for k in removed] == [("B-2", bob_id)]
    assert [k.key_id for k in listed(store)] == [alice2_id]
    store.remove("A-1")
    assert store.keys() == []
    if store.path.is_dir():
        assert list(store.path.iterdir()) == []


def test_adding_a_known_key_again_writes_nothing(store: TrustStore) -> None:
    pem, _ = new_key()
    first = store.add(pem, "A-1", name="Alice")
    files = {p: p.read_bytes() for p in _files(store)}
    assert store.add(pem, "A-1", name="Someone else") == first
    assert {p: p.read_bytes() for p in _files(store)} == files


def test_the_same_key_for_another_examiner_is_refused_by_add(store: TrustStore) -> None:
    pem, kid = new_key()
    store.add(pem, "A-1")
    with pytest.raises(InvalidKey, match="already trusted for examiner 'A-1'") as err:
        store.add(pem, "B-2")
    assert err.value.key == kid
    assert [k.examiner for k in listed(store)] == ["A-1"]


def test_add_takes_a_file_such_as_an_examiners_pub(tmp_path: Path) -> None:
    signing = create_signing_key(Examiner("Jane Doe", "DEMO-0001", "Example PD"))
    store = TrustStore(tmp_path / "trusted")
    added = store.add(signing.public_key, "DEMO-0001")
    assert added.key_id == signing.key_id
    assert store.add(str(signing.public_key), "DEMO-0001") == added  # a str path too


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n", "not a readable"),
        ("rsa", "an RSA key, not Ed25519"),
        ("private", "a private key"),
        ("two", "holds 2 PUBLIC KEY blocks"),
        ("missing-file", "cannot read"),
    ],
)
def test_add_refuses_what_is_not_one_ed25519_public_key(
    tmp_path: Path, given: str, reason: str
) -> None:
    if given == "rsa":
        given = _rsa_pem()
    elif given == "private":
        given = (
            Ed25519PrivateKey.generate()
            .private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
            .decode()
        )
    elif given == "two":
        given = new_key()[0] + new_key()[0]
    elif given == "missing-file":
        given = str(tmp_path / "nope.pub")
    store = TrustStore(tmp_path / "trusted")
    with pytest.raises(InvalidKey, match=reason):
        store.add(given, "A-1")
    assert not store.path.exists()


def test_removing_what_is_not_there_is_an_invalid_key(store: TrustStore) -> None:
    store.add(new_key()[0], "A-1")
    with pytest.raises(InvalidKey, match="not in the trust store"):
        store.remove("Z-9")
    with pytest.raises(InvalidKey, match="not in the trust store"):
        store.remove(new_key()[1])
    assert len(store.keys()) == 1


# -- reading what a department wrote by hand -------------------------------------------


def test_a_folder_file_without_examiner_takes_its_stem(tmp_path: Path) -> None:
    folder = tmp_path / "trusted"
    folder.mkdir()
    pem, kid = new_key()
    (folder / "DEMO-0001.pem").write_text(pem)  # a plain copy of keys/DEMO-0001.pub
    (folder / "README.txt").write_text("not read\n")
    (folder / ".hidden.pem").write_text("not read either\n")
    (folder / "sub").mkdir()
    (folder / "sub" / "x.pem").write_text("deep files are not read\n")
    [key] = TrustStore(folder).keys()
    assert (key.examiner, key.key_id, key.name, key.source) == (
        "DEMO-0001",
        kid,
        None,
        folder / "DEMO-0001.pem",
    )


def test_a_symlinked_file_is_read(tmp_path: Path) -> None:
    pem, kid = new_key()
    (tmp_path / "elsewhere.pub").write_text(pem)
    folder = tmp_path / "trusted"
    folder.mkdir()
    (folder / "C-3.pem").symlink_to(tmp_path / "elsewhere.pub")
    assert [(k.examiner, k.key_id) for k in listed(TrustStore(folder))] == [("C-3", kid)]


def test_headers_are_read_and_a_keyring_holds_several_blocks(tmp_path: Path) -> None:
    (a, a_id), (b, b_id) = new_key(), new_key()
    keyring = tmp_path / "department.keyring"
    keyring.write_text(
        "Examiner: A-1\nName:   Alice Ray  \nagency: Example PD\nAdded: 2026-11-20T10:00:00Z\n"
        f"Added-By: Lt. Ray\n{a}\n\n"
        f"Examiner: B-2\r\n{b}"
    )
    first, second = TrustStore(keyring).keys()
    assert first.key_id == a_id and second.key_id == b_id
    assert (first.examiner, first.name, first.agency, first.added, first.added_by) == (
        "A-1",
        "Alice Ray",
        "Example PD",
        "2026-11-20T10:00:00Z",
        "Lt. Ray",
    )
    assert (second.examiner, second.name, second.added) == ("B-2", None, None)
    assert first.source == second.source == keyring


def test_removing_one_block_keeps_the_others_as_written(tmp_path: Path) -> None:
    (a, a_id), (b, _) = new_key(), new_key()
    folder = tmp_path / "trusted"
    folder.mkdir()
    (folder / "team.pem").write_text(
        f"Examiner: A-1\nAdded-By: Lt. Ray\n{a}\nExaminer: B-2\nName: Bob Lee\n{b}"
    )
    TrustStore(folder).remove(a_id)
    assert (folder / "team.pem").read_text() == f"Examiner: B-2\nName: Bob Lee\n{b}"


def test_the_same_key_for_two_examiners_on_read_is_an_error(tmp_path: Path) -> None:
    pem, kid = new_key()
    folder = tmp_path / "trusted"
    folder.mkdir()
    (folder / "A-1.pem").write_text(pem)
    (folder / "B-2.pem").write_text(pem)
    with pytest.raises(InvalidTrustStore, match=f"key {kid} is listed for examiner 'B-2'") as err:
        TrustStore(folder).keys()
    assert err.value.path == folder / "B-2.pem"
    # the same examiner twice is no conflict, and listed once
    (folder / "B-2.pem").write_text("Examiner: A-1\n" + pem)
    assert [(k.examiner, k.key_id) for k in listed(TrustStore(folder))] == [("A-1", kid)]


def _rsa_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def _junk(kind: str) -> bytes:
    pem, _ = new_key()
    lines = pem.splitlines()
    return {
        "binary": bytes(range(256)) * 4,
        "nul": b"\x00" * 64,
        "rsa": _rsa_pem().encode(),
        "truncated": "\n".join(lines[:-1]).encode(),
        "truncated-body": (lines[0] + "\n" + lines[1][:20] + "\n" + lines[-1]).encode(),
        "empty-header": f"Examiner:\n{pem}".encode(),
        "unknown-header": f"Colour: red\n{pem}".encode(),
        "twice": f"Name: A\nName: B\n{pem}".encode(),
        "prose": f"This is Alice's key\n{pem}".encode(),
        "headers-only": f"{pem}Examiner: A-1\n".encode(),
        "private": Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
        "bad-added": f"Added: last Tuesday\n{pem}".encode(),
        "control": f"Name: a\x01b\n{pem}".encode(),
        "no-block": b"\n\n",
        "huge": b"Name: x\n" * 200_000,
    }[kind]


JUNK = {
    "binary": "not text",
    "nul": "neither a header nor a PEM block",
    "rsa": "an RSA key, not Ed25519",
    "truncated": "without END",
    "truncated-body": "not a readable PEM public key",
    "empty-header": "header Examiner has no value",
    "unknown-header": "unknown header 'Colour'",
    "twice": "header Name given twice",
    "prose": "neither a header nor a PEM block",
    "headers-only": "headers with no PUBLIC KEY after them",
    "private": "only public keys belong here",
    "bad-added": "not an ISO 8601 time",
    "control": "control characters",
    "no-block": "holds no PUBLIC KEY block",
    "huge": "larger than",
}


@pytest.mark.parametrize("kind", sorted(JUNK))
def test_junk_in_a_folder_names_the_file(tmp_path: Path, kind: str) -> None:
    folder = tmp_path / "trusted"
    folder.mkdir()
    (folder / "A-1.pem").write_text(new_key()[0])  # a good one beside it
    bad = folder / "X-9.pem"
    bad.write_bytes(_junk(kind))
    with pytest.raises(InvalidTrustStore) as err:
        TrustStore(folder).keys()
    assert err.value.path == bad
    assert JUNK[kind] in err.value.reason
    assert str(bad) in str(err.value)


@pytest.mark.parametrize("kind", sorted(set(JUNK) - {"no-block"}))
def test_junk_in_a_keyring_names_the_file_and_block(tmp_path: Path, kind: str) -> None:
    keyring = tmp_path / "trusted.keyring"
    first = f"Examiner: A-1\n{new_key()[0]}\n".encode()
    junk = _junk(kind)
    if not junk.startswith(b"Examiner"):
        junk = b"Examiner: X-9\n" + junk
    keyring.write_bytes(first + junk)
    with pytest.raises(InvalidTrustStore) as err:
        TrustStore(keyring).keys()
    assert err.value.path == keyring
    assert JUNK[kind] in err.value.reason
    if kind not in ("binary", "huge"):  # whole-file problems have no block
        block = 3 if kind == "headers-only" else 2  # X-9's key, then the stray headers
        assert err.value.reason.startswith(f"block {block}:")


def test_a_keyring_block_must_name_its_examiner(tmp_path: Path) -> None:
    keyring = tmp_path / "trusted.keyring"
    keyring.write_text(new_key()[0])
    with pytest.raises(InvalidTrustStore, match="block 1: no Examiner: header"):
        TrustStore(keyring).keys()


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_an_unreadable_file_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "trusted"
    folder.mkdir()
    locked = folder / "A-1.pem"
    locked.write_text(new_key()[0])
    locked.chmod(0)
    with pytest.raises(InvalidTrustStore, match="cannot read") as err:
        TrustStore(folder).keys()
    assert err.value.path == locked


def test_a_dangling_symlink_is_named(tmp_path: Path) -> None:
    folder = tmp_path / "trusted"
    folder.mkdir()
    (folder / "A-1.pem").symlink_to(tmp_path / "gone.pub")
    with pytest.raises(InvalidTrustStore, match="cannot read") as err:
        TrustStore(folder).keys()
    assert err.value.path == folder / "A-1.pem"


def test_a_fifo_is_not_read(tmp_path: Path) -> None:
    folder = tmp_path / "trusted"
    folder.mkdir()
    os.mkfifo(folder / "A-1.pem")
    with pytest.raises(InvalidTrustStore, match="not a regular file"):
        TrustStore(folder).keys()


def test_an_emptied_keyring_is_an_empty_store(tmp_path: Path) -> None:
    store = TrustStore(tmp_path / "trusted.pem")
    pem, kid = new_key()
    store.add(pem, "A-1")
    assert store.path.is_file()
    store.remove(kid)
    assert store.path.read_text() == "" and store.keys() == []


# -- where the store is ----------------------------------------------------------------


def test_nothing_configured_is_none(monkeypatch: pytest.MonkeyPatch) -> None:
    assert trust_store_path() is None and resolve_trust() is None


def test_precedence_argument_then_environment_then_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_TRUST, raising=False)
    config = save_trust_path(tmp_path / "from-config")
    assert config == config_path()
    assert trust_store_path() == tmp_path / "from-config"
    monkeypatch.setenv(ENV_TRUST, str(tmp_path / "from-env"))
    assert trust_store_path() == tmp_path / "from-env"
    assert trust_store_path(tmp_path / "from-arg") == tmp_path / "from-arg"
    store = resolve_trust(str(tmp_path / "from-arg"))
    assert store is not None and store.path == tmp_path / "from-arg"


def test_a_relative_config_path_is_relative_to_the_config_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(ENV_TRUST, raising=False)
    config_path().parent.mkdir(parents=True)
    config_path().write_text('[trust]\npath = "department-keys"\n')
    assert trust_store_path() == config_path().parent / "department-keys"


@pytest.mark.parametrize("text", ["[trust]\n", "[trust]\npath = 3\n", "trust = 'x'\n", "[trust"])
def test_a_bad_trust_table_is_an_error(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    monkeypatch.delenv(ENV_TRUST, raising=False)
    config_path().parent.mkdir(parents=True)
    config_path().write_text(text)
    with pytest.raises(InvalidTrustStore) as err:
        trust_store_path()
    assert err.value.path == config_path()


def test_a_configured_store_that_is_missing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_TRUST, str(tmp_path / "gone"))
    store = resolve_trust()  # resolving does not read: add may create it
    assert store is not None
    with pytest.raises(InvalidTrustStore, match=r"configured in \$OSINT_KIT_TRUST but missing"):
        store.keys()
    pem, kid = new_key()
    store.add(pem, "A-1")
    assert store.path.is_dir() and [k.key_id for k in listed(store)] == [kid]


def test_save_examiner_keeps_the_trust_table(tmp_path: Path) -> None:
    save_trust_path(tmp_path / "keys")
    save_examiner(Examiner("Jane Doe", "B-1234", "Example PD"))
    text = config_path().read_text()
    assert "[examiner]" in text and "[trust]" in text
    assert trust_store_path() == tmp_path / "keys"
    save_examiner(Examiner("Jane Roe", "B-1235", "Example PD"))
    save_trust_path(tmp_path / "other")
    text = config_path().read_text()
    assert text.count("[examiner]") == 1 and text.count("[trust]") == 1
    assert "Jane Roe" in text and "Jane Doe" not in text
    assert trust_store_path() == tmp_path / "other"


def test_save_examiner_keeps_other_tables_and_comments() -> None:
    config_path().parent.mkdir(parents=True)
    config_path().write_text(
        '# mine\n[examiner]\nname = "Old"\nid = "O-1"\nagency = "X"\n\n'
        '[trust]  # the department share\npath = "/mnt/keys"\n\n[other]\nx = [1, 2]\n'
    )
    save_examiner(Examiner("New", "N-1", "Y"))
    assert config_path().read_text() == (
        '# mine\n[examiner]\nid = "N-1"\nname = "New"\nagency = "Y"\n\n'
        '[trust]  # the department share\npath = "/mnt/keys"\n\n[other]\nx = [1, 2]\n'
    )


# -- showing ---------------------------------------------------------------------------


def test_repr_lists_examiner_name_and_short_key(tmp_path: Path) -> None:
    store = TrustStore(tmp_path / "trusted")
    pem, kid = new_key()
    store.add(pem, "A-1", name="<Alice & Co>")
    assert kid[:24] in repr(store) and "<Alice & Co>" in repr(store)
    page = store._repr_html_()
    assert "&lt;Alice &amp; Co&gt;" in page and "<Alice" not in page and kid[:24] in page
    broken = TrustStore(tmp_path / "nothing-here")
    assert "missing" in repr(broken) and "missing" in broken._repr_html_()


def listed(store: TrustStore) -> list[TrustedKey]:
    return store.keys()  # (ruff's SIM118 takes `for k in x.keys()` for a dict's)


def _files(store: TrustStore) -> list[Path]:
    return sorted(store.path.iterdir()) if store.path.is_dir() else [store.path]


def test_the_example_block_in_the_docs_reads(tmp_path: Path) -> None:
    doc = (Path(__file__).resolve().parent.parent / "docs" / "trust.md").read_text()
    block = doc.split("```\nExaminer: ", 1)[1].split("```", 1)[0]
    keyring = tmp_path / "doc.keyring"
    keyring.write_text("Examiner: " + block)
    [key] = TrustStore(keyring).keys()
    assert (key.examiner, key.name, key.added_by) == ("DEMO-0001", "Jane Doe", "Lt. A. Ray")
