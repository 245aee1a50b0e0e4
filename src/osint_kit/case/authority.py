"""The written permission a case rests on: its reference, who approved it, when. The
policy requires one before any department use of social media; a case cannot be made
without it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from osint_kit.base.dates import normalise_date_or_time
from osint_kit.errors import (
    InvalidCaseField,
    InvalidTime,
)


@dataclass(frozen=True)
class Authority:
    """The written permission behind the case: reference, who approved it, when."""

    reference: str
    approved_by: str
    approved_at: str

    @classmethod
    def of(cls, reference: str, approved_by: str, approved_at: str | date | datetime) -> Authority:
        for name, value in (("reference", reference), ("approved_by", approved_by)):
            if not isinstance(value, str) or not value.strip():
                raise InvalidCaseField(f"authority {name}", "is required (the written approval)")
        try:
            when = normalise_date_or_time(approved_at, what="authority approved_at")
        except InvalidTime as exc:
            raise InvalidCaseField(
                "authority approved_at", f"{exc.value!r}: {exc.reason}"
            ) from None
        return cls(reference.strip(), approved_by.strip(), when)

    def to_json(self) -> dict[str, str]:
        return {
            "reference": self.reference,
            "approved_by": self.approved_by,
            "approved_at": self.approved_at,
        }
