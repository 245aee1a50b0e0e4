"""Who is writing to a case: the examiner, from arguments, environment or config."""

from __future__ import annotations

import getpass
import json
import os
import re
import socket
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import platformdirs

from osint_kit.base.files import atomic_write, read_regular_text
from osint_kit.errors import ExaminerNotConfigured, InvalidExaminer
from osint_kit.record.signing import ENV_PASSPHRASE, Actor, generate_key, key_path, load_signer

ENV_NAME = "OSINT_KIT_EXAMINER_NAME"
ENV_ID = "OSINT_KIT_EXAMINER_ID"
ENV_AGENCY = "OSINT_KIT_EXAMINER_AGENCY"
ENV_CONFIG_DIR = "OSINT_KIT_CONFIG_DIR"


@dataclass(frozen=True)
class Examiner:
    """A person who collects or handles evidence: name, id or badge number, agency."""

    name: str
    id: str
    agency: str

    def __post_init__(self) -> None:
        for field in ("name", "id", "agency"):
            value = getattr(self, field)
            if not isinstance(value, str) or not value.strip():
                raise InvalidExaminer(f"{field} is empty", "arguments")
            if any(ord(c) < 32 for c in value):
                raise InvalidExaminer(f"{field} contains control characters", "arguments")

    def to_json(self) -> dict[str, str]:
        return {"id": self.id, "name": self.name, "agency": self.agency}

    def actor(self) -> Actor:
        """The examiner as a custody event's ``actor``: plus OS user and host.

        When the examiner has a signing key (``osint-kit examiner init``), the
        returned mapping carries it, and the log signs what it appends.
        """
        actor = Actor({**self.to_json(), "os_user": _os_user(), "host": socket.gethostname()})
        actor.signer = load_signer(config_dir(), self.id)
        actor.config = config_dir()  # where their retired keys are, to endorse a new one
        return actor

    def __str__(self) -> str:
        return f"{self.name} ({self.id}, {self.agency})"


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry, as in some containers
        return str(os.getuid())


def config_dir() -> Path:
    override = os.environ.get(ENV_CONFIG_DIR)
    return Path(override) if override else Path(platformdirs.user_config_dir("osint-kit"))


def config_path() -> Path:
    return config_dir() / "examiner.toml"


def resolve_examiner(examiner: Examiner | None = None) -> Examiner:
    """The examiner to record: explicit argument, else environment, else config file."""
    if examiner is not None:
        return examiner
    env = {k: os.environ.get(k, "").strip() for k in (ENV_NAME, ENV_ID, ENV_AGENCY)}
    if any(env.values()):
        missing = [k for k, v in env.items() if not v]
        if missing:
            raise InvalidExaminer(f"{', '.join(missing)} not set", "the environment")
        return Examiner(name=env[ENV_NAME], id=env[ENV_ID], agency=env[ENV_AGENCY])
    path = config_path()
    if path.is_file():
        return _read_config(path)
    raise ExaminerNotConfigured(path)


def _read_config(path: Path) -> Examiner:
    try:
        data: dict[str, Any] = tomllib.loads(read_regular_text(path))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise InvalidExaminer(str(exc), str(path)) from exc
    section = data.get("examiner")
    if not isinstance(section, dict):
        raise InvalidExaminer("no [examiner] table", str(path))
    try:
        return Examiner(
            name=str(section.get("name", "")),
            id=str(section.get("id", "")),
            agency=str(section.get("agency", "")),
        )
    except InvalidExaminer as exc:
        raise InvalidExaminer(exc.reason, str(path)) from None


def save_examiner(examiner: Examiner) -> Path:
    """Write the examiner to the user's config file (atomically) and return its path.

    Other tables in the file (``[trust]``, say) are kept as they were.
    """
    return save_config_table("examiner", examiner.to_json())


_HEADER = re.compile(r"^\s*\[\[?\s*([^\]\[#]+?)\s*\]\]?\s*(#.*)?$")


def save_config_table(table: str, values: dict[str, str]) -> Path:
    """Replace (or add) one ``[table]`` of string values in the user's config file, keeping
    every other table and its comments as written; atomic. Returns the file's path.

    A file that is not TOML at all is replaced: nothing could read it anyway.
    """
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    ours = f"[{table}]\n" + "".join(f"{k} = {_toml_string(v)}\n" for k, v in values.items())
    try:
        old_text = read_regular_text(path)
        old = tomllib.loads(old_text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        old_text, old = "", {}
    # Split at table headers and swap our table's chunk (and its sub-tables) for the new one.
    chunks: list[tuple[str | None, list[str]]] = [(None, [])]
    for line in old_text.splitlines(keepends=True):
        match = _HEADER.match(line)
        if match:
            name = match.group(1).replace('"', "").replace("'", "").replace(" ", "")
            chunks.append((name, []))
        chunks[-1][1].append(line)
    parts: list[str] = []
    placed = False
    for name, lines in chunks:
        text = "".join(lines)
        if name is not None and (name == table or name.startswith(table + ".")):
            if not placed:
                parts.append(ours + ("\n" if text.endswith("\n\n") else ""))
                placed = True
            continue
        parts.append(text)
    if not placed:
        if parts and "".join(parts).strip():
            tail = "".join(parts)
            parts = [tail + ("" if tail.endswith("\n") else "\n") + "\n"]
        else:
            parts = []
        parts.append(ours)
    text = "".join(parts)
    # A header-like line inside a multi-line string would fool the split: check the result.
    kept = {k: v for k, v in old.items() if k != table}
    try:
        again = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        again = {}
    if {k: v for k, v in again.items() if k != table} != kept or again.get(table) != values:
        raise InvalidExaminer(
            f"cannot rewrite [{table}] and keep the rest of the file as it is; edit it by hand",
            str(path),
        )
    atomic_write(path, text.encode("utf-8"), mode=0o644)
    return path


def _toml_string(value: str) -> str:
    # JSON string escapes are valid TOML basic-string escapes; TOML also refuses a raw DEL.
    return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")


@dataclass(frozen=True)
class SigningKey:
    """An examiner's new Ed25519 key pair: where its halves are, and its id."""

    examiner: Examiner
    key_id: str
    private_key: Path
    public_key: Path
    encrypted: bool


def create_signing_key(
    examiner: Examiner | None = None,
    *,
    passphrase: str | Callable[[], str] | None = None,
    force: bool = False,
) -> SigningKey:
    """Make the examiner's signing key in the config directory (private key mode 0600).

    The key is encrypted with ``$OSINT_KIT_KEY_PASSPHRASE`` when set, else with
    ``passphrase`` (a string, or a function that asks for one), else not at all. An
    existing key is replaced only with ``force`` (else ``OutputExists``). Events the
    examiner writes are signed from then on; the key is registered in each case the
    first time they write to it.
    """
    who = resolve_examiner(examiner)
    secret = os.environ.get(ENV_PASSPHRASE) or None
    if secret is None and passphrase is not None:
        secret = (passphrase() if callable(passphrase) else passphrase) or None
    signer = generate_key(config_dir(), who.id, secret, force=force)
    path = key_path(config_dir(), who.id)
    return SigningKey(who, signer.key_id, path, path.with_suffix(".pub"), secret is not None)
