"""Benchmark of the command line's start-up on a treaty of 195 states.

    .venv/bin/python bench/cli_bench.py [--runs 7]
    .venv/bin/python bench/cli_bench.py --quick        # fewer runs, for CI

A treaty open to 195 states (ISO 3166-1 alpha-2 codes from pycountry) with its full
history: every state signs and ratifies, a few withdraw. It is written to a temporary
example folder twice: once with the 195 states declared in the treaty, once with a few
declared and the others acceding under `open_to: any_state`. It prints, as the median of
several runs of fresh processes (the wall time a user waits), with the byte code
cached in a temporary folder as it is after installation (a first run, not counted,
writes it; PYTHONDONTWRITEBYTECODE is lifted for these processes):

- `python -c pass`: the interpreter's own start-up, the floor under every figure;
- `treatyline --help`;
- `treatyline status FOLDER` for both folders (target: <= 0.5 s);
- the import time of `treatyline.cli` (`python -X importtime`), and the heaviest imports.

Always exits 0 when the commands run: the figures are for reading, the CI run only checks
that the script still works.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

import pycountry

STATES = 195
STATUS_TARGET_S = 0.5
"""`treatyline status` on the 195-state treaty, from the command line."""
WITHDRAWALS = 12
DECLARED_WHEN_OPEN = 10
START = date(1995, 6, 26)


def q(text: str) -> str:
    """A YAML scalar that stays a string (JSON strings are YAML): "NO" is Norway."""
    return json.dumps(text)


def state_codes(count: int) -> list[str]:
    codes = sorted(country.alpha_2 for country in pycountry.countries)
    return codes[:count]


def treaty_yaml(codes: Sequence[str], declared: Sequence[str]) -> str:
    parties = "\n".join(f"  - {{code: {q(code)}}}" for code in declared)
    threshold = len(codes) // 3
    open_to = "\n    open_to: any_state" if len(declared) < len(codes) else ""
    return f"""\
id: cli-bench-treaty
title: A synthetic treaty open to all States
hypothetical: true
depositary: [{q(declared[0])}]
parties:
{parties}
procedure:
  signature: {{article: Article 20}}
  ratification: {{article: Article 21, requires: [signature]}}
  accession:
    article: Article 22{open_to}
  withdrawal: {{article: Article 30, notice: 1 year, not_before: 3 years}}
entry_into_force:
  article: Article 23
  when:
    count: {{instruments: [consent], at_least: {threshold}}}
  effective: 30 days
  late_instruments: 30 days
  late_instruments_after: entry_into_force
"""


def record_yaml(codes: Sequence[str], declared: Sequence[str], seed: int) -> str:
    """Signature and ratification (accession for a state not declared), a few
    withdrawals long after entry into force; in no particular order."""
    rng = random.Random(seed)
    known = set(declared)
    acts: list[str] = []

    def day(offset: int) -> str:
        return (START + timedelta(days=offset)).isoformat()

    for code in codes:
        if code in known:
            signed = rng.randint(0, 365)
            acts.append(f"  - {{date: {day(signed)}, kind: signature, party: {q(code)}, "
                        f"place: New York}}")
            acts.append(f"  - {{date: {day(signed + rng.randint(30, 8 * 365))}, "
                        f"kind: ratification, party: {q(code)}}}")
        else:
            acts.append(f"  - {{date: {day(rng.randint(400, 10 * 365))}, kind: accession, "
                        f"party: {q(code)}}}")
    # only a declared party may withdraw today: an acceding state's later acts are checked
    # against the declared parties
    for code in rng.sample(list(declared), min(WITHDRAWALS, len(declared) // 3)):
        acts.append(f"  - {{date: {day(15 * 365 + rng.randint(0, 5 * 365))}, "
                    f"kind: withdrawal, party: {q(code)}}}")
    rng.shuffle(acts)
    return ("source: synthetic benchmark record (not a real treaty)\nhypothetical: true\n"
            "acts:\n" + "\n".join(acts) + "\n")


def write_folder(folder: Path, codes: Sequence[str], declared: Sequence[str],
                 seed: int) -> Path:
    folder.mkdir()
    (folder / "treaty.yaml").write_text(treaty_yaml(codes, declared), encoding="utf-8")
    (folder / "record.yaml").write_text(record_yaml(codes, declared, seed), encoding="utf-8")
    return folder


def treatyline_command() -> list[str]:
    """The console script next to this interpreter, as a user runs it; else `-m`."""
    script = Path(sys.executable).with_name("treatyline")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "treatyline"]


def environment_for(cache: Path) -> dict[str, str]:
    """The environment of the measured processes: byte code cached under `cache`."""
    environment = {**os.environ, "COLUMNS": "120", "PYTHONPYCACHEPREFIX": str(cache)}
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    return environment


def wall_times(command: Sequence[str], runs: int,
               environment: dict[str, str]) -> tuple[list[float], str]:
    """Wall time of each run of `command` (a fresh process) after one run not counted,
    and the output of the last; SystemExit if it fails."""
    times: list[float] = []
    output = ""
    for run in range(runs + 1):
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, env=environment,
                              check=False)
        if run:
            times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(command)} exited {done.returncode}:\n"
                             f"{done.stderr[-2000:]}")
        output = done.stdout
    return times, output


def import_times(module: str, runs: int, environment: dict[str, str]
                 ) -> tuple[float, list[tuple[float, float, str]]]:
    """The median cumulative import time of `module` (seconds), and the heaviest
    modules by their own import time (median self, median cumulative, name)."""
    cumulative: dict[str, list[float]] = {}
    own: dict[str, list[float]] = {}
    for _ in range(runs):
        done = subprocess.run([sys.executable, "-X", "importtime", "-c", f"import {module}"],
                              capture_output=True, text=True, check=True, env=environment)
        run_own: dict[str, float] = {}
        run_cumulative: dict[str, float] = {}
        for line in done.stderr.splitlines():
            if not line.startswith("import time:") or "|" not in line:
                continue
            fields = line.removeprefix("import time:").split("|")
            try:
                self_us, cumulative_us = int(fields[0]), int(fields[1])
            except ValueError:
                continue  # the header line
            name = fields[2].strip()  # a module may be listed twice (a circular import)
            run_own[name] = run_own.get(name, 0.0) + self_us / 1e6
            run_cumulative[name] = max(run_cumulative.get(name, 0.0), cumulative_us / 1e6)
        for name, seconds in run_own.items():
            own.setdefault(name, []).append(seconds)
            cumulative.setdefault(name, []).append(run_cumulative[name])
    heaviest = sorted(((statistics.median(own[name]), statistics.median(cumulative[name]), name)
                       for name in own), reverse=True)
    return statistics.median(cumulative.get(module, [float("nan")])), heaviest


def line(label: str, times: Sequence[float]) -> str:
    return (f"{label:<48}{statistics.median(times) * 1000:9.0f} ms"
            f"  (best {min(times) * 1000:.0f}, worst {max(times) * 1000:.0f})")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="fresh processes per command")
    parser.add_argument("--seed", type=int, default=1995)
    parser.add_argument("--quick", action="store_true", help="fewer runs, for a CI smoke run")
    args = parser.parse_args(argv)
    runs = 2 if args.quick else max(1, args.runs)
    codes = state_codes(STATES)
    command = treatyline_command()

    print(f"treatyline command-line start-up: a treaty of {len(codes)} states, median of "
          f"{runs} runs{' (quick)' if args.quick else ''}")
    print(f"python {sys.version.split()[0]}; {' '.join(Path(c).name for c in command)}")
    print()
    with tempfile.TemporaryDirectory(prefix="treatyline-cli-bench-") as temporary:
        root = Path(temporary)
        declared = write_folder(root / "declared", codes, codes, args.seed)
        open_folder = write_folder(root / "open", codes, codes[:DECLARED_WHEN_OPEN], args.seed)
        acts = (declared / "record.yaml").read_text(encoding="utf-8").count("\n  - ")
        environment = environment_for(root / "pycache")
        interpreter, _ = wall_times([sys.executable, "-c", "pass"], runs, environment)
        help_times, _ = wall_times([*command, "--help"], runs, environment)
        as_of = ["--as-of", "2020-01-01"]
        status_times, output = wall_times([*command, "status", str(declared), *as_of], runs,
                                          environment)
        if "IN FORCE" not in output:
            raise SystemExit(f"status did not find the treaty in force:\n{output[:2000]}")
        open_times, output = wall_times([*command, "status", str(open_folder), *as_of], runs,
                                        environment)
        if "IN FORCE" not in output:
            raise SystemExit(f"status did not find the open treaty in force:\n{output[:2000]}")
        cli_import, heaviest = import_times("treatyline.cli", runs, environment)

    print(f"{'command':<48}{'median':>12}")
    print("-" * 60)
    print(line("python -c pass (the interpreter alone)", interpreter))
    print(line("treatyline --help", help_times))
    print(line(f"treatyline status (195 declared, {acts} acts)", status_times))
    print(line(f"treatyline status (open to all, {acts} acts)", open_times))
    print()
    print(f"import treatyline.cli: {cli_import * 1000:.0f} ms (median of {runs}); "
          "the heaviest imports by their own time:")
    for own, cumulative, name in heaviest[:8]:
        print(f"  {name:<46}{own * 1000:7.1f} ms own {cumulative * 1000:9.1f} ms with its imports")
    print()
    for label, times in (("declared", status_times), ("open", open_times)):
        median = statistics.median(times)
        verdict = "meets" if median <= STATUS_TARGET_S else "MISSES"
        print(f"status ({label}) {median:.3f} s: {verdict} the target of <= "
              f"{STATUS_TARGET_S:g} s (ratio {median / STATUS_TARGET_S:.2f}; "
              f"{median - statistics.median(interpreter):.3f} s above the interpreter's "
              "start-up)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
