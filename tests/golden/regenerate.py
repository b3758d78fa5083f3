"""Rewrite the golden status files from the current engine (after a deliberate change)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from test_examples import CASES, at, golden_path

for name, scenario, day in CASES:
    path = golden_path(name, scenario, day)
    path.write_text(json.dumps(at(name, scenario, day), indent=2, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    print(f"wrote {path.name}")
