"""A fuzzing campaign: N seeded cases (an example folder, one mutated file or argument, a
command), run in parallel forked children, classified, failures kept for reproduction.

Case `i` of seed `s` depends only on (s, i): the same case comes out whatever the number of
jobs, and `make_case(i, s)` rebuilds it. A failing case is saved once per failure signature
under `OUT/<class>/<nnn>-<slug>/`: `case/` (the working folder with the mutated example),
`repro.sh`, `mutation.txt`, `stdout.txt`, `stderr.txt`, `traceback.txt`, `outcome.json`.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import random
import re
import shutil
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import yaml

from .mutators import Mutation, mutate_file
from .runner import FAILURE_CLASSES, OUTCOME_CLASSES, Handle, Outcome, Runner

__all__ = [
    "COMMANDS",
    "EXAMPLES",
    "EXAMPLES_ROOT",
    "CampaignResult",
    "Case",
    "Example",
    "Failure",
    "make_case",
    "run_campaign",
    "signature",
]

EXAMPLES_ROOT = Path(str(resources.files("treatyline") / "examples"))


@dataclass(frozen=True)
class Example:
    as_of: tuple[str, ...]
    scenario_as_of: tuple[str, ...] = ()


EXAMPLES: dict[str, Example] = {
    "nato-1949": Example(("2024-03-07", "1949-08-24", "1952-02-18")),
    "istanbul-2022": Example(("2022-05-17", "2022-03-29"), ("2023-06-08", "2024-06-30")),
    "minsk-2015": Example(("2015-03-31", "2015-02-20")),
    "budapest-1994": Example(("2022-02-21", "1994-12-05")),
}

COMMANDS = ("check", "status", "timeline", "assess", "report")
_COMMAND_WEIGHTS = (15, 20, 15, 25, 25)
_WITH_AS_OF = {"status", "assess", "report"}
_WITH_JSON = {"status", "timeline", "assess"}

NASTY_AS_OF = ("2022-02-30", "0001-01-01", "9999-12-31", "10000-01-01", "2022-05-17T25:61",
               "2022-05-17T12:00:00+99:00", "2022-05-17T12:00:00+14:00", "", "-1", "1e308",
               "[/]", "2022-05-17\x00")


@dataclass(frozen=True)
class Case:
    """One run: which example, which command line, what was mutated."""

    index: int
    seed: int
    example: str
    command: str
    argv: tuple[str, ...]
    target: str | None
    """The mutated file, relative to the working folder (None: only the arguments)."""
    mutation: str

    @property
    def shell(self) -> str:
        import shlex

        return "treatyline " + " ".join(shlex.quote(a) for a in self.argv)


def _weighted(rng: random.Random, weights: dict[str, float]) -> str:
    names = sorted(weights)
    return rng.choices(names, [weights[n] for n in names])[0]


def make_case(index: int, seed: int, workdir: Path | None = None) -> tuple[Case, bytes | None]:
    """Case `index` of campaign `seed`, and the mutant's bytes. With `workdir`, the example
    is copied into it (as `workdir/<example>/`) and the mutant written in place."""
    rng = random.Random(f"treatyline-fuzz:{seed}:{index}")
    name = rng.choice(sorted(EXAMPLES))
    example = EXAMPLES[name]
    command = rng.choices(COMMANDS, _COMMAND_WEIGHTS)[0]
    folder = EXAMPLES_ROOT / name
    files = {p.name for p in folder.iterdir() if p.is_file()}
    scenario = bool(example.scenario_as_of) and rng.random() < 0.6
    argv = [command, name]
    if scenario:
        argv.append("--scenario")
    if command in _WITH_AS_OF:
        argv += ["--as-of", rng.choice(example.scenario_as_of if scenario else example.as_of)]
    if command in _WITH_JSON and rng.random() < 0.3:
        argv.append("--json")
    if command == "assess" and rng.random() < 0.2:
        argv.append("--because")
    if command == "report":
        argv += ["-o", "report.html"]

    weights: dict[str, float] = {"treaty.yaml": 5, "record.yaml": 4}
    if scenario:
        weights["scenario.yaml"] = 2
    for geojson in (f for f in files if f.endswith(".geojson")):
        weights[geojson] = 2 if command in {"assess", "report"} else 0.5
    if command in {"assess", "report"}:
        events = [f for f in files
                  if f == "events.csv" or (scenario and f == "scenario-events.csv")]
        for csv_name in events:
            weights[csv_name] = 4
            mapping = csv_name.removesuffix(".csv") + ".mapping.yaml"
            if mapping in files:
                weights[mapping] = 2
        if events and rng.random() < 0.2:  # name them explicitly
            chosen = rng.choice(events)
            argv += ["--events", f"{name}/{chosen}"]
            mapping = chosen.removesuffix(".csv") + ".mapping.yaml"
            if mapping in files and rng.random() < 0.5:
                argv += ["--mapping", f"{name}/{mapping}"]

    target: str | None = None
    data: bytes | None = None
    as_csv = False
    if rng.random() < 0.06:  # an odd argument instead of a mutated file
        mutation = _mutate_argv(argv, name, files, command, rng)
    else:
        target_name = _weighted(rng, weights)
        original = (folder / target_name).read_bytes()
        # (its own stream: the other draws stay those of the campaigns run before it existed)
        as_csv_draw = random.Random(f"treatyline-fuzz-csv:{seed}:{index}").random()
        if target_name == "record.yaml" and as_csv_draw < 0.25:
            # the example's record as record.csv (no example ships one), then mutated
            as_csv, target_name, original = True, "record.csv", record_as_csv(original)
        mutant: Mutation = mutate_file(target_name, original, rng)
        target, data, mutation = f"{name}/{target_name}", mutant.data, mutant.describe()
        if as_csv:
            mutation = f"record.yaml rewritten as record.csv, then {mutation}"
    case = Case(index, seed, name, command, tuple(argv), target, mutation)
    if workdir is not None:
        shutil.copytree(folder, workdir / name)
        if as_csv:
            (workdir / name / "record.yaml").unlink()
        if target is not None and data is not None:
            (workdir / target).write_bytes(data)
    return case, data


def record_as_csv(data: bytes) -> bytes:
    """A YAML record's acts as a record CSV: one column per scalar field, lists joined with
    ';' (nested fields such as delegations are left out)."""
    loaded = yaml.safe_load(data.decode("utf-8"))
    acts = loaded.get("acts", []) if isinstance(loaded, dict) else loaded or []
    default_source = loaded.get("source") if isinstance(loaded, dict) else None
    rows: list[dict[str, str]] = []
    columns: list[str] = []
    for act in acts:
        if not isinstance(act, dict):
            continue
        row: dict[str, str] = {}
        for key, value in act.items():
            if isinstance(value, dict):
                continue
            row[key] = ";".join(map(str, value)) if isinstance(value, list) else str(value)
            if key not in columns:
                columns.append(key)
        if "source" not in row and default_source:
            row["source"] = str(default_source)
            if "source" not in columns:
                columns.append("source")
        rows.append(row)
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def _mutate_argv(argv: list[str], name: str, files: set[str], command: str,
                 rng: random.Random) -> str:
    """Change the command line in place; returns what was done."""
    options: list[str] = ["record-is-treaty"]
    if command in _WITH_AS_OF:
        options += ["as-of"] * 3
    if command in {"assess", "report"}:
        options += ["events-is-other", "mapping-is-other"]
    if "events.csv" in files:
        options.append("record-is-events")
    choice = rng.choice(options)
    if choice == "as-of":
        value = rng.choice(NASTY_AS_OF)
        argv[argv.index("--as-of") + 1] = value
        return f"argv: --as-of {value!r}"
    if choice == "record-is-treaty":
        argv += ["-r", f"{name}/treaty.yaml"]
        return "argv: -r <the treaty file>"
    if choice == "record-is-events":
        argv += ["-r", f"{name}/events.csv"]
        return "argv: -r <the events CSV>"
    other = rng.choice(sorted(files - {"events.csv", "scenario-events.csv"}))
    flag = "--events" if choice == "events-is-other" else "--mapping"
    argv += [flag, f"{name}/{other}"]
    return f"argv: {flag} {other}"


# ------------------------------------------------------------------------------ signatures

def _normalize(text: str) -> str:
    text = re.sub(r"/tmp/\S+?/case-\d+/", "", text)
    text = re.sub(r"[\w.-]+/([\w.-]+\.(?:yaml|yml|csv|geojson|json|html))", r"\1", text)
    text = re.sub(r"(0x|#x)[0-9a-fA-F]+", r"\1<hex>", text)
    text = re.sub(r"'[^']*'", "'…'", text)
    text = re.sub(r'"[^"]*"', '"…"', text)
    text = re.sub(r"\d+", "N", text)
    text = " ".join(text.split())
    return text[:200]


def _field(mutation: str) -> str:
    head = mutation.split(": ", 2)
    where = head[1] if len(head) > 1 else mutation
    return re.sub(r"\[\d+\]", "[*]", where.split(":")[0])


def signature(outcome: Outcome, case: Case) -> str:
    """What makes two failures the same: the class, and the exception with the innermost
    treatyline frame, or the first unlocated message, or the stuck frame."""
    cls = outcome.cls
    if cls in {"internal-error", "traceback"} or (cls == "over-memory" and outcome.where):
        return f"{cls}: {_normalize(outcome.detail)} @ {outcome.where or '?'}"
    if cls == "timeout":
        # the treatyline frame only: the innermost library frame varies from dump to dump
        return f"timeout: {case.command} stuck in {outcome.where.split(' ← ')[0] or '?'}"
    if cls == "unlocated":
        return f"unlocated: {_normalize(outcome.detail)} ({case.command})"
    if cls == "injection":
        target = Path(case.target).name if case.target else "argv"
        return f"injection: {target} {_field(case.mutation)}"
    if cls == "crash":
        return f"crash: {outcome.detail} @ {outcome.where or '?'}"
    return f"{cls}: {_normalize(outcome.detail)} ({case.command})"


# ------------------------------------------------------------------------------ campaign

@dataclass
class Failure:
    signature: str
    cls: str
    count: int
    case: Case
    detail: str
    where: str
    repro: Path | None


@dataclass
class CampaignResult:
    runs: int = 0
    seconds: float = 0.0
    by_class: Counter[str] = field(default_factory=Counter)
    by_command: dict[str, Counter[str]] = field(default_factory=dict)
    failures: dict[str, Failure] = field(default_factory=dict)
    file_only: Counter[str] = field(default_factory=Counter)
    """Normalized messages positioned at a whole file only (accepted, but worth a look)."""

    @property
    def failed(self) -> int:
        return sum(self.by_class[c] for c in FAILURE_CLASSES)

    def to_json(self) -> dict[str, object]:
        return {
            "runs": self.runs, "seconds": round(self.seconds, 1),
            "by_class": {c: self.by_class[c] for c in OUTCOME_CLASSES},
            "by_command": {k: dict(v) for k, v in self.by_command.items()},
            "failures": [
                {"signature": f.signature, "class": f.cls, "count": f.count,
                 "command": f.case.shell, "target": f.case.target, "mutation": f.case.mutation,
                 "detail": f.detail, "where": f.where, "case": f.case.index,
                 "repro": str(f.repro) if f.repro else None}
                for f in sorted(self.failures.values(), key=lambda f: (-f.count, f.signature))
            ],
            "file_only": dict(self.file_only.most_common()),
        }


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-")[:60]


def _save(out: Path, case: Case, outcome: Outcome, workdir: Path, scratch: Path,
          number: int) -> Path:
    target = out / outcome.cls / f"{number:03d}-{_slug(outcome.detail or case.command)}"
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    shutil.copytree(workdir, target / "case", symlinks=True)
    (target / "repro.sh").write_text(
        "#!/bin/sh\n# " + outcome.cls + ": " + outcome.detail.replace("\n", " ")[:300] + "\n"
        'cd "$(dirname "$0")/case" && exec ' + case.shell + "\n", encoding="utf-8")
    (target / "repro.sh").chmod(0o755)
    (target / "mutation.txt").write_text(
        f"seed {case.seed} case {case.index}\nexample: {case.example}\n"
        f"command: {case.shell}\nfile: {case.target or '(arguments only)'}\n"
        f"mutation: {case.mutation}\n", encoding="utf-8")
    for name in ("stdout.txt", "stderr.txt", "traceback.txt"):
        if (scratch / name).exists():
            shutil.copy(scratch / name, target / name)
    (target / "outcome.json").write_text(json.dumps({
        "class": outcome.cls, "exit_code": outcome.exit_code, "signal": outcome.signal,
        "seconds": round(outcome.seconds, 2), "max_rss_mb": round(outcome.max_rss_mb),
        "detail": outcome.detail, "where": outcome.where,
        "signature": signature(outcome, case)}, indent=2, ensure_ascii=False),
        encoding="utf-8")
    return target


def run_campaign(
    runs: int, *, seed: int = 0, jobs: int = 2, out: Path | None = None,
    runner: Runner | None = None, timeout: float = 20.0, memory_mb: int = 2048,
    progress: Callable[[Case, Outcome], None] | None = None,
) -> CampaignResult:
    """Run cases 0..runs-1 of `seed`, `jobs` at a time; failing cases go to `out`."""
    runner = runner or Runner(timeout=timeout, memory_mb=memory_mb)
    result = CampaignResult()
    started = time.monotonic()
    root = Path(tempfile.mkdtemp(prefix="treatyline-fuzz-"))
    log = None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        log = (out / "runs.jsonl").open("w", encoding="utf-8")
    running: dict[int, tuple[Case, Handle, Path, Path]] = {}
    next_index = 0
    saved = 0
    try:
        while next_index < runs or running:
            while next_index < runs and len(running) < jobs:
                workdir = root / f"case-{next_index}"
                scratch = root / f"io-{next_index}"
                workdir.mkdir()
                case, _ = make_case(next_index, seed, workdir)
                handle = runner.start(list(case.argv), workdir, scratch)
                running[next_index] = (case, handle, workdir, scratch)
                next_index += 1
            finished = []
            for index, (case, handle, workdir, scratch) in running.items():
                outcome = runner.poll(handle)
                if outcome is None:
                    continue
                finished.append(index)
                result.runs += 1
                result.by_class[outcome.cls] += 1
                result.by_command.setdefault(case.command, Counter())[outcome.cls] += 1
                for line in outcome.file_only:
                    result.file_only[_normalize(line)] += 1
                if outcome.failed:
                    key = signature(outcome, case)
                    known = result.failures.get(key)
                    if known is None:
                        repro = None
                        if out is not None:
                            saved += 1
                            repro = _save(out, case, outcome, workdir, scratch, saved)
                        result.failures[key] = Failure(key, outcome.cls, 1, case,
                                                       outcome.detail, outcome.where, repro)
                    else:
                        known.count += 1
                if log is not None:
                    log.write(json.dumps({
                        "case": case.index, "example": case.example, "command": case.shell,
                        "target": case.target, "mutation": case.mutation, "class": outcome.cls,
                        "exit": outcome.exit_code, "seconds": round(outcome.seconds, 3),
                        "max_rss_mb": round(outcome.max_rss_mb),
                        "signature": signature(outcome, case) if outcome.failed else None,
                    }, ensure_ascii=False) + "\n")
                    log.flush()
                if progress is not None:
                    progress(case, outcome)
            for index in finished:
                _, _, workdir, scratch = running.pop(index)
                shutil.rmtree(workdir, ignore_errors=True)
                shutil.rmtree(scratch, ignore_errors=True)
            if not finished:
                time.sleep(0.005)
    finally:
        for _, handle, _, _ in running.values():
            runner.kill(handle)
        shutil.rmtree(root, ignore_errors=True)
        if log is not None:
            log.close()
        result.seconds = time.monotonic() - started
        if out is not None:
            with contextlib.suppress(OSError):
                (out / "summary.json").write_text(
                    json.dumps(result.to_json(), indent=2, ensure_ascii=False), encoding="utf-8")
    return result
