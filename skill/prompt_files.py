"""Reading one file of prompts/: parsed once, with the line a key sits on for error messages.

Errors about a file's content name the file and, where YAML gives it, the line, in one sentence a
writer can act on. Lines are looked up only when an error is raised: composing the node tree costs
several times what libyaml's parse does, and every start-up parses every file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from .errors import ContentError

# libyaml's loader when PyYAML was built with it (every PyPI wheel is): parsing prompts/ at start-up
# takes a fraction of the pure-Python loader's time. tests/unit/test_fast_paths.py checks both agree.
SAFE_LOADER: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

Key = str | int
"""A mapping key, or an index into a list."""


def load_yaml(path: Path) -> Any:
    """Read one YAML file, turning every failure into a ContentError naming the file (and line)."""
    return read_yaml(path).data


def read_yaml(path: Path) -> YamlFile:
    """One YAML file, parsed; a ContentError naming the file, and the line when YAML gives it, if it cannot be."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as err:
        raise ContentError(f"Content file {path} is missing; restore it from the repository.") from err
    except UnicodeDecodeError as err:
        raise ContentError(f"Content file {path} is not UTF-8 text; save it as UTF-8.") from err
    try:
        data = yaml.load(text, Loader=SAFE_LOADER)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise ContentError(f"Content file {path} is not valid YAML{where}; fix the syntax there.") from err
    return YamlFile(path, data, text)


@dataclass(frozen=True)
class YamlFile:
    """A parsed content file, with what is needed to say where in it something is wrong."""

    path: Path
    data: Any
    text: str
    """The file as read, composed again only to find a line for an error."""

    def line(self, *keys: Key) -> int | None:
        """The 1-based line of the value at keys (a mapping key's own line), or None if it is not there."""
        try:
            node = yaml.compose(self.text, Loader=SAFE_LOADER)
        except yaml.YAMLError:
            return None
        line = 1 if node is not None else None
        for key in keys:
            found = _child(node, key)
            if found is None:
                return line
            key_node, node = found
            line = key_node.start_mark.line + 1
        return line

    def where(self, *keys: Key) -> str:
        """The file, and the line of keys when it can be found ("…/checkin.yaml line 9")."""
        line = self.line(*keys) if keys else None
        return f"{self.path} line {line}" if line else str(self.path)

    def error(self, message: str, *keys: Key) -> ContentError:
        """A ContentError: the file and line of keys, then message (which ends with the fix)."""
        return ContentError(f"{self.where(*keys)}: {message}")

    def mapping(self, *keys: Key, what: str) -> dict[Any, Any]:
        """The mapping at keys; a ContentError saying what it should hold when it is something else."""
        value = self.get(*keys)
        if not isinstance(value, dict):
            raise self.error(f"{_name(keys)} must be a mapping of {what}.", *keys)
        return value

    def strings(self, *keys: Key, what: str, empty: bool = True) -> tuple[str, ...]:
        """The list of strings at keys (numbers are read as text), each with single spaces."""
        value = self.get(*keys)
        if value is None and empty:
            return ()
        if not isinstance(value, list) or (not empty and not value):
            raise self.error(f"{_name(keys)} must be a list of {what}; write each as a `- item` line.", *keys)
        for index, item in enumerate(value):
            if not isinstance(item, str | int | float) or isinstance(item, bool):
                raise self.error(
                    f"{_name(keys)} item {index + 1} must be text, not a {type(item).__name__}.", *keys, index
                )
        return tuple(" ".join(str(item).split()) for item in value)

    def get(self, *keys: Key) -> Any:
        """The value at keys, or None when any of them is missing."""
        value = self.data
        for key in keys:
            if isinstance(value, dict):
                value = value.get(key)
            elif isinstance(value, list) and isinstance(key, int) and 0 <= key < len(value):
                value = value[key]
            else:
                return None
        return value


def _name(keys: tuple[Key, ...]) -> str:
    names = [str(key) for key in keys if isinstance(key, str)]
    return f"`{names[-1]}:`" if names else "The file"


def _child(node: Any, key: Key) -> tuple[Any, Any] | None:
    """(the node that names key, the node it holds) within a mapping or sequence node."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if str(key_node.value) == str(key):
                return key_node, value_node
    elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and 0 <= key < len(node.value):
        return node.value[key], node.value[key]
    return None
