"""Who may append to a case with which key: the rules checked under the log's lock
before every append, and the ``examiner.key.registered`` event a first write with a
new key adds.

Apart from ``custody`` because these are rules about examiners and their keys
(signing, rotation, endorsement, the trust store), read from the log's state; the
log itself only writes what they allow.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from osint_kit.errors import SigningKeyRequired
from osint_kit.record.builtin_actions import KEY_REGISTERED
from osint_kit.record.events import EventDraft
from osint_kit.record.log_state import LogState
from osint_kit.record.signing import ALGORITHM, Signer


def registration_draft(
    signer: Signer, actor: dict[str, Any], endorsement: dict[str, str] | None
) -> EventDraft:
    """The event that puts ``signer``'s public key on the record (signed with that key
    when sealed, like the events it comes with)."""
    details: dict[str, Any] = {
        "key_id": signer.key_id,
        "algorithm": ALGORITHM,
        "public_key": signer.public_pem,
        "examiner": str(actor.get("id")),
    }
    if endorsement is not None:  # the examiner's earlier key hands over to this one
        details["endorsement"] = endorsement
    return EventDraft(KEY_REGISTERED, details=details)


def signing_policy(
    st: LogState,
    actor: dict[str, Any],
    required: bool,
    vouched: Callable[[str, str], bool] | None,
) -> tuple[bool, dict[str, str] | None]:
    """May ``actor`` write here? Returns (register the signer's key, its endorsement).

    Refuses (``SigningKeyRequired``) to write as an examiner who signs in this case
    without their key, unsigned to a case that requires signatures, or with a second
    key that neither their earlier key endorses nor the trust store vouches for.
    """
    signer = getattr(actor, "signer", None)
    who = str(actor.get("id"))
    theirs = [k for k, examiner in st.keys.items() if examiner == who]
    if signer is None:
        if theirs:
            raise SigningKeyRequired(
                who,
                f"they sign in this case with key {theirs[-1]}, which this machine does not "
                "hold (osint-kit examiner init made it in their config folder: keys/)",
            )
        if required:
            raise SigningKeyRequired(
                who, "this case requires signed events; osint-kit examiner init makes a key"
            )
        return False, None
    if signer.key_id in st.keys:
        if st.keys[signer.key_id] != who:
            raise SigningKeyRequired(
                who,
                f"the key {signer.key_id} is registered in this case for examiner "
                f"{st.keys[signer.key_id]!r}",
            )
        return False, None
    if not theirs:
        return True, None
    endorse = getattr(actor, "endorse", None)
    for old in reversed(theirs):
        given = endorse(old, signer.key_id) if endorse is not None else None
        if given is not None:
            return True, given
    if vouched is not None and vouched(who, signer.key_id):
        return True, None
    raise SigningKeyRequired(
        who,
        f"they sign in this case with key {theirs[-1]}; this machine's key {signer.key_id} is "
        "neither endorsed by it (the old key is not in keys/retired/) nor in the trust store",
    )
