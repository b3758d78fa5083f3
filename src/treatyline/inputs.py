"""Files in and out, for input that may come from anyone.

Every file treatyline reads or writes goes through here, so that the rules hold
everywhere at once:

- only regular files are read (a FIFO would block for ever, a device never ends,
  a folder is not a file);
- a file is read up to a size bound (`InputPolicy.max_bytes`, 64 MiB by default;
  `/proc` files report size 0, so the bound is enforced on the bytes read, not on
  `stat`);
- a file a *treaty* names (an area's `geojson:`) must resolve, symlinks followed,
  inside the treaty's folder or a folder the user allowed explicitly;
- text is UTF-8 (a byte-order mark is dropped); an undecodable byte, a UTF-16 or
  UTF-32 file, or a control character is an error at file:line:column;
- outputs are written to a temporary file beside the target and renamed over it,
  so that a failed write never leaves a half-written file that looks complete.

The policy is a context variable: the command-line shell sets it from its options
(`--allow-root`, `--max-file-mb`); library callers use `input_policy(...)`.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

from .errors import Diagnostic, Position, TreatylineError, UsageError

__all__ = [
    "DEFAULT_MAX_BYTES",
    "InputPolicy",
    "check_output_path",
    "check_regular_file",
    "current_policy",
    "decode_text",
    "input_policy",
    "read_input_bytes",
    "read_input_text",
    "resolve_named_file",
    "write_output",
]

DEFAULT_MAX_BYTES = 64 * 2**20
"""Files read whole (treaty, record, mapping, GeoJSON) are refused above this size."""


@dataclass(frozen=True, slots=True)
class InputPolicy:
    """What may be read: the size bound, and folders besides a treaty's own that the
    files a treaty names may resolve into."""

    max_bytes: int = DEFAULT_MAX_BYTES
    allowed_roots: tuple[Path, ...] = ()


_DEFAULT_POLICY = InputPolicy()
_POLICY: ContextVar[InputPolicy | None] = ContextVar("treatyline_input_policy", default=None)


def current_policy() -> InputPolicy:
    return _POLICY.get() or _DEFAULT_POLICY


@contextlib.contextmanager
def input_policy(policy: InputPolicy) -> Iterator[InputPolicy]:
    """Use `policy` for the reads inside the `with` block."""
    token = _POLICY.set(policy)
    try:
        yield policy
    finally:
        _POLICY.reset(token)


_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def check_regular_file(
    path: Path, what: str, error: type[TreatylineError] = UsageError,
    at: Position | None = None,
) -> os.stat_result:
    """The file's status if `path` is a regular file (symlinks followed); otherwise raises
    `error` saying what it is instead. `at` is where the path was named (default: the path)."""
    where = at or Position(str(path))
    try:
        status = os.stat(path)
    except FileNotFoundError:
        raise error([Diagnostic(f"no such {what}", where)]) from None
    except OSError as exc:
        raise error([Diagnostic(f"cannot read {what}: {exc.strerror}", where)]) from None
    if not stat.S_ISREG(status.st_mode):
        kind = next((name for test, name in _KINDS if test(status.st_mode)), "not a file")
        raise error([Diagnostic(f"{what} is {kind}, not a regular file", where)])
    return status


def read_input_bytes(
    path: Path, what: str, error: type[TreatylineError] = UsageError,
    at: Position | None = None, max_bytes: int | None = None,
) -> bytes:
    """The bytes of a regular file, refused past the policy's size bound."""
    limit = current_policy().max_bytes if max_bytes is None else max_bytes
    where = at or Position(str(path))
    status = check_regular_file(path, what, error, at)
    if status.st_size > limit:
        raise error([Diagnostic(_too_large(what, status.st_size, limit), where)])
    try:
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise error([Diagnostic(f"cannot read {what}: {exc.strerror}", where)]) from None
    if len(data) > limit:
        raise error([Diagnostic(_too_large(what, None, limit), where)])
    return data


def _too_large(what: str, size: int | None, limit: int) -> str:
    actual = f" ({size / 2**20:.1f} MiB)" if size is not None else ""
    return (f"{what} is larger than {limit / 2**20:g} MiB{actual}; "
            "raise the bound with --max-file-mb if it is meant to be read")


_CONTROL = frozenset(chr(c) for c in range(32) if chr(c) not in "\t\n\r") | {"\x7f"}
_FORBIDDEN = str.maketrans({c: "\x00" for c in _CONTROL})


def decode_text(data: bytes, file: str, error: type[TreatylineError] = UsageError) -> str:
    """UTF-8 text (BOM dropped), or `error` at the line and column of the first bad byte
    or control character."""
    if data[:4] in (b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff"):
        raise error([Diagnostic("the file is UTF-32 text; save it as UTF-8", Position(file, 1, 1))])
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise error([Diagnostic("the file is UTF-16 text; save it as UTF-8", Position(file, 1, 1))])
    if data[:3] == b"\xef\xbb\xbf":
        data = data[3:]
    wide = _wide_encoding(data[:4096])
    if wide is not None:
        raise error([Diagnostic(f"the file looks like {wide} text without a byte-order mark; "
                                "save it as UTF-8", Position(file, 1, 1))])
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _line_column(data[: exc.start].decode("utf-8", errors="replace"))
        raise error([Diagnostic(
            f"invalid UTF-8 byte 0x{data[exc.start]:02x} (the file must be UTF-8 text)",
            Position(file, line, column))]) from None
    # the common case: no control character at all (one C-speed pass)
    if text.translate(_FORBIDDEN).find("\x00") >= 0:
        index = next(i for i, c in enumerate(text) if c in _CONTROL)
        line, column = _line_column(text[:index])
        raise error([Diagnostic(
            f"control character U+{ord(text[index]):04X} is not allowed in a text file",
            Position(file, line, column))])
    return text


def _wide_encoding(sample: bytes) -> str | None:
    """'UTF-16' or 'UTF-32' when at least a quarter of `sample` is NUL bytes, as in
    mostly-ASCII text saved in those encodings without a byte-order mark (UTF-8 text
    has no NUL byte at all)."""
    nuls = sample.count(0)
    if len(sample) < 4 or nuls * 4 < len(sample):
        return None
    return "UTF-32" if nuls * 5 >= len(sample) * 3 else "UTF-16"  # UTF-16: at most half


def _line_column(prefix: str) -> tuple[int, int]:
    """1-based line and column just after `prefix` (CR, LF and CRLF end lines)."""
    normalized = prefix.replace("\r\n", "\n").replace("\r", "\n")
    line = normalized.count("\n") + 1
    return line, len(normalized) - (normalized.rfind("\n") + 1) + 1


def read_input_text(
    path: Path, what: str, error: type[TreatylineError] = UsageError,
    at: Position | None = None, label: str | None = None,
) -> str:
    """A regular, size-bounded UTF-8 text file, with located errors (see `decode_text`)."""
    data = read_input_bytes(path, what, error, at)
    return decode_text(data, label or str(path), error)


def resolve_named_file(
    name: str, base_dir: Path, what: str, at: Position,
    error: type[TreatylineError] = UsageError,
) -> Path:
    """A file a spec names, resolved (symlinks followed) against the spec's folder; refused
    when it lands outside that folder and the policy's allowed roots."""
    if "\x00" in name or not name.strip():
        raise error([Diagnostic(f"{what} {name!r} is not a file name", at)])
    base = base_dir.resolve()
    target = (base / name).resolve()
    roots = (base, *(root.resolve() for root in current_policy().allowed_roots))
    if not any(target == root or target.is_relative_to(root) for root in roots):
        raise error([Diagnostic(
            f"{what} {name!r} resolves to {target}, outside the treaty's folder {base}; "
            "files outside it are read only from folders allowed with --allow-root", at)])
    return target


def check_output_path(path: Path, what: str = "output file") -> Path:
    """The folder `path` will be written in; raises UsageError when `path` is a folder or a
    device, or its folder does not exist — so a command fails before its long work."""
    where = Position(str(path))
    if path.exists() and not path.is_file():
        kind = "a folder" if path.is_dir() else "not a regular file"
        raise UsageError([Diagnostic(f"cannot write the {what}: it is {kind}", where)])
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise UsageError([Diagnostic(
            f"cannot write the {what}: folder {parent} does not exist", where)])
    if not os.access(parent, os.W_OK):
        raise UsageError([Diagnostic(
            f"cannot write the {what}: folder {parent} is not writable", where)])
    return parent


def write_output(path: Path, data: str | bytes, what: str = "output file") -> int:
    """Write `data` to `path` through a temporary file renamed over it; returns the byte
    count. Raises UsageError naming the path when it cannot be written."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    where = Position(str(path))
    parent = check_output_path(path, what)
    temporary: str | None = None
    try:
        descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part",
                                                 dir=parent)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
        temporary = None
    except OSError as exc:
        raise UsageError([Diagnostic(
            f"cannot write the {what}: {exc.strerror or exc}", where)]) from None
    finally:
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
    return len(payload)
