"""Mutation fuzzer of the `treatyline` command line: the long run.

    .venv/bin/python bench/fuzz_cli.py                          # 10,000 runs, 2 jobs
    .venv/bin/python bench/fuzz_cli.py --runs 2000 --seed 7 --jobs 2 --out fuzz-out
    .venv/bin/python bench/fuzz_cli.py --seed 7 --replay 123 --out fuzz-out   # rebuild case 123

Each run copies a bundled example into a temporary folder, mutates one of its files (or the
command line), runs check/status/timeline/assess/report on it in a forked child of a warmed
interpreter, and classifies the outcome (see tests/fuzzing/). Failing cases are saved under
--out, one per failure signature, with a repro.sh; runs.jsonl lists every run and
summary.json the totals. Exits 1 if any run failed (internal error, traceback, timeout,
over memory, unlocated error, crash, script injection, bad output).
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from rich.console import Console  # noqa: E402
from rich.progress import (  # noqa: E402
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table  # noqa: E402

from fuzzing import FAILURE_CLASSES, OUTCOME_CLASSES, Runner, run_campaign  # noqa: E402
from fuzzing.campaign import COMMANDS, Case, make_case  # noqa: E402
from fuzzing.runner import Outcome  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=2, help="children run in parallel")
    parser.add_argument("--out", type=Path, default=Path("fuzz-out"),
                        help="where failing cases, runs.jsonl and summary.json go")
    parser.add_argument("--timeout", type=float, default=20.0, help="seconds per run")
    parser.add_argument("--memory-mb", type=int, default=2048,
                        help="peak RSS bound, and address space over the warm parent's")
    parser.add_argument("--top", type=int, default=40, help="failure signatures listed")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--replay", type=int, metavar="CASE",
                        help="only rebuild case CASE of --seed into OUT/replay-CASE/ and print "
                             "its command (cases depend on the seed and index only)")
    args = parser.parse_args(argv)
    if args.replay is not None:
        workdir = args.out / f"replay-{args.replay}"
        if workdir.exists():
            shutil.rmtree(workdir)
        workdir.mkdir(parents=True)
        case, _ = make_case(args.replay, args.seed, workdir)
        print(f"# {case.target or '(arguments only)'}: {case.mutation}")
        print(f"cd {workdir} && {case.shell}")
        return 0

    console = Console(stderr=True)
    started = time.monotonic()
    console.print("warming up (every command on every example, once)…")
    runner = Runner(timeout=args.timeout, memory_mb=args.memory_mb)
    console.print(f"warm in {time.monotonic() - started:.0f} s; address space "
                  f"{runner.baseline_vm / 2**30:.2f} GiB, children bounded at "
                  f"{runner.address_limit / 2**30:.2f} GiB and {args.memory_mb} MiB RSS")

    failed = 0
    # no auto-refresh thread: the parent forks, and a forked thread's lock would be held
    progress = Progress(TextColumn("[bold]fuzz"), BarColumn(), MofNCompleteColumn(),
                        TextColumn("[red]{task.fields[failed]} failing"),
                        TimeElapsedColumn(), TimeRemainingColumn(),
                        console=console, auto_refresh=False, disable=args.quiet)
    task = progress.add_task("runs", total=args.runs, failed=0)

    def advance(_case: Case, outcome: Outcome) -> None:
        nonlocal failed
        failed += outcome.failed
        progress.update(task, advance=1, failed=failed)
        progress.refresh()

    with progress:
        result = run_campaign(args.runs, seed=args.seed, jobs=args.jobs, out=args.out,
                              runner=runner, progress=advance)

    out = Console(width=None if sys.stdout.isatty() else 160)
    table = Table(title=f"{result.runs} runs in {result.seconds:.0f} s (seed {args.seed})")
    table.add_column("class")
    for command in COMMANDS:
        table.add_column(command, justify="right")
    table.add_column("total", justify="right", style="bold")
    for cls in OUTCOME_CLASSES:
        cells = [str(result.by_command.get(c, {}).get(cls, 0)) for c in COMMANDS]
        style = "red" if cls in FAILURE_CLASSES and result.by_class[cls] else ""
        table.add_row(cls, *cells, str(result.by_class[cls]), style=style)
    table.add_row("runs", *[str(sum(result.by_command.get(c, {}).values())) for c in COMMANDS],
                  str(result.runs), end_section=True)
    out.print(table)

    if result.failures:
        top = sorted(result.failures.values(), key=lambda f: (-f.count, f.signature))
        failures = Table(title=f"failure signatures ({len(top)}; top {min(args.top, len(top))})",
                         show_lines=True)
        failures.add_column("count", justify="right")
        failures.add_column("signature", overflow="fold")
        failures.add_column("first case", overflow="fold")
        for failure in top[:args.top]:
            failures.add_row(
                str(failure.count), failure.signature,
                f"{failure.case.shell}\n{failure.case.target or ''}: {failure.case.mutation}\n"
                f"{failure.repro or ''}")
        out.print(failures)
    if result.file_only:
        out.print("[dim]accepted, positioned at a whole file only: "
                  + json.dumps(dict(result.file_only.most_common(10)), ensure_ascii=False))
    out.print(f"failing cases, runs.jsonl and summary.json in {args.out}")
    return 1 if result.failed else 0


if __name__ == "__main__":
    sys.exit(main())
