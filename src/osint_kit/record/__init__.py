"""The record API: custody events and their types, the format's hashing, examiners and
their keys, the department's trust store, time-stamping (docs/format.md, docs/trust.md).

Import from here (``from osint_kit.record import TrustStore, canonical_json``); the
modules of this package are its parts.
"""

from osint_kit.base.dates import parse_time
from osint_kit.base.labels import label_runs
from osint_kit.base.text import shown
from osint_kit.record.actions import registry as action_types
from osint_kit.record.chain import canonical_json, event_digest, link_hash
from osint_kit.record.events import Event, EventDraft, NewExhibit, Subject
from osint_kit.record.examiner import (
    Examiner,
    SigningKey,
    create_signing_key,
    resolve_examiner,
    save_examiner,
)
from osint_kit.record.examiner import config_path as examiner_config_path
from osint_kit.record.findings import KeyUse, Problem, VerificationReport
from osint_kit.record.timestamp import TsaConfig, tsa_config
from osint_kit.record.trust import (
    TrustedKey,
    TrustStore,
    resolve_trust,
    save_trust_path,
    trust_store_path,
)

__all__ = [
    "Event",
    "EventDraft",
    "Examiner",
    "KeyUse",
    "NewExhibit",
    "Problem",
    "SigningKey",
    "Subject",
    "TrustStore",
    "TrustedKey",
    "TsaConfig",
    "VerificationReport",
    "action_types",
    "canonical_json",
    "create_signing_key",
    "event_digest",
    "examiner_config_path",
    "label_runs",
    "link_hash",
    "parse_time",
    "resolve_examiner",
    "resolve_trust",
    "save_examiner",
    "save_trust_path",
    "shown",
    "trust_store_path",
    "tsa_config",
]
