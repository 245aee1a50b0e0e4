"""Each exhibit's story in the provenance report: acquired how, from where, by whom and
when, what was derived from it, where it was exported, what superseded it, every later
event that named it, and a thumbnail for pictures. Apart from the case-wide sections: it is
read per exhibit, from the index (index.py)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from osint_kit.base.files import read_regular
from osint_kit.disclosure.report.index import ExhibitIndex
from osint_kit.disclosure.report.markup import as_list, as_mapping, esc, table_rows
from osint_kit.formats.media_facts import MediaFacts
from osint_kit.formats.media_summary import describe_difference, facts_line
from osint_kit.record.capture_facts import CaptureFacts, describe_rerouting, rerouted_hosts, text
from osint_kit.record.exhibits import Exhibit

#: Pictures larger than this are not embedded (the report stays small); their hash is.
MAX_THUMBNAIL_BYTES = 3 * 2**20


def exhibit_section(
    ex: Exhibit, index: ExhibitIndex, status: str | None = None, known: MediaFacts | None = None
) -> str:
    """One exhibit's section: its facts, what came of it, and its later events.
    ``status``: what verification found of it; ``known``: its media facts read from
    the blob, used when its acquisition recorded none."""
    acquiring = index.by_seq.get(ex.seq)
    title = ex.name if ex.method == "file.import" else f"{ex.role} of {ex.name or ex.capture}"
    cap = as_mapping(acquiring.capture if acquiring else None)
    facts = CaptureFacts.of(cap)
    tls = as_mapping(cap.get("tls"))
    server = as_mapping(cap.get("server"))
    source = as_mapping(cap.get("source"))
    handed = index.handed.get((ex.seq, ex.source or ""), {})
    derived = as_mapping(acquiring.details.get("derived") if acquiring else None)
    inputs = as_list(derived.get("inputs"))
    facts_rows = [
        ("SHA-256", ex.sha256),
        (
            "DERIVED (not collected)",
            f"{derived.get('method')} of {len(inputs)} exhibit(s): "
            + ", ".join(map(str, inputs[:20]))
            + (" …" if len(inputs) > 20 else "")
            + f"; computed at log seq {as_mapping(derived.get('head')).get('seq')}"
            if derived
            else None,
        ),
        ("Verification", status),
        ("Size", f"{ex.size:,} bytes"),
        ("Role", ex.role),
        ("Media type", ex.media_type),
        ("Acquired", f"{ex.acquired_at} by {ex.acquired_by} (event {ex.seq})"),
        ("Capture", " ".join(x for x in (facts.id, facts.method) if x)),
        ("Target", facts.target),
        ("Path in the hand-over" if "files" in cap else "Source URL", ex.source),
        ("Final URL", facts.final_url),
        ("HTTP status", facts.http_status),
        ("Server", f"{server.get('ip')}:{server.get('port')}" if server else None),
        ("TLS certificate (leaf SHA-256)", text(tls.get("leaf_sha256"))),
        (
            "WARNING",
            facts.tls.warning if facts.tls is not None and facts.tls.warning else None,
        ),
        ("Status", ": ".join(x for x in (facts.status, facts.reason) if x)),
        (
            "REROUTED",
            f"{describe_rerouting(rerouted_hosts(cap))}: not from the real site"
            if rerouted_hosts(cap)
            else None,
        ),
        *_media_rows(ex, cap, known, handed),
        ("Original name", text(handed.get("original_name") or source.get("original_name"))),
        ("Original path", text(handed.get("original_path") or source.get("original_path"))),
        ("Same content as", text(handed.get("same_content_as"))),
        ("Handed over by", text(cap.get("handed_over_by"))),
        ("Note", text(cap.get("note"), most=10_000)),
        *_post_rows(ex),
    ]
    later = index.later(ex)
    items = [
        (
            e.seq,
            f"{esc(e.time)}: {esc(e.action)} by {esc(e.actor.get('name'))} (event {e.seq}): "
            f"{esc(index.summary(e))}",
        )
        for e in later
    ]
    post_id = _post_id(cap, ex.sha256)
    newer: list[tuple[int, str]] = []
    if post_id is not None:
        post_items, newer = _post_history(post_id, ex, index, cap.get("target"))
        items += post_items
    history = "".join(f"<li>{line}</li>" for _, line in sorted(items))
    return (
        f"<div class='exhibit' id='{esc(ex.label)}'>{_thumbnail(ex)}<h3>{esc(ex.label)}: "
        f"{esc(title)}</h3>"
        f"<table>{table_rows(facts_rows)}</table>"
        + _derived_from_it(ex, index)
        + _exported_in(ex, index)
        + _superseded_by(newer)
        + (f"<p>Later events:</p><ul>{history}</ul>" if history else "<p>No later events.</p>")
        + "<div class='clear'></div></div>"
    )


def _derived_from_it(ex: Exhibit, index: ExhibitIndex) -> str:
    """The derived exhibits whose inputs name this one: label (linked) and method."""
    items = []
    for e in index.derived_from.get(ex.label, ()):
        derived = as_mapping(e.details.get("derived"))
        method, name = text(derived.get("method")), text(derived.get("name"))
        what = f"{method or '?'} ({name})" if name else method or "?"
        for label in e.exhibits:
            items.append(
                f"<li>{index.link(label)}: {esc(what)}, by {esc(e.actor.get('name'))} at "
                f"{esc(e.time)} (event {e.seq})</li>"
            )
    return f"<p>Derived from it:</p><ul class='derived'>{''.join(items)}</ul>" if items else ""


def _exported_in(ex: Exhibit, index: ExhibitIndex) -> str:
    """Each export that carried this exhibit: when, to whom, under what, which bundle."""
    rows = []
    for e in index.exports.get(ex.label, ()):
        d = e.details
        bundle = as_mapping(d.get("bundle"))
        rows.append(
            f"<tr><td>{e.seq}</td><td>{esc(e.time)}</td><td>{esc(text(d.get('recipient')))}</td>"
            f"<td>{esc(text(d.get('authorization')))}</td><td>{esc(text(bundle.get('name')))}</td>"
            "</tr>"
        )
    if not rows:
        return ""
    return (
        "<p>Exported in:</p><table class='exports'><tr><th>Event</th><th>Time (UTC)</th>"
        f"<th>Recipient</th><th>Authorisation</th><th>Bundle</th></tr>{''.join(rows)}</table>"
    )


def _superseded_by(newer: Sequence[tuple[int, str]]) -> str:
    if not newer:
        return ""
    items = "".join(f"<li>{line}</li>" for _, line in newer)
    return f"<p>Superseded by:</p><ul class='superseded'>{items}</ul>"


#: The largest post record whose text the report shows (larger ones are only listed).
MAX_POST_BYTES = 4 * 2**20


def _media_rows(
    ex: Exhibit, cap: Mapping[str, Any], known: MediaFacts | None, handed: Mapping[str, Any]
) -> list[tuple[str, object]]:
    """A picture's or video's technical metadata (as recorded, else as read from the
    blob), how a hand-over's file time compares with its own, and how a collected
    video's format was chosen. ``handed``: the hand-over's entry for this file."""
    entry = handed or next(
        (
            f
            for f in as_list(cap.get("files"))
            if isinstance(f, Mapping) and f.get("sha256") == ex.sha256
        ),
        {},
    )
    recorded = entry.get("facts") if isinstance(entry, Mapping) else None
    facts = MediaFacts.from_json(recorded) if isinstance(recorded, Mapping) else known
    rows: list[tuple[str, object]] = []
    if facts is not None:
        rows.append(("Technical metadata", facts_line(facts) or None))
        if facts.problems:
            rows.append(("MEDIA PROBLEM", "; ".join(facts.problems)))
    check = as_mapping(entry.get("time_check") if isinstance(entry, Mapping) else None)
    if check:
        try:
            apart = describe_difference(float(str(check.get("difference_s"))))
        except (TypeError, ValueError):
            apart = text(check.get("difference_s")) or "?"
        flag = "DIFFERS: " if check.get("differs") else ""
        rows.append(
            (
                "File time against its own time",
                f"{flag}file time {text(check.get('file_time'))} is {apart} than its own time "
                f"{text(check.get('own_time'))} ({text(check.get('own_time_source'))})",
            )
        )
    if cap.get("method") == "media.ytdlp" and isinstance(entry, Mapping) and entry:
        item = next(
            (
                f
                for f in as_list(cap.get("files"))
                if isinstance(f, Mapping)
                and "selection" in f
                and f.get("item") == entry.get("item")
            ),
            None,
        )
        choice = as_mapping(as_mapping(item).get("selection"))
        if choice:
            rows.append(
                (
                    "Format chosen",
                    f"{text(entry.get('format_id'))} ({text(entry.get('protocol'))}) by "
                    f"{text(choice.get('expression'))}: {text(choice.get('why'))}; "
                    f"{len(as_list(choice.get('offered')))} format(s) offered",
                )
            )
        if entry.get("truncated"):
            rows.append(("TRUNCATED", text(entry.get("reason")) or "the download did not finish"))
        page = as_mapping(cap.get("page_capture"))
        if page:
            rows.append(("Page captured", f"{text(page.get('id'))} ({text(page.get('status'))})"))
    return rows


def _post_rows(ex: Exhibit) -> list[tuple[str, object]]:
    """Author, time, edit and text of a post exhibit, read from its record."""
    if ex.role != "post" or ex.size > MAX_POST_BYTES:
        return []
    try:
        record = json.loads(read_regular(ex.path))
    except (OSError, ValueError):
        return []
    if not isinstance(record, Mapping):
        return []
    author = as_mapping(record.get("author"))
    who = " ".join(x for x in (text(author.get("display_name")), text(author.get("handle"))) if x)
    return [
        ("Post author", who or text(author.get("key"))),
        ("Posted at", text(record.get("created_at"))),
        ("EDITED at", text(record.get("edited_at"))),
        ("Post text", text(record.get("text"), most=20_000)),
    ]


def _post_id(cap: Mapping[str, Any], sha256: str) -> str | None:
    """The platform's id of the post whose record has ``sha256``, from its collection."""
    for entry in as_list(cap.get("posts")):
        if isinstance(entry, Mapping) and entry.get("record") == sha256:
            return str(entry.get("id"))
    return None


def _post_history(
    post_id: str, ex: Exhibit, index: ExhibitIndex, target: object
) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """What later runs against the same target said of this post: a new version, deleted
    (the platform's word), no longer listed, listed again. Also, apart, each newer
    version (a link to its exhibit) for "Superseded by"."""
    out: list[tuple[int, str]] = []
    newer: list[tuple[int, str]] = []
    runs = index.runs.get(target, []) if isinstance(target, str) else []
    for run in runs:
        e = run.event
        if e.seq <= ex.seq:
            continue
        cap = as_mapping(e.capture)
        when = f"{esc(e.time)} (event {e.seq}, capture {esc(cap.get('id'))})"
        for record in run.records.get(post_id, ()):
            if record != ex.sha256:
                label = run.exhibits.get(record)
                version = index.link(label) if label else f"its record sha256 {esc(record)}"
                out.append((e.seq, f"{when}: SUPERSEDED by a new version, {version}"))
                newer.append((e.seq, f"{version}, collected {when}"))
        for gone, said in (
            (run.deleted, "DELETED upstream (the platform said so)"),
            (run.no_longer_listed, "no longer listed by the platform (deletion not confirmed)"),
        ):
            if post_id in gone:
                words = as_mapping(cap.get("deletion_evidence")).get(post_id)
                note = f": {esc(text(words))}" if words else ""
                out.append((e.seq, f"{when}: {said}{note}"))
        if post_id in run.reappeared:
            out.append((e.seq, f"{when}: listed again"))
    return out, newer


def _thumbnail(ex: Exhibit) -> str:
    uri = ex.picture_uri(MAX_THUMBNAIL_BYTES)
    return f"<img alt='{esc(ex.label)}' src='{uri}'>" if uri else ""
