"""One `treatyline` invocation in a forked child of a warmed interpreter, and its verdict.

The parent imports treatyline and runs every command once on every bundled example
(`Runner.warm`), so that numba's kernels, the country boundaries and the point classifiers
of the examples' areas are loaded once; each run is then an `os.fork` of that image, as
cheap as a function call and as isolated as a process. In the child:

- fds 0/1/2 are /dev/null and two files; `sys.stdout`/`sys.stderr` are fresh UTF-8 text
  streams on them (strict on stdout, as in a UTF-8 terminal), and the CLI's rich consoles
  (`treatyline.cli.stdout`/`stderr`) are re-created on them, 120 columns wide as when piped;
- the address space is bounded (`RLIMIT_AS`: the warm parent's size plus the memory bound,
  because numba/LLVM and pyarrow already reserve ~2 GiB of address space that they never
  touch); the peak RSS (from `wait4`) is checked against the memory bound too;
- faulthandler dumps the stack on SIGUSR1: on a timeout the parent asks for the stack, then
  kills the child, so a hang is reported with the line it was stuck on;
- `treatyline.cli.app` is wrapped to save the traceback of any non-user error before
  `treatyline.cli.main` turns it into "internal error" and exit 70 (the verdict still comes
  from the exit code and the output only).
"""

from __future__ import annotations

import contextlib
import faulthandler
import gc
import io
import json
import os
import re
import resource
import signal
import sys
import tempfile
import time
import traceback
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .mutators import SCRIPT_PAYLOAD

__all__ = [
    "FAILURE_CLASSES",
    "OUTCOME_CLASSES",
    "Outcome",
    "Runner",
    "classify",
    "unlocated_lines",
]

OUTCOME_CLASSES = (
    "ok", "located-error", "internal-error", "traceback", "timeout", "over-memory",
    "unlocated", "crash", "injection", "bad-output",
)
"""Every verdict. `bad-output`: exit 0 without a valid result (JSON that does not parse,
no report written), or an exit code other than 0, 1 and 70."""

FAILURE_CLASSES = OUTCOME_CLASSES[2:]

# A line of `print_diagnostics` (or a rejected act/event listed in a table) is
#   "<file>:<line>:<column>: error: <message>", "<file>:<line>: error: ...",
#   "<file>: error: ..." (whole-file problems: missing, too large, not UTF-8...),
# or a position-less "error: act <ref>: ..." / "error: event <id>: ..." (an act or event id),
# or "error: --<option>: ..." (a command-line argument).
_LOCATED = re.compile(r"^[^\s:][^:]*:\d+(?::\d+)?: error: ")
_FILE_ONLY = re.compile(r"^[^\s:][^:]*: error: ")
_BY_ID = re.compile(r"^error: (?:act|event) \S")
_BY_OPTION = re.compile(r"^error: --[a-z][a-z-]*\b")
_BULLET = re.compile(r"^[\s✗•·-]*")

_FRAME = re.compile(r'File "(?P<file>[^"]+)", line (?P<line>\d+),? in (?P<func>\S+)')
_TREATYLINE_FRAME = re.compile(r"[/\\]treatyline[/\\](?P<rel>[^\"]+\.py)")


@dataclass
class Outcome:
    """How one run ended, and why it is (not) a failure."""

    cls: str
    exit_code: int | None
    signal: int | None
    seconds: float
    max_rss_mb: float
    stdout: str
    stderr: str
    traceback: str = ""
    detail: str = ""
    """The first line that makes it a failure (the exception, the unlocated message...)."""
    where: str = ""
    """For exceptions and timeouts: the innermost treatyline frame, and the innermost frame."""
    file_only: list[str] = field(default_factory=list)
    """Messages positioned at a whole file only (accepted; listed for the report)."""

    @property
    def failed(self) -> bool:
        return self.cls in FAILURE_CLASSES


def unlocated_lines(text: str) -> tuple[list[str], list[str]]:
    """(error lines without a position or id, error lines positioned at a whole file)."""
    bad: list[str] = []
    file_only: list[str] = []
    for raw in text.splitlines():
        if "error:" not in raw:
            continue
        line = _BULLET.sub("", raw)
        if _LOCATED.match(line) or _BY_ID.match(line) or _BY_OPTION.match(line):
            continue
        if _FILE_ONLY.match(line):
            file_only.append(line)
            continue
        bad.append(line)
    return bad, file_only


def _json_unlocated(stdout: str) -> list[str] | None:
    """Position-less entries of a --json result's rejected lists; None if not JSON."""
    try:
        data = json.loads(stdout)
    except ValueError:
        return None
    bad: list[str] = []
    if isinstance(data, dict):
        for key in ("rejected", "events_rejected"):
            for entry in data.get(key) or []:
                if not isinstance(entry, dict):
                    continue
                message = str(entry.get("message", ""))
                if entry.get("position") is None and not re.match(r"(?:act|event) \S", message):
                    bad.append(f"--json {key}: position null: {message}")
    return bad


def _frames(text: str) -> str:
    """'treatyline/x.py:12 in f ← lib/y.py:3 in g': the innermost treatyline frame and the
    innermost frame of the last Python traceback in `text`, or of the current thread in a
    faulthandler dump."""
    if "most recent call first" in text:  # faulthandler: innermost first, one block a thread
        blocks = re.split(r"\n(?=(?:Current thread|Thread) 0x)", text)
        chosen = ([b for b in blocks if b.lstrip().startswith("Current thread")]
                  or [b for b in blocks if "treatyline" in b] or blocks)
        frames = [(m["file"], m["line"], m["func"]) for m in _FRAME.finditer(chosen[0])]
        frames.reverse()
    else:
        start = text.rfind("Traceback (most recent call last)")
        frames = [(m["file"], m["line"], m["func"])
                  for m in _FRAME.finditer(text[max(start, 0):])]
    if not frames:
        return ""
    ours = [f for f in frames if _TREATYLINE_FRAME.search(f[0]) and "site-packages" not in f[0]
            and "/tests/fuzzing/" not in f[0]]
    parts = []
    if ours:
        rel = _TREATYLINE_FRAME.search(ours[-1][0])
        parts.append(f"treatyline/{rel['rel'] if rel else ours[-1][0]}:{ours[-1][1]} "
                     f"in {ours[-1][2]}")
    inner = frames[-1]
    if not ours or inner != ours[-1]:
        tail = "/".join(Path(inner[0]).parts[-2:])
        parts.append(f"{tail}:{inner[1]} in {inner[2]}")
    return " ← ".join(parts)


def _exception_line(text: str) -> str:
    """The last 'Type: message' line of a traceback."""
    lines = [line for line in text.strip().splitlines() if line and not line.startswith(" ")]
    return lines[-1] if lines else ""


def classify(
    *, command: str, argv: Sequence[str], exit_code: int | None, signal_number: int | None,
    timed_out: bool, seconds: float, max_rss_mb: float, rss_limit_mb: float, stdout: str,
    stderr: str, saved_traceback: str, report_html: str | None,
) -> Outcome:
    """The verdict on one run (see OUTCOME_CLASSES)."""
    both = stdout + "\n" + stderr

    def outcome(cls: str, detail: str = "", where: str = "") -> Outcome:
        return Outcome(cls, exit_code, signal_number, seconds, max_rss_mb, stdout, stderr,
                       saved_traceback, detail, where)

    if timed_out:
        return outcome("timeout", f"over the time bound ({seconds:.0f} s)", _frames(stderr))
    memory_error = "MemoryError" in saved_traceback or "internal error:[/red] MemoryError" in both \
        or "internal error: MemoryError" in both
    if max_rss_mb > rss_limit_mb or memory_error:
        return outcome("over-memory", f"peak RSS {max_rss_mb:.0f} MiB"
                       + ("; MemoryError" if memory_error else ""),
                       _frames(saved_traceback or stderr))
    if signal_number is not None:
        try:
            name = signal.Signals(signal_number).name
        except ValueError:
            name = str(signal_number)
        return outcome("crash", f"killed by {name}", _frames(stderr))
    if "Traceback (most recent call last)" in both:
        text = both[both.index("Traceback (most recent call last)"):]
        return outcome("traceback", _exception_line(text), _frames(text))
    if exit_code == 70 or "internal error" in stderr:
        line = next((x for x in stderr.splitlines() if "internal error" in x), "")
        detail = _exception_line(saved_traceback) if saved_traceback else line
        return outcome("internal-error", detail, _frames(saved_traceback))
    if report_html is not None and SCRIPT_PAYLOAD in report_html:
        index = report_html.index(SCRIPT_PAYLOAD)
        context = report_html[max(0, index - 80):index + len(SCRIPT_PAYLOAD) + 20]
        return outcome("injection", f"raw {SCRIPT_PAYLOAD} in the report: …{context}…")
    json_output = "--json" in argv
    if exit_code == 0:
        if json_output:
            try:
                json.loads(stdout)
            except ValueError as exc:
                return outcome("bad-output", f"exit 0 but stdout is not JSON: {exc}")
        elif command == "check" and "ok" not in stdout:
            return outcome("bad-output", "exit 0 but check did not say ok")
        elif command == "report" and (report_html is None or "</html>" not in report_html):
            return outcome("bad-output", "exit 0 but no complete report was written")
        elif command != "report" and not stdout.strip():
            return outcome("bad-output", "exit 0 but nothing on stdout")
        result = outcome("ok")
        result.file_only = unlocated_lines(both)[1]
        return result
    if exit_code == 1:
        bad, file_only = unlocated_lines(both)
        if json_output:
            json_bad = _json_unlocated(stdout)
            bad.extend(json_bad or [])
        has_error = any("error:" in line for line in both.splitlines()) or (
            json_output and '"rejected"' in stdout and '"message"' in stdout)
        if bad:
            result = outcome("unlocated", bad[0])
        elif not has_error:
            result = outcome("unlocated", "exit 1 without any error message")
        else:
            result = outcome("located-error")
        result.file_only = file_only
        return result
    return outcome("bad-output", f"exit code {exit_code}")


# ------------------------------------------------------------------------------ running

def _vm_size() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


_DEFAULT_WARNING_FILTERS = (
    ("default", DeprecationWarning, "__main__"),
    ("ignore", DeprecationWarning, None),
    ("ignore", PendingDeprecationWarning, None),
    ("ignore", ImportWarning, None),
    ("ignore", ResourceWarning, None),
)


def _plain_interpreter_warnings() -> None:
    """The warning filters of a plain `python` (pytest's `error` filter must not leak in)."""
    warnings.resetwarnings()
    for action, category, module in reversed(_DEFAULT_WARNING_FILTERS):
        if module:
            warnings.filterwarnings(action, category=category, module=module)  # type: ignore[arg-type]
        else:
            warnings.simplefilter(action, category)  # type: ignore[arg-type]


@dataclass
class Handle:
    """A running child."""

    pid: int
    started: float
    command: str
    argv: list[str]
    cwd: Path
    out: Path
    err: Path
    tb: Path
    report: Path | None
    asked_stack: float | None = None
    timed_out: bool = False


class Runner:
    """Forks warmed children that run `treatyline.cli.main()`."""

    def __init__(self, *, timeout: float = 20.0, memory_mb: int = 2048,
                 warm: bool = True,
                 log: Callable[[str], None] | None = None) -> None:
        self.timeout = timeout
        self.memory_mb = memory_mb
        self.log = log or (lambda _text: None)
        if "numba" not in sys.modules:
            # GNU OpenMP (numba's default threading layer where libgomp is present) kills a
            # forked child that uses it ("fork() called from a process already using GNU
            # OpenMP"); the workqueue layer re-launches its threads after a fork.
            os.environ.setdefault("NUMBA_THREADING_LAYER", "workqueue")
        import treatyline.cli

        self.cli = treatyline.cli
        if warm:
            self.warm()
            self._check_threading_layer()
        gc.collect()
        gc.freeze()  # the children do not copy the parent's objects when collecting
        self.baseline_vm = _vm_size()
        self.address_limit = self.baseline_vm + memory_mb * 2**20

    @staticmethod
    def _check_threading_layer() -> None:
        numba = sys.modules.get("numba")
        if numba is None:
            return
        try:
            layer = numba.threading_layer()
        except ValueError:  # no parallel kernel has run yet
            return
        if layer == "omp":
            raise RuntimeError(
                "numba runs on GNU OpenMP, which is not fork-safe: import the fuzzer before "
                "numba, or set NUMBA_THREADING_LAYER=workqueue")

    # -- warm-up ---------------------------------------------------------------------

    def warm(self) -> None:
        """Run each command once on each bundled example, in this process (output
        discarded), so that the children inherit compiled kernels and built classifiers."""
        import treatyline.monitor
        import treatyline.report.run  # noqa: F401

        from .campaign import EXAMPLES, EXAMPLES_ROOT

        cases = []
        for name, example in EXAMPLES.items():
            for scenario in ((False, True) if example.scenario_as_of else (False,)):
                as_of = (example.scenario_as_of if scenario else example.as_of)[0]
                flags = ["--scenario"] if scenario else []
                for command in ("check", "status", "timeline", "assess", "report"):
                    argv = [command, name, *flags]
                    if command in {"status", "assess", "report"}:
                        argv += ["--as-of", as_of]
                    cases.append((name, EXAMPLES_ROOT / name, " ".join(argv)))
        saved = (self.cli.stdout, self.cli.stderr)
        with tempfile.TemporaryDirectory(prefix="treatyline-warm-") as tmp:
            for name, folder, line in cases:
                started = time.monotonic()
                argv = [str(folder) if a == name else a for a in line.split()]
                if argv[0] == "report":
                    argv += ["-o", str(Path(tmp) / "report.html")]
                sink = io.StringIO()
                from rich.console import Console

                self.cli.stdout = Console(file=sink, width=120)
                self.cli.stderr = Console(file=sink, width=120)
                old_argv = sys.argv
                sys.argv = ["treatyline", *argv]
                try:
                    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
                        self.cli.main()
                except SystemExit:
                    pass
                finally:
                    sys.argv = old_argv
                    self.cli.stdout, self.cli.stderr = saved
                self.log(f"warm: {line} ({time.monotonic() - started:.1f} s)")

    # -- one run -----------------------------------------------------------------------

    def start(self, argv: Sequence[str], cwd: Path, scratch: Path) -> Handle:
        """Fork a child that runs `treatyline ARGV` in `cwd`; its output goes to `scratch`."""
        scratch.mkdir(parents=True, exist_ok=True)
        out, err, tb = scratch / "stdout.txt", scratch / "stderr.txt", scratch / "traceback.txt"
        command = argv[0]
        report = None
        if command == "report":
            index = list(argv).index("-o") if "-o" in argv else -1
            report = cwd / (argv[index + 1] if index >= 0 else "report.html")
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child
            self._child(list(argv), cwd, out, err, tb)
        return Handle(pid, time.monotonic(), command, list(argv), cwd, out, err, tb, report)

    def _child(self, argv: list[str], cwd: Path, out: Path, err: Path, tb: Path) -> None:
        code = 1
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
            null = os.open(os.devnull, os.O_RDONLY)
            os.dup2(null, 0)
            os.dup2(os.open(out, flags, 0o644), 1)
            os.dup2(os.open(err, flags, 0o644), 2)
            sys.stdin = open(0, encoding="utf-8", closefd=False)  # noqa: SIM115
            sys.stdout = io.TextIOWrapper(io.FileIO(1, "w", closefd=False), encoding="utf-8",
                                          errors="strict", write_through=True)
            sys.stderr = io.TextIOWrapper(io.FileIO(2, "w", closefd=False), encoding="utf-8",
                                          errors="backslashreplace", write_through=True)
            from rich.console import Console

            self.cli.stdout = Console(width=120)
            self.cli.stderr = Console(stderr=True, width=120)
            faulthandler.enable(file=2, all_threads=True)
            faulthandler.register(signal.SIGUSR1, file=2, all_threads=True)
            _plain_interpreter_warnings()
            os.environ.pop("TREATYLINE_DEBUG", None)
            os.environ["COLUMNS"] = "120"
            resource.setrlimit(resource.RLIMIT_AS, (self.address_limit, self.address_limit))
            os.chdir(cwd)
            gc.unfreeze()
            real_app = self.cli.app
            from treatyline.errors import TreatylineError

            def traced_app(*args: Any, **kwargs: Any) -> Any:
                try:
                    return real_app(*args, **kwargs)
                except TreatylineError:
                    raise
                except Exception:
                    with contextlib.suppress(Exception):
                        tb.write_text(traceback.format_exc(), encoding="utf-8",
                                      errors="backslashreplace")
                    raise

            self.cli.app = traced_app  # type: ignore[assignment]
            sys.argv = ["treatyline", *argv]
            try:
                self.cli.main()
                code = 0
            except SystemExit as exc:
                if exc.code is None:
                    code = 0
                elif isinstance(exc.code, int):
                    code = exc.code
                else:
                    print(exc.code, file=sys.stderr)
                    code = 1
            except BaseException:  # what the interpreter would print, and its exit code
                traceback.print_exc()
                code = 1
            try:
                sys.stdout.flush()
                sys.stderr.flush()
            except BaseException:
                traceback.print_exc(file=sys.__stderr__)
                code = 120
        finally:
            os._exit(code)

    def poll(self, handle: Handle) -> Outcome | None:
        """The outcome if the child has ended (or was killed for the time bound)."""
        pid, status, usage = os.wait4(handle.pid, os.WNOHANG)
        elapsed = time.monotonic() - handle.started
        if pid == 0:
            if elapsed > self.timeout and handle.asked_stack is None:
                handle.timed_out = True
                handle.asked_stack = time.monotonic()
                with contextlib.suppress(ProcessLookupError):
                    os.kill(handle.pid, signal.SIGUSR1)  # faulthandler: the stack, to stderr
            elif handle.asked_stack is not None and time.monotonic() - handle.asked_stack > 1.0:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(handle.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(handle.pid, 0)
            if pid == 0:
                return None
        if os.WIFSIGNALED(status):
            exit_code, signal_number = None, os.WTERMSIG(status)
        else:
            exit_code, signal_number = os.WEXITSTATUS(status), None
        if handle.timed_out:
            signal_number = None
        report_html = None
        if handle.report is not None and handle.report.is_file():
            report_html = handle.report.read_text(encoding="utf-8", errors="replace")
        saved = handle.tb.read_text(encoding="utf-8", errors="replace") if handle.tb.exists() \
            else ""
        return classify(
            command=handle.command, argv=handle.argv, exit_code=exit_code,
            signal_number=signal_number, timed_out=handle.timed_out,
            seconds=elapsed, max_rss_mb=usage.ru_maxrss / 1024, rss_limit_mb=self.memory_mb,
            stdout=handle.out.read_text(encoding="utf-8", errors="replace"),
            stderr=handle.err.read_text(encoding="utf-8", errors="replace"),
            saved_traceback=saved, report_html=report_html)

    def run(self, argv: Sequence[str], cwd: Path, scratch: Path) -> Outcome:
        """Run one invocation to its end."""
        handle = self.start(argv, cwd, scratch)
        while True:
            outcome = self.poll(handle)
            if outcome is not None:
                return outcome
            time.sleep(0.005)

    def kill(self, handle: Handle) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(handle.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.wait4(handle.pid, 0)
