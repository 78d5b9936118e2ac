"""Export the Alexa package with the real `kindwell export-model` command, and read what it wrote."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def run_export(directory: Path, *options: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`kindwell export-model DIRECTORY OPTIONS...` in a child process, as a developer runs it."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("KINDWELL_")}
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "skill.cli", "export-model", str(directory), *options],
        capture_output=True,
        text=True,
        env=environment,
        cwd=ROOT,
    )


@dataclass(frozen=True)
class ExportedPackage:
    """An exported ASK CLI project folder."""

    root: Path

    @property
    def skill_package(self) -> Path:
        return self.root / "skill-package"

    def manifest(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.skill_package / "skill.json").read_text())
        return data

    def model(self, locale: str = "en-US") -> dict[str, Any]:
        data: dict[str, Any] = json.loads(
            (self.skill_package / "interactionModels" / "custom" / f"{locale}.json").read_text()
        )
        return data

    def intents(self, locale: str = "en-US") -> dict[str, dict[str, Any]]:
        return {i["name"]: i for i in self.model(locale)["interactionModel"]["languageModel"]["intents"]}


def export(directory: Path, *options: str, env: dict[str, str] | None = None) -> ExportedPackage:
    """Export and fail loudly with the command's own words if it did not work."""
    result = run_export(directory, *options, env=env)
    assert result.returncode == 0, result.stderr
    return ExportedPackage(directory)
