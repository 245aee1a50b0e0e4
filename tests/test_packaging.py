"""What `pip install .` ships: the evidence package alone, never the sandbox.

The sandbox (fake platforms, the test time-stamping authority, the fixture site,
the demo) is a distribution of its own, built from sandbox/pyproject.toml. Both
wheels are built here for real, offline, with the hatchling the project pins.
(That osint_kit never imports the sandbox is checked in test_architecture.py.)
"""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def build_wheel(project: Path, out: Path) -> list[str]:
    """The file names inside the wheel ``pip wheel`` builds of ``project``."""
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps"),
            *("--no-build-isolation", "--no-index", "-w", str(out), str(project)),
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    (wheel,) = out.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return archive.namelist()


@pytest.fixture(scope="module")
def evidence_wheel(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    return build_wheel(ROOT, tmp_path_factory.mktemp("evidence"))


@pytest.fixture(scope="module")
def sandbox_wheel(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    return build_wheel(ROOT / "sandbox", tmp_path_factory.mktemp("sandbox"))


def test_the_evidence_wheel_holds_no_sandbox(evidence_wheel: list[str]) -> None:
    assert "osint_kit/__init__.py" in evidence_wheel
    assert "osint_kit/py.typed" in evidence_wheel
    assert "osint_kit/data/retention-example.toml" in evidence_wheel  # the example schedule
    sandbox = [
        name
        for name in evidence_wheel
        if name.startswith(("osint_kit_sandbox/", "osint_kit/fakes/"))
        or name == "osint_kit/demo.py"
    ]
    assert not sandbox, f"the evidence wheel ships sandbox files: {sandbox}"
    packages = {name.split("/")[0] for name in evidence_wheel}
    assert {p for p in packages if not p.endswith(".dist-info")} == {"osint_kit"}


def test_the_sandbox_wheel_holds_the_sandbox_only(sandbox_wheel: list[str]) -> None:
    for module in ("platforms/server.py", "tsa.py", "site.py", "testca.py", "demo.py"):
        assert f"osint_kit_sandbox/{module}" in sandbox_wheel
    packages = {name.split("/")[0] for name in sandbox_wheel}
    assert {p for p in packages if not p.endswith(".dist-info")} == {"osint_kit_sandbox"}
