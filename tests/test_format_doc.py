"""docs/format.md is the spec: its verifier, run as an outsider would, agrees with ours."""

from __future__ import annotations

import functools
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conftest import EXAMINER
from osint_kit import Case
from osint_kit.record import canonical_json
from tampers import TAMPERS, fill

DOC = Path(__file__).parents[1] / "docs" / "format.md"


@functools.cache
def outside_verifier() -> dict[str, Any]:
    """Execute the ```python verifier block of docs/format.md, and nothing else."""
    blocks = re.findall(r"```python verifier\n(.*?)```", DOC.read_text(), flags=re.S)
    assert len(blocks) == 1, "docs/format.md must hold exactly one verifier block"
    namespace: dict[str, Any] = {}
    exec(compile(blocks[0], str(DOC), "exec"), namespace)
    return namespace


def log_lines(case: Case) -> list[str]:
    with open(case.path / "custody.jsonl", encoding="utf-8", newline="") as f:
        return list(f)


@pytest.fixture
def evidence(case: Case, files: dict[str, Path]) -> Case:
    return fill(case, files, EXAMINER, "Zoë O'Brien — «witness»", "naïve ✓ 👀 \t tab")


def test_outside_verifier_accepts_a_real_case_and_finds_our_head(evidence: Case) -> None:
    verify_chain = outside_verifier()["verify_chain"]
    seq, head, problems = verify_chain(log_lines(evidence))
    assert problems == []
    assert (seq, head) == evidence.log.head()
    assert (seq, head) == (evidence.verify().head_seq, evidence.verify().head_hash)


LOG_TAMPERS = [
    t
    for t in TAMPERS
    if t.kinds
    & {"event-altered", "chain-broken", "seq-gap", "seq-duplicate", "seq-out-of-order", "torn-line"}
    and "event-unreadable" not in t.kinds
]


@pytest.mark.parametrize("tamper", LOG_TAMPERS, ids=[t.name for t in LOG_TAMPERS])
def test_outside_verifier_sees_every_log_tamper(evidence: Case, tamper: Any) -> None:
    tamper.apply(evidence)
    _, _, problems = outside_verifier()["verify_chain"](log_lines(evidence))
    assert problems, tamper.name


def test_every_line_is_the_documented_canonical_form(evidence: Case) -> None:
    import json

    canonical = outside_verifier()["canonical"]
    for line in log_lines(evidence):
        assert canonical(json.loads(line)) + "\n" == line


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53) + 1, 2**53 - 1)
    | st.text(st.characters(exclude_categories=["Cs"])),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.text(st.characters(exclude_categories=["Cs"]), max_size=6), inner, max_size=4
        )
    ),
    max_leaves=20,
)


@given(json_values)
def test_documented_canonical_form_equals_rfc8785(value: Any) -> None:
    canonical = outside_verifier()["canonical"]
    assert canonical(value).encode("utf-8") == canonical_json(value)
