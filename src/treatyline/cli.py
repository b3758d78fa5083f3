"""The `treatyline` command: a thin shell over the core.

Exit codes (one policy for every command; see EXIT_CODES, rendered in docs/cli.md):
0 the input was valid in full; 1 invalid input (every message names file:line:column
or a record id; commands that still produce output produce it from the valid parts);
2 bad command-line usage; 70 internal error (a bug: please report it); 130 interrupted.

User text (titles, names, ids, messages) is printed as plain text, never as rich
markup: the consoles are made with markup and emoji off, and styled output is
built from `Text` objects.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.errors import LiveError
from rich.status import Status
from rich.text import Text

from .bundle import Bundle, bundled_example, load_bundle
from .calendar import DayOrTime, check_day, day_of, parse_day_or_time
from .cli_ledger import register_ledger_commands
from .cli_serve import serve
from .cli_token import token_app
from .cli_webhooks import webhooks_app
from .compiling import CompileStep, compile_progress
from .console import (
    TIMELINE_TABLE_ROWS,
    assessment_view,
    print_diagnostics,
    print_event_warnings,
    status_view,
    timeline_lines,
    timeline_table,
)
from .errors import Diagnostic, TreatylineError, UsageError
from .inputs import InputPolicy, check_output_path, input_policy, write_output
from .schema import treaty_schema
from .status import status as compute_status
from .timeline import rejected_acts, timeline_report

if TYPE_CHECKING:  # the event side loads pyarrow and numba: only when assessing
    from .distributed import DaskOptions
    from .norms import Assessment

__all__ = ["EXIT_CODES", "app", "main"]

EXIT_CODES: dict[int, str] = {
    0: "success: the input was valid in full",
    1: "invalid input: every problem is listed with its place (file:line:column, or a record "
       "or event id); commands that still produce output (status, timeline, assess, report) "
       "produce it from the valid acts and event rows and still exit 1, as check would",
    2: "bad command-line usage (an unknown option, a missing argument)",
    70: "internal error: a bug in treatyline (set TREATYLINE_DEBUG=1 for the traceback)",
    130: "interrupted (Ctrl-C)",
}

app = typer.Typer(
    name="treatyline",
    help="Treaties as executable specifications: who is bound, since when, and why.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

# Piped output is laid out for a 120-column page rather than rich's 80.
stdout = Console(width=None if sys.stdout.isatty() else 120, markup=False, emoji=False)
stderr = Console(stderr=True, width=None if sys.stderr.isatty() else 120, markup=False,
                 emoji=False)


@app.callback()
def _options(
    context: typer.Context,
    allow_root: Annotated[
        list[Path] | None,
        typer.Option("--allow-root", help="A folder outside the treaty's own from which the "
                     "files a treaty names (an area's geojson:) may be read; may be repeated.",
                     file_okay=False),
    ] = None,
    max_file_mb: Annotated[
        float,
        typer.Option("--max-file-mb", min=0.001, max=1_000_000.0, help="Refuse a treaty, "
                     "record, mapping or GeoJSON file larger than this (MiB); event files that "
                     "are streamed (CSV, Parquet) are not bounded."),
    ] = 64.0,
) -> None:
    """Treaties as executable specifications: who is bound, since when, and why."""
    policy = InputPolicy(max_bytes=int(max_file_mb * 2**20),
                         allowed_roots=tuple(allow_root or ()))
    context.with_resource(input_policy(policy))
    context.with_resource(_compile_notice())


@contextmanager
def _compile_notice() -> Iterator[None]:
    """Say on stderr while numba compiles the point-in-polygon kernels (the first run on a
    machine, about half a minute): a spinner on a terminal, lines otherwise; never a silent
    wait."""
    spinner: Status | None = None
    started: float | None = None

    def show(step: CompileStep) -> None:
        nonlocal spinner, started
        first = started is None
        if started is None:
            started = time.perf_counter()
        if step.done:
            if spinner is not None:
                spinner.stop()
            stderr.print(f"{step.message()} ({time.perf_counter() - started:.0f} s)")
        elif spinner is not None:
            spinner.update(step.message())
        elif first:
            if stderr.is_terminal:
                try:
                    spinner = stderr.status(step.message())
                    spinner.start()
                    return
                except LiveError:  # another live display is on screen: a line instead
                    spinner = None
            stderr.print(step.message())

    with compile_progress(show):
        try:
            yield
        finally:
            if spinner is not None:
                spinner.stop()


SpecArg = Annotated[
    Path, typer.Argument(help="A treaty file, or an example folder with treaty.yaml and record.*")
]
RecordOpt = Annotated[
    list[Path] | None,
    typer.Option("--record", "-r", help="A record file (YAML or CSV); may be repeated."),
]
ScenarioOpt = Annotated[
    bool, typer.Option("--scenario", help="Also read the folder's hypothetical scenario.yaml.")
]
AsOfOpt = Annotated[
    str | None,
    typer.Option("--as-of", help="The date asked about, YYYY-MM-DD (default: today)."),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object instead of tables.")]


def _as_of(text: str | None) -> DayOrTime:
    if text is None:
        return date.today()  # the shell reads the clock; the core never does
    try:
        value = parse_day_or_time(text)
        check_day(day_of(value))  # the range every date in a treaty is held to
    except ValueError as exc:
        raise UsageError(f"--as-of: {exc}") from None
    return value


def _load(spec: Path, records: list[Path] | None, scenario: bool) -> Bundle:
    return load_bundle(spec, records or (), scenario=scenario)


def _record_source(spec: Path, records: list[Path] | None, scenario: bool,
                   ledger: str | None) -> Bundle:
    """The treaty with its record files, or with the record a ledger holds."""
    if ledger is None:
        return _load(spec, records, scenario)
    from .cli_ledger_common import ledger_bundle

    return ledger_bundle(spec, ledger, records, scenario)


def _styled(*parts: tuple[str, str] | str) -> Text:
    """Plain text with some styled parts: user text is never read as markup."""
    text = Text()
    for part in parts:
        text.append(*part) if isinstance(part, tuple) else text.append(part)
    return text


def _rejected_acts(bundle: Bundle) -> list[Diagnostic]:
    """Every act `check` rejects: malformed in the record, or not in due form for the
    procedure (one list for every command, so that they agree on the exit code)."""
    return rejected_acts(bundle.treaty, bundle.record)


def _print_json(data: Any) -> None:
    # strict JSON: an undefined figure is null with its reason, never NaN or Infinity
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False) + "\n")


@app.command()
def check(spec: SpecArg, record: RecordOpt = None, scenario: ScenarioOpt = False) -> None:
    """Validate a treaty (and its record); exit 1 with every problem found."""
    bundle = _load(spec, record, scenario)
    from .evaluation import evaluate
    from .territory.areas import validate_areas

    problems: list[Diagnostic] = []
    try:  # what assess will build from: ISO codes, GeoJSON files, corridors, readings
        validate_areas(bundle.treaty)
    except TreatylineError as error:
        problems.extend(error.diagnostics)
    evaluation = evaluate(bundle.treaty, bundle.record)
    problems += list(bundle.record.rejected) + [d for _, d in evaluation.rejected]
    if problems:
        print_diagnostics(stderr, problems)
        stderr.print(f"{len(problems)} problem(s); {len(bundle.record.acts)} acts read, "
                     f"{len(evaluation.counted)} count.")
        raise typer.Exit(1)
    files = ", ".join(str(p) for p in bundle.record_paths) or "no record"
    stdout.print(_styled(("ok", "green"), f": {bundle.treaty_path} ({bundle.treaty.title}); "
                         f"{len(bundle.record.acts)} acts in {files}"), soft_wrap=True)


LedgerOpt = Annotated[
    str | None,
    typer.Option("--ledger", help="Read the record from this ledger (a SQLite file or a "
                 "postgresql:// URL): its accepted acts, each recorded on its day of receipt. "
                 "Not with --record or --scenario."),
]
RecordKnownOnOpt = Annotated[
    str | None,
    typer.Option("--known-on", help="The record as it stood on this day, YYYY-MM-DD: only the "
                 "acts recorded on or before it count (an act's `recorded`, else its date); "
                 "each still takes effect from its own date."),
]


@app.command()
def status(
    spec: SpecArg,
    record: RecordOpt = None,
    as_of: AsOfOpt = None,
    json_output: JsonOpt = False,
    scenario: ScenarioOpt = False,
    known_on: RecordKnownOnOpt = None,
    ledger: LedgerOpt = None,
) -> None:
    """Who is bound and since when, what is pending, and why — as of a date (and, with
    --known-on, as the record stood on another)."""
    from .revisions import parse_known_on

    bundle = _record_source(spec, record, scenario, ledger)
    result = compute_status(bundle.treaty, bundle.record, _as_of(as_of),
                            known_on=parse_known_on(known_on))
    if json_output:
        _print_json(result.to_json())
    else:
        stdout.print(status_view(result))
    if result.rejected:
        print_diagnostics(stderr, result.rejected)
        stderr.print(_styled((f"{len(result.rejected)} act(s) rejected", "red"),
                             "; the status counts only the valid acts."))
        raise typer.Exit(1)


@app.command()
def timeline(
    spec: SpecArg,
    record: RecordOpt = None,
    json_output: JsonOpt = False,
    scenario: ScenarioOpt = False,
    known_on: RecordKnownOnOpt = None,
    ledger: LedgerOpt = None,
) -> None:
    """Every date on which anything changed, in order (an act that became known after
    its date says when it was recorded)."""
    from .revisions import parse_known_on

    bundle = _record_source(spec, record, scenario, ledger)
    found = timeline_report(bundle.treaty, bundle.record, known_on=parse_known_on(known_on))
    entries, rejected = found.entries, found.rejected
    if json_output:
        _print_json(found.to_json())
    elif len(entries) > TIMELINE_TABLE_ROWS:
        for line in timeline_lines(entries, title=bundle.treaty.title):
            stdout.file.write(line + "\n")
    else:
        stdout.print(timeline_table(entries, title=bundle.treaty.title))
    if rejected:
        print_diagnostics(stderr, rejected)
        stderr.print(_styled((f"{len(rejected)} act(s) rejected", "red"),
                             "; the timeline marks them and counts only the valid acts."))
        raise typer.Exit(1)


EventsOpt = Annotated[
    list[Path] | None,
    typer.Option("--events", "-e", help="An events file (UCDP, ACLED, GeoJSON, Parquet or CSV), "
                 "a folder of Parquet files or a quoted glob ('logs/*.parquet'); may be "
                 "repeated. Default: the folder's events.* (and with --scenario its "
                 "scenario-events.*)."),
]
DaskOpt = Annotated[bool, typer.Option(
    "--dask", help="Read the Parquet event files on a local Dask cluster of worker processes "
    "(partitions of row groups in parallel; the same result as without).")]
SchedulerOpt = Annotated[str | None, typer.Option(
    "--scheduler", help="Read the Parquet event files on the running Dask cluster whose "
    "scheduler is at this address (tcp://HOST:PORT); its workers need treatyline installed.")]
WorkersOpt = Annotated[int | None, typer.Option(
    "--workers", min=1, max=512, help="Worker processes of the --dask cluster (one thread "
    "each). [default: 2]")]


def _dask(use_dask: bool, scheduler: str | None, workers: int | None) -> DaskOptions | None:
    from .distributed import DaskOptions

    return DaskOptions.from_options(use_dask, scheduler, workers)


MappingOpt = Annotated[
    Path | None,
    typer.Option("--mapping", help="A YAML column mapping for a CSV whose columns are not "
                 "UCDP's, ACLED's or treatyline's."),
]
KnownOnOpt = Annotated[
    str | None,
    typer.Option("--known-on", help="Use the data as known on this day, YYYY-MM-DD: the "
                 "record's acts recorded on or before it, and from each version folder given "
                 "with --events, the latest version obtained on or before it (default: all "
                 "acts and the latest version; see docs/revisions.md)."),
]


@app.command()
def assess(
    spec: SpecArg,
    record: RecordOpt = None,
    events: EventsOpt = None,
    mapping: MappingOpt = None,
    as_of: AsOfOpt = None,
    json_output: JsonOpt = False,
    scenario: ScenarioOpt = False,
    because: Annotated[bool, typer.Option("--because", help="Show each obligation's trace.")]
    = False,
    known_on: KnownOnOpt = None,
    dask: DaskOpt = False,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
) -> None:
    """What incidents trigger and what is owed by whom, by when: obligations with their
    state, violations of prohibitions and conditions, and the incidents set aside."""
    from .monitor import monitor
    from .revisions import parse_known_on, select_events

    known = parse_known_on(known_on)
    bundle = _known_bundle(_load(spec, record, scenario), known)
    chosen = select_events(events or (), known)
    result = monitor(bundle, _as_of(as_of), events=chosen.files, mapping=mapping,
                     scenario=scenario, console=stderr,
                     dask=_dask(dask, scheduler, workers)).assessment
    if json_output:  # which version was read: only when a version folder was given
        _print_json(result.to_json() | ({"event_versions": chosen.to_json()}
                                        if chosen.versions else {})
                    | ({"record_known_on": known.isoformat()} if known else {}))
    else:
        for line in chosen.lines():
            stdout.print(Text(line), soft_wrap=True)
        stdout.print(assessment_view(result, show_because=because))
    rejected = _rejected_acts(bundle)
    if rejected:
        print_diagnostics(stderr, rejected)
    # the tables list the rows set aside; JSON readers get them on stderr too
    if _event_data_notes(result, rows_listed=not json_output) or rejected:
        raise typer.Exit(1)


def _known_bundle(bundle: Bundle, known_on: date | None) -> Bundle:
    """The bundle with its record as it stood at the end of `known_on` (None: as it is)."""
    if known_on is None:
        return bundle
    return replace(bundle, record=bundle.record.as_known_on(known_on))


def _event_data_notes(result: Assessment, *, rows_listed: bool) -> bool:
    """Print on stderr the event rows set aside (unless the tables already list them) and
    the warnings about the event data. True when rows were set aside: assess and report
    then exit 1 alike, as check does for a bad act."""
    if result.events_rejected and not rows_listed:
        print_diagnostics(stderr, result.events_rejected)
        stderr.print(_styled((f"{len(result.events_rejected):,} event row(s) rejected", "red"),
                             f"; {result.events_read:,} read and used (every row set aside "
                             "is in --json and the report)."))
    print_event_warnings(stderr, result.events_warnings)
    return bool(result.events_rejected)


@app.command()
def report(
    spec: SpecArg,
    output: Annotated[Path, typer.Option("-o", "--output", help="The HTML file to write.")]
    = Path("report.html"),
    record: RecordOpt = None,
    events: EventsOpt = None,
    mapping: MappingOpt = None,
    as_of: AsOfOpt = None,
    scenario: ScenarioOpt = False,
    known_on: KnownOnOpt = None,
    dask: DaskOpt = False,
    scheduler: SchedulerOpt = None,
    workers: WorkersOpt = None,
) -> None:
    """Write one self-contained HTML report (works offline): map of scope and incidents,
    procedure timeline, obligations and commitments."""
    from .report.run import write_report
    from .revisions import parse_known_on, select_events

    check_output_path(output, "report")
    known = parse_known_on(known_on)
    bundle = _known_bundle(_load(spec, record, scenario), known)
    chosen = select_events(events or (), known)
    size, result = write_report(bundle, _as_of(as_of), output, events=chosen.files,
                                mapping=mapping, scenario=scenario, console=stderr,
                                dask=_dask(dask, scheduler, workers))
    for line in chosen.lines():
        stdout.print(Text(line), soft_wrap=True)
    rejected = _rejected_acts(bundle)
    if rejected:
        print_diagnostics(stderr, rejected)
        stderr.print(_styled((f"{len(rejected)} act(s) rejected", "red"),
                             "; the report counts only the valid acts."))
    rows_set_aside = _event_data_notes(result, rows_listed=False)
    stdout.print(f"report written to {output} ({size / 1024:.0f} KiB)")
    if rejected or rows_set_aside:
        raise typer.Exit(1)


events_app = typer.Typer(help="Look at an events file as treatyline reads it; compare two "
                         "versions of a dataset.",
                         no_args_is_help=True)
app.add_typer(events_app, name="events")


@events_app.command("inspect")
def events_inspect(
    file: Annotated[Path, typer.Argument(help="An events file (UCDP, ACLED, GeoJSON, Parquet "
                                         "or CSV).")],
    mapping: MappingOpt = None,
    json_output: JsonOpt = False,
) -> None:
    """What the reader sees: the format, which column or constant feeds each field, the
    kinds found, the rows set aside and why, the date range and the location precision.
    Exit 1 when the mapping has errors or rows are set aside."""
    from .monitor import _beside_mapping
    from .sources.inspection import inspect_events

    chosen = mapping or (_beside_mapping(file) if file.suffix.lower() == ".csv" else None)
    try:
        found = inspect_events(file, chosen)
    except TreatylineError as error:
        if not json_output:
            raise
        _print_json({"file": str(file), "errors": [d.to_json() for d in error.diagnostics]})
        print_diagnostics(stderr, error.diagnostics)
        raise typer.Exit(1) from None
    if json_output:
        _print_json(found.to_json())
    else:
        for line in found.lines():
            stdout.print(Text(line), soft_wrap=True)
    if found.rows_set_aside:
        raise typer.Exit(1)


@events_app.command("diff")
def events_diff(
    spec: SpecArg,
    events: Annotated[Path, typer.Option(
        "--events", "-e", help="A version folder: the versions of one dataset, each tagged with "
        "the day it was obtained (see docs/revisions.md).")],
    known_from: Annotated[str | None, typer.Option(
        "--from", help="The earlier version: the one known on this day, YYYY-MM-DD (default: "
        "the version before the later one).")] = None,
    known_to: Annotated[str | None, typer.Option(
        "--to", help="The later version: the one known on this day, YYYY-MM-DD (default: "
        "the latest).")] = None,
    as_of: AsOfOpt = None,
    record: RecordOpt = None,
    mapping: MappingOpt = None,
    json_output: JsonOpt = False,
    scenario: ScenarioOpt = False,
) -> None:
    """Which rows changed between two versions of an event dataset (added, deleted, moved,
    re-dated), which verdicts changed as of a day, and because of which rows. Exit 1 when
    rows are set aside in either version."""
    from .revisions import parse_known_on
    from .version_diff import compare_versions

    bundle = _load(spec, record, scenario)
    found = compare_versions(bundle, events, day_of(_as_of(as_of)),
                             known_from=parse_known_on(known_from, "--from"),
                             known_to=parse_known_on(known_to, "--to"), mapping=mapping,
                             scenario=scenario, console=stderr)
    if json_output:
        _print_json(found.to_json())
    else:
        for line in found.lines():
            stdout.print(Text(line), soft_wrap=True)
    notes = [_event_data_notes(result, rows_listed=False) for result in (found.before,
                                                                         found.after)]
    if any(notes):
        raise typer.Exit(1)


@app.command()
def schema(
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Write to this file.")
    ] = None,
) -> None:
    """Print the JSON Schema of the treaty language (for editors)."""
    text = json.dumps(treaty_schema(), indent=2, ensure_ascii=False) + "\n"
    if output is None:
        sys.stdout.write(text)
    else:
        write_output(output, text, "schema file")
        stdout.print(f"wrote {output}")


@app.command()
def demo(
    example: Annotated[
        str, typer.Option(help="Which bundled example to run.")
    ] = "istanbul-2022",
    report_path: Annotated[
        Path | None,
        typer.Option("--report", help="Where to write the HTML report "
                     "(default: EXAMPLE-report.html in the current folder)."),
    ] = None,
) -> None:
    """Run a bundled example (by default the Istanbul 2022 reference scenario), tell its
    story, and write its HTML report."""
    from .demo import run_demo
    from .report.run import write_report

    folder = bundled_example(example)
    scenario = (folder / "scenario.yaml").is_file()
    bundle = load_bundle(folder, scenario=scenario)
    last_day = run_demo(stdout, bundle, folder)
    output = report_path or Path(f"{example}-report.html")
    check_output_path(output, "report")
    size, _ = write_report(bundle, last_day, output, scenario=scenario, console=stderr)
    stdout.print(f"\nreport written to {output.resolve()} ({size / 1024:.0f} KiB): "
                 "open it in a browser (it works offline)")


@app.command("warm-up")
def warm_up() -> None:
    """Compile the point-in-polygon kernels ahead, so that no assess, report or demo waits.

    Compiling takes about half a minute, once per machine and version; later runs load the
    kernels from numba's cache: NUMBA_CACHE_DIR when set, else __pycache__ beside the
    installed package, or ~/.cache/numba where that is not writable."""
    from .territory.classify import warm_up as load_or_compile

    if not load_or_compile():
        stdout.print("point-in-polygon kernels ready (loaded from the cache)")


register_ledger_commands(app)  # keys, ledger, deposit
app.command("serve")(serve)  # the ledger over HTTP (docs/server.md)
app.add_typer(token_app, name="token")  # the server's tokens (docs/server.md)
app.add_typer(webhooks_app, name="webhooks")  # the parties' webhooks (docs/server.md)


def main() -> None:
    """Entry point: user errors become messages on stderr and exit 1, never tracebacks."""
    try:
        app()  # standalone: usage errors print their message and exit 2
    except TreatylineError as error:
        print_diagnostics(stderr, error.diagnostics)
        sys.exit(1)
    except KeyboardInterrupt:
        stderr.print("interrupted")
        sys.exit(130)
    except Exception as error:
        if os.environ.get("TREATYLINE_DEBUG"):
            raise
        message = str(error)
        if len(message) > 500:
            message = message[:500] + "…"
        stderr.print(_styled(("internal error:", "red"), f" {type(error).__name__}: {message} "
                             "(a bug in treatyline; set TREATYLINE_DEBUG=1 for the traceback)"))
        sys.exit(70)
