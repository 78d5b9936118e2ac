"""Reading YAML content files: one loader, and every failure a ContentError naming the file."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from .errors import ContentError

# libyaml's loader when PyYAML was built with it (every PyPI wheel is): parsing prompts/ at start-up
# takes a fraction of the pure-Python loader's time. tests/test_fast_paths.py checks both agree.
SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(path: Path) -> Any:
    """Read one YAML file, turning every failure into a ContentError naming the file."""
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.load(handle, Loader=SAFE_LOADER)
    except FileNotFoundError as err:
        raise ContentError(f"Content file {path} is missing; restore it from the repository.") from err
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ContentError(f"Content file {path} is not valid YAML{where}; fix the syntax there.") from err


def load_responses_data(data: Mapping[Any, Any]) -> dict[str, tuple[str, ...]]:
    """Response keys -> their variants (a single sentence is one variant), whitespace folded."""
    entries: dict[str, tuple[str, ...]] = {}
    for key, value in data.items():
        variants = value if isinstance(value, list) else [value]
        entries[str(key)] = tuple(" ".join(str(v).split()) for v in variants)
    return entries
