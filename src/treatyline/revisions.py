"""Versions of an event dataset side by side, and the version known on a day (I/O).

Event datasets revise and delete rows: ACLED overwrites its export, UCDP publishes
versions. A *version folder* keeps the versions of one dataset, each tagged with the day
it was obtained, in any of three ways (docs/revisions.md):

- a file `NAME@YYYY-MM-DD.csv` (or `.parquet`, `.pq`, `.geojson`, `.json`);
- a sub-folder `obtained=YYYY-MM-DD/` (hive-style) whose event files, at any depth, are
  the partitions of one version;
- an entry of the folder's `versions.yaml` (file or sub-folder, `obtained:`, `note:`),
  for versions whose names cannot be changed.

"As known on K" is the latest version obtained on or before K: a version obtained later
did not exist on K. Every file of a version is read by the ordinary readers, so a version
is whatever format the dataset comes in. The folder is named by the user, but the files
in it are picked automatically, so they must resolve inside it (as an example folder's
events files must) and be regular files.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from .calendar import check_day, parse_day
from .errors import Diagnostic, EventDataError, Position, UsageError, did_you_mean
from .inputs import check_regular_file
from .sourcemap import SourceMap, SyntaxProblem, load_yaml

__all__ = [
    "MANIFEST_NAME",
    "VERSION_SUFFIXES",
    "DatasetVersion",
    "EventSelection",
    "dataset_versions",
    "holds_versions",
    "parse_known_on",
    "select_events",
    "version_known_on",
]

MANIFEST_NAME = "versions.yaml"
VERSION_SUFFIXES = (".csv", ".parquet", ".pq", ".geojson", ".json")
"""The suffixes of event files (the formats `sources.read_events` tells apart)."""

_TAGGED_FILE = re.compile(r"^(?P<stem>.+)@(?P<day>[^@]+)(?P<suffix>\.[A-Za-z]+)$")
_PARTITION = re.compile(r"^obtained=(?P<day>.+)$")
_MANIFEST_KEYS = ("dataset", "versions")
_ENTRY_KEYS = ("file", "obtained", "note")


@dataclass(frozen=True)
class DatasetVersion:
    """One version of a dataset: the day it was obtained and the files that hold it."""

    folder: Path
    name: str
    """The file or sub-folder name in the version folder."""
    obtained: date
    files: tuple[Path, ...]
    where: Position
    """Where the obtained day was read: the file name, or the manifest's line."""
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {"folder": str(self.folder), "version": self.name,
                "obtained": self.obtained.isoformat(),
                "files": [str(f) for f in self.files], "note": self.note}

    def describe(self) -> str:
        """'ged@2015-05-01.csv (obtained 2015-05-01)'."""
        note = f"; {self.note}" if self.note else ""
        return f"{self.name} (obtained {self.obtained}{note})"


@dataclass(frozen=True)
class EventSelection:
    """The event files to read: plain files as given, and for each version folder the
    files of the version chosen (the latest, or the latest known on `known_on`)."""

    files: tuple[Path, ...]
    versions: tuple[DatasetVersion, ...]
    known_on: date | None

    def to_json(self) -> dict[str, Any]:
        return {"known_on": self.known_on.isoformat() if self.known_on else None,
                "versions": [v.to_json() for v in self.versions]}

    def lines(self) -> list[str]:
        """One line per version folder, saying which version was read and why."""
        why = (f"the latest known on {self.known_on}" if self.known_on
               else "the latest version")
        return [f"events: {v.folder}: version {v.describe()}, {why}" for v in self.versions]


def parse_known_on(text: str | None, option: str = "--known-on") -> date | None:
    """The day an option names (YYYY-MM-DD), or UsageError naming the option."""
    if text is None:
        return None
    try:
        return check_day(parse_day(text))
    except ValueError as exc:
        raise UsageError(f"{option}: {exc}") from None


def holds_versions(folder: Path) -> bool:
    """Whether `folder` tags versions: a NAME@DAY file, an obtained=DAY sub-folder or a
    versions.yaml in it."""
    try:
        names = [entry.name for entry in folder.iterdir()]
    except OSError:
        return True  # dataset_versions says why it cannot be read
    return any(name == MANIFEST_NAME or _PARTITION.match(name) or _TAGGED_FILE.match(name)
               for name in names)


def select_events(paths: Sequence[Path], known_on: date | None) -> EventSelection:
    """The files to read for `--events PATH...`: a folder is a version folder (its version
    known on `known_on`, or its latest), a file is read as it is. With `known_on`, every
    path must be a version folder: a plain file carries no day on which it was obtained.
    Without it, a folder that tags no version and holds Parquet files only is one dataset,
    passed on as it is (`scan.event_paths` reads its files)."""
    from .scan import is_parquet_dataset

    files: list[Path] = []
    chosen: list[DatasetVersion] = []
    for path in paths:
        if path.is_dir() and (known_on is not None or holds_versions(path)
                              or not is_parquet_dataset(path)):
            version = version_known_on(dataset_versions(path), known_on, path)
            chosen.append(version)
            files.extend(version.files)
        elif known_on is not None:
            raise UsageError([Diagnostic(
                "--known-on: this events file carries no day on which it was obtained; give "
                "a version folder (files NAME@YYYY-MM-DD.csv, sub-folders obtained=YYYY-MM-DD/ "
                f"or a {MANIFEST_NAME}; see docs/revisions.md)", Position(str(path)))])
        else:
            files.append(path)
    if known_on is not None and not paths:
        raise UsageError("--known-on: name a version folder with --events (the example's own "
                         "events files carry no day on which they were obtained)")
    return EventSelection(tuple(files), tuple(chosen), known_on)


def version_known_on(versions: Sequence[DatasetVersion], known_on: date | None,
                     folder: Path, option: str = "--known-on") -> DatasetVersion:
    """The latest of `versions` obtained on or before `known_on` (the latest of all when
    `known_on` is None); UsageError naming the earliest when none was obtained by then
    (and `option`, the option that gave the day)."""
    ordered = sorted(versions, key=lambda v: v.obtained)
    if not ordered:
        raise EventDataError([Diagnostic("the version folder holds no version",
                                         Position(str(folder)))])
    if known_on is None:
        return ordered[-1]
    known = [v for v in ordered if v.obtained <= known_on]
    if not known:
        earliest = ordered[0]
        raise UsageError([Diagnostic(
            f"{option} {known_on}: no version of this dataset had been obtained by then; "
            f"the earliest is {earliest.describe()}", Position(str(folder)))])
    return known[-1]


def dataset_versions(folder: Path) -> tuple[DatasetVersion, ...]:
    """Every version in a version folder, oldest first. Raises EventDataError listing every
    problem: an events file with no day, a day that is no date, two versions obtained on
    the same day, a manifest that cannot be read or names what is not there."""
    where = Position(str(folder))
    if not folder.is_dir():
        raise UsageError([Diagnostic("a version folder is a folder holding the versions of "
                                     "one dataset (see docs/revisions.md); this is not one",
                                     where)])
    try:
        entries = sorted(folder.iterdir())
    except OSError as error:
        raise EventDataError([Diagnostic(f"cannot read the version folder: {error.strerror}",
                                         where)]) from None
    problems: list[Diagnostic] = []
    found: dict[str, DatasetVersion] = {}
    untagged: list[Path] = []
    for entry in entries:
        if entry.name.startswith(".") or entry.name == MANIFEST_NAME:
            continue
        tagged = _TAGGED_FILE.match(entry.name)
        partition = _PARTITION.match(entry.name)
        if entry.is_dir() and partition:
            version = _version(folder, entry, partition["day"], Position(str(entry)), problems)
        elif (not entry.is_dir() and tagged
              and tagged["suffix"].lower() in VERSION_SUFFIXES):
            version = _version(folder, entry, tagged["day"], Position(str(entry)), problems)
        else:
            if not entry.is_dir() and entry.suffix.lower() in VERSION_SUFFIXES:
                untagged.append(entry)
            continue
        if version is not None:
            found[entry.name] = version
    manifest = folder / MANIFEST_NAME
    listed: set[str] = set()
    if os.path.lexists(manifest):
        listed_versions = _manifest_versions(folder, manifest, found, problems, listed)
        if listed_versions is None:  # unreadable: it may list the untagged files
            untagged = []
        for version in listed_versions or ():
            found[version.name] = version
    untagged = [path for path in untagged if path.name not in listed]
    problems.extend(Diagnostic(
        "an events file with no day on which it was obtained: name it "
        f"{path.stem}@YYYY-MM-DD{path.suffix} or list it in {MANIFEST_NAME}",
        Position(str(path))) for path in untagged)
    problems.extend(_same_day(list(found.values())))
    if not found and not problems:
        problems.append(Diagnostic(
            "a version folder holds versions tagged with the day they were obtained (files "
            f"NAME@YYYY-MM-DD.csv, sub-folders obtained=YYYY-MM-DD/, or a {MANIFEST_NAME}); "
            "none found", Position(str(folder))))
    if problems:
        raise EventDataError(problems)
    return tuple(sorted(found.values(), key=lambda v: v.obtained))


def _version(folder: Path, entry: Path, day_text: str, where: Position,
             problems: list[Diagnostic], note: str = "") -> DatasetVersion | None:
    """A version from its file or sub-folder and its day; None (and a problem) if either is
    not acceptable."""
    try:
        obtained = check_day(parse_day(day_text))
    except ValueError as exc:
        problems.append(Diagnostic(f"the day a version was obtained: {exc}", where))
        return None
    files = _version_files(folder, entry, where, problems)
    if files is None:
        return None
    return DatasetVersion(folder, entry.name, obtained, files, where, note)


def _version_files(folder: Path, entry: Path, where: Position,
                   problems: list[Diagnostic]) -> tuple[Path, ...] | None:
    base = folder.resolve()
    if not entry.resolve().is_relative_to(base):
        problems.append(Diagnostic(
            f"{entry.name} resolves to {entry.resolve()}, outside the version folder {base}; "
            "a version must stay inside its folder", where))
        return None
    if entry.is_dir():
        # a partitioned version: every events file below, in a stable (name) order
        files = sorted(p for p in entry.rglob("*") if p.suffix.lower() in VERSION_SUFFIXES
                       and not p.name.startswith("."))
        outside = [p for p in files if not p.resolve().is_relative_to(base)]
        if outside:
            problems.append(Diagnostic(f"{outside[0]} resolves outside the version folder "
                                       f"{base}", where))
            return None
        if not files:
            problems.append(Diagnostic(
                f"the version {entry.name} holds no events file "
                f"({', '.join(VERSION_SUFFIXES)})", where))
            return None
        return tuple(files)
    try:
        check_regular_file(entry, "events file", EventDataError, where)
    except EventDataError as error:
        problems.extend(error.diagnostics)
        return None
    return (entry,)


def _manifest_versions(folder: Path, manifest: Path, tagged: Mapping[str, DatasetVersion],
                       problems: list[Diagnostic], named: set[str]
                       ) -> list[DatasetVersion] | None:
    """The versions `versions.yaml` lists (a file named NAME@DAY must say the same day);
    None when the manifest cannot be read at all. `named` receives every name an entry
    gives, even an entry with a problem (its file is not untagged, its entry is wrong)."""
    try:
        loaded = load_yaml(manifest, what="versions manifest", error=EventDataError)
    except SyntaxProblem as problem:
        problems.append(problem.diagnostic)
        return None
    except EventDataError as error:  # not a regular file, too large, not UTF-8
        problems.extend(error.diagnostics)
        return None
    data, source = loaded.data, loaded.source
    if not isinstance(data, Mapping) or not isinstance(data.get("versions"), list):
        problems.append(Diagnostic(
            f"{MANIFEST_NAME} is a mapping with a list 'versions:' of entries "
            "{file: NAME, obtained: YYYY-MM-DD, note: TEXT}", source.at(())))
        return None
    problems.extend(_unknown_keys(data, _MANIFEST_KEYS, (), source))
    out: list[DatasetVersion] = []
    for index, entry in enumerate(data["versions"]):
        path: tuple[str | int, ...] = ("versions", index)
        if not isinstance(entry, Mapping):
            problems.append(Diagnostic("a version entry is a mapping {file: NAME, obtained: "
                                       "YYYY-MM-DD, note: TEXT}", source.at(path)))
            continue
        problems.extend(_unknown_keys(entry, _ENTRY_KEYS, path, source))
        name, day, note = entry.get("file"), entry.get("obtained"), entry.get("note", "")
        if not isinstance(name, str) or not name.strip() or "\x00" in name:
            problems.append(Diagnostic("'file' names the version's file or sub-folder in the "
                                       "version folder", source.at((*path, "file"))))
            continue
        named.add(Path(name).name)
        if not isinstance(day, str):
            problems.append(Diagnostic("'obtained' is the day the version was obtained, "
                                       "YYYY-MM-DD", source.at((*path, "obtained"))))
            continue
        target = folder / name
        if not os.path.lexists(target):
            problems.append(Diagnostic(f"no file or sub-folder {name!r} in {folder}",
                                       source.at((*path, "file"))))
            continue
        version = _version(folder, target, day, source.at((*path, "obtained")), problems,
                           str(note) if note is not None else "")
        if version is None:
            continue
        same = tagged.get(target.name)
        if same is not None and same.obtained != version.obtained:
            problems.append(Diagnostic(
                f"{name} is tagged as obtained on {same.obtained} by its name but on "
                f"{version.obtained} here", version.where))
            continue
        out.append(version)
    return out


def _unknown_keys(data: Mapping[Any, Any], known: Sequence[str], path: tuple[str | int, ...],
                  source: SourceMap) -> list[Diagnostic]:
    return [Diagnostic(f"unknown key {key!r} in {MANIFEST_NAME} (known: {', '.join(known)})",
                       source.at((*path, str(key)), key=True), did_you_mean(str(key), known))
            for key in data if key not in known]


def _same_day(versions: list[DatasetVersion]) -> list[Diagnostic]:
    """Two versions obtained on one day: which was known on that day is undecidable."""
    by_day: dict[date, list[DatasetVersion]] = {}
    for version in versions:
        by_day.setdefault(version.obtained, []).append(version)
    return [Diagnostic(
        f"two versions obtained on the same day {day}: "
        + " and ".join(f"{v.name} ({v.where})" for v in same)
        + "; which one was known on that day cannot be told: keep one per day", same[1].where)
        for day, same in sorted(by_day.items()) if len(same) > 1]
