"""The sensitivity marking every report, certificate and bundle carries."""

from __future__ import annotations

MARKING = "LAW ENFORCEMENT SENSITIVE - NOT FOR PUBLIC DISSEMINATION"
