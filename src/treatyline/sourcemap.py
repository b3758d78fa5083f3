"""YAML with positions: the loaded data plus a map from each node's path to its
line and column, so that validation errors can name file:line:column.

PyYAML (libyaml when present) parses; we build the data from its events ourselves
because its constructors lose the marks, because its timestamp resolver raises a
bare ValueError on an impossible date such as 2022-02-30 (timestamps stay strings
here and are parsed, with a message, by the models), and because the input may be
hostile. Every problem is a located `SyntaxProblem`:

- the file is read through `inputs.read_input_text` (a regular file, size-bounded,
  UTF-8, no control characters);
- aliases are counted (`MAX_ALIASES` per file) and so is what they expand to
  (`MAX_ALIAS_NODES`): a "billion laughs" file is refused at the alias, and an
  alias to a node that is still open (`&a [*a]`) is refused as recursive; an
  aliased value is shared, not copied, and its positions are those of the alias;
- nesting is capped at `MAX_DEPTH` levels (libyaml itself stops at 1,000);
- explicit tags other than `!!str` (`!!python/name:...`, `!!binary`, `!!set`,
  `!custom`, ...) and merge keys (`<<`) are refused;
- one document per file.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import Diagnostic, Position, TreatylineError, UsageError
from .inputs import read_input_text

__all__ = [
    "MAX_ALIASES",
    "MAX_ALIAS_NODES",
    "MAX_DEPTH",
    "LoadedYaml",
    "SourceMap",
    "SyntaxProblem",
    "SyntaxProblemError",
    "load_yaml",
    "load_yaml_text",
]

MAX_DEPTH = 64
"""Nesting levels of mappings and sequences (the bundled treaties need 7)."""
MAX_ALIASES = 1_000
"""Alias references (`*name`) in one file."""
MAX_ALIAS_NODES = 100_000
"""Values that aliases may stand for in one file, counted as if each alias were
written out (an alias of a list of 3 strings counts 4)."""

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
            if not current:  # nothing kept (an empty document): the file's start
                return Position(self.file, 1, 1)
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



# the resolvers by first character, the wildcard ones appended (as `Resolver.resolve`)
_IMPLICIT: dict[str, tuple[tuple[str, re.Pattern[str]], ...]] = {
    first: tuple(resolvers) + tuple(_StringTimestampLoader.yaml_implicit_resolvers.get(None, []))
    for first, resolvers in _StringTimestampLoader.yaml_implicit_resolvers.items()
    if first is not None
}
_WILDCARD: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    _StringTimestampLoader.yaml_implicit_resolvers.get(None, []))

_STR_TAG = "tag:yaml.org,2002:str"
_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_VALUE_TAG = "tag:yaml.org,2002:value"
_NO_KEY: Any = object()
# C0 and C1 control characters but tab, line feed and carriage return (as `inputs`)
_CONTROL = frozenset(chr(c) for c in (*range(32), *range(0x7F, 0xA0)) if chr(c) not in "\t\n\r")
_ESCAPED_CONTROL = str.maketrans(dict.fromkeys(_CONTROL, "\x00"))


class SyntaxProblemError(ValueError):
    def __init__(self, diagnostic: Diagnostic) -> None:
        self.diagnostic = diagnostic
        super().__init__(str(diagnostic))


SyntaxProblem = SyntaxProblemError


def load_yaml(
    path: Path, label: str | None = None, *, what: str = "YAML file",
    error: type[TreatylineError] = UsageError,
) -> LoadedYaml:
    """Parse a YAML file, keeping positions.

    A file that cannot be read (not a regular file, too large, not UTF-8, a control
    character) raises `error`; a problem in the YAML raises `SyntaxProblem`, both with
    file:line:column (`label` names the file in them; default: the path)."""
    file = label or str(path)
    text = read_input_text(path, what, error, label=file)
    return load_yaml_text(text, file)


def load_yaml_text(text: str, file: str) -> LoadedYaml:
    """`load_yaml` on text already read; `file` names it in positions."""
    source = SourceMap(file)
    loader: Any = None
    try:
        loader = _StringTimestampLoader(text)  # the pure-Python reader checks the text here
        data = _Builder(loader, file, source).build()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Position(file, mark.line + 1, mark.column + 1) if mark else Position(file)
        problem = exc.problem or exc.context or str(exc)
        raise SyntaxProblemError(Diagnostic(f"YAML syntax: {problem}", where)) from None
    except yaml.reader.ReaderError as exc:
        raise SyntaxProblemError(Diagnostic(
            f"YAML: {exc.reason}" + (f" (U+{exc.character:04X})"
                                     if isinstance(exc.character, int) else ""),
            _offset_position(text, file, exc.position, exc.encoding))) from None
    except yaml.YAMLError as exc:
        raise SyntaxProblemError(Diagnostic(f"YAML: {exc}", Position(file))) from None
    except RecursionError:  # defensive: the builder is iterative, libyaml stops at 1,000
        raise SyntaxProblemError(Diagnostic(
            f"YAML nested too deeply (more than {MAX_DEPTH} levels)", Position(file))) from None
    finally:
        if loader is not None:
            loader.dispose()
    return LoadedYaml(data, source)


def _offset_position(text: str, file: str, offset: int, encoding: str | None) -> Position:
    """The line and column of a reader error's offset: libyaml counts bytes of the UTF-8
    it was given, the pure-Python reader counts characters."""
    if isinstance(offset, int) and offset >= 0:
        prefix = (text.encode("utf-8")[:offset].decode("utf-8", errors="replace")
                  if encoding is not None or _BaseLoader is not yaml.SafeLoader
                  else text[:offset])
        normalized = prefix.replace("\r\n", "\n").replace("\r", "\n")
        line = normalized.count("\n") + 1
        return Position(file, line, len(normalized) - (normalized.rfind("\n") + 1) + 1)
    return Position(file)


def _problem(message: str, mark: Any, file: str) -> SyntaxProblemError:
    return SyntaxProblemError(Diagnostic(message, Position(file, mark.line + 1, mark.column + 1)))


def _short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.org") else tag


class _Frame:
    __slots__ = ("anchor", "container", "first", "is_map", "key", "path")

    def __init__(self, container: Any, path: PathKey, anchor: str | None, first: int) -> None:
        self.container, self.path, self.anchor, self.first = container, path, anchor, first
        self.is_map = isinstance(container, dict)
        self.key: Any = _NO_KEY


class _Builder:
    """Data and positions from the parser's events, with the limits above. Iterative:
    nesting costs a stack entry, not a Python frame."""

    def __init__(self, loader: Any, file: str, source: SourceMap) -> None:
        self.loader, self.file, self.source = loader, file, source
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple[Any, int]] = {}
        self.open_anchors: set[str] = set()
        self.total = 0  # values so far, aliases counted as what they stand for
        self.aliases = 0
        self.expanded = 0
        self.root: Any = None
        self.done = False

    def build(self) -> Any:
        get: Callable[[], Any] = self.loader.get_event
        get()  # stream start
        event = get()
        if isinstance(event, yaml.StreamEndEvent):
            return None
        stack = self.stack
        scalar, mapping_start, sequence_start = (
            yaml.ScalarEvent, yaml.MappingStartEvent, yaml.SequenceStartEvent)
        while not self.done:
            event = get()
            kind = type(event)
            if kind is scalar:
                self._scalar(event)
            elif kind is mapping_start or kind is sequence_start:
                self._start(event, kind is mapping_start)
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                frame = stack.pop()
                if frame.anchor is not None:
                    self.open_anchors.discard(frame.anchor)
                    self.anchors[frame.anchor] = (frame.container, self.total - frame.first)
                if not stack:
                    self.done = True
            elif kind is yaml.AliasEvent:
                self._alias(event)
            else:  # an empty document: DocumentEndEvent
                self.done = True
                break
        else:
            get()  # document end
        event = get()
        if not isinstance(event, yaml.StreamEndEvent):
            raise _problem("a file holds one YAML document; another starts here",
                           event.start_mark, self.file)
        return self.root

    def _place(self, value: Any, mark: Any, scalar: bool) -> PathKey | None:
        """Put `value` where it belongs; the path it has, or None when it is a key."""
        stack = self.stack
        where = (mark.line + 1, mark.column + 1)
        if not stack:
            self.root = value
            self.source.values[()] = where
            if scalar:
                self.done = True
            return ()
        frame = stack[-1]
        if frame.is_map:
            key = frame.key
            if key is _NO_KEY:
                if not scalar or isinstance(value, list | dict):
                    raise _problem("a mapping key must be a plain value", mark, self.file)
                key = value if isinstance(value, str | int) else str(value)
                if key in frame.container:
                    raise _problem(f"duplicate key {key!r}", mark, self.file)
                frame.key = key
                self.source.keys[(*frame.path, key)] = where
                return None
            path: PathKey = (*frame.path, key)
            frame.container[key] = value
            frame.key = _NO_KEY
        else:
            path = (*frame.path, len(frame.container))
            frame.container.append(value)
        self.source.values[path] = where
        return path

    def _scalar(self, event: Any) -> None:
        self.total += 1
        tag = event.tag
        value: Any = event.value
        if tag is None:
            if event.implicit[0]:
                for resolved, regexp in _IMPLICIT.get(value[:1], _WILDCARD):
                    if regexp.match(value):
                        value = self._construct(resolved, value, event)
                        break
        elif tag != _STR_TAG and tag != "!":
            raise _problem(f"explicit YAML tags are not accepted (found {_short_tag(tag)}); "
                           "write the plain value", event.start_mark, self.file)
        if event.style == '"' and value.translate(_ESCAPED_CONTROL).find("\x00") >= 0:
            # only a double-quoted scalar can spell a control character (as an escape)
            char = next(c for c in value if c in _CONTROL)
            raise _problem(f"control character U+{ord(char):04X} (an escape in a quoted text) "
                           "is not allowed", event.start_mark, self.file)
        if event.anchor is not None:
            self._anchor(event.anchor, event)
            self.anchors[event.anchor] = (value, 1)
        self._place(value, event.start_mark, True)

    def _construct(self, tag: str, value: str, event: Any) -> Any:
        if tag == _MERGE_TAG:
            raise _problem("YAML merge keys (<<) are not accepted; write the fields out",
                           event.start_mark, self.file)
        if tag == _VALUE_TAG:
            return value
        constructor = _StringTimestampLoader.yaml_constructors.get(tag)
        if constructor is None:
            return value
        try:
            return constructor(self.loader, yaml.ScalarNode(tag, value))
        except (ValueError, ArithmeticError, yaml.YAMLError):
            raise _problem(f"cannot read {value[:40]!r} as {_short_tag(tag)[2:]}",
                           event.start_mark, self.file) from None

    def _start(self, event: Any, is_map: bool) -> None:
        tag = event.tag
        if tag is not None and tag != "!" and tag != (_MAP_TAG if is_map else _SEQ_TAG):
            raise _problem(f"explicit YAML tags are not accepted (found {_short_tag(tag)}); "
                           "write a plain mapping or list", event.start_mark, self.file)
        if len(self.stack) >= MAX_DEPTH:
            raise _problem(f"YAML nested too deeply (more than {MAX_DEPTH} levels)",
                           event.start_mark, self.file)
        container: Any = {} if is_map else []
        path = self._place(container, event.start_mark, False)
        assert path is not None
        self.total += 1
        frame = _Frame(container, path, event.anchor, self.total - 1)
        if event.anchor is not None:
            self._anchor(event.anchor, event)
            self.open_anchors.add(event.anchor)
        self.stack.append(frame)

    def _anchor(self, name: str, event: Any) -> None:
        if name in self.anchors or name in self.open_anchors:
            raise _problem(f"anchor &{name} is defined twice", event.start_mark, self.file)

    def _alias(self, event: Any) -> None:
        name = event.anchor
        mark = event.start_mark
        if name in self.open_anchors:
            raise _problem(f"alias *{name} refers to a value that contains it (a recursive "
                           "alias)", mark, self.file)
        if name not in self.anchors:
            raise _problem(f"alias *{name} names no anchor defined before it", mark, self.file)
        value, size = self.anchors[name]
        self.aliases += 1
        if self.aliases > MAX_ALIASES:
            raise _problem(f"more than {MAX_ALIASES} aliases in one file", mark, self.file)
        self.expanded += size
        if self.expanded > MAX_ALIAS_NODES:
            raise _problem(f"aliases stand for more than {MAX_ALIAS_NODES:,} values in all "
                           "(an alias bomb?)", mark, self.file)
        self.total += size
        self._place(value, mark, not isinstance(value, list | dict))
