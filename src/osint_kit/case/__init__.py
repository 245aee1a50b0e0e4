"""The ``Case`` facade that notebooks and the command line use, and its areas
(``case.analysis``, ``case.media``, ``case.records``, ``case.disclosure``)."""

from osint_kit.case.core import Authority, Case, CaseSummary, create_case, list_cases, open_case

__all__ = ["Authority", "Case", "CaseSummary", "create_case", "list_cases", "open_case"]
