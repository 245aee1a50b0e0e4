"""The ``Case`` facade that notebooks and the command line use, and its areas
(``case.analysis``, ``case.media``, ``case.records``, ``case.disclosure``)."""

from osint_kit.case.authority import Authority
from osint_kit.case.core import Case, create_case, open_case
from osint_kit.case.listing import CaseSummary, list_cases

__all__ = ["Authority", "Case", "CaseSummary", "create_case", "list_cases", "open_case"]
