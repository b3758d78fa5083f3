"""YAML with positions: the loaded data plus a map from each node's path to its
line and column, so that validation errors can name file:line:column.

PyYAML (libyaml when present) builds the node graph; we convert it ourselves
because its constructors lose the marks, and because its timestamp resolver
raises a bare ValueError on an impossible date such as 2022-02-30. Timestamps
stay strings here and are parsed, with a message, by the models.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import Diagnostic, Position

__all__ = ["LoadedYaml", "SourceMap", "load_yaml"]

PathKey = tuple[str | int, ...]


@dataclass
class SourceMap:
    """Where each value (and each mapping key) stands in its file."""

    file: str
    # (line, column), 1-based; Position objects are made only when asked for
    values: dict[PathKey, tuple[int, int]] = field(default_factory=dict)
    keys: dict[PathKey, tuple[int, int]] = field(default_factory=dict)

    def at(self, path: Sequence[str | int], *, key: bool = False) -> Position:
        """The position of `path`, or of its nearest ancestor that has one."""
        current: PathKey = tuple(path)
        while True:
            found = self.keys.get(current) if key else None
            if found is None:
                found = self.values.get(current)
            if found is not None:
                return Position(self.file, *found)
            if not current:
                return Position(self.file)
            current = current[:-1]


@dataclass
class LoadedYaml:
    data: Any
    source: SourceMap


# libyaml's parser (when PyYAML was built with it) reads a large record ~10x faster
_BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _StringTimestampLoader(_BaseLoader):  # type: ignore[valid-type,misc]
    """Leaves dates and times as strings; the models parse them with clear messages."""


_BOOL_TAG = "tag:yaml.org,2002:bool"
_YAML_1_2_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
# YAML 1.1 reads yes/no/on/off as booleans: Norway's code NO would become False.
# Booleans are only true/false here, as in YAML 1.2.
_StringTimestampLoader.yaml_implicit_resolvers = {
    first: [
        (tag, _YAML_1_2_BOOL if tag == _BOOL_TAG else regexp)
        for tag, regexp in resolvers
        if tag != "tag:yaml.org,2002:timestamp"
        and not (tag == _BOOL_TAG and first not in "tTfF")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _position(file: str, node: yaml.Node) -> Position:
    return Position(file, node.start_mark.line + 1, node.start_mark.column + 1)


def _mark(node: yaml.Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


_STR_TAG = "tag:yaml.org,2002:str"


def load_yaml(path: Path, label: str | None = None) -> LoadedYaml:
    """Parse a YAML file, keeping positions; raises Diagnostic-carrying ValueError on syntax."""
    file = label or str(path)
    text = path.read_text(encoding="utf-8")
    source = SourceMap(file)
    loader = _StringTimestampLoader(text)
    try:
        node = loader.get_single_node()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Position(file, mark.line + 1, mark.column + 1) if mark else Position(file)
        raise SyntaxProblemError(Diagnostic(f"YAML syntax: {exc.problem or exc}", where)) from None
    finally:
        loader.dispose()
    if node is None:
        return LoadedYaml(None, source)
    constructor = _StringTimestampLoader("")
    return LoadedYaml(_convert(node, (), file, source, constructor), source)


class SyntaxProblemError(ValueError):
    def __init__(self, diagnostic: Diagnostic) -> None:
        self.diagnostic = diagnostic
        super().__init__(str(diagnostic))


def _convert(
    node: yaml.Node, path: PathKey, file: str, source: SourceMap, loader: yaml.SafeLoader
) -> Any:
    source.values[path] = _mark(node)
    if isinstance(node, yaml.ScalarNode) and node.tag == _STR_TAG:
        return node.value  # the common case, without the constructor's dispatch
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if isinstance(key, list | dict):
                raise SyntaxProblemError(
                    Diagnostic("a mapping key must be a plain value", _position(file, key_node))
                )
            key = key if isinstance(key, str | int) else str(key)
            if key in result:
                raise SyntaxProblemError(
                    Diagnostic(f"duplicate key {key!r}", _position(file, key_node))
                )
            source.keys[(*path, key)] = _mark(key_node)
            result[key] = _convert(value_node, (*path, key), file, source, loader)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _convert(item, (*path, index), file, source, loader)
            for index, item in enumerate(node.value)
        ]
    return loader.construct_object(node, deep=True)


SyntaxProblem = SyntaxProblemError
