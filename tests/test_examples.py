"""Golden tests of the three bundled treaties at several dates.

The key facts are asserted here; the whole status (pending, because, every
party) is compared with tests/golden/*.json. After a deliberate change of
wording, regenerate with: python tests/golden/regenerate.py
"""

from __future__ import annotations

import json
from datetime import date
from functools import cache
from pathlib import Path

import pytest

from treatyline import Bundle, load_bundle, status, timeline

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
GOLDEN = Path(__file__).resolve().parent / "golden"

CASES = [
    ("nato-1949", False, "1949-04-03"),
    ("nato-1949", False, "1949-08-12"),
    ("nato-1949", False, "1949-08-23"),
    ("nato-1949", False, "1949-08-24"),
    ("nato-1949", False, "1952-02-18"),
    ("nato-1949", False, "2024-03-07"),
    ("budapest-1994", False, "1994-12-04"),
    ("budapest-1994", False, "1994-12-05"),
    ("budapest-1994", False, "2022-02-21"),
    ("istanbul-2022", False, "2022-03-29"),
    ("istanbul-2022", False, "2022-05-17"),
    ("istanbul-2022", True, "2022-09-15"),
    ("istanbul-2022", True, "2022-11-06"),
    ("istanbul-2022", True, "2023-06-07"),
    ("istanbul-2022", True, "2023-06-08"),
    ("istanbul-2022", True, "2023-09-21"),
    ("istanbul-2022", True, "2024-06-30"),
    ("cwc-1993", False, "1997-04-28"),
    ("cwc-1993", False, "1997-04-29"),
    ("cwc-1993", False, "1997-12-05"),
]


@cache
def bundle(name: str, scenario: bool) -> Bundle:
    return load_bundle(EXAMPLES / name, scenario=scenario)


def at(name: str, scenario: bool, day: str) -> dict[str, object]:
    loaded = bundle(name, scenario)
    return status(loaded.treaty, loaded.record, date.fromisoformat(day)).to_json()


def golden_path(name: str, scenario: bool, day: str) -> Path:
    return GOLDEN / f"{name}{'-scenario' if scenario else ''}-{day}.json"


@pytest.mark.parametrize(("name", "scenario", "day"), CASES)
def test_matches_golden(name: str, scenario: bool, day: str) -> None:
    expected = json.loads(golden_path(name, scenario, day).read_text(encoding="utf-8"))
    assert at(name, scenario, day) == expected


@pytest.mark.parametrize(("name", "scenario"), [("nato-1949", False), ("budapest-1994", False),
                                                ("istanbul-2022", False),
                                                ("istanbul-2022", True), ("cwc-1993", False)])
def test_examples_have_no_rejected_acts(name: str, scenario: bool) -> None:
    loaded = bundle(name, scenario)
    assert loaded.record.rejected == ()
    assert at(name, scenario, "2030-01-01")["rejected"] == []


def test_nato_enters_into_force_on_1949_08_24_not_a_day_earlier() -> None:
    before = at("nato-1949", False, "1949-08-23")
    on = at("nato-1949", False, "1949-08-24")
    assert (before["in_force"], before["in_force_since"]) == (False, None)
    assert (on["in_force"], on["in_force_since"]) == (True, "1949-08-24")
    assert before["pending"] == ["needs ratification by France"]


def test_nato_majority_reached_before_named_states() -> None:
    # with the [M] deposit dates, 7 ratifications are in by 12 August; France is missing
    result = at("nato-1949", False, "1949-08-12")
    consented = [c for c, p in result["parties"].items()  # type: ignore[attr-defined]
                 if p["standing"] == "consented"]
    assert len(consented) == 8
    assert result["pending"] == ["needs ratification by France"]


def test_nato_late_joiners_bound_on_deposit() -> None:
    result = at("nato-1949", False, "2024-03-07")
    parties = result["parties"]
    assert parties["GR"]["bound_since"] == "1952-02-18"  # type: ignore[index]
    assert parties["SE"]["bound_since"] == "2024-03-07"  # type: ignore[index]
    assert parties["FR"]["bound_since"] == "1949-08-24"  # type: ignore[index]


def test_budapest_effective_on_signature() -> None:
    assert at("budapest-1994", False, "1994-12-04")["in_force"] is False
    on = at("budapest-1994", False, "1994-12-05")
    assert on["in_force_since"] == "1994-12-05"
    assert on["legal_form"] == "disputed"
    assert {p["standing"] for p in on["parties"].values()} == {"bound"}  # type: ignore[attr-defined]


def test_istanbul_real_record_never_in_force() -> None:
    result = at("istanbul-2022", False, "2026-01-01")
    assert result["in_force"] is False
    assert "the referendum in Ukraine has not been held" in result["pending"]  # type: ignore[operator]
    assert result["hypothetical"] is True  # the treaty itself is a proposal


def test_istanbul_scenario_story() -> None:
    before = at("istanbul-2022", True, "2023-06-07")
    assert before["in_force"] is False
    assert before["pending"] == ["needs ratification by China"]
    on = at("istanbul-2022", True, "2023-06-08")
    assert on["in_force_since"] == "2023-06-08"
    parties = on["parties"]
    assert parties["IT"]["standing"] == "signatory"  # type: ignore[index]
    assert parties["IL"]["standing"] == "signatory"  # type: ignore[index]
    late = at("istanbul-2022", True, "2023-09-21")["parties"]
    assert late["IT"]["bound_since"] == "2023-09-21"  # type: ignore[index]
    final = at("istanbul-2022", True, "2030-01-01")
    assert final["parties"]["IL"]["standing"] == "signatory"  # type: ignore[index]
    assert final["parties"]["BY"]["bound_since"] == "2024-04-04"  # type: ignore[index]
    assert any(line.startswith("Israel signed on 2022-09-15")
               for line in final["pending"])  # type: ignore[attr-defined]


def test_istanbul_timeline_mixes_negotiation_and_instruments() -> None:
    loaded = bundle("istanbul-2022", True)
    entries = timeline(loaded.treaty, loaded.record)
    days = [e.day for e in entries]
    assert days == sorted(days)
    kinds = {e.kind for e in entries}
    assert {"negotiation", "instrument", "fact", "derived"} <= kinds
    istanbul = [e for e in entries if e.day == date(2022, 3, 29) and e.what == "talks_round"]
    assert "Ukraine (head: Davyd Arakhamia)" in istanbul[0].description
    assert all(e.hypothetical for e in entries if e.kind == "instrument")


# --- the Chemical Weapons Convention: late joiners counted from entry into force (issue 8) ----


def test_cwc_enters_into_force_180_days_after_the_65th_ratification() -> None:
    before = at("cwc-1993", False, "1997-04-28")
    assert before["in_force"] is False
    assert before["conditions_met_on"] == "1996-10-31"  # [V] Hungary's, the 65th
    on = at("cwc-1993", False, "1997-04-29")
    assert on["in_force_since"] == "1997-04-29"  # [V]


def test_cwc_a_state_depositing_before_entry_into_force_is_bound_on_it() -> None:
    # [V] the United States deposited on 1997-04-25, after the 65th instrument but before
    # entry into force: Art. XXI(2) covers only instruments "deposited subsequent to the
    # entry into force", so it is bound on 1997-04-29, not 30 days after deposit (1997-05-25)
    before = at("cwc-1993", False, "1997-04-28")["parties"]
    assert before["US"]["standing"] == "consented"  # type: ignore[index]
    us = at("cwc-1993", False, "1997-04-29")["parties"]["US"]  # type: ignore[index]
    assert us["consent"] == {"kind": "ratification", "date": "1997-04-25"}
    assert us["bound_since"] == "1997-04-29"
    assert us["bound_since"] != "1997-05-25"


def test_cwc_a_state_depositing_after_entry_into_force_is_bound_30_days_later() -> None:
    # [V] the Russian Federation: ratified 1997-11-05, a party from 1997-12-05
    assert at("cwc-1993", False, "1997-12-04")["parties"]["RU"]["standing"] == "consented"  # type: ignore[index]
    russia = at("cwc-1993", False, "1997-12-05")["parties"]["RU"]  # type: ignore[index]
    assert russia["bound_since"] == "1997-12-05"
