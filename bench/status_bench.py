"""Benchmark of the status engine on a synthetic treaty.

    .venv/bin/python bench/status_bench.py [--parties 200 --acts 20000 --queries 2000]
    .venv/bin/python bench/status_bench.py --quick        # small sizes, for CI

A treaty with N parties (ISO 3166-1 alpha-2 codes from pycountry), a named
group and a count + including entry-into-force rule, and a record of many acts
(signatures, ratifications, statements, talks rounds, facts, a few
denunciations) written to temporary YAML files. It prints:

- the time to load and validate the treaty, and the record (separately) from YAML,
  CSV and JSON Lines (target for CSV and JSON Lines: <= 0.3 s at 20,000 acts);
- the time of the first evaluation (the pass over the record);
- the time of one `status` query after that (median and p95 over random dates;
  target: median <= 1 ms at 200 parties / 20,000 acts);
- how `timeline` (or, without it, the evaluation pass) scales when the record
  doubles: O(n log n) gives a ratio of about 2.1-2.3 per doubling, O(n^2) gives 4.

Always exits 0: the figures are for reading, the CI run only checks that the
script still works.
"""

from __future__ import annotations

import argparse
import csv
import gc
import importlib
import io
import json
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pycountry

from treatyline.errors import Position
from treatyline.evaluation import evaluate
from treatyline.record import Record, RowLocator, load_record, record_from_rows
from treatyline.spec import Treaty, load_treaty
from treatyline.status import status

START = date(1990, 1, 1)
SPAN_DAYS = 40 * 365
STATUS_TARGET_MS = 1.0
"""Median of a status query (200 parties, 20,000 acts)."""
LOAD_TARGET_S = 0.3
"""Loading 20,000 acts from CSV or JSON Lines."""
CORE_SIZE = 10
DENUNCIATIONS = 5


# --- the synthetic treaty and record -----------------------------------------------------------


def party_codes(count: int) -> list[str]:
    codes = sorted(country.alpha_2 for country in pycountry.countries)
    if count > len(codes):
        raise SystemExit(f"--parties: at most {len(codes)} (ISO 3166-1 has {len(codes)} codes)")
    if count < CORE_SIZE:
        raise SystemExit(f"--parties: at least {CORE_SIZE}")
    return codes[:count]


def q(text: str) -> str:
    """A YAML scalar that stays a string (JSON strings are YAML): "NO" is Norway."""
    return json.dumps(text)


def treaty_yaml(codes: Sequence[str]) -> str:
    threshold = max(CORE_SIZE, int(len(codes) * 0.6))
    parties = "\n".join(f"  - {{code: {q(code)}}}" for code in codes)
    core = ", ".join(q(code) for code in codes[:CORE_SIZE])
    return f"""\
id: bench-treaty
title: A synthetic treaty for the benchmark
hypothetical: true
parties:
{parties}
groups:
  core:
    members: [{core}]
facts:
  ceasefire: {{description: A ceasefire holds}}
  monitoring_report: {{description: The monitoring mission has reported}}
procedure:
  signature: {{article: Article 20}}
  ratification: {{article: Article 21, requires: [signature]}}
  denunciation: {{article: Article 30, notice: 1 year, not_before: 5 years}}
entry_into_force:
  article: Article 22
  when:
    all:
      - count: {{instruments: [ratification], at_least: {threshold}}}
      - including: {{instruments: [ratification], parties: [core]}}
  effective: first day of the month following 90 days
  late_instruments: 30 days
  late_instruments_after: conditions_met
"""


def synthetic_acts(codes: Sequence[str], total: int, seed: int) -> list[dict[str, Any]]:
    """`total` acts over 40 years (more if `total` is too small for the instruments):
    every party signs, 90% ratify, a few denounce; the rest are statements, talks
    rounds and facts."""
    rng = random.Random(seed)
    acts: list[dict[str, Any]] = []

    def day(offset: int) -> str:
        return (START + timedelta(days=min(offset, SPAN_DAYS))).isoformat()

    signed: dict[str, int] = {}
    for code in codes:
        signed[code] = rng.randint(0, 2 * 365)
        acts.append({"date": day(signed[code]), "kind": "signature", "party": code})
    ratifying = [c for c in codes if c in codes[:CORE_SIZE] or rng.random() < 0.9]
    for code in ratifying:
        acts.append({"date": day(signed[code] + rng.randint(30, 12 * 365)),
                     "kind": "ratification", "party": code})
    for code in rng.sample(ratifying, min(DENUNCIATIONS, len(ratifying))):
        acts.append({"date": day(30 * 365 + rng.randint(0, 5 * 365)), "kind": "denunciation",
                     "party": code})
    while len(acts) < total:
        roll = rng.random()
        when = day(rng.randint(0, SPAN_DAYS))
        if roll < 0.03:
            fact = rng.choice(["ceasefire", "monitoring_report"])
            acts.append({"date": when, "kind": "fact", "fact": fact})
        elif roll < 0.35:
            sides = rng.sample(list(codes), rng.randint(2, 4))
            acts.append({"date": when, "kind": "talks_round", "parties": sides,
                         "place": "Geneva"})
        else:
            acts.append({"date": when, "kind": "statement", "party": rng.choice(codes),
                         "text": "We remain committed to the process."})
    rng.shuffle(acts)  # files need not be in time order
    return acts


def act_yaml(act: dict[str, Any]) -> str:
    fields = []
    for key, value in act.items():
        if isinstance(value, list):
            fields.append(f"{key}: [{', '.join(q(v) for v in value)}]")
        elif key == "date":
            fields.append(f"{key}: {value}")
        else:
            fields.append(f"{key}: {q(str(value))}")
    return "  - {" + ", ".join(fields) + "}"


def record_yaml(acts: Sequence[dict[str, Any]]) -> str:
    lines = ["source: synthetic benchmark record", "hypothetical: true", "acts:"]
    lines.extend(act_yaml(act) for act in acts)
    return "\n".join(lines) + "\n"


def record_csv(acts: Sequence[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    columns = ["date", "kind", "party", "parties", "fact", "place", "text", "source",
               "hypothetical"]
    writer.writerow(columns)
    for act in acts:
        row = {**act, "source": "synthetic benchmark record", "hypothetical": "true"}
        writer.writerow([";".join(row[c]) if isinstance(row.get(c), list) else row.get(c, "")
                         for c in columns])
    return buffer.getvalue()


def record_jsonl(acts: Sequence[dict[str, Any]]) -> str:
    header = {"record": {"hypothetical": True, "source": "synthetic benchmark record"}}
    return "".join(json.dumps(line) + "\n" for line in [header, *acts])


def record_in_memory(acts: Sequence[dict[str, Any]], treaty: Treaty) -> Record:
    rows = [({**act, "source": "synthetic"}, f"memory:{i + 1}", Position("memory", i + 1),
             RowLocator(None, ()))
            for i, act in enumerate(acts)]
    return record_from_rows(rows, treaty)


# --- timing ------------------------------------------------------------------------------------


def timed(function: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds taken by one call, and its result."""
    gc.collect()
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def percentile(values: Sequence[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:10.2f} ms"


@dataclass
class Sizes:
    parties: int
    acts: int
    queries: int
    scaling: tuple[int, ...]
    repeats: int


def sizes_from(args: argparse.Namespace) -> Sizes:
    if args.quick:
        return Sizes(parties=min(args.parties, 30), acts=min(args.acts, 1000),
                     queries=min(args.queries, 100), scaling=(500, 1000, 2000), repeats=1)
    scaling = tuple(int(n) for n in args.scaling.split(","))
    return Sizes(args.parties, args.acts, args.queries, scaling, args.repeats)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parties", type=int, default=200)
    parser.add_argument("--acts", type=int, default=20_000)
    parser.add_argument("--queries", type=int, default=2_000)
    parser.add_argument("--scaling", default="5000,10000,20000,40000",
                        help="record sizes for the scaling table (comma-separated)")
    parser.add_argument("--repeats", type=int, default=3,
                        help="timings per size in the scaling table (the best is kept)")
    parser.add_argument("--seed", type=int, default=1949)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a CI smoke run")
    args = parser.parse_args(argv)
    sizes = sizes_from(args)
    codes = party_codes(sizes.parties)
    rng = random.Random(args.seed)

    print(f"treatyline status benchmark: {sizes.parties} parties, {sizes.acts} acts, "
          f"{sizes.queries} status queries{' (quick)' if args.quick else ''}")
    print(f"python {sys.version.split()[0]}")
    print()

    with tempfile.TemporaryDirectory(prefix="treatyline-bench-") as folder:
        treaty_path = Path(folder) / "treaty.yaml"
        treaty_path.write_text(treaty_yaml(codes), encoding="utf-8")
        acts = synthetic_acts(codes, sizes.acts, args.seed)
        writers = {"yaml": record_yaml, "csv": record_csv, "jsonl": record_jsonl}
        record_paths = {}
        for form, write in writers.items():
            record_paths[form] = Path(folder) / f"record.{form}"
            record_paths[form].write_text(write(acts), encoding="utf-8")

        load_treaty_s, treaty = timed(lambda: load_treaty(treaty_path))
        load_s: dict[str, float] = {}
        loaded: dict[str, Record] = {}
        for form, path in record_paths.items():
            load_s[form], loaded[form] = min(
                (timed(lambda p=path: load_record(p, treaty)) for _ in range(sizes.repeats)),
                key=lambda pair: pair[0])
        record = loaded["yaml"]
        for form in ("csv", "jsonl"):
            if [a.model_dump() for a in loaded[form].acts] != [
                    a.model_dump() for a in record.acts]:
                print(f"warning: the {form} record does not load to the same acts as the YAML")
    if record.rejected:
        print(f"warning: {len(record.rejected)} acts rejected on loading; first: "
              f"{record.rejected[0]}")
    evaluate_s, evaluation = timed(lambda: evaluate(treaty, record))

    first_day = record.acts[0].day
    last_day = record.acts[-1].day
    span = (last_day - first_day).days + 400
    query_days = [first_day - timedelta(days=200) + timedelta(days=rng.randint(0, span))
                  for _ in range(sizes.queries)]
    status(treaty, record, query_days[0])  # warm: the pass is cached from here on
    query_times = []
    gc.collect()
    for day in query_days:
        start = time.perf_counter()
        status(treaty, record, day)
        query_times.append(time.perf_counter() - start)
    median, p95 = statistics.median(query_times), percentile(query_times, 0.95)

    rule_in_force = evaluation.in_force_since
    print(f"record: {len(record.acts)} acts accepted, {len(evaluation.rejected)} not counted "
          f"by the procedure; conditions met on {evaluation.conditions_met_on}, "
          f"in force since {rule_in_force}")
    print()
    print(f"{'step':<44}{'time':>13}")
    print("-" * 57)
    print(f"{'load + validate the treaty':<44}{ms(load_treaty_s)}")
    for form, seconds in load_s.items():
        label = f"load + validate the record, {form} ({len(loaded[form].acts)} acts)"
        per_act = seconds / max(1, len(loaded[form].acts)) * 1e6
        print(f"{label:<44}{ms(seconds)}  ({per_act:.1f} us/act)")
    print(f"{'first evaluation (the pass)':<44}{ms(evaluate_s)}")
    print(f"{f'status query, median of {len(query_times)}':<44}{ms(median)}")
    print(f"{'status query, p95':<44}{ms(p95)}")
    print(f"{'status query, max':<44}{ms(max(query_times))}")
    print()
    scale = sizes.acts / 20_000
    for form in ("csv", "jsonl"):
        target = LOAD_TARGET_S * scale
        verdict = "meets" if load_s[form] <= target else "MISSES"
        print(f"load {form:<5} {load_s[form]:.3f} s: {verdict} the target of <= {target:.3g} s "
              f"(ratio {load_s[form] / target:.2f}; "
              f"YAML/{form} {load_s['yaml'] / load_s[form]:.1f}x)")
    verdict = "meets" if median <= STATUS_TARGET_MS / 1000 else "MISSES"
    print(f"status median {median * 1000:.3f} ms: {verdict} the target of <= "
          f"{STATUS_TARGET_MS:g} ms per query (ratio {median * 1000 / STATUS_TARGET_MS:.2f}; "
          f"p95 {p95 * 1000:.3f} ms)")
    print()

    scaling(treaty, codes, sizes, args.seed)
    return 0


def scaling(treaty: Treaty, codes: Sequence[str], sizes: Sizes, seed: int) -> None:
    try:
        timeline_module = importlib.import_module("treatyline.timeline")
        timeline: Callable[[Treaty, Record], Any] | None = timeline_module.timeline
    except (ImportError, AttributeError):
        timeline = None
    print("scaling with the size of the record (fresh Record objects: the pass is cached "
          f"per record; best of {sizes.repeats})")
    header = f"{'acts':>8}{'evaluate':>14}{'ratio':>8}"
    if timeline is not None:
        header += f"{'timeline':>14}{'ratio':>8}"
    else:
        header += "   (treatyline.timeline.timeline not found: the pass only)"
    print(header)
    print("-" * len(header.split("   (")[0]))
    previous: tuple[float, float] | None = None
    ratios: list[tuple[float, float]] = []
    for n in sizes.scaling:
        base = record_in_memory(synthetic_acts(codes, n, seed + n), treaty)
        pass_best = timeline_best = float("inf")
        for _ in range(sizes.repeats):
            fresh = Record(base.acts)
            pass_best = min(pass_best, timed(lambda r=fresh: evaluate(treaty, r))[0])
            if timeline is not None:
                fresh = Record(base.acts)
                timeline_best = min(timeline_best,
                                    timed(lambda r=fresh: timeline(treaty, r))[0])
        line = f"{len(base.acts):>8}{ms(pass_best):>14}"
        if previous is not None:
            pass_ratio = pass_best / previous[0]
            line += f"{pass_ratio:>8.2f}"
        else:
            pass_ratio = float("nan")
            line += f"{'':>8}"
        if timeline is not None:
            line += f"{ms(timeline_best):>14}"
            if previous is not None:
                timeline_ratio = timeline_best / previous[1]
                line += f"{timeline_ratio:>8.2f}"
                ratios.append((pass_ratio, timeline_ratio))
        elif previous is not None:
            ratios.append((pass_ratio, float("nan")))
        previous = (pass_best, timeline_best)
        print(line)
    if ratios:
        worst = max(r for pair in ratios for r in pair if r == r)
        print(f"worst ratio per doubling: {worst:.2f} "
              "(about 2.1-2.3 for O(n log n); 4 for O(n^2))")


if __name__ == "__main__":
    sys.exit(main())
