"""Who signs and whom to believe: ``examiner set|show|init`` (the user's examiner and
signing key) and ``trust add|list|remove|use`` (the department's trust store).

Its own group because none of it touches a case: it writes the examiner config and
the trust store, which live outside every case.
"""

from __future__ import annotations

import argparse
import getpass
from pathlib import Path

from osint_kit import Examiner
from osint_kit.cli.common import Commands, add_trust_option, echo, given_examiner
from osint_kit.errors import InvalidOption
from osint_kit.record import (
    TrustStore,
    create_signing_key,
    examiner_config_path,
    resolve_examiner,
    resolve_trust,
    save_examiner,
    save_trust_path,
    shown,
)


def cmd_examiner_set(args: argparse.Namespace) -> int:
    path = save_examiner(Examiner(name=args.name, id=args.id, agency=args.agency))
    echo(f"examiner saved in {path}")
    return 0


def cmd_examiner_show(args: argparse.Namespace) -> int:
    who = resolve_examiner(given_examiner(args))
    echo(f"{shown(who)}  (config file: {examiner_config_path()})")
    return 0


def cmd_examiner_init(args: argparse.Namespace) -> int:
    who = resolve_examiner(given_examiner(args))
    ask = (lambda: getpass.getpass("passphrase for the new key: ")) if args.passphrase else None
    key = create_signing_key(who, passphrase=ask, force=args.force)
    echo(f"signing key for {who}: {key.key_id}")
    echo(f"    private key: {key.private_key} (mode 0600{', encrypted' if key.encrypted else ''})")
    echo(f"    public key:  {key.public_key}")
    echo("    registered in each case the first time you write to it; events are signed from then")
    echo(
        "    for reviewers to trust it: osint-kit trust add "
        f"{key.public_key} --examiner {who.id} (in the department's trust store)"
    )
    return 0


def _store(args: argparse.Namespace) -> TrustStore:
    store = resolve_trust(args.trust)
    if store is None:
        raise InvalidOption(
            "trust",
            "no trust store is configured: give --trust PATH, set OSINT_KIT_TRUST, or "
            "osint-kit trust use PATH",
        )
    return store


def cmd_trust_add(args: argparse.Namespace) -> int:
    store = _store(args)
    entry = store.add(
        args.public_key,
        args.examiner,
        name=args.name,
        agency=args.agency,
        added_by=str(resolve_examiner(given_examiner(args))) if args.signed_off else None,
    )
    echo(f"trusted {shown(entry.key_id)} for examiner {shown(entry.examiner)} ({entry.source})")
    return 0


def cmd_trust_list(args: argparse.Namespace) -> int:
    store = _store(args)
    keys = store.keys()
    echo(f"trust store {store.path}: {len(keys)} key(s)")
    for k in keys:
        who = " ".join(x for x in (k.name, f"({k.agency})" if k.agency else None) if x)
        echo(f"  {shown(k.examiner):<16} {shown(k.key_id)}  {shown(who)}")
    return 0


def cmd_trust_remove(args: argparse.Namespace) -> int:
    store = _store(args)
    for k in store.remove(args.ident):
        echo(f"no longer trusted: {shown(k.key_id)} of examiner {shown(k.examiner)}")
    return 0


def cmd_trust_use(args: argparse.Namespace) -> int:
    config = save_trust_path(args.path)
    echo(f"trust store {Path(args.path).resolve()} saved in {config}")
    return 0


def register(cli: Commands) -> None:
    cli.parent(
        "examiner",
        help="set or show who you are",
        description="Set or show the examiner recorded on every event.",
    )
    p = cli.add(
        "set", cmd_examiner_set, "save the examiner in the user's config file", under="examiner"
    )
    p.add_argument("--name", required=True)
    p.add_argument("--id", required=True, help="id or badge number")
    p.add_argument("--agency", required=True)
    p = cli.add(
        "init",
        cmd_examiner_init,
        "make the examiner's Ed25519 signing key (events they write are signed)",
        under="examiner",
    )
    p.add_argument(
        "--passphrase",
        action="store_true",
        help="encrypt the key with a passphrase (asked for, or $OSINT_KIT_KEY_PASSPHRASE)",
    )
    p.add_argument("--force", action="store_true", help="replace an existing key")
    cli.add("show", cmd_examiner_show, "show the examiner that would be recorded", under="examiner")

    cli.parent(
        "trust",
        help="the examiners' public keys your department vouches for",
        description="Manage the trust store: examiners' public keys the department vouches "
        "for, kept outside every case. verify checks each signer against it.",
    )
    p = cli.add("add", cmd_trust_add, "vouch for an examiner's public key", under="trust")
    p.add_argument("public_key", metavar="PEM", help="their public key file (keys/<id>.pub)")
    p.add_argument("--examiner", required=True, metavar="ID", help="whose key it is")
    p.add_argument("--name", help="their name")
    p.add_argument("--agency", help="their agency")
    p.add_argument(
        "--signed-off",
        action="store_true",
        help="record you (the configured examiner) as the one who added it",
    )
    add_trust_option(p)
    p = cli.add("list", cmd_trust_list, "list the keys the trust store vouches for", under="trust")
    add_trust_option(p)
    p = cli.add("remove", cmd_trust_remove, "stop vouching for a key or an examiner", under="trust")
    p.add_argument("ident", metavar="KEY_ID|EXAMINER_ID")
    add_trust_option(p)
    p = cli.add(
        "use", cmd_trust_use, "save PATH as your trust store (examiner config)", under="trust"
    )
    p.add_argument("path", type=Path, metavar="PATH")
