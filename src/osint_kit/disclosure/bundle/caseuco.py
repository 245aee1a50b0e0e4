"""The bundle's provenance as a CASE/UCO JSON-LD graph (CASE 1.x, UCO 1.x).

For interoperability with other forensic tools: the investigation, the
examiners (``uco-identity:Person``), osint-kit (``uco-tool:Tool``), each exhibit
as a ``uco-observable:File`` with its SHA-256 and size, a
``case-investigation:ProvenanceRecord`` carrying its exhibit number, one
``case-investigation:InvestigativeAction`` per acquisition that produced an
exported exhibit, and one for the export itself. Node ids end in a UUID made
from the case and the node's role, so the same bundle gives the same graph.
The tests check it with ``case_validate``.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from osint_kit.version import __version__

CONTEXT = {
    "case-investigation": "https://ontology.caseontology.org/case/investigation/",
    "uco-action": "https://ontology.unifiedcyberontology.org/uco/action/",
    "uco-core": "https://ontology.unifiedcyberontology.org/uco/core/",
    "uco-identity": "https://ontology.unifiedcyberontology.org/uco/identity/",
    "uco-observable": "https://ontology.unifiedcyberontology.org/uco/observable/",
    "uco-tool": "https://ontology.unifiedcyberontology.org/uco/tool/",
    "uco-types": "https://ontology.unifiedcyberontology.org/uco/types/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}


def _time(value: str) -> dict[str, str]:
    return {"@type": "xsd:dateTime", "@value": value}


def _int(value: int) -> dict[str, str]:
    return {"@type": "xsd:integer", "@value": str(value)}


def case_graph(
    identity: Mapping[str, Any],
    records: Sequence[Mapping[str, Any]],
    events: Sequence[Mapping[str, Any]],
    export: Mapping[str, Any],
) -> dict[str, Any]:
    """The graph for a bundle: ``records`` are exhibits.json entries, ``events`` the full events."""
    case_id = str(identity["id"])
    namespace = uuid.uuid5(uuid.NAMESPACE_URL, f"urn:osint-kit:case:{case_id}")

    def node(kind: str, key: str) -> str:
        return f"kb:{kind}-{uuid.uuid5(namespace, f'{kind}/{key}')}"

    graph: list[dict[str, Any]] = []
    people: dict[str, str] = {}

    def person(actor: Mapping[str, Any]) -> str:
        key = str(actor.get("id", ""))
        if key not in people:
            people[key] = node("person", key)
            graph.append(
                {
                    "@id": people[key],
                    "@type": "uco-identity:Person",
                    "uco-core:name": str(actor.get("name", "")),
                    "uco-core:description": f"examiner {key}, {actor.get('agency', '')}",
                }
            )
        return people[key]

    tool = node("tool", f"osint-kit/{__version__}")
    graph.append(
        {
            "@id": tool,
            "@type": "uco-tool:Tool",
            "uco-core:name": "osint-kit",
            "uco-tool:version": __version__,
        }
    )
    provenance: dict[str, str] = {}
    for rec in records:
        label = str(rec["exhibit"])
        file_id, prov_id = node("file", label), node("provenance-record", label)
        provenance[label] = prov_id
        name = str(rec["path"]).rsplit("/", 1)[-1]
        graph.append(
            {
                "@id": file_id,
                "@type": "uco-observable:File",
                "uco-core:hasFacet": [
                    {
                        "@id": node("file-facet", label),
                        "@type": "uco-observable:FileFacet",
                        "uco-observable:fileName": name,
                        "uco-observable:sizeInBytes": _int(int(rec["size"])),
                    },
                    {
                        "@id": node("content-data-facet", label),
                        "@type": "uco-observable:ContentDataFacet",
                        "uco-observable:sizeInBytes": _int(int(rec["size"])),
                        "uco-observable:hash": [
                            {
                                "@id": node("hash", label),
                                "@type": "uco-types:Hash",
                                "uco-types:hashMethod": "SHA256",
                                "uco-types:hashValue": {
                                    "@type": "xsd:hexBinary",
                                    "@value": str(rec["sha256"]),
                                },
                            }
                        ],
                    },
                ],
            }
        )
        graph.append(
            {
                "@id": prov_id,
                "@type": "case-investigation:ProvenanceRecord",
                "case-investigation:exhibitNumber": label,
                "uco-core:description": f"{rec.get('role')} ({rec.get('media_type')})",
                "uco-core:object": [{"@id": file_id}],
            }
        )
    for event in events:
        cap = (event.get("details") or {}).get("capture")
        exported = [
            provenance[s["exhibit"]]
            for s in event.get("subjects", [])
            if s.get("exhibit") in provenance
        ]
        if not isinstance(cap, Mapping) or not exported:
            continue
        action: dict[str, Any] = {
            "@id": node("investigative-action", str(cap.get("id"))),
            "@type": "case-investigation:InvestigativeAction",
            "uco-core:name": f"{cap.get('id')} {cap.get('method')}",
            "uco-core:description": f"{cap.get('method')} of {cap.get('target')}: "
            f"{cap.get('status')}",
            "uco-action:startTime": _time(str(cap.get("started") or event["time"])),
            "uco-action:endTime": _time(str(cap.get("ended") or event["time"])),
            "uco-action:performer": {"@id": person(event["actor"])},
            "uco-action:instrument": {"@id": tool},
            "uco-action:result": [{"@id": p} for p in exported],
        }
        graph.append(action)
    graph.append(
        {
            "@id": node("investigative-action", f"export/{export['exported_at']}"),
            "@type": "case-investigation:InvestigativeAction",
            "uco-core:name": "export of an evidence bundle",
            "uco-core:description": f"to {export['recipient']} under authorisation "
            f"{export['authorization']}: {export.get('purpose', '')}",
            "uco-action:startTime": _time(str(export["exported_at"])),
            "uco-action:performer": {"@id": person(export["exported_by"])},
            "uco-action:instrument": {"@id": tool},
            "uco-action:object": [{"@id": p} for p in provenance.values()],
        }
    )
    authority = identity.get("authority") or {}
    graph.insert(
        0,
        {
            "@id": node("investigation", case_id),
            "@type": "case-investigation:Investigation",
            "uco-core:name": case_id,
            "uco-core:description": f"{identity.get('title', '')}; authority "
            f"{authority.get('reference', '')} approved by {authority.get('approved_by', '')} "
            f"on {authority.get('approved_at', '')}",
            "case-investigation:focus": str(identity.get("category", "")),
            "uco-core:object": [{"@id": p} for p in provenance.values()],
        },
    )
    return {
        "@context": {**CONTEXT, "kb": f"urn:osint-kit:case:{case_id}:"},
        "@graph": graph,
    }
