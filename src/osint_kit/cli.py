"""``osint-kit``: a thin command line over the library. Errors become exit codes here only.

It imports nothing but the public API (``osint_kit.__all__``), so whatever it
does, a notebook can do with the same calls; a test holds it to that.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from osint_kit import (
    CATEGORIES,
    MEDIA_FORMAT,
    Authority,
    CaptureOptions,
    Case,
    CollectSettings,
    DispositionReport,
    Event,
    Examiner,
    Exhibit,
    OsintKitError,
    RetentionSchedule,
    __version__,
    cases_due,
    cases_root,
    exit_status,
    list_cases,
    verify_bundle,
)
from osint_kit.analysis import SEARCH_PATTERNS, describe_difference
from osint_kit.errors import (
    EXIT_INTERRUPTED,
    EXIT_MEANING,
    CollectionFailed,
    CorruptLog,
    InvalidExaminer,
    InvalidOption,
    OutputExists,
)
from osint_kit.plugin import broken_collectors, collectors
from osint_kit.record import (
    TrustStore,
    create_signing_key,
    examiner_config_path,
    label_runs,
    parse_time,
    resolve_examiner,
    resolve_trust,
    save_examiner,
    save_trust_path,
    tsa_config,
)
from osint_kit.workbench import run_lab

#: Some URL or collection target could not be captured at all, or a file handed over was
#: not taken (its failure is on the record).
EXIT_CAPTURE_FAILED = 11


def _examiner(args: argparse.Namespace) -> Examiner | None:
    given = (args.examiner_name, args.examiner_id, args.examiner_agency)
    if not any(given):
        return None
    if not all(given):
        raise InvalidExaminer(
            "give --examiner-name, --examiner-id and --examiner-agency together", "arguments"
        )
    return Examiner(name=args.examiner_name, id=args.examiner_id, agency=args.examiner_agency)


def _open(args: argparse.Namespace) -> Case:
    return Case.open(args.case, root=args.root)


def _out(text: str) -> None:
    sys.stdout.write(_safe(text) + "\n")  # evidence (names, titles, posts) may hold escapes


# -- commands ---------------------------------------------------------------


def cmd_case_new(args: argparse.Namespace) -> int:
    case = Case.create(
        args.case,
        title=args.title,
        category=args.category,
        authority=Authority.of(args.authority, args.approved_by, args.approved_at),
        description=args.description,
        root=args.root,
        examiner=_examiner(args),
        require_signatures={"required": True, "optional": False}.get(args.signatures),
    )
    _out(f"created case {case.id} at {case.path}")
    _out(f"signatures: {case.identity['signatures']}")
    _out(f"custody log: {case.log.path}")
    return 0


def cmd_case_list(args: argparse.Namespace) -> int:
    cases = list_cases(args.root)
    if not cases:
        _out(f"no cases under {cases_root(args.root).resolve()}")
    for c in cases:
        if c.problem:
            _out(f"{c.id:<24} UNREADABLE: {c.problem}")
        else:
            _out(f"{c.id:<24} {c.category:<15} {c.created_at}  {c.title}")
    return 0


def _actor_args(args: argparse.Namespace) -> dict[str, Any]:
    return {"examiner": _examiner(args)}


def cmd_case_close(args: argparse.Namespace) -> int:
    case = _open(args)
    event = case.records.close(
        reason=args.reason,
        approved_by=args.approved_by,
        schedule=args.schedule,
        no_schedule=args.no_schedule,
        **_actor_args(args),
    )
    _out(f"{case.id}: {event.summary()} (event {event.seq})")
    return 0


def cmd_case_reopen(args: argparse.Namespace) -> int:
    case = _open(args)
    event = case.records.reopen(
        reason=args.reason, approved_by=args.approved_by, **_actor_args(args)
    )
    _out(f"{case.id}: {event.summary()} (event {event.seq})")
    return 0


def cmd_case_hold(args: argparse.Namespace) -> int:
    case = _open(args)
    event = case.records.place_hold(
        authority=args.authority, reason=args.reason, **_actor_args(args)
    )
    _out(f"{case.id}: {event.summary()} (event {event.seq})")
    return 0


def cmd_case_lift_hold(args: argparse.Namespace) -> int:
    case = _open(args)
    event = case.records.lift_hold(
        args.hold, authority=args.authority, reason=args.reason, **_actor_args(args)
    )
    _out(f"{case.id}: {event.summary()} (event {event.seq})")
    return 0


def cmd_case_records(args: argparse.Namespace) -> int:
    case = _open(args)
    state = case.records.state()
    _out(f"{case.id}: {state.status}")
    if state.closed_at:
        _out(f"  closed {state.closed_at} (event {state.closed_seq}): {state.close_reason}")
    retention = state.retention or {}
    if retention.get("due_on"):
        _out(f"  {retention.get('action')} due on {retention.get('due_on')}")
    for hold in state.holds:
        _out(f"  LEGAL HOLD {hold.id} under {hold.authority} since {hold.placed_at}: {hold.reason}")
    for seq, action, line in state.history:
        _out(f"  {seq:>5}  {action:<14} {line}")
    return 0


def cmd_cases_due(args: argparse.Namespace) -> int:
    schedule = RetentionSchedule.load(args.schedule) if args.schedule else None
    try:
        today = date.fromisoformat(args.today) if args.today else None
    except ValueError:
        raise InvalidOption("--today", f"{args.today!r} is not a date (YYYY-MM-DD)") from None
    found = cases_due(args.root, schedule, today=today, within_days=args.within)
    for due in found:
        if due.state == "problem":
            _out(f"{due.case_id:<24} UNREADABLE: {due.problem}")
            continue
        holds = f"  HELD ({', '.join(h.id for h in due.holds)})" if due.holds else ""
        _out(
            f"{due.case_id:<24} {due.state:<6} {due.action or '':<8} {due.due_on}  "
            f"{due.category or '':<15} closed {due.closed_at}  {due.title or ''}{holds}"
        )
    if not found:
        _out("no case is due")
    return 0


def cmd_case_show(args: argparse.Namespace) -> int:
    case = _open(args)
    seq, head = case.log.head()
    a = case.authority
    _out(f"case       {case.id}: {case.title}")
    _out(f"category   {case.category}")
    _out(f"authority  {a.reference}, approved by {a.approved_by} on {a.approved_at}")
    _out(
        f"created    {case.created_at} by {case.created_by['name']} ({case.created_by['id']}, "
        f"{case.created_by['agency']})"
    )
    if case.description:
        _out(f"about      {case.description}")
    _out(f"folder     {case.path}")
    _out(f"custody    {seq} events, head {head}")
    _out(f"signatures {case.identity.get('signatures', 'optional')}")
    exhibits = case.exhibits()
    _out(f"exhibits   {len(exhibits)}")
    acquired: dict[int, list[Exhibit]] = {}
    for ex in exhibits:
        acquired.setdefault(ex.seq, []).append(ex)
    events = {e.seq: e for e in case.events() if e.seq in acquired}
    for seq, group in acquired.items():
        event = events.get(seq)
        facts = event.capture_facts if event is not None else None
        if event is None or facts is None:
            _out(f"  event {seq} {event.action if event else ''}".rstrip())
        else:
            _print_capture_head(facts, "  ", event=event)
        _print_exhibits(group, "    ", facts.target if facts and facts.is_web else None)
    return 0


def _print_capture_head(facts: Any, indent: str, *, event: Event | None = None) -> None:
    """A capture's first line (id, method, target, status, page time) and, for a web
    capture, what the examiner must not miss: final URL, blocked writes, ignored TLS errors."""
    status = facts.status or "?"
    if facts.status not in (None, "complete"):
        status += f": {facts.reason or ''}"
    line = " ".join(x for x in (facts.id, facts.method, facts.target) if x)
    said = facts.headline() if facts.is_web else ""
    _out(f"{indent}{line}  [{status}]" + (f"  {said}" if said else ""))
    if when := facts.page_time():
        _out(f"{indent}  {'page' if facts.is_web else 'time'} {when}")
    if facts.tls is not None and facts.tls.warning:
        _out(f"{indent}  {facts.tls.warning}")
    if event is not None and event.rerouted:
        hosts = ", ".join(f"{h} -> {t}" for h, t in sorted(event.rerouted.items()))
        _out(f"{indent}  REROUTED: {hosts}")


def _print_exhibits(exhibits: Sequence[Exhibit], indent: str, target: str | None) -> None:
    """One line per exhibit, except a role with many (a page's images): one line with
    their count, label runs and total size."""
    roles: dict[str, list[Exhibit]] = {}
    for ex in exhibits:
        roles.setdefault(ex.role, []).append(ex)
    for role, group in roles.items():
        if len(group) > 3:
            size = sum(ex.size for ex in group)
            runs = label_runs([ex.label for ex in group], most=4)
            _out(f"{indent}{role:<12} {len(group):>5} exhibits  {runs}  {size:,} bytes in all")
            continue
        for ex in group:
            what = ex.source or (ex.name if ex.name != target else None) or ""
            _out(
                f"{indent}{ex.label}  {role:<12} {ex.size:>12,}  {ex.media_type or '':<24} "
                f"{what}  sha256:{ex.sha256}"
            )


def cmd_import(args: argparse.Namespace) -> int:
    case = _open(args)
    shared = {
        "handed_over_by": args.handed_over_by,
        "note": args.note,
        "examiner": _examiner(args),
        "progress": _bars(args),
    }
    if args.folder is not None:
        if args.files:
            raise InvalidOption("--from", "give a folder or files, not both")
        cap = case.import_folder(args.folder, **shared)
    elif args.files:
        cap = case.import_files(args.files, **shared)
    else:
        raise InvalidOption("FILE", "name the files to import, or a folder with --from DIR")
    _print_handover(cap, case.id)
    cap.raise_for_status()
    taken = len(cap.record.get("files") or [])
    _out(f"imported {taken} file(s) into {case.id} as {cap.id}")
    return EXIT_CAPTURE_FAILED if cap.status != "complete" else 0


def cmd_capture(args: argparse.Namespace) -> int:
    case = _open(args)
    options = CaptureOptions(
        viewport=(args.width, args.height),
        timeout_s=args.timeout,
        idle_s=args.idle,
        ignore_tls_errors=args.ignore_tls_errors,
        scroll=not args.no_scroll,
        scroll_s=args.scroll_seconds,
        max_height_px=args.max_height,
        max_bytes=args.max_mb * 2**20,
    )
    captures = case.capture_urls(
        args.urls,
        examiner=_examiner(args),
        options=options,
        parallel=args.parallel,
        progress=_bars(args),
    )
    events = {e.seq: e for e in case.events()}
    by_label = {ex.label: ex for ex in case.exhibits()}
    for cap in captures:
        event = events.get(cap.seq)
        facts = event.capture_facts if event is not None else None
        if event is None or facts is None:
            _out(f"{cap.id}  {cap.target}  [{cap.status}]")
            continue
        _print_capture_head(facts, "", event=event)
        for line in facts.detail_lines(with_time=False) if facts.is_web else ():
            _out(f"    {line}")
        _print_exhibits([by_label[label] for label in cap.exhibits], "    ", facts.target)
    failed = sum(c.status == "failed" for c in captures)
    _out(f"captured {len(captures) - failed} of {len(captures)} URL(s) into {case.id}")
    return EXIT_CAPTURE_FAILED if failed else 0


#: A hand-over of more files than this prints its flagged files and the first
#: ``HANDOVER_SHOWN`` others, and counts the rest.
HANDOVER_ALL = 50
HANDOVER_SHOWN = 20


def _print_handover(cap: Any, case_id: str) -> None:
    record = cap.record
    source = record.get("source") or {}
    _out(
        f"{cap.id}  {source.get('folder')}: {source.get('files')} of {source.get('listed')} "
        f"file(s), {source.get('bytes', 0):,} bytes, handed over by "
        f"{record.get('handed_over_by')}  [{cap.status}]"
    )
    entries = record.get("files") or []
    plain = folded = 0  # files shown without a flag, and files left out
    for label, entry in zip(cap.exhibits, entries, strict=False):
        facts = entry.get("facts") or {}
        extra = []
        if facts.get("created"):
            extra.append(f"taken {facts['created']}")
        if facts.get("gps"):
            extra.append(f"GPS {', '.join(str(x) for x in facts['gps'][:2])}")
        check = entry.get("time_check") or {}
        flagged = bool(check.get("differs") or facts.get("problems"))
        if check.get("differs"):
            apart = describe_difference(float(check["difference_s"]))
            extra.append(f"FILE TIME DIFFERS: {apart} than the picture's own time")
        if facts.get("problems"):
            extra.append(f"unreadable as media: {facts['problems'][0]}")
        if len(entries) > HANDOVER_ALL and not flagged:
            if plain >= HANDOVER_SHOWN:
                folded += 1
                continue
            plain += 1
        _out(
            f"  {label}  {entry.get('relative_path')}  {entry.get('size', 0):,} bytes"
            + (f"  ({'; '.join(extra)})" if extra else "")
        )
    if folded > 0:
        _out(f"  … {folded:,} more file(s), each in the report (osint-kit report {case_id})")
    for skipped in record.get("skipped") or []:
        _out(f"  skipped {skipped.get('path')}: {skipped.get('why')}")
    for missed in record.get("not_taken") or []:
        _out(f"  NOT TAKEN {missed.get('relative_path')}: {missed.get('why')}")


def cmd_media(args: argparse.Namespace) -> int:
    case = _open(args)
    who = _examiner(args)
    failed = 0
    for url in args.urls:
        cap = case.media.collect(
            url,
            examiner=who,
            max_mb=args.max_mb,
            limit=args.limit,
            timeout_s=args.timeout,
            cookies=args.cookies,
            format=args.format,
            capture_page=not args.no_page,
            progress=_bars(args),
        )
        why = f": {cap.reason}" if cap.reason else ""
        _out(f"{cap.id}  {cap.target}  [{cap.status}{why}]")
        page = cap.record.get("page_capture")
        if isinstance(page, dict):
            _out(f"    page captured in the browser as {page.get('id')} [{page.get('status')}]")
        found = cap.record.get("found") or {}
        if found.get("limited_to"):
            _out(f"    a playlist: the first {found['limited_to']} item(s) kept (--limit)")
        by_label = {ex.label: ex for ex in case.exhibits()}
        _print_exhibits([by_label[label] for label in cap.exhibits], "    ", cap.target)
        failed += cap.failed
    _out(f"collected {len(args.urls) - failed} of {len(args.urls)} URL(s) into {case.id}")
    return EXIT_CAPTURE_FAILED if failed else 0


def cmd_review(args: argparse.Namespace) -> int:
    case = _open(args)
    made = case.media.review(
        args.exhibit, threshold=args.threshold, max_frames=args.max_frames, examiner=_examiner(args)
    )
    _out(f"review aids of {args.exhibit} (derived exhibits):")
    _print_exhibits(list(made), "    ", None)
    return 0


def cmd_clip(args: argparse.Namespace) -> int:
    case = _open(args)
    made = case.media.clip(args.exhibit, args.start, args.end, examiner=_examiner(args))
    _out(f"{made.label}  clip of {args.exhibit} from {args.start} s to {args.end} s")
    _out(f"    {made.size:,} bytes  sha256:{made.sha256}")
    return 0


def cmd_collect(args: argparse.Namespace) -> int:
    case = _open(args)
    shared: dict[str, Any] = {"media": False} if args.no_media else {}
    if args.timeout is not None:
        shared["timeout_s"] = args.timeout
    if args.retries is not None:
        shared["retries"] = args.retries
    settings = CollectSettings.from_env(**shared)
    try:
        cap = case.collect(
            args.target,
            since=parse_time(args.since, what="--since") if args.since else None,
            limit=args.limit,
            settings=settings,
            options=_options(args.option or ()),
            examiner=_examiner(args),
            progress=_bars(args),
        ).raise_for_status()  # a failed run is recorded; its error sets the exit status
    except CollectionFailed as exc:
        recorded = getattr(exc.capture, "id", None)
        if recorded:
            sys.stderr.write(
                _safe(f"osint-kit: {exc.target}: recorded as {recorded} (collection.failed)") + "\n"
            )
        raise
    _print_collection(case, cap)
    return 0


def _options(pairs: Sequence[str]) -> dict[str, str]:
    """``-o NAME=VALUE`` pairs; the collector checks the names and values."""
    options: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise InvalidOption("-o", f"{pair!r}: write NAME=VALUE (see osint-kit collectors)")
        options[name.strip()] = value
    return options


def cmd_collectors(args: argparse.Namespace) -> int:
    for name, collector in sorted(collectors().items()):
        about = (type(collector).__doc__ or "").strip().splitlines()
        state = about[0] if about else ""
        if collector.retired:
            state = f"retired: {collector.retired}"
        _out(f"{name:<10} {state}")
        for option in collector.options:
            default = f" (default {option.default})" if option.default not in (None, "") else ""
            choices = f" [{'|'.join(option.choices)}]" if option.choices else ""
            _out(f"    -o {option.name}=VALUE{choices}  {option.help}{default}")
            _out(f"       or ${option.env_var(name)}")
    for name, reason in sorted(broken_collectors().items()):
        _out(f"{name:<10} UNUSABLE: {reason}")
    return 0


def _print_collection(case: Any, cap: Any) -> None:
    record = cap.record
    status = cap.status if cap.status == "complete" else f"{cap.status}: {cap.reason}"
    via = record.get("via") or record.get("library") or ""
    _out(f"{cap.id}  {cap.target}  [{status}]" + (f"  via {via}" if via else ""))
    ch = record.get("changes", {})
    deleted, unlisted = ch.get("deleted", []), ch.get("no_longer_listed", [])
    reappeared, retried = ch.get("reappeared", []), ch.get("media_retried", [])
    _out(
        f"    {record.get('collected', 0)} post(s) seen: {ch.get('new', 0)} new, "
        f"{ch.get('changed', 0)} changed, {ch.get('unchanged', 0)} unchanged, "
        f"{len(reappeared)} reappeared; since the last run {len(deleted)} deleted "
        f"(the platform says so), {len(unlisted)} no longer listed"
    )
    if retried:
        _out(f"    media an earlier run missed: tried again for {len(retried)} post(s)")
    roles: dict[str, list[str]] = {}
    by_label = {ex.label: ex for ex in case.exhibits()}
    for label in cap.exhibits:
        roles.setdefault(by_label[label].role, []).append(label)
    for role, labels in roles.items():
        _out(f"    {role:<8} {len(labels):>5}  {label_runs(labels, most=6)}")
    for word, gone in (("deleted", deleted), ("unlisted", unlisted)):
        for post in gone[:10]:
            _out(f"    {word:<8} {post['url']}  (posted {post['created_at']})")
        if len(gone) > 10:
            _out(f"    … and {len(gone) - 10} more {word} (osint-kit log {case.id} --json)")
    http = record.get("http", {})
    failed = http.get("failures") or []
    timed_out = sum(bool(f.get("timed_out")) for f in failed)
    _out(
        f"    {http.get('requests', 0)} HTTP answer(s), {http.get('bytes_received', 0):,} bytes, "
        "all in the WARC"
        + (
            f"; {len(failed)} request(s) got no answer ({timed_out} timed out), "
            "listed in the capture record"
            if failed
            else ""
        )
    )


def cmd_export(args: argparse.Namespace) -> int:
    case = _open(args)
    if args.dry_run:
        _out(case.disclosure.plan(exhibits=args.exhibit or None).text())
        _out("dry run: nothing was written")
        return 0
    result = case.disclosure.export(
        args.to,
        authorization=args.authorization,
        recipient=args.recipient,
        purpose=args.purpose or "",
        exhibits=args.exhibit or None,
        examiner=_examiner(args),
        encrypt_to=args.encrypt_to or (),
        progress=_bars(args),
    )
    _out(f"exported {', '.join(result.exhibits)} from {case.id} to {result.path}")
    _out(f"    sha256:{result.sha256}  {result.size:,} bytes")
    _out(f"    custody head seq {result.head_seq} hash {result.head_hash}")
    _out(f"    recorded as event {result.event.seq} (export.created)")
    _out(f"    verify with: osint-kit bundle verify {result.path}")
    return 0


def cmd_stamp(args: argparse.Namespace) -> int:
    tsa = tsa_config(args.tsa, args.tsa_ca)
    case = _open(args)
    point = case.stamp(tsa=tsa, examiner=_examiner(args))
    _out(f"checkpoint of {case.id} at seq {point.seq} hash {point.hash}: {point.path}")
    if point.stamped:
        _out(f"    trusted time from {tsa.url if tsa else ''}: {point.gen_time}")
    else:
        _out(
            "    no trusted time: no TSA configured (--tsa URL --tsa-ca CA, or $OSINT_KIT_TSA_URL)"
        )
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    case = _open(args)
    out = case.disclosure.write_report(
        args.out,
        force=args.force,
        pdf=args.pdf,
        tsa_ca=args.tsa_ca,
        trust=args.trust,
        progress=_bars(args),
    )
    _out(f"provenance report of {case.id}: {out}")
    if args.pdf:
        _out(f"printed (PDF):  {out.with_suffix('.pdf')}")
    return 0


def _certificate_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--certificate", type=Path, metavar="FILE.html", help="write the certificate (HTML)"
    )
    p.add_argument("--pdf", action="store_true", help="also print it to PDF beside the HTML")
    p.add_argument("--force", action="store_true", help="replace an existing certificate")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def _bars(args: argparse.Namespace) -> bool:
    """Progress bars (import, capture, collect, media, verify, export, report, bundle
    verify): on a terminal only (a script's or CI's log keeps the report alone), and
    never with --quiet."""
    return not args.quiet and sys.stderr.isatty()


def cmd_bundle_verify(args: argparse.Namespace) -> int:
    report = verify_bundle(
        args.bundle,
        identities=args.identity or (),
        tsa_ca=args.tsa_ca,
        trust=resolve_trust(args.trust),
        progress=_bars(args),
    )
    _out(json.dumps(report.to_json(), indent=2) if args.json else report.text())
    return 0 if report.ok else 1


def cmd_log(args: argparse.Namespace) -> int:
    case = _open(args)
    for event in case.log.events():
        if args.json:
            try:
                _out(json.dumps(event.to_json(), ensure_ascii=False))
            except (ValueError, TypeError, RecursionError) as exc:
                reason = f"event seq {event.seq} cannot be written as JSON ({str(exc)[:100]})"
                raise CorruptLog(case.log.path, 0, reason) from None
        else:
            who = f"{event.actor.get('name')} ({event.actor.get('id')})"
            _out(f"{event.seq:>5}  {event.time}  {who:<28} {event.action:<18} {event.summary()}")
            for line in event.detail_lines():
                _out(f"{'':>7}{line}")
    torn = case.log.torn_tail()
    if torn and not args.json:
        _out(f"  !  the log ends in a torn line of {len(torn)} bytes: run osint-kit verify")
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    case = _open(args)
    report = case.verify(
        against=args.bundle or (),
        record=args.record,
        examiner=_examiner(args),
        trust=args.trust,
        expect_head=args.expect_head or (),
        tsa_ca=args.tsa_ca,
        progress=_bars(args),
    )
    _out(json.dumps(report.to_json(), indent=2) if args.json else report.text())
    if report.recorded_seq is not None and not args.json:
        _out(f"recorded as custody event seq {report.recorded_seq}")
    return 0 if report.ok else 1


def cmd_lab(args: argparse.Namespace) -> int:
    return run_lab(args.directory, cases=args.cases, port=args.port, token=args.token)


def cmd_reindex(args: argparse.Namespace) -> int:
    case = _open(args)
    path = case.reindex()
    _out(f"rebuilt {path}")
    return 0


def cmd_dispose(args: argparse.Namespace) -> int:
    case = _open(args)
    chosen = args.exhibit or None
    if args.dry_run:
        _out(case.records.disposal_plan(chosen, reason=args.reason).text())
        _out("dry run: nothing was deleted or recorded")
        return 0
    if args.certificate is not None and not args.force:  # refused before anything is deleted
        for target in [args.certificate, *([args.certificate.with_suffix(".pdf")] * args.pdf)]:
            if target.exists():
                raise OutputExists(target, "use --force to replace it")
    report = case.records.dispose(
        chosen,
        authorization=args.authorization,
        approved_by=args.approved_by,
        reason=args.reason,
        examiner=_examiner(args),
    )
    _out(report.text())
    if args.certificate is not None:
        _write_certificate(report, args)
    return 0


def cmd_disposition(args: argparse.Namespace) -> int:
    case = _open(args)
    report = case.records.disposition(args.seq)
    _out(report.text())
    if args.certificate is not None:
        _write_certificate(report, args)
    return 0


def _write_certificate(report: DispositionReport, args: argparse.Namespace) -> None:
    path = report.write_certificate(
        args.certificate, pdf=args.pdf, force=args.force, progress=_bars(args)
    )
    _out(f"disposition certificate: {path}")
    if args.pdf:
        _out(f"printed (PDF):           {path.with_suffix('.pdf')}")


def cmd_repair(args: argparse.Namespace) -> int:
    case = _open(args)
    report = case.repair(examiner=_examiner(args))
    _out(report.text())
    return 0


def cmd_note(args: argparse.Namespace) -> int:
    case = _open(args)
    event = case.add_note(args.text, exhibits=args.exhibit, examiner=_examiner(args))
    _out(f"note recorded as custody event seq {event.seq}")
    return 0


def cmd_search(args: argparse.Namespace) -> int:
    case = _open(args)
    hits = case.analysis.search(
        args.query,
        pattern=args.pattern,
        regex=args.regex,
        kinds=args.kind or None,
        limit=args.limit,
    )
    for hit in hits:
        when = hit["time"].isoformat().replace("+00:00", "Z") if hit["time"] else None
        if args.json:
            _out(json.dumps({**hit, "time": when}, ensure_ascii=False))
            continue
        where = hit["exhibit"] or f"seq {hit['seq']}"
        who = hit["account"] or hit["source"] or ""
        _out(f"{where:<8} {hit['kind']:<5} {when or '-':<25} {who}")
        _out(f"    {hit['snippet']}")
    if not args.json:
        full = " (--limit reached)" if len(hits) == args.limit else ""
        _out(f"{len(hits)} hit(s) in {case.id}{full}")
    return 0


def cmd_examiner_set(args: argparse.Namespace) -> int:
    path = save_examiner(Examiner(name=args.name, id=args.id, agency=args.agency))
    _out(f"examiner saved in {path}")
    return 0


def cmd_examiner_show(args: argparse.Namespace) -> int:
    who = resolve_examiner(_examiner(args))
    _out(f"{who}  (config file: {examiner_config_path()})")
    return 0


def cmd_examiner_init(args: argparse.Namespace) -> int:
    who = resolve_examiner(_examiner(args))
    ask = (lambda: getpass.getpass("passphrase for the new key: ")) if args.passphrase else None
    key = create_signing_key(who, passphrase=ask, force=args.force)
    _out(f"signing key for {who}: {key.key_id}")
    _out(f"    private key: {key.private_key} (mode 0600{', encrypted' if key.encrypted else ''})")
    _out(f"    public key:  {key.public_key}")
    _out("    registered in each case the first time you write to it; events are signed from then")
    _out(
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
        added_by=str(resolve_examiner(_examiner(args))) if args.signed_off else None,
    )
    _out(f"trusted {entry.key_id} for examiner {entry.examiner} ({entry.source})")
    return 0


def cmd_trust_list(args: argparse.Namespace) -> int:
    store = _store(args)
    keys = store.keys()
    _out(f"trust store {store.path}: {len(keys)} key(s)")
    for k in keys:
        who = " ".join(x for x in (k.name, f"({k.agency})" if k.agency else None) if x)
        _out(f"  {k.examiner:<16} {k.key_id}  {who}")
    return 0


def cmd_trust_remove(args: argparse.Namespace) -> int:
    store = _store(args)
    for k in store.remove(args.ident):
        _out(f"no longer trusted: {k.key_id} of examiner {k.examiner}")
    return 0


def cmd_trust_use(args: argparse.Namespace) -> int:
    config = save_trust_path(args.path)
    _out(f"trust store {Path(args.path).resolve()} saved in {config}")
    return 0


def _safe(text: str) -> str:
    """No terminal control characters from evidence reach the screen: each is shown as
    its escape (``\x1b``), line breaks kept."""
    if text.isprintable():
        return text
    return "\n".join(
        "".join(c if c.isprintable() else repr(c)[1:-1] for c in line) for line in text.split("\n")
    )


# -- parser -----------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--root",
        metavar="DIR",
        help="folder that holds the cases (default: $OSINT_KIT_CASES or ./cases)",
    )
    common.add_argument(
        "--examiner-name", metavar="NAME", help="examiner for this command (with the next two)"
    )
    common.add_argument("--examiner-id", metavar="ID", help="examiner's id or badge number")
    common.add_argument("--examiner-agency", metavar="AGENCY", help="examiner's agency")

    parser = argparse.ArgumentParser(
        prog="osint-kit",
        description="Evidence workbench: case folders with a tamper-evident custody log.",
        epilog="exit status:\n"
        + "".join(f"  {code:>3}  {meaning}\n" for code, meaning in EXIT_MEANING.items())
        + f"  {EXIT_INTERRUPTED}  interrupted",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"osint-kit {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def add(
        name: str, func: Callable[[argparse.Namespace], int], help: str, parent: Any = sub
    ) -> argparse.ArgumentParser:
        p: argparse.ArgumentParser = parent.add_parser(
            name, help=help, description=help, parents=[common]
        )
        p.set_defaults(func=func)
        return p

    case = sub.add_parser(
        "case", help="create, list and show cases", description="Create, list and show cases."
    )
    case_sub = case.add_subparsers(dest="case_command", required=True, metavar="ACTION")
    p = add("new", cmd_case_new, "create a case folder (an authority is required)", case_sub)
    p.add_argument("case", metavar="CASE", help="case id: letters, digits, '-' and '_'")
    p.add_argument("--title", required=True)
    p.add_argument("--category", required=True, choices=CATEGORIES)
    p.add_argument(
        "--authority", required=True, metavar="REF", help="reference of the written approval"
    )
    p.add_argument("--approved-by", required=True, metavar="NAME")
    p.add_argument(
        "--approved-at", required=True, metavar="DATE", help="ISO 8601 date or date-time with zone"
    )
    p.add_argument("--description", default="")
    p.add_argument(
        "--signatures",
        choices=("required", "optional"),
        help="whether every event must be signed (recorded for good; default: required when "
        "you have a signing key or a trust store is configured)",
    )
    add("list", cmd_case_list, "list the cases under the root", case_sub)
    p = add("show", cmd_case_show, "show a case's identity, authority and exhibits", case_sub)
    p.add_argument("case", metavar="CASE")
    p = add("close", cmd_case_close, "close a case, with its retention date", case_sub)
    p.add_argument("case", metavar="CASE")
    p.add_argument("--reason", required=True, metavar="TEXT")
    p.add_argument("--approved-by", required=True, metavar="NAME")
    p.add_argument(
        "--schedule",
        type=Path,
        metavar="PATH",
        help="the retention schedule (default $OSINT_KIT_RETENTION, else the shipped example)",
    )
    p.add_argument("--no-schedule", action="store_true", help="record no retention date")
    p = add("reopen", cmd_case_reopen, "reopen a closed case", case_sub)
    p.add_argument("case", metavar="CASE")
    p.add_argument("--reason", required=True, metavar="TEXT")
    p.add_argument("--approved-by", required=True, metavar="NAME")
    p = add("hold", cmd_case_hold, "place a legal hold: nothing can be disposed of", case_sub)
    p.add_argument("case", metavar="CASE")
    p.add_argument("--authority", required=True, metavar="REF")
    p.add_argument("--reason", required=True, metavar="TEXT")
    p = add("lift-hold", cmd_case_lift_hold, "lift a legal hold", case_sub)
    p.add_argument("case", metavar="CASE")
    p.add_argument("hold", metavar="HOLD", help="the hold's id (H001)")
    p.add_argument("--authority", required=True, metavar="REF")
    p.add_argument("--reason", required=True, metavar="TEXT")
    p = add(
        "records", cmd_case_records, "show a case's status, retention and legal holds", case_sub
    )
    p.add_argument("case", metavar="CASE")

    cases = sub.add_parser(
        "cases", help="work across cases", description="Work across the cases under the root."
    )
    cases_sub = cases.add_subparsers(dest="cases_command", required=True, metavar="ACTION")
    p = add("due", cmd_cases_due, "list closed cases due for review or disposal", cases_sub)
    p.add_argument("--within", type=int, default=0, metavar="DAYS", help="due within DAYS too")
    p.add_argument("--schedule", type=Path, metavar="PATH", help="for cases closed without one")
    p.add_argument("--today", metavar="DATE", help="as if today were DATE (ISO 8601)")

    p = add("import", cmd_import, "import files handed over (witness footage, tips) as exhibits")
    p.add_argument("case", metavar="CASE")
    p.add_argument("files", nargs="*", type=Path, metavar="FILE")
    p.add_argument(
        "--from",
        dest="folder",
        type=Path,
        metavar="DIR",
        help="a whole folder (a camera roll, a USB stick) as one hand-over, paths kept",
    )
    p.add_argument(
        "--handed-over-by", required=True, metavar="WHO", help="who handed the files over"
    )
    p.add_argument("--note", default="", help="free-text provenance note")
    p.add_argument("--quiet", action="store_true", help="no progress bar")

    p = add(
        "capture",
        cmd_capture,
        "capture web pages in headless Chromium (screenshot, DOM, text, MHTML, WARC)",
    )
    p.add_argument("case", metavar="CASE")
    p.add_argument("urls", nargs="+", metavar="URL", help="http: or https: URLs")
    p.add_argument(
        "--timeout",
        type=int,
        default=30,
        metavar="S",
        help="seconds for the whole page: loading, quiet, scrolling (default 30); "
        "stopping it and taking the snapshot get at most 20 s more",
    )
    p.add_argument(
        "--idle",
        type=int,
        default=10,
        metavar="S",
        help="seconds to wait for the network to go quiet (default 10)",
    )
    p.add_argument("--width", type=int, default=1280, help="viewport width (default 1280)")
    p.add_argument("--height", type=int, default=800, help="viewport height (default 800)")
    p.add_argument(
        "--parallel", type=int, default=2, metavar="N", help="pages captured at once (default 2)"
    )
    p.add_argument("--no-scroll", action="store_true", help="do not scroll for lazy content")
    p.add_argument(
        "--scroll-seconds",
        type=int,
        default=15,
        metavar="S",
        help="stop scrolling after S seconds (default 15)",
    )
    p.add_argument(
        "--max-height",
        type=int,
        default=30_000,
        metavar="PX",
        help="stop scrolling, and clip the screenshot, at PX pixels (default 30000)",
    )
    p.add_argument(
        "--max-mb",
        type=int,
        default=200,
        metavar="MB",
        help="stop loading once the page has received MB MiB, every byte counted (default 200)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--ignore-tls-errors",
        action="store_true",
        help="capture despite TLS errors (recorded as such)",
    )

    p = add(
        "collect",
        cmd_collect,
        "collect public posts: telegram:CHANNEL, mastodon:@user@host, mastodon:#tag@host, "
        "mastodon:https://host/@user/ID, bluesky:HANDLE, bluesky:https://bsky.app/profile/H/post/ID",
    )
    p.add_argument("case", metavar="CASE")
    p.add_argument("target", metavar="TARGET", help="PLATFORM:WHAT, e.g. telegram:some_channel")
    p.add_argument(
        "--since", metavar="WHEN", help="only posts from this date or time on (UTC if no zone)"
    )
    p.add_argument("--limit", type=int, metavar="N", help="at most N posts (newest first)")
    p.add_argument("--no-media", action="store_true", help="do not download pictures and videos")
    p.add_argument(
        "--timeout",
        type=int,
        metavar="S",
        help="seconds to wait for each answer before it counts as timed out (default 20)",
    )
    p.add_argument(
        "--retries",
        type=int,
        metavar="N",
        help="times a request is tried again after a connection error or time-out (default 2)",
    )
    p.add_argument(
        "-o",
        "--option",
        action="append",
        metavar="NAME=VALUE",
        help="an option of the target's collector, e.g. -o appview=URL (bluesky), "
        "-o via=api (mastodon); osint-kit collectors lists them (repeatable)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")

    p = add(
        "media",
        cmd_media,
        "collect videos from video pages, playlists and media URLs (HLS, DASH) with yt-dlp",
    )
    p.add_argument("case", metavar="CASE")
    p.add_argument("urls", nargs="+", metavar="URL", help="http: or https: URLs")
    p.add_argument(
        "--max-mb", type=float, default=4096, metavar="MB", help="stop past this (default 4096)"
    )
    p.add_argument(
        "--limit", type=int, default=100, metavar="N", help="playlist items kept (default 100)"
    )
    p.add_argument(
        "--timeout", type=float, default=30, metavar="S", help="per request (default 30 s)"
    )
    p.add_argument(
        "--cookies",
        type=Path,
        metavar="FILE",
        help="a Netscape cookie file, only where a login is needed (recorded, not its content)",
    )
    p.add_argument(
        "--format",
        default=MEDIA_FORMAT,
        metavar="EXPR",
        help=f"yt-dlp format expression (default {MEDIA_FORMAT}: best video and audio, kept apart)",
    )
    p.add_argument("--no-page", action="store_true", help="no browser capture of the page")
    p.add_argument("--quiet", action="store_true", help="no progress bar")

    p = add(
        "review",
        cmd_review,
        "review aids for a video exhibit: thumbnail, keyframes at scene changes, contact sheet",
    )
    p.add_argument("case", metavar="CASE")
    p.add_argument("exhibit", metavar="EXHIBIT", help="a video exhibit (E0001)")
    p.add_argument(
        "--threshold",
        type=float,
        default=0.3,
        metavar="T",
        help="scene change score, 0..1 (default 0.3; lower finds more)",
    )
    p.add_argument(
        "--max-frames", type=int, default=100, metavar="N", help="at most N keyframes (100)"
    )

    p = add("clip", cmd_clip, "cut a segment of a video exhibit as a derived exhibit")
    p.add_argument("case", metavar="CASE")
    p.add_argument("exhibit", metavar="EXHIBIT", help="a video exhibit (E0001)")
    p.add_argument("--start", type=float, required=True, metavar="S", help="seconds from start")
    p.add_argument("--end", type=float, required=True, metavar="S", help="seconds from start")

    add("collectors", cmd_collectors, "list the installed collectors and their options")

    p = add(
        "export",
        cmd_export,
        "export exhibits as an authorised evidence bundle (BagIt 1.0 zip), on the record",
    )
    p.add_argument("case", metavar="CASE")
    p.add_argument("--to", required=True, type=Path, metavar="PATH", help="the bundle, *.zip")
    p.add_argument(
        "--authorization", required=True, metavar="REF", help="the written authorisation"
    )
    p.add_argument("--recipient", required=True, metavar="NAME", help="who receives it")
    p.add_argument("--purpose", metavar="TEXT", help="why it is handed over")
    p.add_argument("--exhibit", action="append", metavar="E0001", help="an exhibit (default: all)")
    p.add_argument(
        "--encrypt-to",
        action="append",
        metavar="AGE1…",
        help="encrypt to this age public key (repeatable); the bundle is then *.zip.age",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="show what would go out (exhibits, and the events carried in full) and stop",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")

    p = add(
        "stamp",
        cmd_stamp,
        "checkpoint the log head: signed, and time-stamped by the configured RFC 3161 TSA",
    )
    p.add_argument("case", metavar="CASE")
    p.add_argument("--tsa", metavar="URL", help="the TSA (default $OSINT_KIT_TSA_URL)")
    p.add_argument(
        "--tsa-ca", type=Path, metavar="PEM", help="CA its tokens chain to ($OSINT_KIT_TSA_CA)"
    )

    p = add(
        "report",
        cmd_report,
        "write the case's provenance report (HTML: timeline, each exhibit's provenance)",
    )
    p.add_argument("case", metavar="CASE")
    p.add_argument(
        "--out", type=Path, metavar="PATH", help="where (default CASE/derived/report.html)"
    )
    p.add_argument("--force", action="store_true", help="replace an existing file at --out")
    p.add_argument(
        "--pdf",
        action="store_true",
        help="also print it to PDF beside the HTML (Chromium; A4, marking, page numbers)",
    )
    p.add_argument(
        "--tsa-ca",
        type=Path,
        metavar="PEM",
        help="CA the checkpoints' time stamps must chain to (default $OSINT_KIT_TSA_CA)",
    )
    _trust_option(p)
    p.add_argument("--quiet", action="store_true", help="no progress bar")

    bundle = sub.add_parser(
        "bundle", help="work with evidence bundles", description="Work with evidence bundles."
    )
    bundle_sub = bundle.add_subparsers(dest="bundle_command", required=True, metavar="ACTION")
    p = add(
        "verify",
        cmd_bundle_verify,
        "verify a bundle on its own, without the case (exit 0 only when clean)",
        bundle_sub,
    )
    p.add_argument("bundle", type=Path, metavar="BUNDLE")
    p.add_argument("--json", action="store_true", help="the report as JSON")
    p.add_argument(
        "--identity",
        action="append",
        type=Path,
        metavar="KEYFILE",
        help="age key file to open an encrypted bundle (repeatable)",
    )
    p.add_argument(
        "--tsa-ca",
        type=Path,
        metavar="PEM",
        help="CA the bundle's time stamp must chain to (default $OSINT_KIT_TSA_CA); given "
        "here, a bundle without a stamp fails",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    _trust_option(p)

    p = add(
        "lab",
        cmd_lab,
        "start JupyterLab on 127.0.0.1 with a token, the notebooks and the case folders",
    )
    p.add_argument(
        "directory",
        nargs="?",
        type=Path,
        metavar="DIRECTORY",
        help="the folder it opens (default the project's notebooks/, else the current one)",
    )
    p.add_argument("--cases", type=Path, metavar="DIR", help="the case root ($OSINT_KIT_CASES)")
    p.add_argument("--port", type=int, metavar="N", help="the port (default a free one)")
    p.add_argument("--token", metavar="TOKEN", help="the token (default a fresh random one)")

    p = add("log", cmd_log, "print the custody log, one event per line")
    p.add_argument("case", metavar="CASE")
    p.add_argument("--json", action="store_true", help="the events as JSON lines")

    p = add(
        "verify", cmd_verify, "verify every blob, event and link of a case (exit 0 only when clean)"
    )
    p.add_argument("case", metavar="CASE")
    p.add_argument("--json", action="store_true", help="the report as JSON")
    p.add_argument(
        "--tsa-ca",
        type=Path,
        metavar="PEM",
        help="CA the checkpoints' time stamps must chain to (default $OSINT_KIT_TSA_CA)",
    )
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument(
        "--record",
        action="store_true",
        help="append the result to the log as a case.verified event",
    )
    p.add_argument(
        "--bundle",
        action="append",
        type=Path,
        metavar="ZIP",
        help="a bundle cut from this case: the log must still hold its head (repeatable)",
    )
    p.add_argument(
        "--expect-head",
        action="append",
        metavar="SEQ:HASH",
        help="a head you hold from elsewhere (a bundle, a report, an e-mail; the hash in full "
        "or its first 16+ hex digits): the log must still hold it (repeatable)",
    )
    _trust_option(p)

    p = add("reindex", cmd_reindex, "rebuild derived/index.sqlite from the log")
    p.add_argument("case", metavar="CASE")

    p = add(
        "repair",
        cmd_repair,
        "repair what a crash left (torn last line, interrupted imports), on the record",
    )
    p.add_argument("case", metavar="CASE")

    p = add(
        "dispose",
        cmd_dispose,
        "delete a closed case's evidence (or chosen exhibits) under a written authorization, "
        "on the record; the custody log stays",
    )
    p.add_argument("case", metavar="CASE")
    p.add_argument(
        "--exhibit",
        action="append",
        metavar="E0001",
        help="an exhibit to dispose of, with those derived from it (default: the whole case)",
    )
    p.add_argument("--authorization", required=True, metavar="REF", help="its reference")
    p.add_argument("--approved-by", required=True, metavar="NAME", help="who approved it")
    p.add_argument("--reason", required=True, metavar="TEXT", help="why (the retention rule)")
    p.add_argument("--dry-run", action="store_true", help="show what would go, and stop")
    _certificate_options(p)

    p = add(
        "disposition",
        cmd_disposition,
        "show a disposal of the case (the latest by default) and write its certificate",
    )
    p.add_argument("case", metavar="CASE")
    p.add_argument("--seq", type=int, metavar="SEQ", help="the disposition.started event's seq")
    _certificate_options(p)

    p = add("note", cmd_note, "add an examiner's note to the custody log")
    p.add_argument("case", metavar="CASE")
    p.add_argument("text")
    p.add_argument("--exhibit", action="append", default=[], metavar="E0001")

    p = add(
        "search",
        cmd_search,
        "full-text search over posts, captured pages, imported text files and notes",
    )
    p.add_argument("case", metavar="CASE")
    p.add_argument(
        "query",
        nargs="?",
        metavar="QUERY",
        help='SQLite FTS5 query: words, "a phrase", OR, NOT, prefix*',
    )
    p.add_argument(
        "--pattern",
        choices=sorted(SEARCH_PATTERNS),
        help="find phone numbers, e-mail addresses, URLs, vehicle plates or coordinates",
    )
    p.add_argument("--regex", metavar="RE", help="your own regular expression (Python syntax)")
    p.add_argument(
        "--kind",
        action="append",
        choices=("post", "page", "file", "note"),
        help="only these kinds of text (repeatable; default all)",
    )
    p.add_argument(
        "--limit", type=int, default=100, metavar="N", help="at most N hits (default 100)"
    )
    p.add_argument("--json", action="store_true", help="the hits as JSON lines")

    ex = sub.add_parser(
        "examiner",
        help="set or show who you are",
        description="Set or show the examiner recorded on every event.",
    )
    ex_sub = ex.add_subparsers(dest="examiner_command", required=True, metavar="ACTION")
    p = add("set", cmd_examiner_set, "save the examiner in the user's config file", ex_sub)
    p.add_argument("--name", required=True)
    p.add_argument("--id", required=True, help="id or badge number")
    p.add_argument("--agency", required=True)
    p = add(
        "init",
        cmd_examiner_init,
        "make the examiner's Ed25519 signing key (events they write are signed)",
        ex_sub,
    )
    p.add_argument(
        "--passphrase",
        action="store_true",
        help="encrypt the key with a passphrase (asked for, or $OSINT_KIT_KEY_PASSPHRASE)",
    )
    p.add_argument("--force", action="store_true", help="replace an existing key")
    add("show", cmd_examiner_show, "show the examiner that would be recorded", ex_sub)

    tr = sub.add_parser(
        "trust",
        help="the examiners' public keys your department vouches for",
        description="Manage the trust store: examiners' public keys the department vouches "
        "for, kept outside every case. verify checks each signer against it.",
    )
    tr_sub = tr.add_subparsers(dest="trust_command", required=True, metavar="ACTION")
    p = add("add", cmd_trust_add, "vouch for an examiner's public key", tr_sub)
    p.add_argument("public_key", metavar="PEM", help="their public key file (keys/<id>.pub)")
    p.add_argument("--examiner", required=True, metavar="ID", help="whose key it is")
    p.add_argument("--name", help="their name")
    p.add_argument("--agency", help="their agency")
    p.add_argument(
        "--signed-off",
        action="store_true",
        help="record you (the configured examiner) as the one who added it",
    )
    _trust_option(p)
    p = add("list", cmd_trust_list, "list the keys the trust store vouches for", tr_sub)
    _trust_option(p)
    p = add("remove", cmd_trust_remove, "stop vouching for a key or an examiner", tr_sub)
    p.add_argument("ident", metavar="KEY_ID|EXAMINER_ID")
    _trust_option(p)
    p = add("use", cmd_trust_use, "save PATH as your trust store (examiner config)", tr_sub)
    p.add_argument("path", type=Path, metavar="PATH")
    return parser


def _trust_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--trust",
        type=Path,
        metavar="PATH",
        help="the trust store: a folder of examiners' public keys or one keyring file "
        "(default $OSINT_KIT_TRUST, then the examiner config's [trust] path)",
    )


def _terminated(signum: int, frame: object) -> None:
    """SIGTERM ends a command the way Ctrl-C does: what is under way is recorded first."""
    raise KeyboardInterrupt


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _terminated)
    try:
        code: int = args.func(args)
        return code
    except OsintKitError as exc:
        sys.stderr.write(f"osint-kit: error: {_safe(str(exc))}\n")
        return exit_status(exc)
    except KeyboardInterrupt:
        sys.stderr.write("osint-kit: interrupted\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `osint-kit log CASE | head`: the reader has what it wanted
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
