"""A mutation fuzzer for the `treatyline` command line.

Three parts, shared by the CI test (`tests/test_fuzz_cli.py`) and the long-run script
(`bench/fuzz_cli.py`):

- `mutators`: seeded, deterministic mutations of the example files (YAML-structure-aware,
  YAML-text-level, CSV-aware, JSON-aware and byte-level);
- `runner`: one CLI invocation in a forked child of a warmed interpreter, with an address-space
  bound, a wall-clock bound, captured stdout/stderr and a classification of the outcome;
- `campaign`: N runs over the bundled examples, failing cases saved for reproduction and
  deduplicated by failure signature.

The property checked on every run: exit 0 with a valid result, or exit 1 with every error
message located (file:line:column, file:line, a file for whole-file problems, or an act/event
id); never exit 70, never a traceback, never over the time or memory bound, never a raw
injected ``<script>`` in the HTML report.
"""

from __future__ import annotations

from .campaign import CampaignResult, Case, run_campaign
from .mutators import MUTATORS, Mutation, mutate_file
from .runner import FAILURE_CLASSES, OUTCOME_CLASSES, Outcome, Runner

__all__ = [
    "FAILURE_CLASSES",
    "MUTATORS",
    "OUTCOME_CLASSES",
    "CampaignResult",
    "Case",
    "Mutation",
    "Outcome",
    "Runner",
    "mutate_file",
    "run_campaign",
]
