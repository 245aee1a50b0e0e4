"""Puts ../src/osint_kit_sandbox into the sandbox's wheel (hatchling's file selection
cannot reach above the project folder). Editable installs use dev-mode-dirs instead."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hatchling.builders.hooks.plugin.interface import BuildHookInterface


class SandboxPackage(BuildHookInterface):  # type: ignore[type-arg]
    def initialize(self, version: str, build_data: dict[str, Any]) -> None:
        if version == "editable":
            return
        package = Path(self.root).resolve().parent / "src" / "osint_kit_sandbox"
        if not (package / "__init__.py").is_file():
            raise FileNotFoundError(f"the sandbox package is not at {package}")
        build_data["force_include"][str(package)] = "osint_kit_sandbox"
